package analyze

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fnbench/fnbench/internal/golden"
)

// The JSON summary of a fixed run with REPORT billing, marker and REPORT
// cold starts, instances, steps and a spike, three providers' targets.
func TestSummaryJSONGolden(t *testing.T) {
	r, err := Load(simFixture)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(NewSummaryJSON(Summarize(r)), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "run-sim.json", append(b, '\n'))
}

// simFixture is a run against the simulator, written once by
// TestWriteSimFixture (fixture_test.go) and committed.
const simFixture = "testdata/run-sim"

// Every field of the JSON summary is documented in
// docs/summary-schema.md.
func TestSummarySchemaDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/summary-schema.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] || typ == reflect.TypeOf(time.Time{}) {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if !strings.Contains(string(doc), "`"+name+"`") {
				t.Errorf("docs/summary-schema.md does not document %s.%s (`%s`)", path, f.Name, name)
			}
			walk(f.Type, path+"."+name)
		}
	}
	walk(reflect.TypeOf(SummaryJSON{}), "summary")
}
