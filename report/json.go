package report

import (
	"encoding/json"
	"io"

	"github.com/fnbench/fnbench/analyze"
)

// JSON writes the JSON summary of one or more runs: analyze.SummaryJSON,
// whose schema (analyze.SchemaVersion) docs/summary-schema.md documents.
// Reports and CI gates read this and nothing else.
func JSON(w io.Writer, sums ...*analyze.Summary) error {
	return writeJSON(w, analyze.NewSummaryJSON(sums...))
}

// writeJSON writes one indented JSON document. Threshold expressions and
// URLs keep their < > & as written: the document is not embedded in HTML.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
