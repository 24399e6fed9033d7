#pragma once
// Synthetic but realistic-looking data for the benchmark and the screenshot gallery:
// English-like BPE tokens (leading spaces, punctuation, newlines) with a smooth attention
// profile plus a few peaks.

#include <QString>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace gateau::ui::sample {

struct Tokens {
    std::vector<QString> texts;
    std::vector<float> attention;   // sums to ~1 over the context
    std::vector<float> logRatio;    // signed, for the diverging scale
    std::vector<int64_t> ids;
};

inline Tokens makeTokens(int n, uint32_t seed = 7) {
    static const char* words[] = {
        "the", "model", "attention", "context", "token", "of", "and", "to", "in", "a", "is",
        "that", "for", "it", "with", "as", "was", "on", "be", "at", "by", "this", "we",
        "from", "layer", "segment", "which", "long", "sequence", "answer", "question", "data",
        "training", "loss", "gradient", "value", "weights", "input", "output", "instruction",
        "un", "believ", "able", "trans", "former", "ing", "ed", "s", "ly", "tion"};
    const int nWords = int(sizeof(words) / sizeof(words[0]));
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> pick(0, nWords - 1);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::normal_distribution<double> noise(0.0, 1.0);
    Tokens t;
    t.texts.reserve(size_t(n));
    bool sentenceStart = true;
    for (int i = 0; i < n; ++i) {
        const float r = u(rng);
        QString s;
        if (r < 0.06f) {
            s = QStringLiteral(".");
            sentenceStart = true;
        } else if (r < 0.09f) {
            s = QStringLiteral(",");
        } else if (r < 0.105f) {
            s = u(rng) < 0.3f ? QStringLiteral("\n\n") : QStringLiteral("\n");
            sentenceStart = true;
        } else {
            const int w = pick(rng);
            s = QString::fromLatin1(words[w]);
            // Subword pieces glue to the previous token; whole words carry a leading space.
            const bool piece = w >= 40;
            if (sentenceStart) s[0] = s[0].toUpper();
            if (!piece) s.prepend(QLatin1Char(' '));
            sentenceStart = false;
        }
        t.texts.push_back(s);
        t.ids.push_back(int64_t(std::hash<std::string>{}(s.toStdString()) % 32000));
    }
    // Recency-weighted decay, a bump at the start (the instruction) and a few sharp peaks.
    t.attention.resize(size_t(n));
    t.logRatio.resize(size_t(n));
    double sum = 0.0;
    for (int i = 0; i < n; ++i) {
        const double x = double(i) / std::max(1, n - 1);
        // Heavy-tailed like real attention: most tokens get little, a few get a lot.
        double a = (0.05 + 1.5 * std::exp(-(1.0 - x) * 6.0) + 1.2 * std::exp(-x * 40.0) +
                    0.3 * (0.5 + 0.5 * std::sin(x * 23.0))) *
                   std::exp(1.3 * noise(rng));
        if (rng() % 97 == 0) a += 20.0 * u(rng);
        t.attention[size_t(i)] = float(a);
        sum += a;
        t.logRatio[size_t(i)] = float(0.8 * std::sin(x * 9.0) + 0.4 * (u(rng) - 0.5));
    }
    for (float& a : t.attention) a = float(a / sum);
    return t;
}

// Max per fixed-size segment: what the minimap and the matrix columns show.
inline std::vector<float> segmentMax(const std::vector<float>& v, int segments) {
    std::vector<float> out(size_t(segments), 0.0f);
    const size_t n = v.size();
    for (size_t i = 0; i < n; ++i) {
        const size_t s = i * size_t(segments) / n;
        out[s] = std::max(out[s], v[i]);
    }
    return out;
}

}  // namespace gateau::ui::sample
