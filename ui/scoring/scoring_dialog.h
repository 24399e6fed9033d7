#pragma once
// "Score samples": picks models A (short window) and B (long window), the devices and the
// prompt/segment settings of a scoring run (METHOD.md), validating as the user types. OK is
// enabled only for a config the scorer accepts. Remembers the last values (QSettings group
// "scoring"). alpha is shown for the ranking default; it is not part of the run identity.
#include "ui/scoring/model_summary.h"
#include "core/scoring/model_pair.h"
#include "core/scoring/run_config.h"

#include <QDialog>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <string>
#include <vector>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QSpinBox;
class QTimer;

namespace gateau::ui {

class ScoringDialog : public QDialog {
    Q_OBJECT
public:
    enum class Model { A, B };

    explicit ScoringDialog(QWidget* parent = nullptr);

    scoring::RunConfig runConfig() const;   // device: the checked devices, comma-joined
    std::vector<std::string> devices() const;  // checked, in list order
    double alpha() const;
    void setFromConfig(const scoring::RunConfig& config);  // also checks config.device's devices
    void setDevices(const std::vector<std::string>& devices);
    void setAlpha(double alpha);

    bool isValid() const;      // what enables OK
    bool checking() const;     // a model or the tokenizer pair is being read (off the GUI thread)
    QString problems() const;  // why OK is disabled, one line per problem (empty when valid)
    QString modelInfo(Model which) const;  // the info/error text shown under the folder (plain)
    QString pairWarnings() const;          // A/B window, vocabulary and max_tokens warnings (plain)
    QString templateMessage() const;       // the template's validation text (plain)


public slots:
    void accept() override;  // remembers the values, then closes

private:
    struct ModelRow {
        QComboBox* models = nullptr;  // editable: the cached models, or any folder typed
        QLineEdit* path = nullptr;    // models' line edit
        QLabel* info = nullptr;
        QTimer* debounce = nullptr;
        ModelSummary summary;
        bool checked = false;  // summary reflects path's current text
    };

    void buildUi();
    void takeInventory();  // starts the look at the Hugging Face cache and the GPUs
    void showInventory(const MachineInventory& inventory);
    QWidget* buildModelRow(ModelRow& row, const QString& objectPrefix);
    void browse(ModelRow& row, const QString& title);
    void validateModel(ModelRow& row);  // starts the check; the row shows "checking…"
    void showSummary(ModelRow& row);
    void checkTokenizers();              // A and B read, B with a tokenizer: the pair check
    QString tokenizerPairKey() const;    // "A\nB" once that check can run, else empty
    void revalidate();  // recomputes warnings, template state and OK
    void fitHeight();   // grows the dialog when wrapped labels need more room
    void loadSettings();
    void saveSettings() const;
    scoring::PromptConfig promptConfig() const;

    ModelRow a_, b_;
    bool inventoryTaken_ = false;
    // The devices last asked for (settings, setFromConfig, setDevices): the GPUs among them
    // are only listed once they have been counted, off the GUI thread.
    std::vector<std::string> wantedDevices_;
    QLabel* pairWarning_ = nullptr;
    QListWidget* deviceList_ = nullptr;
    QSpinBox* segmentLen_ = nullptr;
    QSpinBox* maxTokens_ = nullptr;
    QDoubleSpinBox* stretchA_ = nullptr;
    QLabel* stretchHint_ = nullptr;
    QComboBox* dtype_ = nullptr;
    QComboBox* instruction_ = nullptr;
    QComboBox* responseTurn_ = nullptr;
    QCheckBox* addBos_ = nullptr;
    // One checkbox per opt-in scorer of the registry (its key: RUN.json's switch).
    std::vector<std::pair<std::string, QCheckBox*>> optIn_;
    QPlainTextEdit* template_ = nullptr;
    QLabel* templateStatus_ = nullptr;
    QDoubleSpinBox* alpha_ = nullptr;
    QLabel* problemsLabel_ = nullptr;
    QDialogButtonBox* buttons_ = nullptr;
    QString templateError_;
    // Model A's tokenizer against B's (scoring::checkTokenizerPair), computed when a model
    // is picked, for the pair of folders in tokenizerPair_; refusals of the pair in pairErrors_.
    scoring::PairCheck tokenizerCheck_;
    QString tokenizerPair_;
    QStringList pairErrors_;
};

}  // namespace gateau::ui
