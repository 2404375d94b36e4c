package charts

import (
	"bytes"
	"encoding/xml"
	"flag"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/fnbench/fnbench/analyze"
)

var outDir = flag.String("charts.out", "", "also write every rendered chart into this directory, to look at")

// fixedSeries loads the committed two-target run (AWS Lambda behind API
// Gateway vs Azure Functions Consumption, from the simulator).
func fixedSeries(t *testing.T) []Series { t.Helper(); return fixedSeriesWith(t, analyze.Options{}) }

// fixedSeriesWith is fixedSeries analysed with o.
func fixedSeriesWith(t *testing.T, o analyze.Options) []Series {
	t.Helper()
	run, err := analyze.Load(filepath.Join("..", "testdata", "run-aws-vs-azure"))
	if err != nil {
		t.Fatal(err)
	}
	s := analyze.SummarizeWith(run, o)
	return []Series{{Name: "aws", Summary: s, Target: 0}, {Name: "azure", Summary: s, Target: 1}}
}

// svgDoc is what the tests read back from a rendered SVG: its texts and
// the stroke colours of its paths.
type svgDoc struct {
	texts   []string
	strokes map[string]int
}

func parseSVG(t *testing.T, b []byte) svgDoc {
	t.Helper()
	doc := svgDoc{strokes: map[string]int{}}
	dec := xml.NewDecoder(bytes.NewReader(b))
	inText := false
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return doc
			}
			t.Fatalf("the SVG does not parse: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			inText = el.Name.Local == "text"
			for _, a := range el.Attr {
				if a.Name.Local == "style" {
					for _, decl := range strings.Split(a.Value, ";") {
						if k, v, ok := strings.Cut(strings.TrimSpace(decl), ":"); ok && k == "stroke" {
							doc.strokes[v]++
						}
					}
				}
			}
		case xml.CharData:
			if inText {
				doc.texts = append(doc.texts, string(el))
			}
		case xml.EndElement:
			inText = false
		}
	}
}

func (d svgDoc) hasText(s string) bool {
	for _, t := range d.texts {
		if t == s {
			return true
		}
	}
	return false
}

// render renders c as SVG and PNG, checks both are well formed, saves them
// under -charts.out, and returns the parsed SVG.
func render(t *testing.T, c *Chart) svgDoc {
	t.Helper()
	var svg, img bytes.Buffer
	if err := c.Render(&svg, "svg"); err != nil {
		t.Fatal(err)
	}
	if err := c.Render(&img, "png"); err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(img.Bytes()))
	if err != nil {
		t.Fatalf("PNG: %v", err)
	}
	if want := int(float64(c.Width/vg.Inch) * pngDPI); cfg.Width < want-1 || cfg.Width > want+1 {
		t.Errorf("PNG is %d px wide, want %d (%.1f in at %d dpi)", cfg.Width, want, float64(c.Width/vg.Inch), pngDPI)
	}
	if *outDir != "" {
		if _, err := WriteFiles(*outDir, []*Chart{c}); err != nil {
			t.Fatal(err)
		}
	}
	return parseSVG(t, svg.Bytes())
}

// linesOf counts the lines a panel recorded per statistic, and checks
// each has points.
func linesOf(t *testing.T, p *Panel) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, l := range p.Lines {
		if l.Points == 0 {
			t.Errorf("%s %s: a line with no points", l.Series, l.Stat)
		}
		out[l.Stat] = append(out[l.Stat], l.Series)
	}
	return out
}

func wantTexts(t *testing.T, doc svgDoc, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !doc.hasText(s) {
			t.Errorf("the SVG has no text %q; it has %q", s, doc.texts)
		}
	}
}

// Every target's colour is on the chart.
func wantColours(t *testing.T, doc svgDoc, n int) {
	t.Helper()
	for i := range n {
		if doc.strokes[Hex(SeriesColor(i))] == 0 {
			t.Errorf("no line in series %d's colour %s; strokes %v", i, Hex(SeriesColor(i)), doc.strokes)
		}
	}
}
