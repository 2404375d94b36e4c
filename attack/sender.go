package attack

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fnbench/fnbench/internal/rundir"
)

// testRoots, when set by a test, replaces the system's trusted roots.
var testRoots *x509.CertPool

// newSender picks how a target's requests travel. With keep-alive, no
// proxy and a request small enough to write without blocking, HTTPS where
// the server agrees to HTTP/2 goes through fnbench's h2Sender, and plain
// HTTP/1.1 and HTTPS without HTTP/2 through its h1Sender. The rest (proxies,
// large bodies, keep-alive off, a server that could not be reached to ask)
// goes through net/http's Transport, set up with vegeta's defaults: dialer
// keep-alive 30 s, an idle pool as large as the in-flight cap. None has a
// timeout of its own: each request's deadline runs from its intended send
// time. None retries, and only a target with follow_redirects follows
// redirects: net/http's client, on its transport, carries it.
func newSender(r *runner) (sender, error) {
	t := r.t
	if needsPreparer(t) {
		p, err := newPreparer(t)
		if err != nil {
			return nil, err
		}
		r.prep = p
	}
	u, err := url.Parse(t.Request.URL)
	if err != nil {
		return nil, fmt.Errorf("target %q: bad URL: %v", t.Name, err)
	}
	tlsConf := &tls.Config{ClientSessionCache: tls.NewLRUClientSessionCache(0), ServerName: u.Hostname(), RootCAs: testRoots,
		InsecureSkipVerify: t.TLS.Insecure} //nolint:gosec // the scenario asked for it, and every report warns of it
	if len(t.TLS.CA) > 0 {
		tlsConf.RootCAs = x509.NewCertPool()
		tlsConf.RootCAs.AppendCertsFromPEM(t.TLS.CA) // checked when the scenario was loaded
	}
	proxy, _ := http.ProxyFromEnvironment(&http.Request{URL: u})
	h1Only := !t.HTTP2
	native := proxy == nil && t.KeepAlive && !t.FollowRedirects
	if native && u.Scheme == "https" && t.HTTP2 {
		s, err := newNativeH2(r, u, tlsConf)
		switch {
		case err == nil && s != nil:
			return s, nil
		case err == nil:
			h1Only = true // the server speaks HTTP/1.1 only
		case errors.Is(err, errTooLarge), errors.Is(err, errNoAnswer):
			// net/http's transport carries it.
		default:
			return nil, fmt.Errorf("target %q: %v", t.Name, err)
		}
	}
	inline := native && (u.Scheme == "http" || (u.Scheme == "https" && h1Only))
	if inline {
		addr := hostPort(u)
		var h1TLS *tls.Config
		if u.Scheme == "https" {
			h1TLS = tlsConf.Clone()
			h1TLS.NextProtos = []string{"http/1.1"}
		}
		tmpl, err := t.Request.Request()
		if err != nil {
			return nil, fmt.Errorf("target %q: %v", t.Name, err)
		}
		s, err := newH1Sender(r, addr, h1TLS, tmpl, r.prep)
		switch {
		case err == nil:
			return s, nil
		case !errors.Is(err, errTooLarge):
			return nil, fmt.Errorf("target %q: %v", t.Name, err)
		}
		// Too large to write inline: net/http's transport carries it.
	}
	dialer := &net.Dialer{Timeout: t.Timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialBudgeted(ctx, dialer, network, addr)
		},
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: t.Timeout,
		MaxIdleConnsPerHost: t.MaxInFlight,
		IdleConnTimeout:     90 * time.Second,
		DisableKeepAlives:   !t.KeepAlive,
		ForceAttemptHTTP2:   t.HTTP2,
		// Compressed responses would be measured differently from what an
		// SDK client sees; ask for what the target sends by default.
		DisableCompression: true,
	}
	if !t.HTTP2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	if t.FollowRedirects {
		return newPoolSender(r, redirectClient(tr)), nil
	}
	return newPoolSender(r, tr), nil
}

// maxRedirects is how many redirects a follow_redirects target follows, as
// net/http's client does by default.
const maxRedirects = 10

// redirectClient is a round tripper that follows redirects through
// net/http's client on tr. The client drops the Authorization, Cookie and
// WWW-Authenticate headers on a redirect to another host, so a secret does
// not follow the user to where they did not send it.
func redirectClient(tr *http.Transport) http.RoundTripper {
	return clientRoundTripper{&http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}}}
}

// clientRoundTripper sends a request through an http.Client.
type clientRoundTripper struct{ c *http.Client }

func (c clientRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return c.c.Do(r) }
func (c clientRoundTripper) CloseIdleConnections()                             { c.c.CloseIdleConnections() }

// errNoAnswer says the server could not be asked which protocol it speaks.
var errNoAnswer = errors.New("no answer to the protocol probe")

// newNativeH2 returns an h2Sender if the server agrees to HTTP/2, nil if it
// speaks only HTTP/1.1. It asks with one TLS handshake, which runs no
// function.
func newNativeH2(r *runner, u *url.URL, tlsConf *tls.Config) (sender, error) {
	addr := hostPort(u)
	probe := tlsConf.Clone()
	probe.NextProtos = []string{"h2", "http/1.1"}
	ctx, cancel := context.WithTimeout(context.Background(), min(prewarmTimeout, r.t.Timeout))
	defer cancel()
	nc, dt, err := dialConn(ctx, &net.Dialer{KeepAlive: 30 * time.Second}, addr, probe)
	r.conns.dialed(dt, err)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoAnswer, err)
	}
	proto := nc.(*tls.Conn).ConnectionState().NegotiatedProtocol
	nc.Close()
	r.conns.closed()
	if proto != "h2" {
		return nil, nil
	}
	return newH2Sender(r, u, addr, tlsConf, r.prep)
}

// hostPort is u's host with its port, the scheme's default if none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
}

// newRequest builds one request from the target's vegeta.Target.
//
// About retries: net/http's transport re-sends an idempotent request (GET,
// HEAD, OPTIONS, TRACE) by itself only when a kept-alive connection turns out
// to have been closed before the server read the request, so the target never
// sees two attempts. fnbench adds no retry of its own, and AWS and Azure SDK
// clients it uses run with retries off.
func newRequest(ctx context.Context, vt *vegeta.Target) (*http.Request, error) {
	req, err := vt.Request()
	if err != nil {
		return nil, err
	}
	return req.WithContext(ctx), nil
}

// bufPool holds buffers for draining response bodies.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// drain reads and discards a response body, returning its size.
func drain(body io.Reader) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	return io.CopyBuffer(io.Discard, struct{ io.Reader }{body}, *bp)
}

// hit sends one request and classifies what came back.
func hit(ctx context.Context, rt http.RoundTripper, t *Target, prep *preparer, res *result) {
	vt := &t.Request
	var req *http.Request
	var err error
	if prep != nil {
		req, err = prep.request(ctx)
	} else {
		req, err = newRequest(ctx, vt)
	}
	if err != nil {
		res.outcome, res.class, res.errMsg = rundir.IndexError, classIndex(rundir.ClassTransportError), err.Error()
		return
	}
	res.bytesOut = int64(len(vt.Body))
	resp, err := rt.RoundTrip(req)
	if err != nil {
		res.outcome, res.class, res.errMsg = rundir.IndexError, classifyErr(err), err.Error()
		return
	}
	res.markers = markersFromHeader(resp.Header)
	readBody(t, resp, res)
}

// readBody drains and closes a response body and classifies the response.
func readBody(t *Target, resp *http.Response, res *result) {
	sg := signalsFromHeader(resp.Header, wants(t))
	var head int64
	if wantsHead(resp.StatusCode, &sg, &res.markers) {
		var buf [errBodyPeek]byte
		n, _ := io.ReadFull(resp.Body, buf[:])
		head = int64(n)
		readHead(buf[:n], resp.StatusCode, &sg, &res.markers)
	}
	n, err := drain(resp.Body)
	resp.Body.Close()
	res.bytesIn = head + n
	res.logResult, res.requestID = sg.logResult, sg.requestID
	if err != nil {
		res.status = resp.StatusCode
		res.outcome, res.class, res.errMsg = rundir.IndexError, classifyErr(err), err.Error()
		return
	}
	classifyStatus(t, resp.StatusCode, sg, res)
}
