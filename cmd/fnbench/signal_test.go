package main

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
)

// TestMain lets the test binary act as the fnbench command for tests that
// need a child process (signals).
func TestMain(m *testing.M) {
	if os.Getenv("FNBENCH_TEST_AS_CLI") == "1" {
		if n, err := strconv.ParseUint(os.Getenv("FNBENCH_TEST_NOFILE"), 10, 64); err == nil {
			// As `ulimit -n N` does: the soft and the hard limit.
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				panic(err)
			}
		}
		os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func writeScenario(t *testing.T, body string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// startCLI starts the test binary as the fnbench command with args. Its
// stderr goes to a file, which the test may read while the command runs.
func startCLI(t *testing.T, args ...string) (cmd *exec.Cmd, stderr string) {
	t.Helper()
	stderr = filepath.Join(t.TempDir(), "stderr")
	f, err := os.Create(stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd = exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FNBENCH_TEST_AS_CLI=1")
	cmd.Stderr = f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, stderr
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
	}
}

// sentSoFar is how many requests the run in dir has recorded as sent, in
// the intervals written so far.
func sentSoFar(dir string) int64 {
	var sent int64
	var warnings []string // the file is missing until the first interval ends
	rundir.EachLine(dir, rundir.IntervalsFile, &warnings, func(_ int, line []byte) error {
		var c rundir.IntervalCounts
		if json.Unmarshal(line, &c) == nil {
			sent += c.Sent
		}
		return nil
	})
	return sent
}

// waitExit waits for cmd to exit and returns its exit code, killing it and
// failing the test after limit.
func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("fnbench did not exit within %v", limit)
		return -1
	}
}

// Ctrl-C stops sending, waits for requests in flight, marks the run
// interrupted, exits 3, and leaves a readable run directory; so does a
// closed terminal (SIGHUP).
func TestCtrlCLeavesReadableRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(50 * time.Millisecond) // the requests are in flight when Ctrl-C comes
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	scen := writeScenario(t, "name: sig\nseed: 1\ninterval: 200ms\ntargets: [{name: a, url: "+srv.URL+"}]\ntraffic: {phases: [{shape: constant, rate: 100/s, duration: 60s}]}\n")
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			cmd, stderrFile := startCLI(t, "run", scen, "--out", dir, "--progress", "plain")
			waitFor(t, 30*time.Second, "100 requests sent", func() bool { return sentSoFar(dir) >= 100 })
			cmd.Process.Signal(sig)
			code := waitExit(t, cmd, 30*time.Second)
			stderr, _ := os.ReadFile(stderrFile)
			if code != 3 {
				t.Errorf("exit %d, want 3\n%s", code, stderr)
			}
			if !strings.Contains(string(stderr), "interrupted") {
				t.Errorf("stderr does not say interrupted:\n%s", stderr)
			}
			run, err := analyze.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			row := analyze.Summarize(run).Tables[0].Total
			if run.Status != rundir.StatusInterrupted || row.Sent < 100 || row.Sent != row.Warm {
				t.Errorf("status %s, sent %d, warm %d: want an interrupted run whose requests all finished", run.Status, row.Sent, row.Warm)
			}
		})
	}
}

// hangingServer never answers: each request holds its connection until the
// client gives up or the test ends. arrived counts the requests.
func hangingServer(t *testing.T) (srv *httptest.Server, arrived *atomic.Int64) {
	release := make(chan struct{})
	arrived = new(atomic.Int64)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: the handlers return, then the server closes
	return srv, arrived
}

// A second Ctrl-C abandons the requests still in flight: fnbench exits 3
// at once instead of waiting out their timeout, and the run directory is
// still readable and interrupted.
func TestSecondCtrlCAbandonsRequestsInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	srv, arrived := hangingServer(t)
	scen := writeScenario(t, "name: sig2\nseed: 1\ninterval: 200ms\ntargets: [{name: a, url: "+srv.URL+", timeout: 60s}]\ntraffic: {phases: [{shape: constant, rate: 20/s, duration: 60s}]}\n")
	dir := filepath.Join(t.TempDir(), "run")
	cmd, stderrFile := startCLI(t, "run", scen, "--out", dir, "--progress", "none")
	waitFor(t, 30*time.Second, "requests in flight", func() bool { return arrived.Load() >= 5 })
	cmd.Process.Signal(syscall.SIGINT)
	waitFor(t, 30*time.Second, "the first Ctrl-C acknowledged", func() bool {
		b, _ := os.ReadFile(stderrFile)
		return strings.Contains(string(b), "Ctrl-C again to abandon them")
	})
	cmd.Process.Signal(syscall.SIGINT)
	// The requests would hang for their 60 s timeout; well under that
	// proves they were abandoned.
	code := waitExit(t, cmd, 30*time.Second)
	stderr, _ := os.ReadFile(stderrFile)
	if code != 3 {
		t.Errorf("exit %d, want 3\n%s", code, stderr)
	}
	run, err := analyze.Load(dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if run.Status != rundir.StatusInterrupted {
		t.Errorf("status %s, want interrupted", run.Status)
	}
	// The abandoned requests are fnbench's doing, not the target's
	// (issue 13, fault 4).
	row := analyze.Summarize(run).Tables[0].Total
	if own := row.Classes[rundir.ClassClientError]; own == 0 || own != row.Errors || row.ErrorRate != 0 {
		t.Errorf("classes %v, error rate %v: want every abandoned request a client_error, none the target's", row.Classes, row.ErrorRate)
	}
}

// Out of file descriptors (ulimit -n 64 in the child), fnbench warns before
// it starts, records the requests it could not send as client_error, not
// as the target's transport_error, and the gate fails (issue 13, fault 4).
func TestOutOfFileDescriptorsIsAClientError(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	srv, _ := hangingServer(t)
	scen := writeScenario(t, "name: fds\nseed: 1\ninterval: 500ms\ntargets: [{name: a, url: "+srv.URL+", timeout: 2s}]\ntraffic: {phases: [{shape: constant, rate: 200/s, duration: 1s}]}\n")
	dir := filepath.Join(t.TempDir(), "run")
	stdout := filepath.Join(t.TempDir(), "stdout")
	cmd := exec.Command(os.Args[0], "run", scen, "--out", dir, "--progress", "none")
	cmd.Env = append(os.Environ(), "FNBENCH_TEST_AS_CLI=1", "FNBENCH_TEST_NOFILE=64")
	var stderr strings.Builder
	out, _ := os.Create(stdout)
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	code := waitExit(t, cmd, 60*time.Second)
	if code != 1 {
		t.Errorf("exit %d, want 1 (the gate fails on client errors)\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "beyond the file-descriptor limit of 64") {
		t.Errorf("no warning before the run:\n%s", stderr.String())
	}
	run, err := analyze.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	row := analyze.Summarize(run).Tables[0].Total
	if row.Classes[rundir.ClassClientError] == 0 || row.Classes[rundir.ClassTransportError] != 0 {
		t.Errorf("classes %v: want client_error, and no transport_error blamed on the target", row.Classes)
	}
	printed, _ := os.ReadFile(stdout)
	for _, want := range []string{"failed on fnbench's side", "no client errors"} {
		if !strings.Contains(string(printed), want) {
			t.Errorf("the summary does not say %q:\n%s", want, printed)
		}
	}
}

// A sentinel secret passed through ${…} in a header and a ?code= value
// never reaches the run directory, stdout or stderr, even in error messages.
func TestSecretsNeverReachOutputs(t *testing.T) {
	const sentinel = "SENTINEL-SECRET-7f3a9c"
	t.Setenv("FNB_TOKEN", sentinel)
	t.Setenv("FNB_CODE", sentinel+"-code")
	var sawSecret, sawAuthHeader atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Authorization"), sentinel) && r.URL.Query().Get("code") == sentinel+"-code" {
			sawSecret.Store(true)
		}
		if r.Header.Get("X-Secret") == sentinel {
			sawAuthHeader.Store(true)
		}
		http.Error(w, "denied", http.StatusForbidden)
	}))
	defer srv.Close()
	scen := writeScenario(t, `name: secret
seed: 1
targets:
  - name: ok
    url: `+srv.URL+`/?code=${FNB_CODE}
    headers: {Authorization: "Bearer ${FNB_TOKEN}", X-Api-Key: "${FNB_TOKEN}"}
  - name: keyed
    url: `+srv.URL+`/?code=${FNB_CODE}
    auth: {type: header, name: X-Secret, value: "${FNB_TOKEN}"}
  - name: refused
    url: http://127.0.0.1:1/?code=${FNB_CODE}
    http2: true
    keepalive: false
    headers: {Authorization: "Bearer ${FNB_TOKEN}"}
traffic: {phases: [{shape: constant, rate: 20/s, duration: 300ms}]}
`)
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errs := cli("run", scen, "--out", dir, "--progress", "plain")
	if code != 1 { // every request fails one way or another: the gate fails
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errs)
	}
	if !sawSecret.Load() || !sawAuthHeader.Load() {
		t.Fatal("the server did not receive the secrets: the test proves nothing")
	}
	code2, val, verr := cli("validate", scen)
	if code2 != 0 {
		t.Fatalf("validate exit %d: %s", code2, verr)
	}
	check := func(where, text string) {
		if strings.Contains(text, sentinel) {
			t.Errorf("the sentinel secret reached %s:\n%s", where, text)
		}
	}
	check("stdout", out)
	check("stderr", errs)
	check("validate output", val)
	// Every report format, written from the run directory.
	for _, format := range []string{"text", "md", "json", "junit", "html"} {
		file := filepath.Join(t.TempDir(), "report."+format)
		code, rout, rerr := cli("report", dir, "--format", format, "-o", file)
		if code != 0 {
			t.Fatalf("report --format %s: exit %d\n%s", format, code, rerr)
		}
		b, _ := os.ReadFile(file)
		check("the "+format+" report", string(b)+rout+rerr)
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			check(p, string(b))
		}
		return nil
	})
	// The error samples are there, just without the secret.
	if b, _ := os.ReadFile(filepath.Join(dir, "events.jsonl")); !strings.Contains(string(b), "transport_error") {
		t.Errorf("no transport error sample recorded:\n%s", b)
	}
}

// Credentials written literally in the scenario (not as ${…}) never reach
// the run directory, stdout or a report either, even when the target echoes
// them back in its error body and its X-Amzn-ErrorType header.
func TestLiteralSecretsEchoedByTheTargetNeverReachOutputs(t *testing.T) {
	const sentinel = "LITERAL-SENTINEL-5d1e"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		echo := r.Header.Get("X-Api-Key") + " " + r.Header.Get("Authorization") + " " + r.Header.Get("X-Functions-Key") + " " + r.URL.Query().Get("code")
		w.Header().Set("X-Amzn-ErrorType", "Echo"+strings.ReplaceAll(echo, " ", "_"))
		http.Error(w, "echo: "+echo, http.StatusInternalServerError)
	}))
	defer srv.Close()
	scen := writeScenario(t, `name: literal
seed: 1
targets:
  - name: headers
    url: `+srv.URL+`/?code=`+sentinel+`-code
    headers: {X-Api-Key: `+sentinel+`-key, Authorization: "Basic `+sentinel+`-basic"}
  - name: keyed
    url: `+srv.URL+`/
    auth: {type: azure-function-key, value: `+sentinel+`-fnkey}
traffic: {phases: [{shape: constant, rate: 20/s, duration: 300ms}]}
`)
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errs := cli("run", scen, "--out", dir, "--progress", "plain")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (every request failed)\n%s\n%s", code, out, errs)
	}
	check := func(where, text string) {
		if strings.Contains(text, sentinel) {
			t.Errorf("a literal secret reached %s:\n%s", where, text)
		}
	}
	check("stdout", out)
	check("stderr", errs)
	for _, format := range []string{"text", "md", "json", "junit", "html"} {
		_, rout, rerr := cli("report", dir, "--format", format)
		check("the "+format+" report", rout+rerr)
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			check(p, string(b))
		}
		return nil
	})
	// The echo is recorded, without the secrets.
	if b, _ := os.ReadFile(filepath.Join(dir, "events.jsonl")); !strings.Contains(string(b), "REDACTED") {
		t.Errorf("no redacted error sample recorded:\n%s", b)
	}
}
