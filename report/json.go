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
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(analyze.NewSummaryJSON(sums...))
}
