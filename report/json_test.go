package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/golden"
)

func TestJSONGolden(t *testing.T) {
	run, err := analyze.Load(filepath.Join("testdata", "run-local-ramp"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := JSON(&buf, analyze.Summarize(run)); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "run-local-ramp.json", buf.Bytes())
	var doc struct {
		SchemaVersion int `json:"schema_version"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil || doc.SchemaVersion != analyze.SchemaVersion {
		t.Errorf("schema_version %d, err %v", doc.SchemaVersion, err)
	}
}
