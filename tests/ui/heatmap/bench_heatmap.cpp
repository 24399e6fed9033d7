// Prints layout and paint timings of TokenHeatmapView for a 64k-token context.
// Usage: QT_QPA_PLATFORM=offscreen bench_heatmap [tokens] [frames]

#include "sample_data.h"
#include "ui/heatmap/token_heatmap_view.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QScrollBar>

#include <algorithm>
#include <cstdio>

using namespace gateau::ui;

namespace {

double ms(const QElapsedTimer& t) { return double(t.nsecsElapsed()) / 1e6; }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setFont(QFont(QStringLiteral("DejaVu Sans"), 10));
    const int n = argc > 1 ? std::max(1, atoi(argv[1])) : 65536;
    const int frames = argc > 2 ? std::max(1, atoi(argv[2])) : 60;
    const sample::Tokens data = sample::makeTokens(n);

    TokenHeatmapView view;
    view.resize(1200, 800);
    view.show();
    app.processEvents();

    QElapsedTimer t;
    t.start();
    view.setTokens(data.texts, data.attention, ColorScale::sequentialLog(ColorScale::robustMax(data.attention), 1e-2f));
    const double coldSet = ms(t);
    t.restart();
    view.setTokens(data.texts, data.attention, view.colorScale());
    const double warmSet = ms(t);
    std::vector<double> relayouts;
    const int layoutsBefore = view.layoutCount();
    for (int i = 0; i < 10; ++i) {
        t.restart();
        view.resize(i % 2 ? 1200 : 1190, 800);  // width change -> rewrap only
        relayouts.push_back(ms(t));
    }
    const int rewraps = view.layoutCount() - layoutsBefore;
    view.resize(1200, 800);
    t.restart();
    view.setValues(data.logRatio, ColorScale::fromValues(data.logRatio, ColorScale::Kind::Diverging));
    const double setValues = ms(t);
    view.setValues(data.attention, ColorScale::sequentialLog(ColorScale::robustMax(data.attention), 1e-2f));

    std::printf("tokens: %d, distinct strings measured: %d, lines: %d, viewport: %dx%d\n", n,
                view.measuredStringCount(), view.lineCount(), view.viewport()->width(),
                view.viewport()->height());
    std::printf("setTokens (cold width cache, measure + layout): %.2f ms\n", coldSet);
    std::printf("setTokens (warm width cache):                   %.2f ms\n", warmSet);
    std::printf("relayout on width change (median of 10):        %.2f ms (%d rewraps)\n",
                median(relayouts), rewraps);
    std::printf("setValues (recolour, no relayout):              %.3f ms\n", setValues);

    {
        // Worst case for the width cache: every token string distinct, all measured cold.
        std::vector<QString> unique;
        unique.reserve(size_t(n));
        for (int i = 0; i < n; ++i) unique.push_back(QStringLiteral(" u%1").arg(i));
        TokenHeatmapView fresh;
        fresh.resize(1200, 800);
        t.restart();
        fresh.setTokens(std::move(unique), data.attention, view.colorScale());
        std::printf("setTokens, %d distinct strings (cold):         %.2f ms\n", fresh.measuredStringCount(), ms(t));
    }

    QImage target(view.viewport()->size(), QImage::Format_ARGB32_Premultiplied);
    QScrollBar* sb = view.verticalScrollBar();
    const struct { const char* name; int value; } positions[] = {
        {"top", 0}, {"middle", sb->maximum() / 2}, {"end", sb->maximum()}};
    for (const auto& pos : positions) {
        sb->setValue(pos.value);
        std::vector<double> times;
        for (int f = 0; f < frames; ++f) {
            t.restart();
            view.viewport()->render(&target);
            times.push_back(ms(t));
        }
        std::printf("paint %-6s: median %.2f ms, max %.2f ms, tokens painted per frame: %d\n", pos.name,
                    median(times), *std::max_element(times.begin(), times.end()),
                    view.lastPaintedTokenCount());
    }
    return 0;
}
