package charts

import (
	"image/color"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// okabeIto is the Okabe–Ito palette without its yellow (too pale on white)
// and black (kept for annotations), ordered so that the first two targets
// — the usual comparison — differ in hue and in lightness.
var okabeIto = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xFF}, // blue
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	{0xE6, 0x9F, 0x00, 0xFF}, // orange
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
}

// SeriesColor is the colour of the i-th series, the same in every chart.
func SeriesColor(i int) color.RGBA { return okabeIto[i%len(okabeIto)] }

// Hex is c as #rrggbb, for pages that show a series' colour beside it.
func Hex(c color.RGBA) string {
	const digits = "0123456789ABCDEF"
	b := []byte{'#', 0, 0, 0, 0, 0, 0}
	for i, v := range []uint8{c.R, c.G, c.B} {
		b[1+2*i], b[2+2*i] = digits[v>>4], digits[v&15]
	}
	return string(b)
}

// glyphs tell series apart where colour alone would have to (scatter
// points), in the same order as the colours.
var glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.PyramidGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}}

func seriesGlyph(i int) draw.GlyphDrawer { return glyphs[i%len(glyphs)] }

// partColors fill the parts of a cost bar: cividis, a sequential palette
// designed for colour-blind readers, so parts never look like targets.
var partColors = []color.RGBA{
	{0x00, 0x22, 0x4E, 0xFF}, // requests
	{0x3E, 0x50, 0x6C, 0xFF}, // compute
	{0x7C, 0x7B, 0x78, 0xFF}, // init
	{0xBC, 0xAF, 0x6F, 0xFF}, // gateway
	{0xFD, 0xE7, 0x37, 0xFF}, // database
}

var (
	ink       = color.RGBA{0x22, 0x22, 0x22, 0xFF}
	grey      = color.RGBA{0x66, 0x66, 0x66, 0xFF}
	bandColor = color.RGBA{0xEE, 0xEE, 0xEE, 0xFF}
	gridColor = color.RGBA{0xDD, 0xDD, 0xDD, 0xFF}
)

// Line styles of the statistics drawn in one colour per target.
var (
	solid  []vg.Length
	dashed = []vg.Length{vg.Points(5), vg.Points(3)}
	dotted = []vg.Length{vg.Points(1), vg.Points(2.5)}
)
