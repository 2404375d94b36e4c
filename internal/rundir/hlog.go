package rundir

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// This file reads HdrHistogram interval logs fast. A one-hour run holds
// tens of thousands of interval histograms; decoding each into a dense
// histogram (200 KB to allocate and clear) or through a fresh zlib reader
// took seconds. Here each histogram is decoded into its non-empty buckets
// with buffers and a zlib reader reused line after line. The bucket maths
// is HdrHistogram's own (hdr.go of hdrhistogram-go), and the tests check
// every figure against hdrhistogram-go's dense decoder.

// Geometry is an HDR histogram's bucket layout, as its encoding declares.
type Geometry struct {
	unitMagnitude      uint
	halfCountMagnitude uint
	halfCount          int32
	subBucketMask      int64
	CountsLen          int64
}

// RunGeometry is the Geometry of every histogram fnbench writes.
var RunGeometry = mustGeometry(LowestNanos, HighestNanos, SigFigs)

func mustGeometry(lowest, highest int64, sig int32) Geometry {
	g, err := NewGeometry(lowest, highest, sig)
	if err != nil {
		panic(err)
	}
	return g
}

// NewGeometry follows hdrhistogram-go's wireGeometry: the serialized
// Geometry exactly, a lowest value below 1 read as 1.
func NewGeometry(lowest, highest int64, sig int32) (Geometry, error) {
	if sig < 0 || sig > 5 {
		return Geometry{}, fmt.Errorf("significant digits must be between 0 and 5, got %d", sig)
	}
	lowest = max(lowest, 1)
	largestSingleUnit := 2 * math.Pow10(int(sig))
	half := max(int32(math.Ceil(math.Log2(largestSingleUnit))), 1) - 1
	unit := max(int32(math.Floor(math.Log2(float64(lowest)))), 0)
	if unit+half > 61 {
		return Geometry{}, fmt.Errorf("lowest value %d is too large for %d significant digits", lowest, sig)
	}
	subBucketCount := int64(1) << uint(half+1)
	g := Geometry{
		unitMagnitude:      uint(unit),
		halfCountMagnitude: uint(half),
		halfCount:          int32(subBucketCount / 2),
		subBucketMask:      (subBucketCount - 1) << uint(unit),
	}
	buckets := int64(1)
	for smallest := subBucketCount << uint(unit); smallest <= highest; smallest <<= 1 {
		if smallest > math.MaxInt64/2 {
			buckets++
			break
		}
		buckets++
	}
	g.CountsLen = (buckets + 1) * (subBucketCount / 2)
	return g, nil
}

// bounds returns the lowest and highest value of the bucket at a flat
// counts index.
func (g *Geometry) Bounds(idx int32) (low, high int64) {
	b := int32(idx>>g.halfCountMagnitude) - 1
	sub := int64(idx&(g.halfCount-1)) + int64(g.halfCount)
	if b < 0 {
		sub -= int64(g.halfCount)
		b = 0
	}
	shift := uint(b) + g.unitMagnitude
	low = sub << shift
	size := int64(1) << shift
	if low > math.MaxInt64-size {
		return low, math.MaxInt64
	}
	return low, low + size - 1
}

// index returns the flat counts index of a value.
func (g *Geometry) Index(v int64) int64 {
	pow2Ceiling := int64(64 - bits.LeadingZeros64(uint64(v|g.subBucketMask)))
	b := pow2Ceiling - int64(g.unitMagnitude) - int64(g.halfCountMagnitude+1)
	sub := v >> uint(b+int64(g.unitMagnitude))
	return (b+1)<<g.halfCountMagnitude + sub - int64(g.halfCount)
}

// Sparse is a histogram as its non-empty buckets: flat counts indexes in
// ascending order with their counts, in geo's layout.
type Sparse struct {
	Geo   *Geometry
	Idx   []int32
	Cnt   []int64
	Total int64
}

// add returns the sum of two histograms.
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

// addSparse adds a decoded histogram. Buckets of another Geometry are
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

// add adds another histogram (nil is empty).
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

// quantiles returns the values at the given percentiles (0 < p ≤ 100,
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

// max is the highest value equivalent to the largest recorded.
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

// HlogDecoder decodes interval log lines, reusing its buffers and zlib
// reader: a histogram it returns is valid until the next call (clone
// keeps one). It is not safe for concurrent use.
type HlogDecoder struct {
	raw     []byte
	payload []byte
	zr      io.ReadCloser
	src     bytes.Reader
	geos    map[[3]int64]*Geometry
	idx     []int32
	cnt     []int64
	oneByte [1]byte
	header  [40]byte
}

// Encoding cookies of the V2 format (hdrhistogram-go's hdr_encoding.go).
const (
	v2EncodingCookie           = 0x1c849303
	v2CompressedEncodingCookie = 0x1c849304
)

// ParseHlogLine decodes one line of an HdrHistogram interval log. Comment
// and legend lines return ok=false.
func ParseHlogLine(line []byte) (l HlogLine, ok bool, err error) {
	var d HlogDecoder
	return d.Line(line)
}

// line decodes one log line.
func (d *HlogDecoder) Line(line []byte) (l HlogLine, ok bool, err error) {
	s := bytes.TrimRight(line, "\r")
	if len(s) == 0 || s[0] == '#' || s[0] == '"' {
		return l, false, nil
	}
	if rest, found := bytes.CutPrefix(s, []byte("Tag=")); found {
		tag, after, found := bytes.Cut(rest, []byte(","))
		if !found {
			return l, false, errors.New("tag without a comma")
		}
		l.Tag, s = string(tag), after
	}
	var fields [3][]byte
	for i := range fields {
		f, rest, found := bytes.Cut(s, []byte(","))
		if !found {
			return l, false, errors.New("expected start,length,max,histogram")
		}
		fields[i], s = f, rest
	}
	if l.Start, err = strconv.ParseFloat(string(fields[0]), 64); err != nil {
		return l, false, fmt.Errorf("bad start timestamp: %w", err)
	}
	if l.Len, err = strconv.ParseFloat(string(fields[1]), 64); err != nil {
		return l, false, fmt.Errorf("bad interval length: %w", err)
	}
	if l.Hist, err = d.Decode(s); err != nil {
		return l, false, fmt.Errorf("bad histogram: %w", err)
	}
	return l, true, nil
}

// Decode decodes a base64 V2 compressed histogram. The result shares the
// decoder's buffers: it is valid until the next call.
func (d *HlogDecoder) Decode(enc []byte) (*Sparse, error) {
	n := base64.StdEncoding.DecodedLen(len(enc))
	if cap(d.raw) < n {
		d.raw = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(d.raw[:n], enc)
	if err != nil {
		return nil, err
	}
	raw := d.raw[:n]
	if len(raw) < 8 {
		return nil, fmt.Errorf("encoded histogram too short: %d bytes", len(raw))
	}
	if cookie := int32(binary.BigEndian.Uint32(raw)) &^ 0xf0; cookie != v2CompressedEncodingCookie {
		return nil, fmt.Errorf("encoding %#x is not V2 compressed", cookie)
	}
	clen := int64(int32(binary.BigEndian.Uint32(raw[4:])))
	if clen < 0 || clen > int64(len(raw)-8) {
		return nil, fmt.Errorf("compressed length %d does not fit the %d bytes given", clen, len(raw)-8)
	}
	d.src.Reset(raw[8 : 8+clen])
	if d.zr == nil {
		if d.zr, err = zlib.NewReader(&d.src); err != nil {
			d.zr = nil
			return nil, err
		}
	} else if err := d.zr.(zlib.Resetter).Reset(&d.src, nil); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(d.zr, d.header[:]); err != nil {
		return nil, fmt.Errorf("histogram header: %w", err)
	}
	h := d.header[:]
	if cookie := int32(binary.BigEndian.Uint32(h)) &^ 0xf0; cookie != v2EncodingCookie {
		return nil, fmt.Errorf("encoding %#x is not V2", cookie)
	}
	payloadLen := int64(int32(binary.BigEndian.Uint32(h[4:])))
	sig := int32(binary.BigEndian.Uint32(h[12:]))
	lowest := int64(binary.BigEndian.Uint64(h[16:]))
	highest := int64(binary.BigEndian.Uint64(h[24:]))
	geo, err := d.geometry(lowest, highest, sig)
	if err != nil {
		return nil, err
	}
	if payloadLen < 0 || payloadLen > geo.CountsLen*9 {
		return nil, fmt.Errorf("payload length %d is impossible for %d buckets", payloadLen, geo.CountsLen)
	}
	if int64(cap(d.payload)) < payloadLen {
		d.payload = make([]byte, payloadLen)
	}
	payload := d.payload[:payloadLen]
	if _, err := io.ReadFull(d.zr, payload); err != nil {
		return nil, fmt.Errorf("histogram payload: %w", err)
	}
	// The stream must end here; reading to its end verifies the checksum.
	if n, err := d.zr.Read(d.oneByte[:]); n != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = errors.New("data after the payload")
		}
		return nil, fmt.Errorf("histogram payload: %w", err)
	}
	return d.counts(geo, payload)
}

func (d *HlogDecoder) geometry(lowest, highest int64, sig int32) (*Geometry, error) {
	key := [3]int64{lowest, highest, int64(sig)}
	if g, ok := d.geos[key]; ok {
		return g, nil
	}
	if lowest == LowestNanos && highest == HighestNanos && sig == SigFigs {
		return &RunGeometry, nil
	}
	g, err := NewGeometry(lowest, highest, sig)
	if err != nil {
		return nil, err
	}
	if d.geos == nil {
		d.geos = map[[3]int64]*Geometry{}
	}
	d.geos[key] = &g
	return &g, nil
}

// counts reads the ZigZag LEB128 payload: positive values are bucket
// counts, negative ones runs of empty buckets.
func (d *HlogDecoder) counts(geo *Geometry, p []byte) (*Sparse, error) {
	// Locals, not d's fields, in the loop: a slice header stored to the
	// heap on every append costs a write barrier while the GC runs.
	idx, cnt := d.idx[:0], d.cnt[:0]
	var at, total int64
	for pos := 0; pos < len(p); {
		var v uint64
		if b := p[pos]; b < 0x80 { // most counts and runs fit in one byte
			v = uint64(b)
			pos++
		} else {
			n := 0
			for shift := uint(0); ; shift += 7 {
				if pos+n >= len(p) {
					return nil, errors.New("truncated count")
				}
				b := p[pos+n]
				n++
				if n == 9 {
					v |= uint64(b) << 56
					break
				}
				v |= uint64(b&0x7f) << shift
				if b&0x80 == 0 {
					break
				}
			}
			pos += n
		}
		c := int64(v>>1) ^ -int64(v&1)
		switch {
		case c < 0:
			if c == math.MinInt64 || -c > geo.CountsLen-at {
				return nil, fmt.Errorf("a run of %d empty buckets at %d overflows %d buckets", -c, at, geo.CountsLen)
			}
			at -= c
			continue
		case at >= geo.CountsLen:
			return nil, fmt.Errorf("bucket %d beyond the %d buckets", at, geo.CountsLen)
		case c > math.MaxInt64-total:
			return nil, errors.New("bucket counts sum past the largest integer")
		case c > 0:
			idx, cnt = append(idx, int32(at)), append(cnt, c)
			total += c
		}
		at++
	}
	d.idx, d.cnt = idx, cnt
	return &Sparse{Geo: geo, Total: total, Idx: idx, Cnt: cnt}, nil
}

// copyFrom makes s a copy of o, reusing s's buffers.
func (s *Sparse) CopyFrom(o *Sparse) {
	s.Geo, s.Total = o.Geo, o.Total
	s.Idx = append(s.Idx[:0], o.Idx...)
	s.Cnt = append(s.Cnt[:0], o.Cnt...)
}

// clone returns a copy of s that owns its buckets: what the decoder
// returns shares its buffers and is good only until the next line.
func (s *Sparse) Clone() *Sparse {
	c := &Sparse{Geo: s.Geo, Total: s.Total, Idx: make([]int32, len(s.Idx)), Cnt: make([]int64, len(s.Cnt))}
	copy(c.Idx, s.Idx)
	copy(c.Cnt, s.Cnt)
	return c
}

// HlogLine is one interval histogram of an HdrHistogram log.
type HlogLine struct {
	Tag        string
	Start, Len float64 // seconds, relative to the log's base time
	Hist       *Sparse
}
