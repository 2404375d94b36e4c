package attack

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// h1Response is what fnbench needs of one HTTP/1.1 response: its status,
// its body's size, and whether the connection can carry another request.
// readH1Response reads one without allocating, which keeps the collector,
// and the pauses it brings, away from the engine's hot path; net/http's
// ReadResponse allocates about a kilobyte per response.
type h1Response struct {
	status   int
	bodySize int64
	close    bool    // the connection cannot be reused
	markers  markers // the instrumented function's cold-start markers
	signals  signals // what the headers say went wrong
}

// errBodyPeek is how much of an error response's body is read for its
// reason (a throttle's "Reason", an error message).
const errBodyPeek = 512

var (
	errMalformedStatus = errors.New("malformed HTTP status line")
	errMalformedHeader = errors.New("malformed HTTP header line")
	errBadLength       = errors.New("malformed Content-Length")
	errBadChunk        = errors.New("malformed chunked body")
	errLineTooLong     = errors.New("HTTP header line longer than the read buffer")
)

// readH1Response reads one response from br, body included (discarded).
// head says the request was a HEAD, whose response has no body; want says
// which signals are wanted beyond those always read (wantID, wantPayload).
func readH1Response(br *bufio.Reader, head bool, want signals) (h1Response, error) {
	for {
		r, err := readH1Once(br, head, want)
		// 1xx responses (except 101) precede the real one.
		if err == nil && r.status >= 100 && r.status < 200 && r.status != 101 {
			continue
		}
		return r, err
	}
}

func readH1Once(br *bufio.Reader, head bool, want signals) (h1Response, error) {
	var r h1Response
	r.signals.wantID, r.signals.wantPayload = want.wantID, want.wantPayload
	http10, err := r.readStatusLine(br)
	if err != nil {
		return r, err
	}
	f, err := r.readHeaders(br)
	if err != nil {
		return r, err
	}
	if f.closeAsked || (http10 && !f.keepAlive) {
		r.close = true
	} else if http10 && f.keepAlive {
		r.close = false
	}
	switch {
	case head, r.status < 200, r.status == 204, r.status == 304:
		return r, nil
	case f.chunked:
		r.bodySize, err = r.discardChunked(br)
	case f.length >= 0:
		err = r.discardLength(br, f.length)
	default:
		// No length: the body runs to the end of the connection.
		r.close = true
		r.bodySize, err = discardAll(br)
	}
	return r, err
}

// readStatusLine reads "HTTP/1.x SP 3DIGIT [SP reason]" into r.status and
// reports whether the response is HTTP/1.0.
func (r *h1Response) readStatusLine(br *bufio.Reader) (http10 bool, err error) {
	line, err := readLine(br)
	if err != nil {
		return false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' ||
		(len(line) > 12 && line[12] != ' ') {
		return false, fmt.Errorf("%w: %q", errMalformedStatus, truncate(line))
	}
	http10 = line[7] == '0'
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return false, fmt.Errorf("%w: %q", errMalformedStatus, truncate(line))
		}
		r.status = r.status*10 + int(c-'0')
	}
	r.close = http10
	return http10, nil
}

// framing is what the headers say of the body and the connection.
type framing struct {
	length     int64 // Content-Length; -1 when absent
	chunked    bool
	keepAlive  bool
	closeAsked bool
}

// readHeaders reads the header lines up to the blank line: the framing,
// and the markers and signals among them.
func (r *h1Response) readHeaders(br *bufio.Reader) (framing, error) {
	f := framing{length: -1}
	for {
		line, err := readLine(br)
		if err != nil {
			return f, err
		}
		if len(line) == 0 {
			return f, nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || line[0] == ' ' || line[0] == '\t' {
			return f, fmt.Errorf("%w: %q", errMalformedHeader, truncate(line))
		}
		name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case equalFold(name, "content-length"):
			n, ok := parseLength(value)
			if !ok || (f.length >= 0 && n != f.length) {
				return f, fmt.Errorf("%w: %q", errBadLength, truncate(value))
			}
			f.length = n
		case equalFold(name, "transfer-encoding"):
			f.chunked = hasToken(value, "chunked")
		case equalFold(name, "connection"):
			f.closeAsked = f.closeAsked || hasToken(value, "close")
			f.keepAlive = f.keepAlive || hasToken(value, "keep-alive")
		case len(name) > 8 && equalFold(name[:8], "fnbench-"):
			r.markers.parseHeader(name, value)
		case len(name) > 6 && (name[0] == 'x' || name[0] == 'X'):
			r.signals.parseHeader(name, value)
		}
	}
}

// discardLength discards a body of a known length, reading its head first
// when it is wanted (wantsHead).
func (r *h1Response) discardLength(br *bufio.Reader, length int64) error {
	if length > 0 && wantsHead(r.status, &r.signals, &r.markers) {
		if b, _ := br.Peek(int(min(length, errBodyPeek))); len(b) > 0 {
			readHead(b, r.status, &r.signals, &r.markers)
		}
	}
	n, err := br.Discard(int(length))
	r.bodySize = int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// readLine returns one line without its CRLF (or LF). The slice is valid
// until the next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, errLineTooLong
	case err == io.EOF && len(line) > 0:
		return nil, io.ErrUnexpectedEOF
	case err != nil:
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// discardChunked reads a chunked body and its trailers, returning the size
// of the data. The head of the first chunk is read when it is wanted
// (wantsHead).
func (r *h1Response) discardChunked(br *bufio.Reader) (int64, error) {
	var total int64
	head := wantsHead(r.status, &r.signals, &r.markers)
	for {
		line, err := readLine(br)
		if err != nil {
			return total, err
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i] // chunk extensions
		}
		line = bytes.TrimSpace(line)
		size, ok := parseHex(line)
		if !ok {
			return total, fmt.Errorf("%w: chunk size %q", errBadChunk, truncate(line))
		}
		if size == 0 {
			// Trailers, up to an empty line.
			for {
				t, err := readLine(br)
				if err != nil {
					return total, err
				}
				if len(t) == 0 {
					return total, nil
				}
			}
		}
		if head {
			if b, _ := br.Peek(int(min(size, errBodyPeek))); len(b) > 0 {
				readHead(b, r.status, &r.signals, &r.markers)
			}
			head = false
		}
		n, err := br.Discard(int(size))
		total += int64(n)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return total, err
		}
		crlf, err := readLine(br)
		if err != nil {
			return total, err
		}
		if len(crlf) != 0 {
			return total, fmt.Errorf("%w: no CRLF after chunk data", errBadChunk)
		}
	}
}

// discardAll reads br to EOF.
func discardAll(br *bufio.Reader) (int64, error) {
	var total int64
	for {
		n, err := br.Discard(br.Size())
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// maxBodySize bounds Content-Length and chunk sizes (1 TiB): anything
// larger is a malformed response, not a body to wait for.
const maxBodySize = 1 << 40

func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
		if n > maxBodySize {
			return 0, false
		}
	}
	return n, true
}

func parseHex(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(d)
		if n > maxBodySize {
			return 0, false
		}
	}
	return n, true
}

// equalFold reports whether b equals the lower-case ASCII s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// hasToken reports whether the comma-separated list v holds the lower-case
// token tok, ignoring case.
func hasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		var part []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			part, v = v[:i], v[i+1:]
		} else {
			part, v = v, nil
		}
		if equalFold(bytes.TrimSpace(part), tok) {
			return true
		}
	}
	return false
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
