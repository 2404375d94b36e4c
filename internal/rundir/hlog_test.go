package rundir

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// randomHistogram records n log-normal values around median into h.
func randomHistogram(rng *rand.Rand, h *hdr.Histogram, n int, median float64) {
	for range n {
		h.RecordValue(min(int64(median*math.Exp(2*rng.NormFloat64())), h.HighestTrackableValue()))
	}
}

// The fast decoder reads exactly what hdrhistogram-go's dense decoder
// reads, for fnbench's geometry and for others (a log written by another
// tool), and its percentiles are hdrhistogram-go's.
func TestDecoderMatchesHDR(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	geometries := []struct{ low, high, sig int64 }{
		{LowestNanos, HighestNanos, SigFigs},
		{1, 3_600_000_000, 2},
		{1000, 1 << 30, 4},
		{1, 1000, 0},
	}
	var dec HlogDecoder
	for _, g := range geometries {
		for range 10 {
			h := hdr.New(g.low, g.high, int(g.sig))
			randomHistogram(rng, h, rng.IntN(3000), float64(g.high)/1e4)
			enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
			if err != nil {
				t.Fatal(err)
			}
			s, err := dec.Decode(enc)
			if err != nil {
				t.Fatalf("geometry %v: %v", g, err)
			}
			want, err := hdr.Decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			if s.Total != want.TotalCount() {
				t.Fatalf("geometry %v: %d values, hdr %d", g, s.Total, want.TotalCount())
			}
			if s.Total == 0 {
				continue
			}
			ps := []float64{1, 50, 90, 99, 99.9, 100}
			got := s.Quantiles(ps...)
			for i, p := range ps {
				if w := time.Duration(want.ValueAtQuantile(p)); got[i] != w {
					t.Fatalf("geometry %v: p%v = %v, hdr %v", g, p, got[i], w)
				}
			}
			if s.Max() != time.Duration(want.Max()) {
				t.Fatalf("geometry %v: max %v, hdr %v", g, s.Max(), want.Max())
			}
			// Into fnbench's geometry, as a phase accumulates it: what
			// hdr.Histogram.Merge does.
			acc, ref := NewHist(), NewHistogram()
			acc.AddSparse(s)
			ref.Merge(want)
			if acc.Total != ref.TotalCount() || acc.Sparse().Quantiles(99)[0] != time.Duration(ref.ValueAtQuantile(99)) {
				t.Fatalf("geometry %v: merged into RunGeometry %d values p99 %v, hdr %d p99 %v",
					g, acc.Total, acc.Sparse().Quantiles(99)[0], ref.TotalCount(), ref.ValueAtQuantile(99))
			}
		}
	}
}

// Summing decoded histograms is adding their buckets.
func TestSparseAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	a, b, both := NewHistogram(), NewHistogram(), NewHistogram()
	randomHistogram(rng, a, 1000, 2e6)
	randomHistogram(rng, b, 700, 30e6)
	both.Merge(a)
	both.Merge(b)
	sum := sparseOfHDR(t, a).Add(sparseOfHDR(t, b))
	if got, want := sum.Quantiles(50, 99), []time.Duration{time.Duration(both.ValueAtQuantile(50)), time.Duration(both.ValueAtQuantile(99))}; got[0] != want[0] || got[1] != want[1] || sum.Total != both.TotalCount() {
		t.Errorf("sum p50 %v p99 %v n %d, want %v %v %d", got[0], got[1], sum.Total, want[0], want[1], both.TotalCount())
	}
}

func sparseOfHDR(t *testing.T, h *hdr.Histogram) *Sparse {
	t.Helper()
	enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	var dec HlogDecoder
	s, err := dec.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// FuzzHistogramDecode: whatever the bytes, the decoder returns an error or
// a histogram, never panics; and where hdrhistogram-go decodes the same
// bytes, both agree on every bucket.
func FuzzHistogramDecode(f *testing.F) {
	h := NewHistogram()
	for _, v := range []int64{1500, 2e6, 2e6, 9e8} {
		h.RecordValue(v)
	}
	enc, _ := h.Encode(hdr.V2CompressedEncodingCookieBase)
	f.Add(enc)
	f.Add([]byte("HISTFAAAACR42pNpmSzMwMDAxAABzFCaEUoz2X+AsQEAL0ABAQ=="))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, enc []byte) {
		var dec HlogDecoder
		s, err := dec.Decode(enc)
		want, werr := hdr.Decode(enc)
		if err != nil || werr != nil {
			return
		}
		if s.Total != want.TotalCount() {
			t.Fatalf("%d values, hdr %d", s.Total, want.TotalCount())
		}
		// hdrhistogram-go's dense maths overflows near the largest
		// integer; compare where it does not.
		if s.Total == 0 || want.HighestTrackableValue() > 1<<60 {
			return
		}
		got := s.Quantiles(50, 99, 100)
		for i, p := range []float64{50, 99, 100} {
			if w := time.Duration(want.ValueAtQuantile(p)); got[i] != w {
				t.Fatalf("p%v = %v, hdr %v", p, got[i], w)
			}
		}
	})
}

// FuzzParseHlogLine: no line of an HdrHistogram log, however broken, makes
// the reader panic.
func FuzzParseHlogLine(f *testing.F) {
	h := NewHistogram()
	h.RecordValue(1500000)
	enc, _ := h.Encode(2)
	f.Add([]byte("Tag=a/warm,0.000,1.000,1.500," + string(enc)))
	f.Add([]byte("0.000,1.000,1.500," + string(enc)))
	f.Add([]byte("#[StartTime: 1.0 (seconds since epoch)]"))
	f.Add([]byte("Tag=a/warm"))
	f.Add([]byte("1,2,3,HISTFAAAACR42pNpmSzMwMDAxAABzFCaEUoz2X+AsQEAL0ABAQ=="))
	f.Fuzz(func(t *testing.T, line []byte) {
		l, ok, err := ParseHlogLine(line)
		if ok && (err != nil || l.Hist == nil) {
			t.Fatalf("ok with err %v, hist %v", err, l.Hist)
		}
	})
}
