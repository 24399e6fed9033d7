#pragma once
// One explanation per score name, shared by every tooltip that shows one (table headers, the
// alpha control, the inspector's summary, the plots' score choices), so they never disagree.
// Definitions: METHOD.md. Header-only: the inspector and plot libraries use it too.
#include <QCoreApplication>
#include <QHash>
#include <QString>

namespace gateau::ui::glossary {

inline QString tr(const char* text) { return QCoreApplication::translate("Glossary", text); }

inline QString hmg() {
    return tr("HMG, Homologous Models' Guidance: how much more the long-window model B gains on the response than its "
              "short-window twin A (pool softmax of the min-max normalised PPL_A - PPL_B). High: the response depends "
              "on long-range context.");
}
inline QString cam() {
    return tr("CAM, Contextual Awareness Measurement: pool softmax of the normalised 1 - CAS. High: model B's attention "
              "misses the segments that actually help, so the long input is hard to use.");
}
inline QString cas() {
    return tr("CAS: cosine between the segment importance I (how much each context segment alone helps model B "
              "predict the response) and model B's attention A over the segments; in [0, 1].");
}
inline QString ifd() {
    return tr("IFD, instruction-following difficulty (Cherry-LLM baseline): PPL_B(response | context, instruction) / "
              "PPL_B(response alone). High: the prompt helps little.");
}
inline QString pplA() { return tr("PPL_A: perplexity of the response under the short-window model A"); }
inline QString pplB() {
    return tr("PPL_B: perplexity of the response under the long-window model B (the perplexity guidance baseline)");
}
inline QString alpha() {
    return tr("alpha: weight of HMG against CAM, score = alpha * HMG + (1 - alpha) * CAM (paper: 0.7). Moving it "
              "re-ranks from the stored raw values; nothing is re-scored.");
}
inline QString combined() { return tr("Combined GATEAU score: alpha * HMG + (1 - alpha) * CAM"); }

// Explanations added at start-up for scores the list below does not know: the plug-in
// scorers' descriptions (MainWindow registers them from core/scoring/scorers; this header
// stays free of the engine so the plot library can use it alone). Keys as explain() folds them.
inline QHash<QString, QString>& registeredExplanations() {
    static QHash<QString, QString> h;
    return h;
}
inline QString foldName(QString name) { return name.toUpper().replace(QLatin1Char(' '), QLatin1Char('_')); }
inline void registerExplanation(const QString& name, const QString& text) { registeredExplanations()[foldName(name)] = text; }

// The explanation of a score named as in the table and the plots ("HMG", "PPL_A", "PPL B",
// "combined", ...); empty for an unknown name.
inline QString explain(QString name) {
    name = foldName(name);
    if (name == QLatin1String("HMG")) return hmg();
    if (name == QLatin1String("CAM")) return cam();
    if (name == QLatin1String("CAS")) return cas();
    if (name == QLatin1String("IFD")) return ifd();
    if (name == QLatin1String("PPL_A")) return pplA();
    if (name == QLatin1String("PPL_B")) return pplB();
    if (name == QLatin1String("COMBINED") || name == QLatin1String("SCORE")) return combined();
    if (name == QLatin1String("ALPHA") || name == QStringLiteral("Α")) return alpha();
    return registeredExplanations().value(name);
}

}  // namespace gateau::ui::glossary
