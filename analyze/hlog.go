package analyze

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

	"github.com/fnbench/fnbench/attack"
)

// This file reads HdrHistogram interval logs fast. A one-hour run holds
// tens of thousands of interval histograms; decoding each into a dense
// histogram (200 KB to allocate and clear) or through a fresh zlib reader
// took seconds. Here each histogram is decoded into its non-empty buckets
// with buffers and a zlib reader reused line after line. The bucket maths
// is HdrHistogram's own (hdr.go of hdrhistogram-go), and the tests check
// every figure against hdrhistogram-go's dense decoder.

// geometry is an HDR histogram's bucket layout, as its encoding declares.
type geometry struct {
	unitMagnitude      uint
	halfCountMagnitude uint
	halfCount          int32
	subBucketMask      int64
	countsLen          int64
}

// ours is the geometry of every histogram fnbench writes.
var ours = mustGeometry(attack.LowestNanos, attack.HighestNanos, attack.SigFigs)

func mustGeometry(lowest, highest int64, sig int32) geometry {
	g, err := newGeometry(lowest, highest, sig)
	if err != nil {
		panic(err)
	}
	return g
}

// newGeometry follows hdrhistogram-go's wireGeometry: the serialized
// geometry exactly, a lowest value below 1 read as 1.
func newGeometry(lowest, highest int64, sig int32) (geometry, error) {
	if sig < 0 || sig > 5 {
		return geometry{}, fmt.Errorf("significant digits must be between 0 and 5, got %d", sig)
	}
	lowest = max(lowest, 1)
	largestSingleUnit := 2 * math.Pow10(int(sig))
	half := max(int32(math.Ceil(math.Log2(largestSingleUnit))), 1) - 1
	unit := max(int32(math.Floor(math.Log2(float64(lowest)))), 0)
	if unit+half > 61 {
		return geometry{}, fmt.Errorf("lowest value %d is too large for %d significant digits", lowest, sig)
	}
	subBucketCount := int64(1) << uint(half+1)
	g := geometry{
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
	g.countsLen = (buckets + 1) * (subBucketCount / 2)
	return g, nil
}

// bounds returns the lowest and highest value of the bucket at a flat
// counts index.
func (g *geometry) bounds(idx int32) (low, high int64) {
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
func (g *geometry) index(v int64) int64 {
	pow2Ceiling := int64(64 - bits.LeadingZeros64(uint64(v|g.subBucketMask)))
	b := pow2Ceiling - int64(g.unitMagnitude) - int64(g.halfCountMagnitude+1)
	sub := v >> uint(b+int64(g.unitMagnitude))
	return (b+1)<<g.halfCountMagnitude + sub - int64(g.halfCount)
}

// sparse is a histogram as its non-empty buckets: flat counts indexes in
// ascending order with their counts, in geo's layout.
type sparse struct {
	geo   *geometry
	idx   []int32
	cnt   []int64
	total int64
}

// add returns the sum of two histograms.
func (s *sparse) add(o *sparse) *sparse {
	if s.geo != o.geo {
		h := newHist()
		h.addSparse(s)
		h.addSparse(o)
		return h.sparse()
	}
	r := &sparse{geo: s.geo, total: s.total + o.total,
		idx: make([]int32, 0, len(s.idx)+len(o.idx)), cnt: make([]int64, 0, len(s.idx)+len(o.idx))}
	i, j := 0, 0
	for i < len(s.idx) || j < len(o.idx) {
		switch {
		case j == len(o.idx) || (i < len(s.idx) && s.idx[i] < o.idx[j]):
			r.idx, r.cnt = append(r.idx, s.idx[i]), append(r.cnt, s.cnt[i])
			i++
		case i == len(s.idx) || o.idx[j] < s.idx[i]:
			r.idx, r.cnt = append(r.idx, o.idx[j]), append(r.cnt, o.cnt[j])
			j++
		default:
			r.idx, r.cnt = append(r.idx, s.idx[i]), append(r.cnt, s.cnt[i]+o.cnt[j])
			i, j = i+1, j+1
		}
	}
	return r
}

// hist is a histogram of fnbench's geometry as plain counts per bucket:
// what a phase accumulates its intervals into. Adding a decoded interval
// is a loop of additions, with none of hdr.Histogram's per-value checks.
type hist struct {
	counts []int64
	total  int64
}

func newHist() *hist { return &hist{counts: make([]int64, ours.countsLen)} }

// addSparse adds a decoded histogram. Buckets of another geometry are
// re-bucketed by their lowest value; values beyond fnbench's range (1 h)
// are dropped, as hdr.Histogram.Merge drops them.
func (h *hist) addSparse(s *sparse) {
	for i, idx := range s.idx {
		k := int64(idx)
		if s.geo != &ours {
			low, _ := s.geo.bounds(idx)
			k = ours.index(low)
		}
		if k >= 0 && k < int64(len(h.counts)) {
			h.counts[k] += s.cnt[i]
			h.total += s.cnt[i]
		}
	}
}

// add adds another histogram (nil is empty).
func (h *hist) add(o *hist) {
	if o == nil {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
}

// sparse returns the non-empty buckets.
func (h *hist) sparse() *sparse {
	s := &sparse{geo: &ours}
	if h == nil {
		return s
	}
	for i, c := range h.counts {
		if c > 0 {
			s.idx, s.cnt = append(s.idx, int32(i)), append(s.cnt, c)
			s.total += c
		}
	}
	return s
}

// dist returns the distribution for percentiles and intervals.
func (h *hist) dist() Dist {
	var d Dist
	if h == nil {
		return d
	}
	for i, c := range h.counts {
		if c > 0 {
			low, high := ours.bounds(int32(i))
			d.total += c
			d.buckets = append(d.buckets, bucket{low: low, high: high, count: c, cum: d.total})
		}
	}
	return d
}

// histogram returns h as an hdr.Histogram (empty for nil).
func (h *hist) histogram() *hdr.Histogram {
	out := attack.NewHistogram()
	if h == nil {
		return out
	}
	for i, c := range h.counts {
		if c > 0 {
			low, _ := ours.bounds(int32(i))
			out.RecordValues(low, c)
		}
	}
	return out
}

// quantiles returns the values at the given percentiles (0 < p ≤ 100,
// ascending), exactly as hdr.Histogram.ValueAtPercentile reports them.
func (s *sparse) quantiles(ps ...float64) []time.Duration {
	out := make([]time.Duration, len(ps))
	if s.total == 0 {
		return out
	}
	var cum int64
	k := 0
	for i, c := range s.cnt {
		cum += c
		for k < len(ps) && cum >= percentileRank(ps[k], s.total) {
			_, high := s.geo.bounds(s.idx[i])
			out[k] = time.Duration(high)
			k++
		}
	}
	return out
}

// max is the highest value equivalent to the largest recorded.
func (s *sparse) max() time.Duration {
	if len(s.idx) == 0 {
		return 0
	}
	_, high := s.geo.bounds(s.idx[len(s.idx)-1])
	return time.Duration(high)
}

// percentileRank is hdrhistogram-go's: the 1-based rank of a percentile.
func percentileRank(p float64, total int64) int64 {
	rank := min(p, 100)/100*float64(total) + 0.5
	switch {
	case !(rank >= 1):
		return 1
	case rank >= float64(total):
		return total
	}
	return int64(rank)
}

// hlogDecoder decodes interval log lines, reusing its buffers and zlib
// reader: a histogram it returns is valid until the next call (clone
// keeps one). It is not safe for concurrent use.
type hlogDecoder struct {
	raw     []byte
	payload []byte
	zr      io.ReadCloser
	src     bytes.Reader
	geos    map[[3]int64]*geometry
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

// parseHlogLine decodes one line of an HdrHistogram interval log. Comment
// and legend lines return ok=false.
func parseHlogLine(line []byte) (l hlogLine, ok bool, err error) {
	var d hlogDecoder
	return d.line(line)
}

// line decodes one log line.
func (d *hlogDecoder) line(line []byte) (l hlogLine, ok bool, err error) {
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
	if l.Hist, err = d.histogram(s); err != nil {
		return l, false, fmt.Errorf("bad histogram: %w", err)
	}
	return l, true, nil
}

// histogram decodes a base64 V2 compressed histogram.
func (d *hlogDecoder) histogram(enc []byte) (*sparse, error) {
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
	if payloadLen < 0 || payloadLen > geo.countsLen*9 {
		return nil, fmt.Errorf("payload length %d is impossible for %d buckets", payloadLen, geo.countsLen)
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

func (d *hlogDecoder) geometry(lowest, highest int64, sig int32) (*geometry, error) {
	key := [3]int64{lowest, highest, int64(sig)}
	if g, ok := d.geos[key]; ok {
		return g, nil
	}
	if lowest == attack.LowestNanos && highest == attack.HighestNanos && sig == attack.SigFigs {
		return &ours, nil
	}
	g, err := newGeometry(lowest, highest, sig)
	if err != nil {
		return nil, err
	}
	if d.geos == nil {
		d.geos = map[[3]int64]*geometry{}
	}
	d.geos[key] = &g
	return &g, nil
}

// counts reads the ZigZag LEB128 payload: positive values are bucket
// counts, negative ones runs of empty buckets.
func (d *hlogDecoder) counts(geo *geometry, p []byte) (*sparse, error) {
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
			if c == math.MinInt64 || -c > geo.countsLen-at {
				return nil, fmt.Errorf("a run of %d empty buckets at %d overflows %d buckets", -c, at, geo.countsLen)
			}
			at -= c
			continue
		case at >= geo.countsLen:
			return nil, fmt.Errorf("bucket %d beyond the %d buckets", at, geo.countsLen)
		case c > math.MaxInt64-total:
			return nil, errors.New("bucket counts sum past the largest integer")
		case c > 0:
			idx, cnt = append(idx, int32(at)), append(cnt, c)
			total += c
		}
		at++
	}
	d.idx, d.cnt = idx, cnt
	return &sparse{geo: geo, total: total, idx: idx, cnt: cnt}, nil
}

// copyFrom makes s a copy of o, reusing s's buffers.
func (s *sparse) copyFrom(o *sparse) {
	s.geo, s.total = o.geo, o.total
	s.idx = append(s.idx[:0], o.idx...)
	s.cnt = append(s.cnt[:0], o.cnt...)
}

// clone returns a copy of s that owns its buckets: what the decoder
// returns shares its buffers and is good only until the next line.
func (s *sparse) clone() *sparse {
	c := &sparse{geo: s.geo, total: s.total, idx: make([]int32, len(s.idx)), cnt: make([]int64, len(s.cnt))}
	copy(c.idx, s.idx)
	copy(c.cnt, s.cnt)
	return c
}
