#include "ui/browser/annotation_bar.h"

#include "db/annotations.h"
#include "db/sqlite.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace gateau::ui {

AnnotationBar::AnnotationBar(QWidget* parent) : QWidget(parent) {
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(new QLabel(tr("Labels")));
    // The buttons may be clipped on a narrow window rather than widen it (a laptop).
    auto* buttons = new QWidget;
    buttons->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    buttonRow_ = new QHBoxLayout(buttons);
    buttonRow_->setContentsMargins(0, 0, 0, 0);
    buttonRow_->addStretch(1);
    row->addWidget(buttons, 1);
    auto* edit = new QToolButton;
    edit->setText(tr("Edit…"));
    edit->setToolTip(tr("Edit the project's label set"));
    row->addWidget(edit);
    team_ = new QLabel;
    team_->setObjectName("teamVotes");
    row->addWidget(team_);
    evidence_ = new QLabel;
    evidence_->setToolTip(tr("Evidence span of the current sample: select context tokens in the inspector and "
                             "press E (or right-click > Mark as Evidence)"));
    row->addWidget(evidence_);
    removeEvidence_ = new QToolButton;
    removeEvidence_->setText(QStringLiteral("×"));
    removeEvidence_->setToolTip(tr("Remove the evidence span (undoable)"));
    row->addWidget(removeEvidence_);

    tags_ = new QLineEdit;
    tags_->setPlaceholderText(tr("tags, comma-separated (Enter)"));
    tags_->setToolTip(tr("Free tags of the current sample; T adds a tag to every highlighted sample"));

    connect(edit, &QToolButton::clicked, this, &AnnotationBar::editLabelSet);
    connect(removeEvidence_, &QToolButton::clicked, this, [this] { emit removeEvidence(sampleId_); });
    connect(tags_, &QLineEdit::returnPressed, this, [this] {
        tags_->setModified(false);
        emit tagsEdited(sampleId_, parseTags(tags_->text()));
    });
    connect(tags_, &QLineEdit::editingFinished, this, [this] {
        if (!tags_->isModified()) return;
        tags_->setModified(false);
        emit tagsEdited(sampleId_, parseTags(tags_->text()));
    });
    showState(-1, nullptr);
}

QStringList AnnotationBar::parseTags(const QString& text) {
    QStringList out;
    for (const QString& part : text.split(QLatin1Char(','))) {
        const QString t = part.trimmed();
        if (!t.isEmpty() && !out.contains(t)) out << t;
    }
    return out;
}

void AnnotationBar::setLabelSet(const std::vector<std::string>& labels) {
    for (QToolButton* b : buttons_) delete b;
    buttons_.clear();
    for (size_t i = 0; i < labels.size(); ++i) {
        const QString name = QString::fromStdString(labels[i]);
        auto* b = new QToolButton;
        b->setCheckable(true);
        b->setProperty("label", name);
        b->setText(i < 9 ? QStringLiteral("%1 %2").arg(i + 1).arg(name) : name);
        b->setProperty("text0", b->text());
        b->setToolTip(i < 9 ? tr("Label \"%1\" (key %2) on every highlighted sample").arg(name).arg(i + 1)
                            : tr("Label \"%1\" on every highlighted sample").arg(name));
        connect(b, &QToolButton::clicked, this, [this, b, name] {
            b->setChecked(!b->isChecked());  // the state follows the stored labels, not the click
            emit labelClicked(name);
        });
        buttonRow_->insertWidget(int(i), b);
        buttons_ << b;
    }
}

void AnnotationBar::showState(qint64 sampleId, const OverrideState* state) {
    sampleId_ = state ? sampleId : -1;
    for (QToolButton* b : buttons_) {
        b->setEnabled(state != nullptr);
        const QString name = b->property("label").toString();
        bool on = false;
        if (state)
            for (const auto& l : state->annotations.labels) on = on || QString::fromStdString(l) == name;
        b->setChecked(on);
        // The checked look of a tool button is faint in several styles: say it in the text too.
        const QString text = b->property("text0").toString();
        b->setText(on ? QStringLiteral("✓ ") + text : text);
        QFont f = b->font();
        f.setBold(on);
        b->setFont(f);
    }
    tags_->setEnabled(state != nullptr);
    if (!tags_->hasFocus() || !tags_->isModified()) {
        QStringList tags;
        if (state)
            for (const auto& t : state->annotations.tags) tags << QString::fromStdString(t);
        tags_->setText(tags.join(QStringLiteral(", ")));
        tags_->setModified(false);
    }
    const bool ev = state && state->annotations.hasEvidence();
    evidence_->setText(ev ? tr("Evidence: bytes %1–%2").arg(state->annotations.evidenceStart).arg(state->annotations.evidenceEnd)
                          : tr("No evidence"));
    removeEvidence_->setEnabled(ev);
    // Shown where more than one annotator decided the sample or a lead adjudicated it:
    // short, so the label buttons keep their room on a laptop; the names are in the tooltip.
    const db::TeamVotes* t = state ? &state->team : nullptr;
    const bool team = t && (t->votes.size() > 1 || t->isAdjudicated());
    QStringList votes;
    int keeps = 0, drops = 0;
    if (team)
        for (const auto& [who, d] : t->votes) {
            votes << QStringLiteral("%1: %2").arg(who.empty() ? tr("(unnamed)") : QString::fromStdString(who),
                                                  QString::fromLatin1(db::decisionName(d)));
            (d == db::Decision::Keep ? keeps : drops) += 1;
        }
    const QString counts = tr("K %1 · D %2").arg(keeps).arg(drops);
    QString text;
    if (team && t->isAdjudicated())
        text = tr("%1 — <b>adjudicated %2</b>").arg(counts, QString::fromLatin1(db::decisionName(t->adjudicated)));
    else if (team)
        text = t->disputed() ? tr("%1 — <b style='color:#b3261e'>disputed</b>").arg(counts) : tr("%1 — agreed").arg(counts);
    if (team && t->isAdjudicated())
        votes << tr("adjudicated %1 by %2").arg(QString::fromLatin1(db::decisionName(t->adjudicated)),
                                                QString::fromStdString(t->adjudicator));
    team_->setText(text);
    team_->setToolTip(votes.join('\n') + QStringLiteral("\n\n") +
                      tr("On a sample another annotator decided, K / D adjudicate and C withdraws the adjudication "
                         "(docs/review-team.md)"));
    team_->setVisible(team);
}

std::optional<std::vector<std::string>> editLabelSetDialog(QWidget* parent, const std::vector<std::string>& current) {
    QDialog d(parent);
    d.setObjectName(QStringLiteral("labelSetDialog"));
    d.setWindowTitle(QDialog::tr("Label Set"));
    auto* col = new QVBoxLayout(&d);
    col->addWidget(new QLabel(QDialog::tr("One label per line; the first nine get the keys 1 to 9. Removing a label "
                                          "from the set leaves it on the samples that have it.")));
    auto* text = new QPlainTextEdit;
    QStringList lines;
    for (const auto& l : current) lines << QString::fromStdString(l);
    text->setPlainText(lines.join(QLatin1Char('\n')));
    col->addWidget(text);
    auto* error = new QLabel;
    error->setStyleSheet(QStringLiteral("color: #b2182b"));
    col->addWidget(error);
    auto* box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    QPushButton* defaults = box->addButton(QDialog::tr("Add Defaults"), QDialogButtonBox::ResetRole);
    col->addWidget(box);
    QObject::connect(defaults, &QPushButton::clicked, &d, [text] {
        QStringList have = text->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        for (const char* l : {"answer not in context", "truncated", "duplicate"})
            if (!have.contains(QLatin1String(l))) have << QLatin1String(l);
        text->setPlainText(have.join(QLatin1Char('\n')));
    });
    std::vector<std::string> out;
    QObject::connect(box, &QDialogButtonBox::rejected, &d, &QDialog::reject);
    QObject::connect(box, &QDialogButtonBox::accepted, &d, [&] {
        out.clear();
        try {
            int line = 0;
            for (const QString& l : text->toPlainText().split(QLatin1Char('\n'))) {
                ++line;
                if (l.trimmed().isEmpty()) continue;
                const std::string name = db::checkMarkName(l.toStdString(), "line " + std::to_string(line));
                for (const auto& o : out)
                    if (o == name) throw db::DbError("line " + std::to_string(line) + ": \"" + name + "\" is listed twice");
                out.push_back(name);
            }
        } catch (const std::exception& e) {
            error->setText(QString::fromStdString(e.what()));
            return;
        }
        d.accept();
    });
    if (d.exec() != QDialog::Accepted) return std::nullopt;
    return out;
}

}  // namespace gateau::ui
