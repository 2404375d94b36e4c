package attack_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fnbench/fnbench/analyze"
)

// h2Server is a TLS test server that offers HTTP/2, with streams per
// connection limited to slots (0: Go's default), counting connections.
func h2Server(t *testing.T, slots int, h http.HandlerFunc) (*httptest.Server, func() int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	if slots > 0 {
		srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: slots}
	}
	srv.Config.ConnState = countConns(&conns)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(swapDefaultRoots(srv))
	return srv, conns.Load
}

// Requests of every shape travel over HTTP/2 when the server offers it:
// GET, POST with a body, HEAD; bodies are read and counted.
func TestHTTP2Requests(t *testing.T) {
	srv, _ := h2Server(t, 0, func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			http.Error(w, "want HTTP/2", 400)
			return
		}
		b, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost && string(b) != "hello" {
			http.Error(w, "bad body "+string(b), 400)
			return
		}
		w.Write(make([]byte, 1000))
	})
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: h2
seed: 1
targets:
  - {name: get, url: URL}
  - {name: post, url: URL, method: POST, body: "hello"}
  - {name: head, url: URL, method: HEAD}
traffic:
  phases: [{shape: constant, rate: 200/s, duration: 500ms}]
`)
	for _, ts := range analyze.Summarize(loadRun(t, dir)).Tables {
		if ts.Total.Warm != 100 || ts.Total.Errors != 0 {
			t.Errorf("target %s: warm %d errors %d %v; want 100 and none", ts.Target.Name, ts.Total.Warm, ts.Total.Errors, ts.Total.Classes)
		}
		if want := int64(100 * 1000); ts.Target.Name != "head" && ts.Total.BytesIn != want {
			t.Errorf("target %s: read %d body bytes, want %d", ts.Target.Name, ts.Total.BytesIn, want)
		}
	}
}

// A server's stream limit spreads the streams over more connections: none
// is refused, none waits long.
func TestHTTP2StreamLimitOpensConnections(t *testing.T) {
	srv, conns := h2Server(t, 4, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		w.Write([]byte("ok"))
	})
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: slots
seed: 1
targets: [{name: a, url: URL}]
traffic:
  phases: [{shape: constant, rate: 400/s, duration: 500ms}]
`)
	row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
	if row.Warm != 200 || row.NotSent != 0 {
		t.Errorf("warm %d not sent %d %v; want 200 and 0", row.Warm, row.NotSent, row.Classes)
	}
	// 400/s × 50 ms is 20 in flight: at 4 streams a connection, at least 5.
	if n := conns(); n < 5 {
		t.Errorf("%d connections for 20 streams in flight at 4 a connection", n)
	}
}

// A stream past its deadline is reset and recorded as a timeout, on time.
func TestHTTP2Timeout(t *testing.T) {
	release := make(chan struct{})
	srv, _ := h2Server(t, 0, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	began := time.Now()
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: slow
seed: 1
defaults: {timeout: 100ms}
targets: [{name: a, url: URL}]
traffic:
  phases: [{shape: constant, rate: 100/s, duration: 200ms}]
`)
	row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
	if row.Classes["timeout"] != 20 {
		t.Errorf("classes %v, want 20 timeouts", row.Classes)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("the run took %s", d)
	}
}

// Throttles are told by their status and body, cold starts by the markers,
// and a stream the server resets fails alone.
func TestHTTP2Classification(t *testing.T) {
	n := 0
	srv, _ := h2Server(t, 0, func(w http.ResponseWriter, r *http.Request) {
		n++ // handlers run one at a time at this rate
		switch n % 3 {
		case 0:
			w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
			w.WriteHeader(429)
			w.Write([]byte(`{"Reason":"ConcurrentInvocationLimitExceeded"}`))
		case 1:
			w.Header().Set("Fnbench-Cold", "true")
			w.Header().Set("Fnbench-Instance", "i-1")
			w.Write([]byte("cold"))
		default:
			panic(http.ErrAbortHandler) // RST_STREAM
		}
	})
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: classes
seed: 1
targets: [{name: a, url: URL}]
traffic:
  phases: [{shape: constant, rate: 30/s, duration: 1s}]
`)
	row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
	if row.Classes["throttled"] != 10 || row.Classes["transport_error"] != 10 || row.Cold != 10 {
		t.Errorf("classes %v cold %d; want 10 throttled, 10 resets, 10 cold", row.Classes, row.Cold)
	}
}
