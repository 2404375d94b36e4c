package attack

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync/atomic"
	"time"
)

// A preparer makes the requests of a target whose bytes differ from one
// request to the next: a body with a per-request id, an AWS Signature
// Version 4 (the date and the body hash are in it), or an Azure Entra
// bearer token that is renewed during the run. Targets without any of
// these are serialized once and never reach a preparer.
//
// Preparation runs on the path that sends the request (the scheduler, or
// the reader that hands a freed connection to a waiting request), so it
// never waits and allocates little: credentials and tokens are fetched
// ahead of time by a refresher and read here from memory, and the request
// line and fixed headers are serialized once.
type preparer struct {
	t      *Target
	body   bodyTemplate
	sign   *sigV4 // nil unless signed
	bearer *refresher[string]
	seq    atomic.Uint64

	host       string // the Host header, as signed
	head       []byte // request line, Host and the fixed headers
	sendLength bool   // write Content-Length even for an empty body
}

// needsPreparer reports whether a target's requests must be made one by one.
func needsPreparer(t *Target) bool {
	return t.SigV4 != nil || t.Bearer != nil || hasTemplate(t.Request.Body)
}

func newPreparer(t *Target) (*preparer, error) {
	p := &preparer{t: t, sign: t.SigV4, bearer: t.Bearer}
	b, err := parseBodyTemplate(t.Request.Body)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", t.Name, err)
	}
	p.body = b
	u, err := url.Parse(t.Request.URL)
	if err != nil {
		return nil, fmt.Errorf("target %q: bad URL: %v", t.Name, err)
	}
	p.host = hostHeader(u, t.Request.Header)
	m := t.Request.Method
	p.sendLength = m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch
	head := []byte(m + " " + u.RequestURI() + " HTTP/1.1\r\nHost: " + p.host + "\r\n")
	names := make([]string, 0, len(t.Request.Header))
	for name := range t.Request.Header {
		switch http.CanonicalHeaderKey(name) {
		case "Host", "Content-Length", "Transfer-Encoding":
			continue
		case "Authorization":
			if p.sign != nil || p.bearer != nil {
				continue // made per request
			}
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range t.Request.Header[name] {
			head = append(head, name...)
			head = append(head, ": "...)
			head = append(head, v...)
			head = append(head, "\r\n"...)
		}
	}
	p.head = head
	return p, nil
}

// hostHeader is the Host a request to u sends, and SigV4 signs: the
// header's when one is set, else the URL's, without a default port (as the
// SDK's signer sends it).
func hostHeader(u *url.URL, h http.Header) string {
	host := u.Host
	if hh := h.Get("Host"); hh != "" {
		host = hh
	}
	if p := u.Port(); (u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443") {
		host = u.Hostname()
	}
	return host
}

// prepared is one request's body and the headers made for it; values
// may point into the buffer they were made in.
type prepared struct {
	body []byte
	hdrs [3]header
	n    int
}

// next makes the next request's body (in scratch) and headers (their
// values in scratch too), signed or carrying the token, and returns the
// scratch buffer grown as needed.
func (p *preparer) next(scratch []byte) (prepared, []byte, error) {
	var r prepared
	scratch = p.body.render(scratch[:0], p.seq.Add(1))
	n := len(scratch)
	if p.bearer != nil {
		tok, err := p.bearer.get()
		if err != nil {
			return r, scratch, err
		}
		scratch = append(append(scratch, "Bearer "...), tok...)
		r.hdrs[0], r.n = header{"Authorization", unsafeString(scratch[n:])}, 1
	}
	if p.sign != nil {
		var hashBuf [64]byte
		hash := hashBuf[:0]
		if p.body.hash != "" {
			hash = append(hash, p.body.hash...)
		} else {
			sum := sha256.Sum256(scratch[:n])
			hash = hex.AppendEncode(hash, sum[:])
		}
		at := len(scratch)
		var sg signed
		var err error
		if scratch, sg, err = p.sign.sign(scratch, time.Now(), n, hash); err != nil {
			return r, scratch, err
		}
		r.hdrs[0], r.hdrs[1], r.n = header{"X-Amz-Date", sg.date}, header{"Authorization", unsafeString(scratch[at:])}, 2
		if sg.token != "" {
			r.hdrs[2], r.n = header{"X-Amz-Security-Token", sg.token}, 3
		}
	}
	r.body = scratch[:n]
	return r, scratch, nil
}

// request makes the next request for net/http's transport.
func (p *preparer) request(ctx context.Context) (*http.Request, error) {
	r, _, err := p.next(nil)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, p.t.Request.Method, p.t.Request.URL, bytes.NewReader(r.body))
	if err != nil {
		return nil, err
	}
	if len(r.body) == 0 {
		req.Body, req.GetBody = http.NoBody, nil
	}
	req.Header = p.t.Request.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Del("Host")
	req.Host = p.host
	for _, h := range r.hdrs[:r.n] {
		req.Header.Set(h.name, h.value)
	}
	return req, nil
}

// wire appends the next request, serialized, to dst, using scratch for its
// parts; it returns both, grown as needed, for reuse.
func (p *preparer) wire(dst, scratch []byte) ([]byte, []byte, error) {
	r, scratch, err := p.next(scratch)
	if err != nil {
		return dst, scratch, err
	}
	dst = append(dst, p.head...)
	for _, h := range r.hdrs[:r.n] {
		dst = append(dst, h.name...)
		dst = append(dst, ": "...)
		dst = append(dst, h.value...)
		dst = append(dst, "\r\n"...)
	}
	if len(r.body) > 0 || p.sendLength {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(r.body)), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, r.body...), scratch, nil
}

// Template fields a body may hold, replaced per request.
const (
	fieldRequestID = "{{request_id}}" // unique in the run: <random>-<seq>
	fieldSeq       = "{{seq}}"        // 1, 2, 3… per target
)

func hasTemplate(b []byte) bool { return bytes.Contains(b, []byte("{{")) }

// bodyTemplate is a body cut at its template fields.
type bodyTemplate struct {
	static []byte   // the body, when it has no fields
	hash   string   // hex SHA-256 of static, for signing
	parts  [][]byte // literal text between fields
	fields []string // fields[i] follows parts[i]
	prefix string   // request ids start with it
}

func parseBodyTemplate(b []byte) (bodyTemplate, error) {
	if !hasTemplate(b) {
		sum := sha256.Sum256(b)
		return bodyTemplate{static: b, hash: hex.EncodeToString(sum[:])}, nil
	}
	var t bodyTemplate
	var r [4]byte
	rand.Read(r[:])
	t.prefix = hex.EncodeToString(r[:]) + "-"
	rest := b
	for {
		i := bytes.Index(rest, []byte("{{"))
		if i < 0 {
			t.parts = append(t.parts, rest)
			return t, nil
		}
		j := bytes.Index(rest[i:], []byte("}}"))
		if j < 0 {
			return t, errors.New("the body has a {{ with no }}; write {{request_id}} or {{seq}}")
		}
		field := string(rest[i : i+j+2])
		if field != fieldRequestID && field != fieldSeq {
			return t, fmt.Errorf("the body has an unknown template field %s; fnbench fills {{request_id}} and {{seq}}", field)
		}
		t.parts = append(t.parts, rest[:i])
		t.fields = append(t.fields, field)
		rest = rest[i+j+2:]
	}
}

// render appends the body of request seq to out.
func (t *bodyTemplate) render(out []byte, seq uint64) []byte {
	if t.parts == nil {
		return append(out, t.static...)
	}
	for i, p := range t.parts {
		out = append(out, p...)
		if i < len(t.fields) {
			if t.fields[i] == fieldRequestID {
				out = append(out, t.prefix...)
			}
			out = strconv.AppendUint(out, seq, 10)
		}
	}
	return out
}

// refresher holds a value that expires (credentials, a token) and renews
// it in the background before it does, so that readers never wait for the
// network. A failed renewal keeps the old value until it expires, retrying
// with back-off; after that get returns the error.
type refresher[T any] struct {
	fetch func(ctx context.Context) (T, time.Time, error) // value and expiry (zero: never)
	what  string                                          // for errors: "AWS credentials"
	cur   atomic.Pointer[refreshed[T]]
	stop  chan struct{}
}

type refreshed[T any] struct {
	v       T
	expires time.Time
	err     error
}

// refreshAhead is how long before expiry a value is renewed: AWS's SDKs
// renew credentials 5 minutes early, azcore renews tokens 5 minutes early.
const refreshAhead = 5 * time.Minute

// newRefresher fetches the first value, failing if it cannot, and starts
// renewing it.
func newRefresher[T any](ctx context.Context, what string, fetch func(ctx context.Context) (T, time.Time, error)) (*refresher[T], error) {
	r := &refresher[T]{fetch: fetch, what: what, stop: make(chan struct{})}
	v, exp, err := fetch(ctx)
	if err != nil {
		return nil, err
	}
	r.cur.Store(&refreshed[T]{v: v, expires: exp})
	if !exp.IsZero() {
		go r.loop()
	}
	return r, nil
}

func (r *refresher[T]) get() (T, error) {
	c := r.cur.Load()
	if !c.expires.IsZero() && !time.Now().Before(c.expires) {
		var zero T
		if c.err != nil {
			return zero, fmt.Errorf("%s expired and could not be renewed: %v", r.what, c.err)
		}
		return zero, fmt.Errorf("%s expired", r.what)
	}
	return c.v, nil
}

func (r *refresher[T]) loop() {
	backoff := time.Second
	for {
		c := r.cur.Load()
		wait := time.Until(c.expires.Add(-refreshAhead))
		if c.err != nil {
			wait = backoff
			backoff = min(2*backoff, time.Minute)
		}
		select {
		case <-r.stop:
			return
		case <-time.After(max(wait, 0)):
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		v, exp, err := r.fetch(ctx)
		cancel()
		if err != nil {
			r.cur.Store(&refreshed[T]{v: c.v, expires: c.expires, err: err})
			continue
		}
		backoff = time.Second
		r.cur.Store(&refreshed[T]{v: v, expires: exp})
		if exp.IsZero() {
			return
		}
	}
}

func (r *refresher[T]) close() {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
}
