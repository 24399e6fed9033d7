// Renders each heatmap widget with realistic data into PNGs for visual review.
// Usage: QT_QPA_PLATFORM=offscreen heatmap_gallery [outdir=/tmp]

#include "sample_data.h"
#include "ui/heatmap/matrix_heatmap.h"
#include "ui/heatmap/segment_minimap.h"
#include "ui/heatmap/token_heatmap_view.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <cmath>
#include <cstdio>

using namespace gateau::ui;

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setFont(QFont(QStringLiteral("DejaVu Sans"), 10));
    const QString out = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("/tmp");
    const int n = 4000, segLen = 64, segments = (n + segLen - 1) / segLen, layers = 12;
    const sample::Tokens data = sample::makeTokens(n);

    auto save = [&](QWidget* w, const char* name) {
        const QString path = QStringLiteral("%1/heatmap_%2.png").arg(out, QLatin1String(name));
        w->grab().save(path);
        std::printf("%s\n", qPrintable(path));
    };

    // Token view, attention on a log scale (per-token mass is ~1/n).
    const ColorScale att = ColorScale::sequentialLog(ColorScale::robustMax(data.attention), 1e-2f);
    TokenHeatmapView view;
    view.resize(760, 420);
    view.setTokens(data.texts, data.attention, att);
    view.setTokenIds(data.ids);
    view.setMarkedRanges({{0, 60, QColor(40, 110, 200), QStringLiteral("instruction")}});
    view.setSelectedToken(25);
    view.show();
    app.processEvents();
    save(&view, "tokens_attention");
    {
        // 3x crop of the top-left corner to check outlines, padding and glyph clipping.
        const QImage full = view.grab().toImage();
        const QString path = QStringLiteral("%1/heatmap_tokens_zoom.png").arg(out);
        full.copy(0, 0, 380, 110).scaled(380 * 3, 110 * 3, Qt::IgnoreAspectRatio, Qt::FastTransformation).save(path);
        std::printf("%s\n", qPrintable(path));
    }

    TokenHeatmapView diff;
    diff.resize(760, 300);
    diff.setTokens(data.texts, data.logRatio, ColorScale::fromValues(data.logRatio, ColorScale::Kind::Diverging));
    diff.show();
    diff.scrollToToken(2000);
    app.processEvents();
    save(&diff, "tokens_diverging");

    // Minimap: attention = max per segment, importance = mean log ratio per segment.
    std::vector<float> segAtt = sample::segmentMax(data.attention, segments);
    std::vector<float> segImp(size_t(segments), 0.0f);
    for (int i = 0; i < n; ++i) segImp[size_t(i / segLen)] += data.logRatio[size_t(i)] / segLen;
    SegmentMinimap map;
    map.resize(map.sizeHint().width(), 420);
    map.setData(segAtt, ColorScale::fromValues(segAtt, ColorScale::Kind::Sequential), segImp,
                ColorScale::fromValues(segImp, ColorScale::Kind::Diverging));
    const auto vis = view.visibleTokenRange();
    map.setVisibleSegments(vis.first / segLen, vis.second / segLen);
    map.show();
    app.processEvents();
    save(&map, "minimap");

    // Layers x segments: later layers focus on the recent context and on a few segments.
    std::vector<float> m(size_t(layers * segments));
    for (int l = 0; l < layers; ++l)
        for (int s = 0; s < segments; ++s) {
            const double x = double(s) / (segments - 1);
            const double depth = double(l) / (layers - 1);
            m[size_t(l * segments + s)] = float(segAtt[size_t(s)] * (0.5 + depth) +
                                                0.002 * std::exp(-(1.0 - x) * (2 + 10 * depth)) +
                                                0.001 * std::exp(-x * 30.0));
        }
    QStringList labels;
    for (int l = 0; l < layers; ++l) labels << QStringLiteral("L%1").arg(l);
    MatrixHeatmap matrix;
    matrix.resize(760, 300);
    matrix.setMatrix(layers, segments, m, labels, QStringLiteral("segment"));
    matrix.setLegendTitle(QStringLiteral("attention"));
    matrix.setSelectedColumn(20);
    matrix.show();
    app.processEvents();
    save(&matrix, "matrix");

    // Everything together, roughly as the inspector lays it out.
    QWidget panel;
    auto* outer = new QVBoxLayout(&panel);
    auto* top = new QHBoxLayout;
    auto* map2 = new SegmentMinimap;
    map2->setData(segAtt, map.attentionScale(), segImp, map.importanceScale());
    map2->setVisibleSegments(vis.first / segLen, vis.second / segLen);
    auto* view2 = new TokenHeatmapView;
    view2->setTokens(data.texts, data.attention, att);
    view2->setMarkedRanges({{0, 60, QColor(40, 110, 200), QStringLiteral("instruction")}});
    auto* legend = new ColorLegend;
    legend->setTitle(QStringLiteral("attention"));
    legend->setScale(att);
    auto* right = new QVBoxLayout;
    right->addWidget(view2, 1);
    right->addWidget(legend);
    top->addWidget(map2);
    top->addLayout(right, 1);
    outer->addLayout(top, 3);
    auto* matrix2 = new MatrixHeatmap;
    matrix2->setMatrix(layers, segments, m, labels, QStringLiteral("segment"));
    outer->addWidget(matrix2, 2);
    panel.resize(1000, 760);
    panel.show();
    app.processEvents();
    save(&panel, "panel");
    save(legend, "legend");
    return 0;
}
