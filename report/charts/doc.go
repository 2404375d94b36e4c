// Package charts draws fnbench's figures with gonum/plot: latency over
// time, the percentile spectrum, cold starts, scaling, cost and the
// comparison of two targets. Every chart is built as data first (a Chart
// of panels, each a *plot.Plot with a record of the lines on it), then
// rendered to SVG or PNG, so tests can check what a chart shows without
// reading pixels.
//
// What it owns: the choice of figures, their axes and units, the colour of
// each target (Okabe–Ito, readable with colour-blindness, in the order the
// series are given, the same in every chart), and rendering. What it does
// not own: statistics (package analyze), prices (analyze/cost) and the
// pages the charts go into (package report).
package charts
