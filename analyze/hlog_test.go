package analyze

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/attack"
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
		{attack.LowestNanos, attack.HighestNanos, attack.SigFigs},
		{1, 3_600_000_000, 2},
		{1000, 1 << 30, 4},
		{1, 1000, 0},
	}
	var dec hlogDecoder
	for _, g := range geometries {
		for range 10 {
			h := hdr.New(g.low, g.high, int(g.sig))
			randomHistogram(rng, h, rng.IntN(3000), float64(g.high)/1e4)
			enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
			if err != nil {
				t.Fatal(err)
			}
			s, err := dec.histogram(enc)
			if err != nil {
				t.Fatalf("geometry %v: %v", g, err)
			}
			want, err := hdr.Decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			if s.total != want.TotalCount() {
				t.Fatalf("geometry %v: %d values, hdr %d", g, s.total, want.TotalCount())
			}
			if s.total == 0 {
				continue
			}
			ps := []float64{1, 50, 90, 99, 99.9, 100}
			got := s.quantiles(ps...)
			for i, p := range ps {
				if w := time.Duration(want.ValueAtQuantile(p)); got[i] != w {
					t.Fatalf("geometry %v: p%v = %v, hdr %v", g, p, got[i], w)
				}
			}
			if s.max() != time.Duration(want.Max()) {
				t.Fatalf("geometry %v: max %v, hdr %v", g, s.max(), want.Max())
			}
			// Into fnbench's geometry, as a phase accumulates it: what
			// hdr.Histogram.Merge does.
			acc, ref := newHist(), attack.NewHistogram()
			acc.addSparse(s)
			ref.Merge(want)
			if acc.total != ref.TotalCount() || acc.dist().Percentile(99) != time.Duration(ref.ValueAtQuantile(99)) {
				t.Fatalf("geometry %v: merged into ours %d values p99 %v, hdr %d p99 %v",
					g, acc.total, acc.dist().Percentile(99), ref.TotalCount(), ref.ValueAtQuantile(99))
			}
		}
	}
}

// Summing decoded histograms is adding their buckets.
func TestSparseAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	a, b, both := attack.NewHistogram(), attack.NewHistogram(), attack.NewHistogram()
	randomHistogram(rng, a, 1000, 2e6)
	randomHistogram(rng, b, 700, 30e6)
	both.Merge(a)
	both.Merge(b)
	sum := sparseOfHDR(t, a).add(sparseOfHDR(t, b))
	if got, want := sum.quantiles(50, 99), []time.Duration{time.Duration(both.ValueAtQuantile(50)), time.Duration(both.ValueAtQuantile(99))}; got[0] != want[0] || got[1] != want[1] || sum.total != both.TotalCount() {
		t.Errorf("sum p50 %v p99 %v n %d, want %v %v %d", got[0], got[1], sum.total, want[0], want[1], both.TotalCount())
	}
}

func sparseOfHDR(t *testing.T, h *hdr.Histogram) *sparse {
	t.Helper()
	enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	var dec hlogDecoder
	s, err := dec.histogram(enc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// FuzzHistogramDecode: whatever the bytes, the decoder returns an error or
// a histogram, never panics; and where hdrhistogram-go decodes the same
// bytes, both agree on every bucket.
func FuzzHistogramDecode(f *testing.F) {
	h := attack.NewHistogram()
	for _, v := range []int64{1500, 2e6, 2e6, 9e8} {
		h.RecordValue(v)
	}
	enc, _ := h.Encode(hdr.V2CompressedEncodingCookieBase)
	f.Add(enc)
	f.Add([]byte("HISTFAAAACR42pNpmSzMwMDAxAABzFCaEUoz2X+AsQEAL0ABAQ=="))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, enc []byte) {
		var dec hlogDecoder
		s, err := dec.histogram(enc)
		want, werr := hdr.Decode(enc)
		if err != nil || werr != nil {
			return
		}
		if s.total != want.TotalCount() {
			t.Fatalf("%d values, hdr %d", s.total, want.TotalCount())
		}
		// hdrhistogram-go's dense maths overflows near the largest
		// integer; compare where it does not.
		if s.total == 0 || want.HighestTrackableValue() > 1<<60 {
			return
		}
		got := s.quantiles(50, 99, 100)
		for i, p := range []float64{50, 99, 100} {
			if w := time.Duration(want.ValueAtQuantile(p)); got[i] != w {
				t.Fatalf("p%v = %v, hdr %v", p, got[i], w)
			}
		}
	})
}
