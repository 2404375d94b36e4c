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
	"strconv"
)

// This file reads HdrHistogram interval logs fast. A one-hour run holds
// tens of thousands of interval histograms; decoding each into a dense
// histogram (200 KB to allocate and clear) or through a fresh zlib reader
// took seconds. Here each histogram is decoded into its non-empty buckets
// with buffers and a zlib reader reused line after line. The bucket maths
// is HdrHistogram's own (hdr.go of hdrhistogram-go), and the tests check
// every figure against hdrhistogram-go's dense decoder.

// HlogDecoder decodes interval log lines, reusing its buffers and zlib
// reader: a histogram it returns is valid until the next call (Clone
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

// Line decodes one log line.
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

// HlogLine is one interval histogram of an HdrHistogram log.
type HlogLine struct {
	Tag        string
	Start, Len float64 // seconds, relative to the log's base time
	Hist       *Sparse
}
