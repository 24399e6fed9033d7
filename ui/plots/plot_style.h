#pragma once
// Look shared by every plot: Okabe-Ito colours (distinguishable with the common colour
// vision deficiencies), fonts, legend placement and readable tick labels for tiny scores.

#include "ui/plots/plot_data.h"

#include <QColor>
#include <QString>

class QCPAxis;
class QCustomPlot;
class QCPLegend;

namespace gateau::ui::plotstyle {

// Okabe-Ito palette.
inline const QColor kBlue{0x00, 0x72, 0xB2};
inline const QColor kOrange{0xE6, 0x9F, 0x00};
inline const QColor kSkyBlue{0x56, 0xB4, 0xE9};
inline const QColor kGreen{0x00, 0x9E, 0x73};
inline const QColor kVermillion{0xD5, 0x5E, 0x00};
inline const QColor kPurple{0xCC, 0x79, 0xA7};
inline const QColor kGrey{0x9A, 0x9A, 0x9A};

QColor decisionColour(PlotDecision d);
QString decisionName(PlotDecision d);

// Fonts, antialiasing, grid, margins and pan/zoom on both axes, common to all plots.
void applyBaseStyle(QCustomPlot* plot);

// Moves the legend out of the axis rect into a row below it, laid out horizontally, so it
// can never hide data whatever the distribution looks like. Returns that legend.
QCPLegend* placeLegendBelow(QCustomPlot* plot);

// Scores like 0.0005 make 'g'-formatted tick labels long and hard to compare. This makes the
// axis print mantissas ("5") and moves the power of ten into the axis label ("... (×10⁻⁴)"),
// recomputed whenever the visible range changes (zoom, pan, new data).
void useScaledTickLabels(QCPAxis* axis, const QString& label);
// Changes the base label of an axis set up with useScaledTickLabels (keeps the scale suffix).
void setScaledAxisLabel(QCPAxis* axis, const QString& label);

// Power of ten to factor out of tick labels for values spanning [lower, upper]; 0 when the
// plain numbers are already short (between 1e-2 and 1e6).
int tickScaleExponent(double lower, double upper);
// "×10⁻⁴" with Unicode superscripts (DejaVu has them).
QString powerOfTenText(int exponent);

}  // namespace gateau::ui::plotstyle
