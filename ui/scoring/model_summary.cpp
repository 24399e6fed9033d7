#include "ui/scoring/model_summary.h"

#include "core/model/arch.h"
#include "core/model/checkpoint.h"
#include "core/model/config_json.h"
#include "core/model/engine.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>

#include <limits>

namespace gateau::ui {

namespace {

QString ropeScalingText(const model::RopeScaling& rs) {
    using T = model::RopeScaling::Type;
    QString name;
    switch (rs.type) {
    case T::None: return QStringLiteral("none");
    case T::Linear: name = QStringLiteral("linear"); break;
    case T::Dynamic: name = QStringLiteral("dynamic"); break;
    case T::Llama3: name = QStringLiteral("llama3"); break;
    case T::Yarn: name = QStringLiteral("yarn"); break;
    case T::LongRope: name = QStringLiteral("longrope"); break;
    }
    return QStringLiteral("%1 ×%2").arg(name).arg(rs.factor, 0, 'g', 4);
}

}  // namespace

QString humanCount(quint64 n) {
    const double v = double(n);
    if (v < 1e3) return QString::number(n);
    if (v < 1e6) return QStringLiteral("%1K").arg(v / 1e3, 0, 'f', 1);
    if (v < 1e9) return QStringLiteral("%1M").arg(v / 1e6, 0, 'f', 1);
    if (v < 1e12) return QStringLiteral("%1B").arg(v / 1e9, 0, 'f', 1);
    return QStringLiteral("%1T").arg(v / 1e12, 0, 'f', 1);
}

ModelSummary describeModel(const QString& spec) {
    ModelSummary s;
    s.dir = spec;
    if (spec.trimmed().isEmpty()) {
        s.error = QObject::tr("choose a checkpoint folder or a cached Hugging Face model");
        return s;
    }
    try {
        s.dir = QString::fromStdString(model::resolveModelDir(QDir::fromNativeSeparators(spec.trimmed()).toStdString()));
    } catch (const std::exception& e) {
        s.error = QString::fromStdString(e.what());
        return s;
    }
    const QString dir = s.dir;
    const QFileInfo fi(dir);
    if (!fi.exists()) {
        s.error = QObject::tr("%1: no such folder").arg(dir);
        return s;
    }
    if (!fi.isDir()) {
        s.error = QObject::tr("%1: not a folder").arg(dir);
        return s;
    }
    try {
        const auto ck = model::Checkpoint::open(dir.toStdString());
        ck.validate();
        const model::ModelConfig& c = ck.config();
        s.arch = QString::fromLatin1(model::archName(c.arch));
        for (const auto& name : ck.tensorNames())
            if (auto t = ck.find(name)) s.parameters += t->numel();
        s.layers = c.numLayers;
        s.hidden = c.hiddenSize;
        s.heads = c.numHeads;
        s.kvHeads = c.numKvHeads;
        s.vocab = c.vocabSize;
        s.contextWindow = c.maxPositionEmbeddings;
        s.slidingWindow = c.numLayers > 0 ? std::numeric_limits<qint64>::max() : 0;
        for (int64_t l = 0; l < c.numLayers; ++l) s.slidingWindow = std::min<qint64>(s.slidingWindow, model::layerWindow(c, l));
        s.ropeTheta = c.ropeTheta;
        s.ropeScaling = ropeScalingText(c.ropeScaling);
        s.config = c;
        const QDir d(dir);
        s.hasTokenizer = d.exists(QStringLiteral("tokenizer.json")) || d.exists(QStringLiteral("tokenizer.model"));
        s.ok = true;
    } catch (const std::exception& e) {
        s.error = QString::fromStdString(e.what());
    }
    return s;
}

MachineInventory takeMachineInventory() {
    // CUDA is initialised once per process (seconds on some drivers); the cache is re-read on
    // every call, as models are downloaded while the workbench runs.
    static const int gpus = [] {
        try {
            return model::cudaDeviceCount();
        } catch (...) {
            return 0;
        }
    }();
    MachineInventory inv;
    inv.cacheDir = model::hfHubCacheDir();
    inv.cached = model::listCachedModels(inv.cacheDir);
    inv.devices.push_back("cpu");
    for (int i = 0; i < gpus; ++i) inv.devices.push_back("cuda:" + std::to_string(i));
    return inv;
}

}  // namespace gateau::ui
