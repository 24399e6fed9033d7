#include "ui/scoring/jobs_panel.h"

#include "db/run_store.h"
#include "ui/scoring/text_styles.h"
#include "ui/tasks/task_runner.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFrame>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMouseEvent>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <functional>

namespace gateau::ui {

namespace {

QString chipStyle(const QString& bg, const QString& fg) {
    return QStringLiteral("QLabel { background: %1; color: %2; border-radius: 7px; padding: 0px 7px; font-weight: 600; }")
        .arg(bg, fg);
}

QString tokensText(qint64 n) {
    if (n >= 1024 && n % 1024 == 0) return QStringLiteral("%1k").arg(n / 1024);
    return QString::number(n);
}

QString rateText(double r) {
    if (r <= 0) return QStringLiteral("–");
    return QString::number(r, 'f', r < 10 ? 2 : 1);
}

QString createdText(const QString& iso) {
    QDateTime t = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!t.isValid()) t = QDateTime::fromString(iso, Qt::ISODate);
    if (!t.isValid()) return iso;
    return t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString folderName(const std::string& path) {
    QString p = QDir::cleanPath(QString::fromStdString(path));
    const QString name = QFileInfo(p).fileName();
    return name.isEmpty() ? p : name;
}

RunRow rowFrom(const db::RunInfo& r, qint64 sampleCount) {
    RunRow row;
    row.id = r.id;
    row.createdAt = QString::fromStdString(r.createdAt);
    row.status = QString::fromStdString(r.status);
    row.done = r.done;
    row.failed = r.failed;
    row.pending = std::max<qint64>(0, sampleCount - r.done - r.failed);
    try {
        const scoring::RunConfig c = scoring::runConfigFromCanonical(r.configJson);
        row.summary = QStringLiteral("%1 → %2 · L %3 · %4 tok")
                          .arg(folderName(c.modelA), folderName(c.modelB))
                          .arg(c.prompt.segmentLen)
                          .arg(tokensText(c.prompt.maxTokens));
        if (c.stretchA != 1.0) row.summary += QStringLiteral(" · A×%1").arg(c.stretchA, 0, 'g', 4);
        if (c.dtype != "auto") row.summary += QStringLiteral(" · %1").arg(QString::fromStdString(c.dtype));
        row.details = QObject::tr("Model A: %1\nModel B: %2\nSegment length L: %3\nMax tokens: %4\nStretch A: %5\n"
                                  "Dtype: %6\nAdd BOS: %7\nTemplate: %8\nConfig hash: %9")
                          .arg(QString::fromStdString(c.modelA), QString::fromStdString(c.modelB))
                          .arg(c.prompt.segmentLen)
                          .arg(c.prompt.maxTokens)
                          .arg(c.stretchA)
                          .arg(QString::fromStdString(c.dtype), c.prompt.addBos ? QObject::tr("yes") : QObject::tr("no"),
                               QString::fromStdString(c.prompt.templ).replace('\n', QLatin1String("⏎")),
                               QString::fromStdString(r.configHash).left(16));
    } catch (const std::exception& e) {
        row.summary = QObject::tr("unreadable config");
        row.details = QString::fromStdString(e.what());
    }
    return row;
}

}  // namespace

// One run: header (id, status, created), config summary, counts, and while this window scores
// it, progress, rates, devices and the job buttons.
class RunCard : public QFrame {
public:
    explicit RunCard(QWidget* parent = nullptr) : QFrame(parent) {
        setFrameShape(QFrame::StyledPanel);
        setAutoFillBackground(true);
        setCursor(Qt::PointingHandCursor);
        auto* v = new QVBoxLayout(this);
        v->setContentsMargins(8, 6, 8, 6);
        v->setSpacing(3);

        auto* head = new QHBoxLayout;
        head->setSpacing(6);
        idLabel = new QLabel;
        QFont bold = idLabel->font();
        bold.setBold(true);
        idLabel->setFont(bold);
        status = new QLabel;
        status->setObjectName("status");
        QFont small = status->font();
        small.setPointSizeF(small.pointSizeF() * 0.9);
        status->setFont(small);
        created = new QLabel;
        created->setStyleSheet(mutedStyle());
        created->setFont(small);
        head->addWidget(idLabel);
        head->addWidget(status);
        head->addStretch(1);
        head->addWidget(created);
        v->addLayout(head);

        summary = new QLabel;
        summary->setObjectName("summary");
        summary->setStyleSheet(mutedStyle());
        summary->setMinimumWidth(10);
        summary->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
        v->addWidget(summary);

        auto* countsRow = new QHBoxLayout;
        counts = new QLabel;
        counts->setObjectName("counts");
        countsRow->addWidget(counts, 1);
        resumeRun = new QPushButton(QObject::tr("Resume"));
        resumeRun->setObjectName("resume");
        resumeRun->setToolTip(QObject::tr("Score the pending samples of this run"));
        resumeRun->setCursor(Qt::ArrowCursor);
        countsRow->addWidget(resumeRun);
        v->addLayout(countsRow);

        active = new QWidget;
        auto* av = new QVBoxLayout(active);
        av->setContentsMargins(0, 2, 0, 0);
        av->setSpacing(3);
        progress = new QProgressBar;
        progress->setObjectName("progress");
        progress->setMaximumHeight(progress->fontMetrics().height() + 4);
        progress->setTextVisible(true);
        av->addWidget(progress);
        auto* stats = new QHBoxLayout;
        stats->setSpacing(8);
        rate = new QLabel;
        rate->setObjectName("rate");
        eta = new QLabel;
        eta->setObjectName("eta");
        failures = new QLabel;
        failures->setObjectName("failures");
        stats->addWidget(rate);
        stats->addWidget(eta);
        stats->addWidget(failures);
        stats->addStretch(1);
        pause = new QToolButton;
        pause->setObjectName("pause");
        pause->setText(QObject::tr("Pause"));
        pause->setCursor(Qt::ArrowCursor);
        cancel = new QToolButton;
        cancel->setObjectName("cancel");
        cancel->setText(QObject::tr("Cancel"));
        cancel->setToolTip(QObject::tr("Stop; samples already scored are kept and the run can be resumed"));
        cancel->setCursor(Qt::ArrowCursor);
        stats->addWidget(pause);
        stats->addWidget(cancel);
        av->addLayout(stats);
        deviceLines = new QLabel;
        deviceLines->setObjectName("devices");
        deviceLines->setFont(small);
        deviceLines->setTextFormat(Qt::RichText);
        av->addWidget(deviceLines);
        v->addWidget(active);

        error = new QLabel;
        error->setObjectName("error");
        error->setStyleSheet("color: #c62828;");
        error->setWordWrap(true);
        error->setFont(small);
        v->addWidget(error);

        active->hide();
        error->hide();
        resumeRun->hide();
    }

    void setRow(const RunRow& r) {
        row = r;
        idLabel->setText(QStringLiteral("#%1").arg(r.id));
        created->setText(createdText(r.createdAt));
        created->setToolTip(QObject::tr("Created %1 (UTC)").arg(r.createdAt));
        summaryText = r.summary;
        summary->setToolTip(r.details);
        idLabel->setToolTip(r.details);
        elideSummary();
        refreshStatic();
    }

    void setPreparing(const QString& what) {
        idLabel->setText(QObject::tr("New run"));
        summaryText = what;
        elideSummary();
        setChip(QObject::tr("preparing"), "#e3f2fd", "#1565c0");
    }

    void setController(JobController* c) {
        controller = c;
        active->setVisible(c != nullptr);
        if (c) {
            snapshot = c->snapshot();
            updateActive();
        }
        refreshStatic();
    }

    // Counts and status chip for a run this window is not scoring (or the stored part).
    void refreshStatic() {
        const QLocale loc;
        qint64 done = row.done, failed = row.failed, pending = row.pending;
        if (controller && snapshot.runId > 0 && snapshot.phase != QLatin1String("preparing")) {
            done = snapshot.runDone;
            failed = snapshot.runFailed;
            pending = std::max<qint64>(0, snapshot.total - snapshot.done - snapshot.failed);
        }
        QString c = QObject::tr("%1 done · %2 failed · %3 pending").arg(loc.toString(done), loc.toString(failed), loc.toString(pending));
        counts->setText(c);
        counts->setVisible(!(controller && snapshot.runId == 0));  // preparing: nothing to count yet
        if (controller) {
            const bool paused = snapshot.paused;
            if (snapshot.phase == QLatin1String("preparing")) setChip(QObject::tr("preparing"), "#e3f2fd", "#1565c0");
            else if (snapshot.phase == QLatin1String("settling") || snapshot.phase == QLatin1String("done"))
                setChip(QObject::tr("finishing"), "#e3f2fd", "#1565c0");
            else if (paused) setChip(QObject::tr("paused"), "#fff3e0", "#a15c00");
            else setChip(QObject::tr("running"), "#e3f2fd", "#1565c0");
            resumeRun->hide();
        } else if (row.id > 0) {
            if (row.status == QLatin1String("complete")) setChip(QObject::tr("complete"), "#e8f5e9", "#2e7d32");
            else if (row.status == QLatin1String("partial")) setChip(QObject::tr("interrupted"), "#fff3e0", "#a15c00");
            else setChip(QObject::tr("open"), "#eeeeee", "#555555");
            // An open run nobody here is scoring was stopped without settling (a crash): resumable too.
            resumeRun->setVisible(row.status != QLatin1String("complete") && row.pending > 0);
        }
    }

    void updateActive() {
        const JobSnapshot& s = snapshot;
        const qint64 finished = s.done + s.failed;
        if (s.phase == QLatin1String("preparing") || s.phase == QLatin1String("resuming") || s.total <= 0) {
            if (s.phase == QLatin1String("done") || s.phase == QLatin1String("settling") ||
                (s.phase == QLatin1String("scoring") && s.total == 0)) {
                progress->setRange(0, 1);
                progress->setValue(1);
            } else {
                progress->setRange(0, 0);  // busy: hashing weights / loading
            }
            progress->setFormat(s.phase == QLatin1String("preparing") ? QObject::tr("hashing model weights…") : QString());
        } else {
            progress->setRange(0, int(std::min<qint64>(s.total, INT32_MAX)));
            progress->setValue(int(std::min<qint64>(finished, INT32_MAX)));
            progress->setFormat(s.paused ? QObject::tr("%p% · paused") : QObject::tr("%p%  (%v / %m)"));
        }
        rate->setText(QObject::tr("%1 samples/s").arg(rateText(s.samplesPerSecond)));
        rate->setToolTip(QObject::tr("Elapsed %1 (pauses excluded)").arg(formatDuration(s.elapsedSeconds)));
        eta->setText(QObject::tr("ETA %1").arg(formatDuration(s.paused ? -1 : s.etaSeconds)));
        failures->setText(s.failed == 1 ? QObject::tr("1 failure") : QObject::tr("%1 failures").arg(s.failed));
        failures->setStyleSheet(s.failed > 0 ? QStringLiteral("color: #c62828;") : mutedStyle());
        failures->setToolTip(s.lastFailure.isEmpty() ? QObject::tr("No failures") : QObject::tr("Last failure: %1").arg(s.lastFailure));
        pause->setText(s.paused ? QObject::tr("Resume") : QObject::tr("Pause"));
        const bool scoring = s.phase == QLatin1String("scoring") || s.phase == QLatin1String("preparing") ||
                             s.phase == QLatin1String("resuming");
        pause->setEnabled(scoring);
        cancel->setEnabled(scoring);

        QStringList lines;
        for (const auto& d : s.devices) {
            QString state = d.state.toHtmlEscaped();
            if (d.state == QLatin1String("failed")) state = QStringLiteral("<span style='color:#c62828'>failed</span>");
            else if (d.state == QLatin1String("running")) state = QStringLiteral("<span style='color:#1565c0'>running</span>");
            QString line = QStringLiteral("<b>%1</b> %2 · %3 done").arg(d.device.toHtmlEscaped(), state).arg(d.done);
            if (d.failed > 0) line += QObject::tr(" · %1 failed").arg(d.failed);
            line += QStringLiteral(" · %1/s").arg(rateText(d.samplesPerSecond));
            if (d.state == QLatin1String("failed") && !d.error.isEmpty())
                line += QStringLiteral("<br><span style='color:#c62828'>%1</span>").arg(d.error.left(160).toHtmlEscaped());
            lines << line;
        }
        deviceLines->setText(lines.join(QStringLiteral("<br>")));
        deviceLines->setVisible(!lines.isEmpty());
        refreshStatic();
    }

    void setError(const QString& e) {
        error->setText(e.left(300));
        error->setToolTip(e);
        error->setVisible(!e.isEmpty());
    }

    void setSelected(bool on) {
        selected = on;
        setStyleSheet(on ? QStringLiteral("QFrame#%1 { border: 2px solid palette(highlight); border-radius: 4px; }").arg(objectName())
                         : QString());
    }

    std::function<void()> onClicked;
    RunRow row;
    JobSnapshot snapshot;
    QPointer<JobController> controller;
    bool selected = false;

    QLabel *idLabel, *status, *created, *summary, *counts, *rate, *eta, *failures, *deviceLines, *error;
    QPushButton* resumeRun;
    QToolButton *pause, *cancel;
    QProgressBar* progress;
    QWidget* active;

protected:
    void mousePressEvent(QMouseEvent* e) override {
        if (e->button() == Qt::LeftButton && onClicked) onClicked();
        QFrame::mousePressEvent(e);
    }
    void resizeEvent(QResizeEvent* e) override {
        QFrame::resizeEvent(e);
        elideSummary();
    }

private:
    void setChip(const QString& text, const char* bg, const char* fg) {
        status->setText(text);
        status->setStyleSheet(chipStyle(QString::fromLatin1(bg), QString::fromLatin1(fg)));
    }
    void elideSummary() {
        const int w = std::max(40, summary->width());
        summary->setText(summary->fontMetrics().elidedText(summaryText, Qt::ElideMiddle, w));
    }
    QString summaryText;
};

JobsPanel::JobsPanel(QWidget* parent) : QWidget(parent) {
    QSettings settings;
    for (const QString& d : settings.value(QStringLiteral("scoring/devices"), QStringLiteral("cpu")).toString().split(',', Qt::SkipEmptyParts))
        defaultDevices_.push_back(d.trimmed().toStdString());
    if (defaultDevices_.empty()) defaultDevices_ = {"cpu"};

    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(4, 4, 4, 4);
    v->setSpacing(4);
    auto* head = new QHBoxLayout;
    title_ = new QLabel(tr("Scoring runs"));
    QFont f = title_->font();
    f.setBold(true);
    title_->setFont(f);
    head->addWidget(title_, 1);
    refreshButton_ = new QToolButton;
    refreshButton_->setObjectName("refresh");
    refreshButton_->setText(QStringLiteral("⟳"));
    refreshButton_->setToolTip(tr("Reload the run list"));
    refreshButton_->setAutoRaise(true);
    connect(refreshButton_, &QToolButton::clicked, this, &JobsPanel::refresh);
    auto* newRun = new QToolButton;
    newRun->setObjectName("newRun");
    newRun->setText(tr("New run…"));
    newRun->setToolTip(tr("Score the project's samples with a new configuration"));
    connect(newRun, &QToolButton::clicked, this, &JobsPanel::newRunRequested);
    head->addWidget(refreshButton_);
    head->addWidget(newRun);
    v->addLayout(head);

    message_ = new QLabel;
    message_->setObjectName("message");
    message_->setWordWrap(true);
    message_->setAlignment(Qt::AlignCenter);
    message_->setStyleSheet(mutedStyle());
    v->addWidget(message_);

    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    cardHost_ = new QWidget;
    cardLayout_ = new QVBoxLayout(cardHost_);
    cardLayout_->setContentsMargins(0, 0, 0, 0);
    cardLayout_->setSpacing(6);
    cardLayout_->addStretch(1);
    scroll->setWidget(cardHost_);
    v->addWidget(scroll, 1);
    setMinimumWidth(300);
    updateEmptyState();
}

JobsPanel::~JobsPanel() {
    for (const auto& c : controllers_)
        if (c) c->cancel();
    for (const auto& c : controllers_) delete c.data();  // joins
    controllers_.clear();
}

void JobsPanel::setProject(const QString& path) {
    if (path == project_ && !path.isEmpty()) {
        refresh();
        return;
    }
    project_ = path;
    rows_.clear();
    for (RunCard* c : std::as_const(cards_)) c->deleteLater();
    cards_.clear();
    for (RunCard* c : std::as_const(preparingCards_)) c->deleteLater();
    preparingCards_.clear();
    selected_ = 0;
    problem_.clear();
    title_->setText(path.isEmpty() ? tr("Scoring runs") : tr("Scoring runs · %1").arg(QFileInfo(path).fileName()));
    title_->setToolTip(path);
    for (const auto& c : controllers_)
        if (c && c->projectPath() == project_) adopt(c);
    updateEmptyState();
    refresh();
}

void JobsPanel::setDefaultDevices(const std::vector<std::string>& devices) {
    defaultDevices_ = devices.empty() ? std::vector<std::string>{"cpu"} : devices;
}

QList<JobController*> JobsPanel::activeControllers() const {
    QList<JobController*> out;
    for (const auto& c : controllers_)
        if (c && c->isRunning()) out << c.data();
    return out;
}

JobController* JobsPanel::controllerFor(qint64 runId) const {
    for (const auto& c : controllers_)
        if (c && c->projectPath() == project_ && c->runId() == runId && c->isRunning()) return c.data();
    return nullptr;
}

QWidget* JobsPanel::runCard(qint64 runId) const { return cards_.value(runId, nullptr); }

void JobsPanel::selectRun(qint64 runId) {
    for (auto it = cards_.begin(); it != cards_.end(); ++it) it.value()->setSelected(it.key() == runId);
    if (runId == selected_) return;
    selected_ = runId;
    emit runSelected(runId);
}

JobController* JobsPanel::startRun(const scoring::RunConfig& config, const std::vector<std::string>& devices) {
    if (project_.isEmpty()) return nullptr;
    problem_.clear();
    auto* c = new JobController(this);
    controllers_ << c;
    c->start(project_, config, devices.empty() ? defaultDevices_ : devices);
    adopt(c);
    updateEmptyState();
    return c;
}

JobController* JobsPanel::resumeRun(qint64 runId) {
    if (project_.isEmpty() || controllerFor(runId)) return nullptr;
    auto* c = new JobController(this);
    controllers_ << c;
    lastErrors_.remove(runId);
    if (RunCard* card = cards_.value(runId)) card->setError({});
    c->resume(project_, runId, defaultDevices_);
    adopt(c);
    return c;
}

// Connects a controller of the current project and gives it a card.
void JobsPanel::adopt(JobController* c) {
    disconnect(c, nullptr, this, nullptr);
    connect(c, &JobController::started, this, [this, c](qint64 id) { onStarted(c, id); });
    connect(c, &JobController::progressed, this, [this, c](const JobSnapshot& s) { onProgress(c, s); });
    connect(c, &JobController::samplesStored, this, &JobsPanel::samplesStored);
    connect(c, &JobController::finished, this,
            [this, c](qint64 id, const QString& outcome, const QString& error) { onFinished(c, id, outcome, error); });
    if (c->projectPath() != project_ && !c->projectPath().isEmpty()) return;
    if (c->runId() > 0) {
        RunCard* card = cardFor(c->runId());
        card->setController(c);
    } else if (!preparingCards_.contains(c)) {
        auto* card = new RunCard;
        card->setObjectName(QStringLiteral("run-new"));
        card->setPreparing(tr("Hashing the model weights…"));
        card->setController(c);
        bindCard(card);
        preparingCards_.insert(c, card);
    }
    rebuild();
}

void JobsPanel::onStarted(JobController* c, qint64 runId) {
    if (c->projectPath() != project_) return;
    RunCard* prep = preparingCards_.take(c);
    if (prep) prep->deleteLater();
    RunCard* card = cardFor(runId);
    card->setController(c);
    if (card->row.id == 0) {  // a new run: known after the next refresh
        RunRow r;
        r.id = runId;
        r.status = QStringLiteral("open");
        card->setRow(r);
    }
    rebuild();
    refresh();
}

void JobsPanel::onProgress(JobController* c, const JobSnapshot& s) {
    if (c->projectPath() != project_) return;
    RunCard* card = s.runId > 0 ? cards_.value(s.runId) : preparingCards_.value(c);
    if (!card) card = preparingCards_.value(c);
    if (!card) return;
    card->snapshot = s;
    card->updateActive();
}

void JobsPanel::onFinished(JobController* c, qint64 runId, const QString& outcome, const QString& error) {
    controllers_.removeAll(QPointer<JobController>(c));
    if (c->projectPath() == project_) {
        if (RunCard* prep = preparingCards_.take(c)) prep->deleteLater();
        QString msg = error;
        if (outcome == QLatin1String("failed") && msg.isEmpty()) msg = tr("Scoring failed");
        if (!msg.isEmpty()) {
            if (runId > 0) lastErrors_.insert(runId, msg);
            else problem_ = tr("Could not start the run: %1").arg(msg);
        }
        if (RunCard* card = cards_.value(runId)) {
            const JobSnapshot& s = card->snapshot;
            if (s.runId == runId && s.phase == QLatin1String("done")) {  // until the refresh lands
                card->row.done = s.runDone;
                card->row.failed = s.runFailed;
                card->row.pending = std::max<qint64>(0, s.total - s.done - s.failed);
                card->row.status = card->row.pending == 0 ? QStringLiteral("complete") : QStringLiteral("partial");
            }
            card->setController(nullptr);
            card->setError(msg);
        }
        rebuild();
        refresh();
    }
    c->deleteLater();
    if (runId > 0) emit runFinished(runId);
}

RunCard* JobsPanel::cardFor(qint64 runId) {
    if (RunCard* c = cards_.value(runId)) return c;
    auto* card = new RunCard;
    card->setObjectName(QStringLiteral("run-%1").arg(runId));
    card->row.id = runId;
    bindCard(card);
    cards_.insert(runId, card);
    if (runId == selected_) card->setSelected(true);
    return card;
}

void JobsPanel::bindCard(RunCard* card) {
    card->onClicked = [this, card] {
        if (card->row.id > 0) selectRun(card->row.id);
    };
    connect(card->resumeRun, &QPushButton::clicked, this, [this, card] {
        if (card->row.id > 0) resumeRun(card->row.id);
    });
    connect(card->pause, &QToolButton::clicked, this, [card] {
        if (!card->controller) return;
        if (card->controller->isPaused()) card->controller->resume();
        else card->controller->pause();
    });
    connect(card->cancel, &QToolButton::clicked, this, [card] {
        if (card->controller) card->controller->cancel();
    });
}

void JobsPanel::rebuild() {
    // Detach every card from the layout (keeping the trailing stretch), then re-add in order.
    while (cardLayout_->count() > 1) cardLayout_->takeAt(0);  // widgets stay parented to cardHost_
    int at = 0;
    for (RunCard* c : std::as_const(preparingCards_)) {
        cardLayout_->insertWidget(at++, c);
        c->show();
    }
    QList<qint64> ids = cards_.keys();
    std::sort(ids.begin(), ids.end(), std::greater<qint64>());
    for (qint64 id : ids) {
        RunCard* c = cards_.value(id);
        cardLayout_->insertWidget(at++, c);
        c->show();
    }
    updateEmptyState();
}

void JobsPanel::updateEmptyState() {
    const bool empty = cards_.isEmpty() && preparingCards_.isEmpty();
    QString text = problem_;
    if (text.isEmpty() && project_.isEmpty()) text = tr("Open a project to see its scoring runs.");
    else if (text.isEmpty() && empty) text = tr("No scoring runs yet. Start one with “New run…”.");
    message_->setText(text);
    message_->setStyleSheet(problem_.isEmpty() ? mutedStyle() : QStringLiteral("color: #c62828;"));
    message_->setVisible(!text.isEmpty());
}

void JobsPanel::refresh() {
    static const QString kLane = QStringLiteral("runs");
    if (project_.isEmpty()) {
        TaskRunner::instance().drop(this, kLane);
        emit runsRefreshed();
        return;
    }
    const std::string path = project_.toStdString();
    TaskRunner::instance().run<QList<RunRow>>(
        this, kLane,
        [path](const CancelToken&) {
            QList<RunRow> rows;
            auto store = db::ProjectStore::openReadOnly(path);
            const qint64 samples = store.sampleCount();
            for (const auto& r : db::listRuns(store)) rows.prepend(rowFrom(r, samples));
            return rows;
        },
        [this](TaskResult<QList<RunRow>>& r) {
            if (r.status != TaskStatus::Cancelled) applyRows(r.value, r.error);
        });
}

void JobsPanel::applyRows(const QList<RunRow>& rows, const QString& error) {
    if (!error.isEmpty()) {
        problem_ = tr("Could not read the runs: %1").arg(error);
        updateEmptyState();
    } else {
        if (problem_.startsWith(tr("Could not read"))) problem_.clear();
        rows_ = rows;
        for (const RunRow& r : rows) {
            RunCard* card = cardFor(r.id);
            card->setRow(r);
            card->setError(lastErrors_.value(r.id));
            if (!card->controller)
                if (JobController* c = controllerFor(r.id)) card->setController(c);
        }
        rebuild();
    }
    emit runsRefreshed();
}

}  // namespace gateau::ui
