#include "ui/scoring/scoring_dialog.h"

#include "core/model/hf_cache.h"
#include "core/scoring/prompt.h"
#include "core/scoring/scorers/scorer.h"
#include "ui/scoring/text_styles.h"
#include "ui/tasks/task_runner.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTextDocument>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace gateau::ui {

namespace {

QString thetaText(double theta) {
    if (theta >= 1e6 && std::fmod(theta, 1e5) == 0) return QStringLiteral("%1M").arg(theta / 1e6, 0, 'g', 4);
    return QString::number(theta, 'g', 10);
}

}  // namespace

// The cache's models fill both rows' lists; the GPUs join the device list and take the checks
// the settings asked for before they were counted.
void ScoringDialog::showInventory(const MachineInventory& inv) {
    const QString cacheDir = QString::fromStdString(inv.cacheDir);
    for (ModelRow* row : {&a_, &b_}) {
        QComboBox& combo = *row->models;
        const QString typed = row->path->text();  // clear() would empty the field
        combo.clear();
        for (const auto& m : inv.cached) {
            const QString spec = QString::fromStdString(m.spec());
            const QString type = QString::fromStdString(m.modelType.empty() ? "?" : m.modelType);
            const QString note = m.supported ? type : tr("%1, not usable").arg(type);
            const QString size = m.sizeBytes >= 100000000 ? tr("%1 GB").arg(double(m.sizeBytes) / 1e9, 0, 'f', 1)
                                                          : tr("%1 MB").arg(double(m.sizeBytes) / 1e6, 0, 'f', 1);
            combo.addItem(QStringLiteral("%1   (%2, %3)").arg(spec, note, size), spec);
            const int i = combo.count() - 1;
            combo.setItemData(i, QString::fromStdString(m.supported ? m.dir : m.dir + "\n" + m.problem), Qt::ToolTipRole);
            if (!m.supported) combo.setItemData(i, QColor(0x99, 0x99, 0x99), Qt::ForegroundRole);
        }
        combo.setToolTip(inv.cached.empty()
                             ? tr("No models in the Hugging Face cache (%1)").arg(cacheDir)
                             : tr("%n model(s) in the Hugging Face cache %1", nullptr, int(inv.cached.size())).arg(cacheDir));
        combo.setCurrentIndex(-1);
        row->path->setText(typed);
    }
    {
        const QSignalBlocker block(deviceList_);
        deviceList_->clear();
        for (const auto& d : inv.devices) {
            auto* item = new QListWidgetItem(d == "cpu" ? tr("CPU") : QString::fromStdString(d));
            item->setData(Qt::UserRole, QString::fromStdString(d));
            item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
            item->setCheckState(Qt::Unchecked);
            deviceList_->addItem(item);
        }
        const int rowH = deviceList_->sizeHintForRow(0) > 0 ? deviceList_->sizeHintForRow(0) : 20;
        deviceList_->setMaximumHeight(rowH * std::min(5, deviceList_->count()) + 2 * deviceList_->frameWidth() + 4);
    }
    inventoryTaken_ = true;
    setDevices(wantedDevices_);
    if (devices().empty()) setDevices({"cpu"});  // the remembered GPUs are gone
}

void ScoringDialog::takeInventory() {
    TaskRunner::instance().run<MachineInventory>(
        this, QStringLiteral("inventory"), [](const CancelToken&) { return takeMachineInventory(); },
        [this](TaskResult<MachineInventory>& r) {
            if (r.status == TaskStatus::Finished) showInventory(r.value);
            else if (r.status == TaskStatus::Failed) showInventory(MachineInventory{{}, {}, {"cpu"}});
        });
}

ScoringDialog::ScoringDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Score samples"));
    buildUi();
    loadSettings();
    takeInventory();
    validateModel(a_);
    validateModel(b_);
}

QWidget* ScoringDialog::buildModelRow(ModelRow& row, const QString& objectPrefix) {
    auto* w = new QWidget;
    auto* v = new QVBoxLayout(w);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(2);
    auto* h = new QHBoxLayout;
    // A folder typed or browsed, or a model of the local Hugging Face cache picked from the list.
    row.models = new QComboBox;
    row.models->setObjectName(objectPrefix + "Models");
    row.models->setEditable(true);
    row.models->setInsertPolicy(QComboBox::NoInsert);
    row.models->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    row.models->setMinimumContentsLength(24);
    row.models->setCompleter(nullptr);  // its inline completion would type the list's annotations
    row.path = row.models->lineEdit();
    row.path->setObjectName(objectPrefix + "Path");
    row.path->setPlaceholderText(tr("checkpoint folder (config.json + *.safetensors) or cached model, e.g. Qwen/Qwen3-8B"));
    row.path->setClearButtonEnabled(true);
    row.models->setToolTip(tr("Looking in the Hugging Face cache…"));
    auto* browseButton = new QPushButton(tr("Browse…"));
    browseButton->setObjectName(objectPrefix + "Browse");
    h->addWidget(row.models, 1);
    h->addWidget(browseButton);
    v->addLayout(h);
    row.info = new QLabel;
    row.info->setObjectName(objectPrefix + "Info");
    row.info->setWordWrap(true);
    row.info->setTextInteractionFlags(Qt::TextSelectableByMouse);
    v->addWidget(row.info);

    row.debounce = new QTimer(this);
    row.debounce->setSingleShot(true);
    row.debounce->setInterval(250);
    ModelRow* r = &row;
    connect(row.debounce, &QTimer::timeout, this, [this, r] { validateModel(*r); });
    connect(row.path, &QLineEdit::textEdited, this, [this, r] {
        r->checked = false;
        r->debounce->start();
        revalidate();
    });
    connect(row.path, &QLineEdit::editingFinished, this, [this, r] {
        if (!r->checked) validateModel(*r);
    });
    // The list shows "repo (type, size)"; the field gets what resolveModelDir takes.
    connect(row.models, &QComboBox::activated, this, [this, r](int i) {
        r->path->setText(r->models->itemData(i).toString());
        validateModel(*r);
    });
    const QString title = &row == &a_ ? tr("Model A (short window)") : tr("Model B (long window)");
    connect(browseButton, &QPushButton::clicked, this, [this, r, title] { browse(*r, title); });
    return w;
}

void ScoringDialog::buildUi() {
    auto* root = new QVBoxLayout(this);

    // Models
    auto* models = new QGroupBox(tr("Models"));
    auto* mf = new QFormLayout(models);
    mf->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    auto* aRow = buildModelRow(a_, QStringLiteral("modelA"));
    auto* bRow = buildModelRow(b_, QStringLiteral("modelB"));
    auto* aLabel = new QLabel(tr("A · short:"));
    aLabel->setToolTip(tr("Model A: the short native context window (e.g. Llama-2-7B, 4k)"));
    auto* bLabel = new QLabel(tr("B · long:"));
    bLabel->setToolTip(tr("Model B: the same family with an extended window (rope_theta raised, e.g. 64k); "
                          "its tokenizer is the run's tokenizer"));
    mf->addRow(aLabel, aRow);
    mf->addRow(bLabel, bRow);
    pairWarning_ = new QLabel;
    pairWarning_->setObjectName("pairWarning");
    pairWarning_->setWordWrap(true);
    pairWarning_->setStyleSheet(kWarnStyle);
    pairWarning_->hide();
    mf->addRow(pairWarning_);
    root->addWidget(models);

    auto* middle = new QHBoxLayout;
    // Run settings (part of the run identity, except the devices)
    auto* run = new QGroupBox(tr("Run"));
    auto* rf = new QFormLayout(run);
    segmentLen_ = new QSpinBox;
    segmentLen_->setObjectName("segmentLen");
    segmentLen_->setRange(1, 1 << 20);
    segmentLen_->setSuffix(tr(" tokens"));
    segmentLen_->setToolTip(tr("L: CAM splits the context into segments of this many tokens"));
    rf->addRow(tr("Segment length L:"), segmentLen_);
    maxTokens_ = new QSpinBox;
    maxTokens_->setObjectName("maxTokens");
    maxTokens_->setRange(1, 1 << 30);
    maxTokens_->setSingleStep(1024);
    maxTokens_->setSuffix(tr(" tokens"));
    maxTokens_->setToolTip(tr("Prompt budget: longer prompts lose context tokens from the left"));
    rf->addRow(tr("Max tokens:"), maxTokens_);
    stretchA_ = new QDoubleSpinBox;
    stretchA_->setObjectName("stretchA");
    stretchA_->setRange(1.0, 1024.0);
    stretchA_->setDecimals(2);
    stretchA_->setSingleStep(0.5);
    stretchA_->setSpecialValueText(tr("1 (off)"));
    stretchA_->setToolTip(tr("Dynamic-NTK RoPE scaling factor applied to model A on long inputs; 1 = A as configured"));
    stretchHint_ = new QLabel;
    stretchHint_->setObjectName("stretchHint");
    stretchHint_->setStyleSheet(mutedStyle());
    auto* stretchRow = new QHBoxLayout;
    stretchRow->addWidget(stretchA_);
    stretchRow->addWidget(stretchHint_, 1);
    rf->addRow(tr("Stretch A:"), stretchRow);
    dtype_ = new QComboBox;
    dtype_->setObjectName("dtype");
    dtype_->addItems({"auto", "float32", "bfloat16", "float16"});
    dtype_->setToolTip(tr("Compute dtype; auto: bfloat16 on GPUs and on CPUs with AVX512-BF16 or AMX, else "
                          "float32. The run records the dtype auto resolves to."));
    rf->addRow(tr("Dtype:"), dtype_);
    // The split rules (METHOD.md "Sample anatomy"), named as in RUN.json.
    instruction_ = new QComboBox;
    instruction_->setObjectName("instruction");
    instruction_->addItems(QString::fromStdString(scoring::knownInstructionRules()).split(QStringLiteral(", ")));
    instruction_->setToolTip(tr("last_paragraph: the instruction is the final user turn's last paragraph, the rest "
                                "of it is context; whole_turn: the whole final user turn, the context is the "
                                "earlier turns"));
    rf->addRow(tr("Instruction:"), instruction_);
    responseTurn_ = new QComboBox;
    responseTurn_->setObjectName("responseTurn");
    responseTurn_->addItems(QString::fromStdString(scoring::knownResponseTurns()).split(QStringLiteral(", ")));
    responseTurn_->setToolTip(tr("Which assistant turn is scored; later turns are not part of the prompt"));
    rf->addRow(tr("Scored turn:"), responseTurn_);
    addBos_ = new QCheckBox(tr("Prepend BOS"));
    addBos_->setObjectName("addBos");
    addBos_->setToolTip(tr("Only when the tokenizer has a BOS token"));
    rf->addRow(QString(), addBos_);
    middle->addWidget(run, 3);

    // Devices + ranking
    auto* side = new QVBoxLayout;
    auto* devBox = new QGroupBox(tr("Devices"));
    auto* dv = new QVBoxLayout(devBox);
    deviceList_ = new QListWidget;
    deviceList_->setObjectName("devices");
    deviceList_->setToolTip(tr("One worker per checked device, each with its own copy of A and B"));
    // The GPUs are counted off the GUI thread (showInventory); until then only the CPU.
    auto* cpu = new QListWidgetItem(tr("CPU"));
    cpu->setData(Qt::UserRole, QStringLiteral("cpu"));
    cpu->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
    cpu->setCheckState(Qt::Checked);
    deviceList_->addItem(cpu);
    auto* looking = new QListWidgetItem(tr("looking for GPUs…"));
    looking->setFlags(Qt::NoItemFlags);
    deviceList_->addItem(looking);
    dv->addWidget(deviceList_);
    connect(deviceList_, &QListWidget::itemChanged, this, [this] {
        wantedDevices_ = devices();  // a click before the GPUs are listed is what counts
        revalidate();
    });
    side->addWidget(devBox);
    auto* rankBox = new QGroupBox(tr("Ranking"));
    auto* kf = new QFormLayout(rankBox);
    alpha_ = new QDoubleSpinBox;
    alpha_->setObjectName("alpha");
    alpha_->setRange(0.0, 1.0);
    alpha_->setDecimals(2);
    alpha_->setSingleStep(0.05);
    alpha_->setToolTip(tr("score = α·HMG + (1−α)·CAM. Used when ranking; not part of the run, so changing it "
                          "never re-scores"));
    kf->addRow(tr("Alpha α:"), alpha_);
    side->addWidget(rankBox);
    // Opt-in scorers cost passes of their own: offered unchecked, one box each, from the
    // registry (docs/scorers.md), so a new one needs no change here.
    auto* extraBox = new QGroupBox(tr("Extra scorers"));
    auto* ev = new QVBoxLayout(extraBox);
    for (const scoring::Scorer* sc : scoring::registeredScorers()) {
        if (!sc->optIn()) continue;
        auto* box = new QCheckBox(QString::fromStdString(sc->displayName()));
        box->setObjectName(QString::fromStdString("optIn_" + sc->key()));
        box->setToolTip(tr("%1. Runs passes of its own (slower); RUN.json \"%2\": 1")
                            .arg(QString::fromStdString(sc->description()), QString::fromStdString(sc->key())));
        ev->addWidget(box);
        optIn_.emplace_back(sc->key(), box);
    }
    if (optIn_.empty()) delete extraBox;
    else side->addWidget(extraBox);
    side->addStretch(1);
    middle->addLayout(side, 2);
    root->addLayout(middle);

    // Template
    auto* tBox = new QGroupBox(tr("Prompt template"));
    auto* tv = new QVBoxLayout(tBox);
    template_ = new QPlainTextEdit;
    template_->setObjectName("template");
    template_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    template_->setTabChangesFocus(true);
    template_->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    const QFontMetrics fm(template_->font());
    template_->setFixedHeight(fm.lineSpacing() * 6 + 12);
    tv->addWidget(template_);
    templateStatus_ = new QLabel;
    templateStatus_->setObjectName("templateStatus");
    templateStatus_->setWordWrap(true);
    tv->addWidget(templateStatus_);
    root->addWidget(tBox);

    problemsLabel_ = new QLabel;
    problemsLabel_->setObjectName("problems");
    problemsLabel_->setWordWrap(true);
    problemsLabel_->setStyleSheet(kWarnStyle);
    root->addWidget(problemsLabel_);

    buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons_->button(QDialogButtonBox::Ok)->setText(tr("Start scoring"));
    connect(buttons_, &QDialogButtonBox::accepted, this, &ScoringDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &ScoringDialog::reject);
    root->addWidget(buttons_);

    auto changed = [this] { revalidate(); };
    connect(segmentLen_, qOverload<int>(&QSpinBox::valueChanged), this, changed);
    connect(maxTokens_, qOverload<int>(&QSpinBox::valueChanged), this, changed);
    connect(instruction_, &QComboBox::currentTextChanged, this, changed);
    connect(responseTurn_, &QComboBox::currentTextChanged, this, changed);
    connect(template_, &QPlainTextEdit::textChanged, this, changed);

    resize(680, sizeHint().height());
}

void ScoringDialog::browse(ModelRow& row, const QString& title) {
    QString start = row.summary.ok ? row.summary.dir : row.path->text().trimmed();
    if (start.isEmpty()) start = (&row == &a_ ? b_ : a_).summary.dir;
    if (!start.isEmpty()) start = QFileInfo(start).absolutePath();
    const QString dir = QFileDialog::getExistingDirectory(this, title, start);
    if (dir.isEmpty()) return;
    row.path->setText(QDir::toNativeSeparators(dir));
    validateModel(row);
}

// Reading a checkpoint (every tensor header, a scan of the weights) and two tokenizers takes
// from milliseconds to seconds: both run on the task runner, the newest path of a row wins,
// and OK stays disabled ("Checking model A…") until the answers are in.
void ScoringDialog::validateModel(ModelRow& row) {
    row.debounce->stop();
    row.checked = false;
    row.info->setStyleSheet(mutedStyle());
    row.info->setText(tr("checking…"));
    revalidate();
    const QString dir = row.path->text().trimmed();
    ModelRow* r = &row;
    TaskRunner::instance().run<ModelSummary>(
        this, &row == &a_ ? QStringLiteral("model-a") : QStringLiteral("model-b"),
        [dir](const CancelToken&) { return describeModel(dir); },
        [this, r](TaskResult<ModelSummary>& result) {
            if (result.status != TaskStatus::Finished) return;
            r->summary = std::move(result.value);
            r->checked = true;
            showSummary(*r);
            checkTokenizers();
            revalidate();
        });
}

bool ScoringDialog::checking() const {
    return TaskRunner::instance().busy(const_cast<ScoringDialog*>(this), QStringLiteral("model-a")) ||
           TaskRunner::instance().busy(const_cast<ScoringDialog*>(this), QStringLiteral("model-b")) ||
           TaskRunner::instance().busy(const_cast<ScoringDialog*>(this), QStringLiteral("tokenizers")) ||
           TaskRunner::instance().busy(const_cast<ScoringDialog*>(this), QStringLiteral("inventory"));
}

void ScoringDialog::showSummary(ModelRow& row) {
    const ModelSummary& s = row.summary;
    if (!s.ok) {
        row.info->setStyleSheet(row.path->text().trimmed().isEmpty() ? mutedStyle() : kErrorStyle);
        row.info->setText(s.error.toHtmlEscaped());
    } else {
        row.info->setStyleSheet(QString());
        QString kv = s.kvHeads != s.heads ? tr(" (%1 KV)").arg(s.kvHeads) : QString();
        QString text;
        if (QDir::fromNativeSeparators(row.path->text().trimmed()) != s.dir)  // a cached model: say which snapshot
            text = tr("snapshot %1<br>").arg(QDir::toNativeSeparators(s.dir).toHtmlEscaped());
        text += tr("<b>%1</b> · %2 parameters · %3 layers × %4 hidden · %5 heads%6 · vocab %7<br>"
                          "context window <b>%8</b> tokens%11 · rope θ %9 · rope scaling %10")
                           .arg(s.arch.toHtmlEscaped(), humanCount(s.parameters))
                           .arg(s.layers)
                           .arg(s.hidden)
                           .arg(s.heads)
                           .arg(kv)
                           .arg(s.vocab)
                           .arg(s.contextWindow)
                           .arg(thetaText(s.ropeTheta), s.ropeScaling.toHtmlEscaped(),
                                s.slidingWindow > 0 ? tr(", sliding window <b>%1</b> in every layer").arg(s.slidingWindow)
                                                    : QString());
        if (&row == &b_ && !s.hasTokenizer)
            text += QStringLiteral("<br><span style='%1'>%2</span>")
                        .arg(kErrorStyle, tr("no tokenizer.json or tokenizer.model here: the run's tokenizer comes "
                                             "from model B"));
        row.info->setText(text);
    }
}

QString ScoringDialog::tokenizerPairKey() const {
    if (!a_.checked || !b_.checked || !a_.summary.ok || !b_.summary.ok || !b_.summary.hasTokenizer) return {};
    return a_.summary.dir + QLatin1Char('\n') + b_.summary.dir;
}

void ScoringDialog::checkTokenizers() {
    // On pick, not on every keystroke elsewhere: reading two tokenizers takes a moment.
    const QString pair = tokenizerPairKey();
    if (pair.isEmpty() || pair == tokenizerPair_) return;
    const std::string a = a_.summary.dir.toStdString(), b = b_.summary.dir.toStdString();
    TaskRunner::instance().run<scoring::PairCheck>(
        this, QStringLiteral("tokenizers"),
        [a, b](const CancelToken&) {
            try {
                return scoring::checkTokenizerPair(a, b);
            } catch (const std::exception& e) {
                return scoring::PairCheck{scoring::PairCheck::Verdict::Refuse, e.what()};
            }
        },
        [this, pair](TaskResult<scoring::PairCheck>& result) {
            if (result.status != TaskStatus::Finished) return;
            tokenizerCheck_ = result.value;
            tokenizerPair_ = pair;
            revalidate();
        });
}

scoring::PromptConfig ScoringDialog::promptConfig() const {
    scoring::PromptConfig p;
    p.templ = template_->toPlainText().toStdString();
    p.maxTokens = maxTokens_->value();
    p.segmentLen = segmentLen_->value();
    p.addBos = addBos_->isChecked();
    p.instruction = scoring::instructionRuleFromName(instruction_->currentText().toStdString()).value_or(p.instruction);
    p.responseTurn = scoring::responseTurnFromName(responseTurn_->currentText().toStdString()).value_or(p.responseTurn);
    return p;
}

void ScoringDialog::revalidate() {
    // Template (and the numbers validate() checks with it).
    templateError_.clear();
    try {
        scoring::validate(promptConfig());
    } catch (const std::exception& e) {
        templateError_ = QString::fromStdString(e.what());
    }
    if (templateError_.isEmpty()) {
        templateStatus_->setStyleSheet(mutedStyle());
        templateStatus_->setText(tr("{context}, {instruction} and {response} in this order; only response tokens "
                                    "are scored."));
    } else {
        templateStatus_->setStyleSheet(kErrorStyle);
        templateStatus_->setText(templateError_);
    }

    // A/B pair.
    QStringList warnings;
    pairErrors_.clear();
    const ModelSummary& a = a_.summary;
    const ModelSummary& b = b_.summary;
    if (a_.checked && b_.checked && a.ok && b.ok) {
        // The same checks as `gateau score` (docs/scoring.md "Checks before a run").
        const scoring::PairCheck budget = scoring::checkContextBudget(b.config, maxTokens_->value());
        const bool tokenizersChecked = tokenizerPair_ == a.dir + QLatin1Char('\n') + b.dir;
        const scoring::PairCheck* checks[] = {&budget, tokenizersChecked ? &tokenizerCheck_ : nullptr};
        for (const scoring::PairCheck* c : checks) {
            if (!c) continue;
            if (c->verdict == scoring::PairCheck::Verdict::Refuse) pairErrors_ << QString::fromStdString(c->message);
            else if (!c->message.empty()) warnings << QString::fromStdString(c->message);
        }
        if (a.reach() >= b.reach())
            warnings << tr("A's reach (%1 tokens) is not shorter than B's (%2): A should be the short-window model.")
                            .arg(a.reach())
                            .arg(b.reach());
        if (a.vocab != b.vocab)
            warnings << tr("Vocabularies differ (A %1, B %2): both models read B's tokenization.").arg(a.vocab).arg(b.vocab);
        if (a.arch != b.arch) warnings << tr("Architectures differ (A %1, B %2): HMG expects homologous models.").arg(a.arch, b.arch);
        if (a.reach() > 0 && b.reach() > a.reach()) {
            const double ratio = double(b.reach()) / double(a.reach());
            stretchHint_->setText(tr("B/A window: %1×").arg(ratio, 0, 'g', 3));
        } else {
            stretchHint_->clear();
        }
    } else {
        stretchHint_->clear();
    }
    pairWarning_->setText(warnings.join('\n'));
    pairWarning_->setVisible(!warnings.isEmpty());

    // Model and template errors show next to their fields; the rest goes above the buttons.
    QStringList elsewhere;
    if (!a_.checked || !b_.checked) elsewhere << tr("Checking the models…");
    else if (!tokenizerPairKey().isEmpty() && tokenizerPairKey() != tokenizerPair_) elsewhere << tr("Checking the tokenizers…");
    if (!inventoryTaken_) elsewhere << tr("Looking for GPUs…");
    else if (devices().empty()) elsewhere << tr("Check at least one device.");
    elsewhere << pairErrors_;
    problemsLabel_->setText(elsewhere.join('\n'));
    problemsLabel_->setVisible(!elsewhere.isEmpty());
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(problems().isEmpty());
    fitHeight();
}

void ScoringDialog::fitHeight() {
    // Word-wrapped labels grow in height; QLayout's minimum size does not see it.
    QTimer::singleShot(0, this, [this] {
        if (!layout()) return;
        const int need = layout()->hasHeightForWidth() ? layout()->totalHeightForWidth(width()) : sizeHint().height();
        if (height() < need) resize(width(), need);
    });
}

QString ScoringDialog::problems() const {
    QStringList out;
    auto check = [&](const ModelRow& r, const QString& name) {
        if (!r.checked) out << tr("Checking model %1…").arg(name);
        else if (!r.summary.ok) out << tr("Model %1: %2").arg(name, r.summary.error);
    };
    check(a_, QStringLiteral("A"));
    check(b_, QStringLiteral("B"));
    if (b_.checked && b_.summary.ok && !b_.summary.hasTokenizer) out << tr("Model B has no tokenizer.");
    if (!tokenizerPairKey().isEmpty() && tokenizerPairKey() != tokenizerPair_) out << tr("Checking the tokenizers…");
    if (!inventoryTaken_) out << tr("Looking for GPUs…");
    else if (devices().empty()) out << tr("Check at least one device.");
    if (!templateError_.isEmpty()) out << tr("Template: %1").arg(templateError_);
    out << pairErrors_;
    return out.join('\n');
}

bool ScoringDialog::isValid() const { return problems().isEmpty(); }

QString ScoringDialog::modelInfo(Model which) const {
    const QLabel* l = which == Model::A ? a_.info : b_.info;
    QTextDocument doc;
    doc.setHtml(l->text());
    return doc.toPlainText();
}

QString ScoringDialog::pairWarnings() const { return pairWarning_->text(); }

QString ScoringDialog::templateMessage() const { return templateStatus_->text(); }

std::vector<std::string> ScoringDialog::devices() const {
    std::vector<std::string> out;
    for (int i = 0; i < deviceList_->count(); ++i) {
        const auto* item = deviceList_->item(i);
        if (item->checkState() == Qt::Checked) out.push_back(item->data(Qt::UserRole).toString().toStdString());
    }
    return out;
}

void ScoringDialog::setDevices(const std::vector<std::string>& devices) {
    wantedDevices_ = devices;
    const QSignalBlocker block(deviceList_);
    for (int i = 0; i < deviceList_->count(); ++i) {
        auto* item = deviceList_->item(i);
        if (!(item->flags() & Qt::ItemIsUserCheckable)) continue;
        const std::string d = item->data(Qt::UserRole).toString().toStdString();
        item->setCheckState(std::find(devices.begin(), devices.end(), d) != devices.end() ? Qt::Checked : Qt::Unchecked);
    }
    revalidate();
}

double ScoringDialog::alpha() const { return alpha_->value(); }
void ScoringDialog::setAlpha(double alpha) { alpha_->setValue(alpha); }

scoring::RunConfig ScoringDialog::runConfig() const {
    scoring::RunConfig c;
    // Folders as RUN.json ends up with them: a repo id names its snapshot (an error is left
    // to the run, which reports it; OK is disabled until both models were found).
    auto folder = [](const ModelRow& row) {
        const std::string spec = QDir::fromNativeSeparators(row.path->text().trimmed()).toStdString();
        try {
            return model::resolveModelDir(spec);
        } catch (const std::exception&) {
            return spec;
        }
    };
    c.modelA = folder(a_);
    c.modelB = folder(b_);
    c.prompt = promptConfig();
    c.stretchA = stretchA_->value();
    c.dtype = dtype_->currentText().toStdString();
    for (const auto& [key, box] : optIn_) c.scorers[key] = box->isChecked() ? 1.0 : 0.0;
    std::string joined;
    for (const auto& d : devices()) joined += (joined.empty() ? "" : ",") + d;
    c.device = joined.empty() ? "cpu" : joined;
    return c;
}

void ScoringDialog::setFromConfig(const scoring::RunConfig& c) {
    a_.path->setText(QDir::toNativeSeparators(QString::fromStdString(c.modelA)));
    b_.path->setText(QDir::toNativeSeparators(QString::fromStdString(c.modelB)));
    segmentLen_->setValue(int(std::min<int64_t>(c.prompt.segmentLen, segmentLen_->maximum())));
    maxTokens_->setValue(int(std::min<int64_t>(c.prompt.maxTokens, maxTokens_->maximum())));
    addBos_->setChecked(c.prompt.addBos);
    template_->setPlainText(QString::fromStdString(c.prompt.templ));
    stretchA_->setValue(c.stretchA);
    const int di = dtype_->findText(QString::fromStdString(c.dtype));
    dtype_->setCurrentIndex(di >= 0 ? di : 0);
    instruction_->setCurrentText(QString::fromLatin1(scoring::instructionRuleName(c.prompt.instruction)));
    responseTurn_->setCurrentText(QString::fromLatin1(scoring::responseTurnName(c.prompt.responseTurn)));
    for (const auto& [key, box] : optIn_) box->setChecked(c.scorers.count(key) && c.scorers.at(key) != 0);
    std::vector<std::string> devs;
    for (const QString& d : QString::fromStdString(c.device).split(',', Qt::SkipEmptyParts)) devs.push_back(d.trimmed().toStdString());
    if (!devs.empty()) setDevices(devs);
    validateModel(a_);
    validateModel(b_);
}

void ScoringDialog::loadSettings() {
    QSettings s;
    s.beginGroup(QStringLiteral("scoring"));
    const scoring::PromptConfig defaults;
    scoring::RunConfig c;
    c.modelA = s.value("modelA").toString().toStdString();
    c.modelB = s.value("modelB").toString().toStdString();
    c.prompt.segmentLen = s.value("segmentLen", qlonglong(defaults.segmentLen)).toLongLong();
    c.prompt.maxTokens = s.value("maxTokens", qlonglong(defaults.maxTokens)).toLongLong();
    c.prompt.addBos = s.value("addBos", defaults.addBos).toBool();
    c.prompt.templ = s.value("template", QString::fromStdString(defaults.templ)).toString().toStdString();
    c.stretchA = s.value("stretchA", 1.0).toDouble();
    c.dtype = s.value("dtype", "auto").toString().toStdString();
    c.prompt.instruction = scoring::instructionRuleFromName(s.value("instruction").toString().toStdString())
                               .value_or(defaults.instruction);
    c.prompt.responseTurn = scoring::responseTurnFromName(s.value("responseTurn").toString().toStdString())
                                .value_or(defaults.responseTurn);
    c.device = s.value("devices", "cpu").toString().toStdString();
    for (const auto& [key, box] : optIn_) c.scorers[key] = s.value(QString::fromStdString("optIn/" + key), 0.0).toDouble();
    const double alpha = s.value("alpha", 0.7).toDouble();
    s.endGroup();

    setFromConfig(c);
    alpha_->setValue(alpha);
}

void ScoringDialog::saveSettings() const {
    QSettings s;
    s.beginGroup(QStringLiteral("scoring"));
    const scoring::RunConfig c = runConfig();
    // As typed: a repo id stays one, and picks up the cache's newer snapshot next time.
    s.setValue("modelA", QDir::fromNativeSeparators(a_.path->text().trimmed()));
    s.setValue("modelB", QDir::fromNativeSeparators(b_.path->text().trimmed()));
    s.setValue("segmentLen", qlonglong(c.prompt.segmentLen));
    s.setValue("maxTokens", qlonglong(c.prompt.maxTokens));
    s.setValue("addBos", c.prompt.addBos);
    s.setValue("template", QString::fromStdString(c.prompt.templ));
    s.setValue("stretchA", c.stretchA);
    s.setValue("dtype", QString::fromStdString(c.dtype));
    s.setValue("instruction", QString::fromLatin1(scoring::instructionRuleName(c.prompt.instruction)));
    s.setValue("responseTurn", QString::fromLatin1(scoring::responseTurnName(c.prompt.responseTurn)));
    s.setValue("devices", QString::fromStdString(c.device));
    for (const auto& [key, box] : optIn_) s.setValue(QString::fromStdString("optIn/" + key), c.scorers.at(key));
    s.setValue("alpha", alpha());
    s.endGroup();
}

void ScoringDialog::accept() {
    // OK is disabled while a check runs; Enter in a path field lands here before its check.
    if (!a_.checked && !TaskRunner::instance().busy(this, QStringLiteral("model-a"))) validateModel(a_);
    if (!b_.checked && !TaskRunner::instance().busy(this, QStringLiteral("model-b"))) validateModel(b_);
    if (!isValid()) return;
    saveSettings();
    QDialog::accept();
}

}  // namespace gateau::ui
