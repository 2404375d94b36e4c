package report

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/golden"
)

func TestTextGolden(t *testing.T) {
	run, err := analyze.Load(filepath.Join("testdata", "run-local-ramp"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Text(&buf, analyze.Summarize(run)); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "run-local-ramp.txt", buf.Bytes())
}
