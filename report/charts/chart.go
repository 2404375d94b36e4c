package charts

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one figure: a title, a legend naming what the colours and line
// styles mean, rows of panels, and optionally a table under them.
type Chart struct {
	// Name is the file stem (latency-over-time); Title the heading;
	// Caption says in one or two sentences how to read it.
	Name    string
	Title   string
	Caption string
	Width   vg.Length
	Height  vg.Length
	Legend  []LegendEntry
	Rows    []Row
	Table   *Table
}

// Row is a row of panels side by side, Weight its share of the height.
type Row struct {
	Panels []*Panel
	Weight float64
}

// Panel is one plot and a record of what was drawn on it.
type Panel struct {
	*plot.Plot
	Lines []Line
	// xLog and yLog: the axis shows log10 of the values (see logY).
	xLog, yLog bool
}

// Line records one series drawn on a panel: whose (the series name, "" for
// a reference line), which statistic, and how many points.
type Line struct {
	Series string
	Stat   string
	Points int
}

// LegendEntry is one key of the legend: a line (Dashes, Width), a glyph,
// or a filled swatch, in Color.
type LegendEntry struct {
	Label  string
	Color  color.Color
	Dashes []vg.Length
	Width  vg.Length // line width; 0 with Glyph or Swatch
	Glyph  draw.GlyphDrawer
	Swatch bool
}

// Table is a small table drawn under the panels (and shown as HTML by a
// page).
type Table struct {
	Header []string
	Rows   [][]string
}

// Formats are the file formats a chart renders to.
var Formats = []string{"svg", "png"}

// pngDPI makes PNGs sharp on high-density screens.
const pngDPI = 144

// Render writes the chart as SVG or PNG.
func (c *Chart) Render(w io.Writer, format string) error {
	var cv vg.CanvasWriterTo
	switch format {
	case "svg":
		cv = vgsvg.New(c.Width, c.Height)
	case "png":
		cv = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(c.Width, c.Height), vgimg.UseDPI(pngDPI))}
	default:
		return fmt.Errorf("chart format %q is not supported; use svg or png", format)
	}
	if err := c.draw(draw.New(cv)); err != nil {
		return err
	}
	_, err := cv.WriteTo(w)
	return err
}

// WithoutTable is the chart without its table, for pages that show the
// table as text.
func (c *Chart) WithoutTable() *Chart {
	if c.Table == nil {
		return c
	}
	d := *c
	d.Height -= c.tableHeight() + 10
	d.Table = nil
	return &d
}

// SVG renders the chart as SVG.
func (c *Chart) SVG() ([]byte, error) {
	var buf bytes.Buffer
	err := c.Render(&buf, "svg")
	return buf.Bytes(), err
}

// WriteFiles renders every chart into dir as NAME.svg and NAME.png and
// returns the paths written.
func WriteFiles(dir string, cs []*Chart) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the charts directory: %w", err)
	}
	var paths []string
	for _, c := range cs {
		for _, f := range Formats {
			var buf bytes.Buffer
			if err := c.Render(&buf, f); err != nil {
				return paths, fmt.Errorf("chart %s: %w", c.Name, err)
			}
			p := filepath.Join(dir, c.Name+"."+f)
			if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
				return paths, err
			}
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// Text styles. Liberation Sans ships inside gonum/plot, so PNGs look the
// same on every machine; pages name fallbacks for the SVG text.
var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
)

func style(f font.Font, size vg.Length, clr color.Color) text.Style {
	return text.Style{Color: clr, Font: font.From(f, size), Handler: plot.DefaultTextHandler}
}

// draw lays the chart out: title, legend, the rows of panels (data areas
// aligned across rows, so time axes line up), then the table.
func (c *Chart) draw(dc draw.Canvas) (err error) {
	defer func() {
		// gonum/plot panics on data it cannot draw (a log axis over zero);
		// a report must say so, not crash.
		if r := recover(); r != nil {
			err = fmt.Errorf("chart %s: %v", c.Name, r)
		}
	}()
	dc.FillPolygon(color.White, []vg.Point{dc.Min, {X: dc.Max.X, Y: dc.Min.Y}, dc.Max, {X: dc.Min.X, Y: dc.Max.Y}})
	const margin = 8
	top := dc.Max.Y - margin
	left, right := dc.Min.X+margin, dc.Max.X-margin

	title := style(sansBold, 13, ink)
	title.YAlign = draw.YTop
	dc.FillText(title, vg.Point{X: left, Y: top}, c.Title)
	top -= title.Height(c.Title) + 6

	top = c.drawLegend(dc, left, right, top) - 4

	bottom := dc.Min.Y + margin
	if c.Table != nil {
		c.drawTable(dc, left, right, bottom)
		bottom += c.tableHeight() + 10
	}
	var total float64
	for _, r := range c.Rows {
		total += max(r.Weight, 1e-9)
	}
	h := top - bottom
	type cell struct {
		p  *Panel
		cv draw.Canvas
	}
	var cols [][]cell // cells by column index, to align data areas
	y := top
	for _, r := range c.Rows {
		rh := vg.Length(max(r.Weight, 1e-9)/total) * h
		w := (right - left) / vg.Length(len(r.Panels))
		for i, p := range r.Panels {
			cv := draw.Crop(dc, 0, 0, 0, 0)
			cv.Rectangle = vg.Rectangle{Min: vg.Point{X: left + vg.Length(i)*w, Y: y - rh}, Max: vg.Point{X: left + vg.Length(i+1)*w, Y: y}}
			if i > 0 {
				cv.Min.X += 12
			}
			for len(cols) <= i {
				cols = append(cols, nil)
			}
			cols[i] = append(cols[i], cell{p, cv})
		}
		y -= rh
	}
	for _, col := range cols {
		// Line up the data areas of one column: the widest left and right
		// margins win.
		var l, r vg.Length
		for _, ce := range col {
			d := ce.p.DataCanvas(ce.cv)
			l, r = max(l, d.Min.X-ce.cv.Min.X), max(r, ce.cv.Max.X-d.Max.X)
		}
		for _, ce := range col {
			d := ce.p.DataCanvas(ce.cv)
			cv := draw.Crop(ce.cv, l-(d.Min.X-ce.cv.Min.X), -(r - (ce.cv.Max.X - d.Max.X)), 0, 0)
			ce.p.Draw(cv)
		}
	}
	return nil
}

// drawLegend draws the entries left to right, wrapping, and returns the y
// under them.
func (c *Chart) drawLegend(dc draw.Canvas, left, right, top vg.Length) vg.Length {
	if len(c.Legend) == 0 {
		return top
	}
	ts := style(sans, 10, ink)
	ts.YAlign = draw.YCenter
	const thumb, gap = 22, 14
	lineH := ts.Height("Xg") + 4
	x, y := left, top-lineH/2
	for _, e := range c.Legend {
		w := thumb + 4 + ts.Width(e.Label)
		if x > left && x+w > right {
			x, y = left, y-lineH
		}
		switch {
		case e.Swatch:
			dc.FillPolygon(e.Color, []vg.Point{{X: x + 4, Y: y - 5}, {X: x + thumb - 4, Y: y - 5}, {X: x + thumb - 4, Y: y + 5}, {X: x + 4, Y: y + 5}})
		case e.Glyph != nil:
			dc.DrawGlyph(draw.GlyphStyle{Color: e.Color, Radius: 3.5, Shape: e.Glyph}, vg.Point{X: x + thumb/2, Y: y})
		default:
			dc.StrokeLine2(draw.LineStyle{Color: e.Color, Width: max(e.Width, 1), Dashes: e.Dashes}, x, y, x+thumb, y)
		}
		dc.FillText(ts, vg.Point{X: x + thumb + 4, Y: y}, e.Label)
		x += w + gap
	}
	return y - lineH/2
}

const tableRowHeight = 14

func (c *Chart) tableHeight() vg.Length {
	return vg.Length(len(c.Table.Rows)+1) * tableRowHeight
}

// drawTable draws the table with its last row on bottom.
func (c *Chart) drawTable(dc draw.Canvas, left, right, bottom vg.Length) {
	t := c.Table
	head := style(sansBold, 9.5, ink)
	body := style(sans, 9.5, ink)
	ncol := len(t.Header)
	widths := make([]vg.Length, ncol)
	for i, h := range t.Header {
		widths[i] = head.Width(h)
	}
	for _, r := range t.Rows {
		for i := range min(len(r), ncol) {
			widths[i] = max(widths[i], body.Width(r[i]))
		}
	}
	const pad = 16
	y := bottom + c.tableHeight() - tableRowHeight/2
	rows := append([][]string{t.Header}, t.Rows...)
	for k, r := range rows {
		ts := body
		if k == 0 {
			ts = head
		}
		ts.YAlign = draw.YCenter
		x := left
		for i := range min(len(r), ncol) {
			s := ts
			if i > 0 {
				// Numbers are right-aligned in their column.
				s.XAlign = draw.XRight
				dc.FillText(s, vg.Point{X: x + widths[i], Y: y}, r[i])
			} else {
				dc.FillText(s, vg.Point{X: x, Y: y}, r[i])
			}
			x += widths[i] + pad
		}
		if k == 0 {
			dc.StrokeLine2(draw.LineStyle{Color: grey, Width: 0.5}, left, y-tableRowHeight/2, min(x, right), y-tableRowHeight/2)
		}
		y -= tableRowHeight
	}
}
