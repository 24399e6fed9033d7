#include "ui/team_review.h"

#include "ui/tasks/task_runner.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace gateau::ui {

QString mergeReviewCopies(const std::string& projectPath, const QStringList& copies) {
    auto store = db::ProjectStore::open(projectPath, false);
    for (const QString& c : copies) db::checkReviewCopy(store, c.toStdString());
    QStringList lines;
    for (const QString& c : copies) {
        const std::string copy = c.toStdString();
        const db::ReviewMergeResult r = db::mergeReviewCopy(store, copy, db::defaultCopyAnnotator(copy));
        QStringList who;
        for (const auto& n : r.annotators) who << QString::fromStdString(n);
        lines << QObject::tr("%1: %2 review rows added, %3 already present (annotators: %4)")
                     .arg(QFileInfo(c).fileName())
                     .arg(r.added)
                     .arg(r.alreadyPresent)
                     .arg(who.isEmpty() ? QObject::tr("none") : who.join(", "));
    }
    store.finish();
    const db::AgreementReport rep = db::agreementReport(store);
    lines << QObject::tr("%1 annotators, %2 samples decided, %3 disputed (%4 adjudicated)")
                 .arg(rep.annotators.size())
                 .arg(rep.decided)
                 .arg(rep.disputed)
                 .arg(rep.adjudicated);
    return lines.join('\n');
}

void askAndMergeReviews(QWidget* parent, const std::string& projectPath, std::function<void(const QString&, bool)> done) {
    const QStringList copies = QFileDialog::getOpenFileNames(parent, QObject::tr("Merge reviews from annotators' copies"),
                                                             QString(), QObject::tr("Gateau projects (*.gateau)"));
    if (copies.isEmpty()) return;
    TaskRunner::instance().run<QString>(
        parent, QStringLiteral("mergeReviews"),
        [projectPath, copies](const CancelToken&) { return mergeReviewCopies(projectPath, copies); },
        [done](TaskResult<QString>& r) {
            if (r.status == TaskStatus::Finished) done(r.value, false);
            if (r.status == TaskStatus::Failed) done(r.error, true);
        });
}

namespace {
QString fixed(double v) { return std::isnan(v) ? QObject::tr("n/a") : QString::number(v, 'f', 3); }
}  // namespace

AgreementDialog::AgreementDialog(const db::AgreementReport& rep, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Annotator Agreement"));
    setObjectName("agreementDialog");
    QStringList who;
    for (const auto& n : rep.annotators) who << QString::fromStdString(n);
    auto* summary = new QLabel(
        tr("<b>Annotators:</b> %1<br><b>%2</b> samples decided, <b>%3</b> disputed, <b>%4</b> of them adjudicated.")
            .arg(who.isEmpty() ? tr("none") : who.join(", ").toHtmlEscaped())
            .arg(rep.decided)
            .arg(rep.disputed)
            .arg(rep.adjudicated));
    summary->setWordWrap(true);
    table_ = new QTableWidget(0, 5);
    table_->setHorizontalHeaderLabels({tr("Scope"), tr("Annotators"), tr("Samples"), tr("Agreement"), tr("Kappa")});
    table_->horizontalHeaderItem(3)->setToolTip(tr("Raw agreement: the share of samples both gave the same answer"));
    table_->horizontalHeaderItem(4)->setToolTip(
        tr("Cohen's kappa for a pair, Fleiss' kappa for all: agreement beyond chance, 1 perfect, 0 chance level; "
           "n/a when chance agreement is certain (everyone gave one answer)"));
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    auto addRow = [this](const QString& scope, const QString& who, size_t n, double agree, double kappa, bool overall) {
        const int r = table_->rowCount();
        table_->insertRow(r);
        const QStringList cells{scope, who, QString::number(n), fixed(agree), fixed(kappa)};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c >= 2) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (overall) {
                QFont f = item->font();
                f.setBold(true);
                item->setFont(f);
            }
            table_->setItem(r, c, item);
        }
    };
    for (const auto& s : rep.scopes) {
        const QString scope = QString::fromStdString(s.what);
        for (const auto& p : s.pairs)
            addRow(scope, QString::fromStdString(p.a + " / " + p.b), p.agreement.items, p.agreement.observed, p.agreement.kappa,
                   rep.annotators.size() == 2);
        if (rep.annotators.size() > 2) addRow(scope, tr("all (Fleiss)"), s.overall.items, s.overall.observed, s.overall.kappa, true);
    }
    table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    table_->resizeColumnsToContents();
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    QPushButton* queue = buttons->addButton(tr("Open the &Adjudication Queue"), QDialogButtonBox::ActionRole);
    queue->setEnabled(rep.disputed > rep.adjudicated);
    connect(queue, &QPushButton::clicked, this, [this] {
        emit adjudicationQueueRequested();
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summary);
    if (rep.annotators.size() < 2)
        layout->addWidget(new QLabel(tr("Agreement needs two annotators' decisions: merge their copies with File > Merge Reviews…")));
    layout->addWidget(table_, 1);
    layout->addWidget(buttons);
    resize(680, 540);
}

void showAgreement(QWidget* parent, const std::string& projectPath, std::function<void()> queue) {
    TaskRunner::instance().run<db::AgreementReport>(
        parent, QStringLiteral("agreement"),
        [projectPath](const CancelToken&) {
            auto store = db::ProjectStore::openReadOnly(projectPath);
            return db::agreementReport(store);
        },
        [parent, queue](TaskResult<db::AgreementReport>& r) {
            if (r.status == TaskStatus::Failed) QMessageBox::warning(parent, QObject::tr("Agreement"), r.error);
            if (r.status != TaskStatus::Finished) return;
            auto* d = new AgreementDialog(r.value, parent);
            d->setAttribute(Qt::WA_DeleteOnClose);
            QObject::connect(d, &AgreementDialog::adjudicationQueueRequested, parent, [queue] { queue(); });
            d->show();
        });
}

}  // namespace gateau::ui
