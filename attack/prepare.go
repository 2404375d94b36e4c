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
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// A preparer makes the requests of a target whose bytes differ from one
// request to the next: a body with a per-request id, an AWS Signature
// Version 4 (the date and the body hash are in it), or an Azure Entra
// bearer token that is refreshed during the run. Targets without any of
// these are serialized once and never reach a preparer.
//
// Preparation runs on the path that sends the request (the scheduler, or
// the reader that hands a freed connection to a waiting request), so it
// never waits: credentials and tokens are fetched ahead of time by a
// refresher and read here from memory.
type preparer struct {
	t      *Target
	body   bodyTemplate
	sign   *sigV4 // nil unless signed
	bearer *refresher[string]
	seq    atomic.Uint64
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
	return p, nil
}

// request makes the next request, signed or carrying its token.
func (p *preparer) request(ctx context.Context) (*http.Request, error) {
	seq := p.seq.Add(1)
	body := p.body.render(seq)
	req, err := http.NewRequestWithContext(ctx, p.t.Request.Method, p.t.Request.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		req.Body, req.GetBody = http.NoBody, nil
	}
	req.Header = p.t.Request.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host
		req.Header.Del("Host")
	}
	if p.bearer != nil {
		tok, err := p.bearer.get()
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if p.sign != nil {
		if err := p.sign.sign(req, body, p.body.hash); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// wire appends the next request, serialized, to dst.
func (p *preparer) wire(dst []byte) ([]byte, error) {
	req, err := p.request(context.Background())
	if err != nil {
		return dst, err
	}
	w := appendWriter{dst}
	if err := req.Write(&w); err != nil {
		return dst, err
	}
	return w.b, nil
}

type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

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

// render is the body of request seq.
func (t *bodyTemplate) render(seq uint64) []byte {
	if t.parts == nil {
		return t.static
	}
	n := 0
	for _, p := range t.parts {
		n += len(p)
	}
	out := make([]byte, 0, n+len(t.fields)*(len(t.prefix)+20))
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

// sigV4 signs requests with AWS Signature Version 4 (the SDK's signer),
// with credentials kept fresh by a refresher.
type sigV4 struct {
	service, region string
	creds           *refresher[aws.Credentials]
	signer          *v4.Signer
}

// sign signs req, whose body is body; hash is its SHA-256 when known.
func (s *sigV4) sign(req *http.Request, body []byte, hash string) error {
	c, err := s.creds.get()
	if err != nil {
		return err
	}
	if hash == "" {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	}
	return s.signer.SignHTTP(req.Context(), c, req, hash, s.service, s.region, time.Now())
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
