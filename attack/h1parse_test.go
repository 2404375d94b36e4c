package attack

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestReadH1Response(t *testing.T) {
	for _, c := range []struct {
		name   string
		in     string
		head   bool
		status int
		size   int64
		close  bool
		err    error
		rest   string // what must remain unread
	}{
		{name: "content-length", in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokNEXT", status: 200, size: 2, rest: "NEXT"},
		{name: "no reason phrase", in: "HTTP/1.1 204\r\n\r\nNEXT", status: 204, rest: "NEXT"},
		{name: "chunked with extensions and trailers", in: "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: v\r\n\r\nNEXT", status: 200, size: 13, rest: "NEXT"},
		{name: "head has no body", in: "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\nNEXT", head: true, status: 200, rest: "NEXT"},
		{name: "304 has no body", in: "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\nNEXT", status: 304, rest: "NEXT"},
		{name: "connection close", in: "HTTP/1.1 500 Oops\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", status: 500, size: 1, close: true},
		{name: "http/1.0 closes", in: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", status: 200, size: 1, close: true},
		{name: "http/1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nxNEXT", status: 200, size: 1, rest: "NEXT"},
		{name: "no length reads to EOF", in: "HTTP/1.1 200 OK\r\n\r\nhello world", status: 200, size: 11, close: true},
		{name: "100 continue first", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", status: 201},
		{name: "LF only", in: "HTTP/1.1 200 OK\nContent-Length: 2\n\nokNEXT", status: 200, size: 2, rest: "NEXT"},
		{name: "bad status", in: "HTTP/1.1 2x0 OK\r\n\r\n", err: errMalformedStatus},
		{name: "not http", in: "SSH-2.0-OpenSSH\r\n\r\n", err: errMalformedStatus},
		{name: "bad length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", err: errBadLength},
		{name: "conflicting lengths", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", err: errBadLength},
		{name: "bad chunk", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", err: errBadChunk},
		{name: "folded header", in: "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", err: errMalformedHeader},
		{name: "truncated body", in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", err: io.ErrUnexpectedEOF},
		{name: "truncated head", in: "HTTP/1.1 200 OK\r\nContent-Le", err: io.ErrUnexpectedEOF},
		{name: "empty", in: "", err: io.EOF},
		{name: "line too long", in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 20000) + "\r\n\r\n", err: errLineTooLong},
	} {
		t.Run(c.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(c.in), 16<<10)
			r, err := readH1Response(br, c.head, signals{})
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.status != c.status || r.bodySize != c.size || r.close != c.close {
				t.Errorf("got %+v, want status %d size %d close %v", r, c.status, c.size, c.close)
			}
			rest, _ := io.ReadAll(br)
			if string(rest) != c.rest {
				t.Errorf("left %q unread, want %q", rest, c.rest)
			}
		})
	}
}

// readH1Response never allocates on a well-formed response.
func TestReadH1ResponseDoesNotAllocate(t *testing.T) {
	msg := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
	rd := bytes.NewReader(msg)
	br := bufio.NewReaderSize(rd, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		rd.Reset(msg)
		br.Reset(rd)
		if _, err := readH1Response(br, false, signals{}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per response", allocs)
	}
}

// FuzzReadH1Response checks the parser against net/http's: whenever
// net/http accepts a response, fnbench's parser agrees on its status and
// body size.
func FuzzReadH1Response(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.0 404 Not Found\r\n\r\nbody",
		"HTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, in []byte, head bool) {
		ours, err := readH1Response(bufio.NewReaderSize(bytes.NewReader(in), 16<<10), head, signals{})
		method := http.MethodGet
		if head {
			method = http.MethodHead
		}
		req, _ := http.NewRequest(method, "http://x/", nil)
		theirs, terr := http.ReadResponse(bufio.NewReaderSize(bytes.NewReader(in), 16<<10), req)
		if terr != nil || err != nil {
			return // either may be stricter; neither may panic
		}
		n, berr := io.Copy(io.Discard, theirs.Body)
		if berr != nil || theirs.StatusCode < 200 { // net/http hands 1xx responses back; its transport skips them
			return
		}
		if ours.status != theirs.StatusCode || ours.bodySize != n {
			t.Fatalf("ours: status %d body %d; net/http: status %d body %d", ours.status, ours.bodySize, theirs.StatusCode, n)
		}
	})
}

func TestReadH1ResponseMarkers(t *testing.T) {
	in := "HTTP/1.1 200 OK\r\nfnbench-cold: TRUE\r\nFnbench-Instance: abc123\r\nFNBENCH-INIT-MS: 51.20\r\nContent-Length: 0\r\n\r\n"
	r, err := readH1Response(bufio.NewReader(strings.NewReader(in)), false, signals{})
	if err != nil {
		t.Fatal(err)
	}
	want := markers{present: true, cold: true, instance: "abc123", init: 51200 * time.Microsecond}
	if r.markers != want {
		t.Errorf("markers %+v, want %+v", r.markers, want)
	}
	r, _ = readH1Response(bufio.NewReader(strings.NewReader("HTTP/1.1 200 OK\r\nFnbench-Cold: false\r\nContent-Length: 0\r\n\r\n")), false, signals{})
	if !r.markers.present || r.markers.cold {
		t.Errorf("warm markers read as %+v", r.markers)
	}
}
