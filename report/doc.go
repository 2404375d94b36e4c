// Package report renders analysed runs for people and machines: the
// terminal table (text), a short Markdown summary (md), the JSON summary
// (json), JUnit XML (junit) and a self-contained HTML page (html) with the
// charts of package report/charts inline; and the verdicts of the CI gates
// (WriteCheck for analyze.Check, WriteCompare for analyze.Compare) as
// text, md, json and junit.
//
// What it owns: the layout of each format, the headline verdict, the
// check and compare JSON documents (docs/gate-schema.md), and how several
// runs or targets are named and set side by side (Run, Series): like-named
// targets are paired across runs. What it does not own: statistics,
// thresholds and their verdicts, comparisons, cost and its monthly
// projection (package analyze), which it only reads; it calls no
// analysis, so the caller judges a run's checks and hands them over in
// Run.Checks.
package report
