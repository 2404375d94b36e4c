package scenarios

import (
	"os"
	"path/filepath"
	"testing"
)

// Plan.Files lists what a scenario reads besides itself, once each, with
// value_file marked secret: what fnbench distribute must ship with it.
func TestPlanListsTheFilesItReads(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"body.json": `{"a":1}`, "key.txt": "k3y\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "s.yaml")
	os.WriteFile(path, []byte(`name: files
targets:
  - {name: a, url: "https://example.com/a", method: POST, body_file: body.json, auth: {type: header, name: X-Key, value_file: key.txt}}
  - {name: b, url: "https://example.com/b", method: POST, body_file: body.json}
traffic:
  phases: [{shape: constant, rate: 1/s, duration: 1s}]
`), 0o644)
	plan, err := Load(path, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f := plan.Files; len(f) != 2 || f[0].Path != "body.json" || f[0].Secret || f[0].Line != 3 || f[1].Path != "key.txt" || !f[1].Secret {
		t.Errorf("Files = %+v, want body.json (line 3), then key.txt marked secret", plan.Files)
	}
}
