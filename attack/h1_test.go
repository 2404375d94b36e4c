package attack_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/internal/rundir"
)

// countingServer counts the connections it accepts.
func countingServer(t *testing.T, h http.Handler, idle time.Duration) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.IdleTimeout = idle
	srv.Config.ConnState = countConns(&conns)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// countConns is a ConnState hook that counts new connections.
func countConns(n *atomic.Int64) func(net.Conn, http.ConnState) {
	return func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
}

// Keep-alive connections are reused: a steady, light load needs only the
// connections opened before time zero (by Little's law with the assumed
// 250 ms response, 500/s × 0.25 s × 1.25 = 157), and the run opens almost
// no more.
func TestConnectionsAreReused(t *testing.T) {
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }), 0)
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: reuse
seed: 1
targets: [{name: a, url: URL}]
traffic:
  phases: [{shape: constant, rate: 500/s, duration: 1s}]
`)
	row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
	if row.Warm != 500 {
		t.Fatalf("warm %d, want 500 (classes %v)", row.Warm, row.Classes)
	}
	if n := conns.Load(); n > 157+5 {
		t.Errorf("opened %d connections for 500 sequential-ish requests, want the 157 of the warm-up and at most a few more", n)
	}
}

// Responses that close the connection, chunked bodies and HEAD requests
// are all read correctly, and a server that closes idle connections between
// requests costs no errors.
func TestResponseFraming(t *testing.T) {
	var gets, heads atomic.Int64
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := &gets
		if r.Method == http.MethodHead {
			n = &heads
		}
		switch n.Add(1) % 3 {
		case 0:
			w.Header().Set("Connection", "close")
			w.Write([]byte("closing"))
		case 1:
			w.(http.Flusher).Flush() // forces chunked encoding
			w.Write([]byte(strings.Repeat("x", 10000)))
		default:
			w.Write([]byte("plain"))
		}
	}), 30*time.Millisecond)
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: framing
seed: 1
targets:
  - {name: get, url: URL}
  - {name: head, url: URL, method: HEAD}
traffic:
  phases:
    - {shape: constant, rate: 100/s, duration: 500ms}
    - {shape: pause, duration: 200ms}
    - {shape: constant, rate: 20/s, duration: 500ms}
`)
	sum := analyze.Summarize(loadRun(t, dir))
	for _, ts := range sum.Tables {
		if ts.Total.Warm != 60 || ts.Total.Errors != 0 {
			t.Errorf("target %s: warm %d errors %d %v; want 60 and none", ts.Target.Name, ts.Total.Warm, ts.Total.Errors, ts.Total.Classes)
		}
	}
	if got := sum.Tables[0].Total.BytesIn; got < 20*10000 {
		t.Errorf("read %d body bytes; chunked bodies were not read", got)
	}
}

// HTTPS with HTTP/2 off goes through the same sender over TLS.
func TestHTTPSWithoutHTTP2(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 1 {
			http.Error(w, "want HTTP/1.1", 400)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	// The test server's certificate is self-signed; trust it for this test.
	defer swapDefaultRoots(srv)()
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: tls
seed: 1
defaults: {http2: false}
targets: [{name: a, url: URL}]
traffic:
  phases: [{shape: constant, rate: 100/s, duration: 300ms}]
`)
	row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
	if row.Warm != 30 {
		t.Errorf("warm %d, want 30 (classes %v)", row.Warm, row.Classes)
	}
}

func swapDefaultRoots(srv *httptest.Server) func() {
	return attack.SetTestRoots(srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs)
}

// A connection refused at dial time is a transport error, fast.
func TestDialFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, dir := runYAML(t, context.Background(), "http://"+addr, `
name: refused
seed: 1
targets: [{name: a, url: URL}]
traffic:
  phases: [{shape: constant, rate: 50/s, duration: 200ms}]
`)
	row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
	if row.Classes[rundir.ClassTransportError] != 10 {
		t.Errorf("classes %v, want 10 transport errors", row.Classes)
	}
}

// Connections opened for a burst are closed after sitting idle, so memory
// returns to what the steady load needs.
func TestIdleConnectionsAreClosed(t *testing.T) {
	defer attack.SetIdleTimeout(100 * time.Millisecond)()
	var open, closed, closedByTrickle atomic.Int64
	var first atomic.Pointer[time.Time]
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		now := time.Now()
		first.CompareAndSwap(nil, &now)
		if now.Sub(*first.Load()) > 550*time.Millisecond && closedByTrickle.Load() == 0 {
			// The first request after the pause: how many were closed by then?
			closedByTrickle.Store(closed.Load() + 1)
		}
		time.Sleep(20 * time.Millisecond)
		w.Write([]byte("ok"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed:
			closed.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: reap
seed: 1
targets: [{name: a, url: URL}]
traffic:
  phases:
    - {shape: constant, rate: 2000/s, duration: 200ms}
    - {shape: pause, duration: 400ms}
    - {shape: constant, rate: 10/s, duration: 100ms}
`)
	row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
	if row.Warm != 401 {
		t.Fatalf("warm %d, want 401 (%v)", row.Warm, row.Classes)
	}
	if n := closedByTrickle.Load() - 1; open.Load() < 40 || n < open.Load()-5 {
		t.Errorf("opened %d connections, %d closed after the pause: the burst's connections were kept", open.Load(), n)
	}
}
