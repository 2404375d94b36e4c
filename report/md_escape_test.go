package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/analyze"
)

// run.json is outside input: a scenario name carrying HTML does not come
// out of the Markdown report, meant for pull-request comments, as markup.
func TestMarkdownEscapesTextFromTheRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.CopyFS(dir, os.DirFS("../analyze/testdata/run-sim")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "run.json")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	const evil = `<script>alert(1)</script>`
	b = bytes.Replace(b, []byte(`"name": "sim-fixture"`), []byte(`"name": "`+strings.ReplaceAll(evil, "/", `\/`)+`"`), 1)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := analyze.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Markdown(&out, []Run{{Label: "evil", Summary: analyze.Summarize(run)}}, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "<script>") || !strings.Contains(out.String(), "&lt;script&gt;") {
		t.Errorf("the scenario name was not escaped:\n%s", out.String()[:min(out.Len(), 300)])
	}
}
