package report

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fnbench/fnbench/internal/golden"
	"github.com/fnbench/fnbench/internal/synthrun"
)

var writeFixture = flag.Bool("fixture", false, "rewrite testdata/"+timedFixture+" with internal/synthrun")

// timedFixture is a synthetic run with the timing breakdown (timing.hlog,
// connection counters): a nearby Lambda target with quick handshakes and a
// distant Azure one whose TLS handshakes are slow. TestWriteTimedFixture
// writes it; the golden files must then be updated with -update.
const timedFixture = "run-timing"

// TestWriteTimedFixture rewrites the committed timed run when asked:
//
//	go test ./report -run TestWriteTimedFixture -fixture
func TestWriteTimedFixture(t *testing.T) {
	if !*writeFixture {
		t.Skip("rewrites testdata/" + timedFixture + " only with -fixture")
	}
	dir := "testdata/" + timedFixture
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := synthrun.Write(dir, synthrun.Options{Duration: 40 * time.Second, RPS: 40, Seed: 3}); err != nil {
		t.Fatal(err)
	}
}

// Where the time went: every format shows the breakdown of a timed run,
// and a run without timing shows none of it.
func TestTimingBreakdown(t *testing.T) {
	ext := map[string]string{"text": "txt", "md": "md", "json": "json"}
	runs := loadRuns(t, timedFixture)
	for _, f := range []string{"text", "md", "json"} {
		t.Run(f, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, f, runs, Options{Version: "test"}); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, timedFixture+"."+ext[f], buf.Bytes())
		})
	}
	var page bytes.Buffer
	if err := HTML(&page, runs, Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<a href="#timing">`, `<section id="timing">`, `<td class="l">tls</td><td class="l">connection</td>`,
		`<td class="l">ttfb</td><td class="l">request</td>`, `id="chart-timing-over-time"`, "connections: 4 prewarmed"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("the HTML report of a timed run lacks %s", want)
		}
	}

	old := loadRuns(t, "run-local-ramp")
	for _, f := range []string{"text", "md", "html"} {
		var buf bytes.Buffer
		if err := Render(&buf, f, old, Options{}); err != nil {
			t.Fatal(err)
		}
		for _, unwanted := range []string{"where the time went", "Where the time went", "timing-over-time", "ttfb"} {
			if strings.Contains(buf.String(), unwanted) {
				t.Errorf("the %s report of a run without timing shows %q", f, unwanted)
			}
		}
	}
}
