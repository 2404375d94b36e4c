// Package report renders analysed runs for people and machines: the
// terminal table (text), a short Markdown summary (md), the JSON summary
// (json), JUnit XML (junit) and a self-contained HTML page (html) with the
// charts of package report/charts inline.
//
// What it owns: the layout of each format, the headline verdict, the
// sanity checks a report applies until scenarios carry thresholds, and how
// several runs or targets are named side by side (Run, Series). What it
// does not own: statistics, cost and its monthly projection (package
// analyze), which it only reads; it calls no analysis.
package report
