package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/fnbench/fnbench/analyze"
)

// The tools measured. fnbench and vegeta are open-model: they send at the
// offered rate whatever the server does. hey and wrk are closed-loop (a
// fixed number of connections, each sending when the last answer came), so
// they give the most a client gets through this server: a ceiling, not a
// rate held.
const (
	toolFnbench = "fnbench"
	toolVegeta  = "vegeta"
	toolHey     = "hey"
	toolWrk     = "wrk"
)

// ceilingConns is how many connections the closed-loop tools keep busy.
const ceilingConns = 64

// toolset runs the tools. Paths of absent closed-loop tools are "".
type toolset struct {
	fnbench, vegeta, hey, wrk string
	work                      string
	duration, timeout         time.Duration
	runs                      int // numbers each run's files
	// soakRSS, during the soak, samples fnbench's resident set.
	soakRSS *rssSamples
}

// spec holds what a command line is built from: real values for a run,
// placeholders for BENCHMARKS.md, so that the commands shown are the
// commands run.
type spec struct {
	Name, URL, Rate, Duration, Arrivals, Cert, Out, Conns string
	Timeout, TimeoutSecs                                  string
	HTTP2                                                 string // true or false
	Detect                                                string // cold_start.detect; "" leaves fnbench's default
}

// spec is the command-line values of one run of cell c against srv.
func (ts *toolset) spec(c cell, srv *server) spec {
	ts.runs++
	return spec{
		Name:        fmt.Sprintf("run%03d-%s", ts.runs, c.proto),
		URL:         srv.url,
		Rate:        strconv.FormatFloat(c.rate, 'f', 0, 64),
		Duration:    ts.duration.String(),
		Timeout:     ts.timeout.String(),
		TimeoutSecs: strconv.Itoa(int(ts.timeout.Seconds())),
		Arrivals:    c.arrivals,
		Cert:        srv.certFile,
		Conns:       strconv.Itoa(ceilingConns),
		HTTP2:       strconv.FormatBool(c.proto == protoH2),
	}
}

// scenarioTemplate is fnbench's scenario for one cell: one target, one
// constant phase, one-second intervals (interval 0 is the first second).
var scenarioTemplate = template.Must(template.New("scenario").Parse(`name: {{.Name}}
interval: 1s
seed: 1
defaults:
  timeout: {{.Timeout}}
  http2: {{.HTTP2}}
targets:
  - {name: server, kind: http, url: {{.URL}}}
{{- with .Detect}}
cold_start: {detect: {{.}}}
{{- end}}
traffic:
  arrivals: {{.Arrivals}}
  phases:
    - {name: steady, shape: constant, rate: {{.Rate}}/s, duration: {{.Duration}}}
`))

func scenarioYAML(s spec) string {
	var b strings.Builder
	if err := scenarioTemplate.Execute(&b, s); err != nil {
		panic(err) // the template and spec are fixed: a bug here, not input
	}
	return b.String()
}

// fnbenchArgs is `fnbench run`; the scenario file is at s.Out + ".yaml".
// TLS trust comes from SSL_CERT_FILE (fnbenchEnv): fnbench has no
// ca_file option, and Go reads that variable on Linux.
func fnbenchArgs(s spec) []string {
	return []string{"run", s.Out + ".yaml", "--out", s.Out, "--progress", "none"}
}

func fnbenchEnv(s spec) []string {
	if s.Cert == "" {
		return nil
	}
	return []string{"SSL_CERT_FILE=" + s.Cert}
}

// vegetaArgs is `vegeta attack`, open-model (no worker cap), with the
// target on stdin as "GET <url>".
func vegetaArgs(s spec, proto protocol) []string {
	args := []string{"attack", "-rate", s.Rate + "/1s", "-duration", s.Duration,
		"-timeout", s.Timeout, "-max-body", "0", "-output", s.Out + ".bin"}
	if proto.tls() {
		args = append(args, "-root-certs", s.Cert)
	}
	if proto == protoHTTPS1 {
		args = append(args, "-http2=false")
	}
	return args
}

// heyArgs is hey, closed-loop. hey always skips certificate checks.
func heyArgs(s spec, proto protocol) []string {
	args := []string{"-z", s.Duration, "-c", s.Conns, "-t", s.TimeoutSecs}
	if proto == protoH2 {
		args = append(args, "-h2")
	}
	return append(args, s.URL)
}

// wrkArgs is wrk, closed-loop over HTTP/1.1 (it has no HTTP/2); it does
// not check certificates.
func wrkArgs(s spec) []string {
	return []string{"-t", "2", "-c", s.Conns, "-d", s.Duration, "--timeout", s.Timeout, "--latency", s.URL}
}

// runFnbench runs fnbench on one cell and reads its run directory back
// with the repository's own analysis.
func (ts *toolset) runFnbench(c cell, s spec) (measurement, error) {
	m := measurement{cell: c, tool: toolFnbench}
	s.Out = filepath.Join(ts.work, s.Name)
	if err := os.WriteFile(s.Out+".yaml", []byte(scenarioYAML(s)), 0o644); err != nil {
		return m, err
	}
	cmd := exec.Command(ts.fnbench, fnbenchArgs(s)...)
	cmd.Env = append(os.Environ(), fnbenchEnv(s)...)
	log, err := logTo(cmd, s.Out+".log")
	if err != nil {
		return m, err
	}
	defer log.Close()
	// Exit 1: a default check failed (achieved < 99%, errors > 1%); the
	// run directory says by how much.
	if m.usage, err = runMeasured(cmd, ts.soakRSS, 1); err != nil {
		return m, fmt.Errorf("fnbench run: %w (its output is in %s.log)", err, s.Out)
	}
	length, err := time.ParseDuration(s.Duration)
	if err != nil {
		return m, err
	}
	return m, readRunDir(&m, s.Out, length)
}

// readRunDir fills m from fnbench's run directory, as `fnbench report`
// reads it. The achieved rate is over the schedule's length, as vegeta
// reports it: fnbench's own counts the drain after it too.
func readRunDir(m *measurement, dir string, length time.Duration) error {
	run, err := analyze.Load(dir)
	if err != nil {
		return err
	}
	sum := analyze.Summarize(run)
	if len(sum.Tables) == 0 || len(run.Targets) == 0 {
		return fmt.Errorf("%s: the run directory has no target", dir)
	}
	row := sum.Tables[0].Total
	m.requests, m.achieved = row.Sent, float64(row.Sent)/length.Seconds()
	if row.Sent > 0 {
		m.success = float64(row.Warm+row.Cold) / float64(row.Sent)
	}
	m.p50, m.p99 = row.P50, row.P99
	sc := &schedule{lagRun: row.LagP99, offered: row.Offered, notSent: row.NotSent, cold: row.Cold, replies: row.Completed}
	for _, iv := range run.Targets[0].Intervals {
		lag := time.Duration(iv.LagP99Ns)
		if iv.Seq == 0 {
			sc.lagFirst = lag
		}
		sc.lagWorst = max(sc.lagWorst, lag)
	}
	m.sched = sc
	return nil
}

// runVegeta runs `vegeta attack` and reads its own JSON report.
func (ts *toolset) runVegeta(c cell, s spec) (measurement, error) {
	m := measurement{cell: c, tool: toolVegeta}
	s.Out = filepath.Join(ts.work, s.Name)
	cmd := exec.Command(ts.vegeta, vegetaArgs(s, c.proto)...)
	cmd.Stdin = strings.NewReader("GET " + s.URL + "\n")
	log, err := logTo(cmd, s.Out+".log")
	if err != nil {
		return m, err
	}
	defer log.Close()
	if m.usage, err = runMeasured(cmd, nil); err != nil {
		return m, fmt.Errorf("vegeta attack: %w (its output is in %s.log)", err, s.Out)
	}
	defer os.Remove(s.Out + ".bin")
	rep, err := exec.Command(ts.vegeta, "report", "-type", "json", s.Out+".bin").Output()
	if err != nil {
		return m, fmt.Errorf("vegeta report: %w", err)
	}
	var r struct {
		Requests  int64   `json:"requests"`
		Rate      float64 `json:"rate"`
		Success   float64 `json:"success"`
		Latencies struct {
			P50 int64 `json:"50th"`
			P99 int64 `json:"99th"`
		} `json:"latencies"`
	}
	if err := json.Unmarshal(rep, &r); err != nil {
		return m, fmt.Errorf("vegeta report: %w", err)
	}
	m.requests, m.achieved, m.success = r.Requests, r.Rate, r.Success
	m.p50, m.p99 = time.Duration(r.Latencies.P50), time.Duration(r.Latencies.P99)
	return m, nil
}

// runClosedLoop runs hey or wrk, whose report is what they print.
func (ts *toolset) runClosedLoop(c cell, tool, bin string, args []string, parse func(*measurement, string) error) (measurement, error) {
	m := measurement{cell: c, tool: tool}
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	var err error
	if m.usage, err = runMeasured(cmd, nil); err != nil {
		return m, fmt.Errorf("%s: %w: %s", tool, err, tail(out.String()))
	}
	return m, parse(&m, out.String())
}

// parseHey reads hey's default summary: "Requests/sec:", the "NN% in X
// secs" latency lines, and the status code and error distributions.
func parseHey(m *measurement, out string) error {
	var ok, all int64
	section := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		switch {
		case strings.HasSuffix(line, "distribution:"):
			section = line
		case len(f) == 2 && f[0] == "Requests/sec:":
			m.achieved, _ = strconv.ParseFloat(f[1], 64)
		case len(f) == 4 && f[1] == "in" && f[3] == "secs":
			secs, _ := strconv.ParseFloat(f[2], 64)
			switch strings.TrimRight(f[0], "%") {
			case "50":
				m.p50 = time.Duration(secs * float64(time.Second))
			case "99":
				m.p99 = time.Duration(secs * float64(time.Second))
			}
		case len(f) >= 2 && section == "Status code distribution:" && strings.HasPrefix(f[0], "["):
			// "[200]	12345 responses"
			n, _ := strconv.ParseInt(f[1], 10, 64)
			if strings.HasPrefix(f[0], "[2") {
				ok += n
			}
			all += n
		case len(f) >= 2 && section == "Error distribution:" && strings.HasPrefix(f[0], "["):
			// "[12]	Get …: the error"
			n, _ := strconv.ParseInt(strings.Trim(f[0], "[]"), 10, 64)
			all += n
		}
	}
	if m.achieved == 0 || all == 0 {
		return fmt.Errorf("hey printed no summary: %s", tail(out))
	}
	m.requests, m.success = all, float64(ok)/float64(all)
	return nil
}

// parseWrk reads wrk's report: the latency distribution, "N requests in",
// non-2xx responses, socket errors and "Requests/sec:".
func parseWrk(m *measurement, out string) error {
	var done, bad, sockErrs int64
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && (f[0] == "50%" || f[0] == "99%"):
			d, err := time.ParseDuration(f[1])
			if err != nil {
				return fmt.Errorf("wrk latency %q: %v", f[1], err)
			}
			if f[0] == "50%" {
				m.p50 = d
			} else {
				m.p99 = d
			}
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			done, _ = strconv.ParseInt(f[0], 10, 64)
		case len(f) == 5 && f[0] == "Non-2xx":
			bad, _ = strconv.ParseInt(f[4], 10, 64)
		case len(f) > 2 && f[0] == "Socket" && f[1] == "errors:":
			for _, kv := range strings.Split(strings.Join(f[2:], " "), ",") {
				if n, err := strconv.ParseInt(strings.Fields(kv)[1], 10, 64); err == nil {
					sockErrs += n
				}
			}
		case len(f) == 2 && f[0] == "Requests/sec:":
			m.achieved, _ = strconv.ParseFloat(f[1], 64)
		}
	}
	if done == 0 {
		return fmt.Errorf("wrk printed no report: %s", tail(out))
	}
	m.requests = done + sockErrs
	m.success = float64(done-bad) / float64(m.requests)
	return nil
}

// logTo sends cmd's stdout and stderr to a file in the work directory.
func logTo(cmd *exec.Cmd, path string) (*os.File, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = f, f
	return f, nil
}

// tail is the end of a tool's output, for an error message.
func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 300 {
		s = "…" + s[len(s)-300:]
	}
	if s == "" {
		return "(no output)"
	}
	return s
}
