package rundir

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Sparse is a histogram as its non-empty buckets: flat counts indexes in
// ascending order with their counts, in geo's layout.
type Sparse struct {
	Geo   *Geometry
	Idx   []int32
	Cnt   []int64
	Total int64
}

// Add returns the sum of two histograms.
func (s *Sparse) Add(o *Sparse) *Sparse {
	if s.Geo != o.Geo {
		h := NewHist()
		h.AddSparse(s)
		h.AddSparse(o)
		return h.Sparse()
	}
	r := &Sparse{Geo: s.Geo, Total: s.Total + o.Total,
		Idx: make([]int32, 0, len(s.Idx)+len(o.Idx)), Cnt: make([]int64, 0, len(s.Idx)+len(o.Idx))}
	i, j := 0, 0
	for i < len(s.Idx) || j < len(o.Idx) {
		switch {
		case j == len(o.Idx) || (i < len(s.Idx) && s.Idx[i] < o.Idx[j]):
			r.Idx, r.Cnt = append(r.Idx, s.Idx[i]), append(r.Cnt, s.Cnt[i])
			i++
		case i == len(s.Idx) || o.Idx[j] < s.Idx[i]:
			r.Idx, r.Cnt = append(r.Idx, o.Idx[j]), append(r.Cnt, o.Cnt[j])
			j++
		default:
			r.Idx, r.Cnt = append(r.Idx, s.Idx[i]), append(r.Cnt, s.Cnt[i]+o.Cnt[j])
			i, j = i+1, j+1
		}
	}
	return r
}

// Hist is a histogram of fnbench's Geometry as plain counts per bucket:
// what a phase accumulates its intervals into. Adding a decoded interval
// is a loop of additions, with none of hdr.Histogram's per-value checks.
type Hist struct {
	Counts []int64
	Total  int64
}

func NewHist() *Hist { return &Hist{Counts: make([]int64, RunGeometry.CountsLen)} }

// AddSparse adds a decoded histogram. Buckets of another Geometry are
// re-bucketed by their lowest value; values beyond fnbench's range (1 h)
// are dropped, as hdr.Histogram.Merge drops them.
func (h *Hist) AddSparse(s *Sparse) {
	for i, idx := range s.Idx {
		k := int64(idx)
		if s.Geo != &RunGeometry {
			low, _ := s.Geo.Bounds(idx)
			k = RunGeometry.Index(low)
		}
		if k >= 0 && k < int64(len(h.Counts)) {
			h.Counts[k] += s.Cnt[i]
			h.Total += s.Cnt[i]
		}
	}
}

// Add adds another histogram (nil is empty).
func (h *Hist) Add(o *Hist) {
	if o == nil {
		return
	}
	for i, c := range o.Counts {
		h.Counts[i] += c
	}
	h.Total += o.Total
}

// Sparse returns the non-empty buckets.
func (h *Hist) Sparse() *Sparse {
	s := &Sparse{Geo: &RunGeometry}
	if h == nil {
		return s
	}
	for i, c := range h.Counts {
		if c > 0 {
			s.Idx, s.Cnt = append(s.Idx, int32(i)), append(s.Cnt, c)
			s.Total += c
		}
	}
	return s
}

// Histogram returns h as an hdr.Histogram (empty for nil).
func (h *Hist) Histogram() *hdr.Histogram {
	out := NewHistogram()
	if h == nil {
		return out
	}
	for i, c := range h.Counts {
		if c > 0 {
			low, _ := RunGeometry.Bounds(int32(i))
			out.RecordValues(low, c)
		}
	}
	return out
}

// Quantiles returns the values at the given percentiles (0 < p ≤ 100,
// ascending), exactly as hdr.Histogram.ValueAtPercentile reports them.
func (s *Sparse) Quantiles(ps ...float64) []time.Duration {
	out := make([]time.Duration, len(ps))
	if s.Total == 0 {
		return out
	}
	var cum int64
	k := 0
	for i, c := range s.Cnt {
		cum += c
		for k < len(ps) && cum >= PercentileRank(ps[k], s.Total) {
			_, high := s.Geo.Bounds(s.Idx[i])
			out[k] = time.Duration(high)
			k++
		}
	}
	return out
}

// Max is the highest value equivalent to the largest recorded.
func (s *Sparse) Max() time.Duration {
	if len(s.Idx) == 0 {
		return 0
	}
	_, high := s.Geo.Bounds(s.Idx[len(s.Idx)-1])
	return time.Duration(high)
}

// PercentileRank is hdrhistogram-go's: the 1-based rank of a percentile.
func PercentileRank(p float64, total int64) int64 {
	rank := min(p, 100)/100*float64(total) + 0.5
	switch {
	case !(rank >= 1):
		return 1
	case rank >= float64(total):
		return total
	}
	return int64(rank)
}

// CopyFrom makes s a copy of o, reusing s's buffers.
func (s *Sparse) CopyFrom(o *Sparse) {
	s.Geo, s.Total = o.Geo, o.Total
	s.Idx = append(s.Idx[:0], o.Idx...)
	s.Cnt = append(s.Cnt[:0], o.Cnt...)
}

// Clone returns a copy of s that owns its buckets: what the decoder
// returns shares its buffers and is good only until the next line.
func (s *Sparse) Clone() *Sparse {
	c := &Sparse{Geo: s.Geo, Total: s.Total, Idx: make([]int32, len(s.Idx)), Cnt: make([]int64, len(s.Cnt))}
	copy(c.Idx, s.Idx)
	copy(c.Cnt, s.Cnt)
	return c
}
