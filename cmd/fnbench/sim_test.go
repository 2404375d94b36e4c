package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fnbench sim prints its endpoints as one JSON document, serves them, and
// stops cleanly when its context ends (as on SIGINT).
func TestSimCommandPrintsEndpointsAndServesUntilInterrupted(t *testing.T) {
	truth := filepath.Join(t.TempDir(), "truth.jsonl")
	pr, pw := io.Pipe()
	cmd := newSimCmd()
	cmd.SetArgs([]string{"--listen", "127.0.0.1:0", "--profile", "aws-go-hello", "--profile", "trivial", "--truth", truth})
	cmd.SetOut(pw)
	cmd.SetErr(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	began := time.Now()
	go func() { done <- cmd.ExecuteContext(ctx); pw.Close() }()

	var doc simStarted
	if err := json.NewDecoder(pr).Decode(&doc); err != nil {
		t.Fatalf("decoding the endpoints document: %v", err)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("sim took %v to start; want under a second", d)
	}
	go io.Copy(io.Discard, pr) //nolint:errcheck
	if !strings.HasPrefix(doc.URL, "http://127.0.0.1:") || len(doc.Endpoints) == 0 {
		t.Fatalf("document %+v", doc)
	}
	var url string
	for _, e := range doc.Endpoints {
		if e.SimURL == "sim://trivial/noop/lambda-url" {
			url = e.URL
		}
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sim returned %v after interrupt", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("sim did not stop after interrupt")
	}
	b, _ := os.ReadFile(truth)
	if !strings.Contains(string(b), `"function":"noop"`) {
		t.Errorf("truth file lacks the invocation: %q", b)
	}
}

func TestSimCommandBadConfigIsUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"--config", filepath.Join(t.TempDir(), "missing.yaml")},
		{"--profile", "no-such-profile"},
	} {
		cmd := newSimCmd()
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitUsage {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
}
