// Command fnbench-bench is fnbench's benchmark harness (`make bench`). It
// starts a trivial HTTP server on loopback in a process of its own, drives it
// with fnbench and with its peers (vegeta's CLI) at the same offered rates on
// this machine, and prints what each achieved, with ratios. It then times
// `fnbench report --format json` on a synthetic one-hour, 1,000 requests/s
// run. Nothing here is a pass/fail unit test: the figures are for people and
// for closing notes.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/units"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		serve()
		return
	}
	var (
		fnbench  = flag.String("fnbench", "bin/fnbench", "fnbench binary")
		vegeta   = flag.String("vegeta", "bin/vegeta", "vegeta binary (peer)")
		rates    = flag.String("rates", "10000,20000", "offered rates to measure, requests/s")
		duration = flag.Duration("duration", 15*time.Second, "length of each attack")
		soak     = flag.Duration("soak", 0, "also run fnbench for this long at the highest rate and sample its memory (e.g. 10m)")
		work     = flag.String("work", "", "directory for run outputs (default a temporary one)")
		mode     = flag.String("mode", "all", "what to measure: all, attack (throughput against peers) or report (report --format json on a synthetic 1-hour run)")
	)
	flag.Parse()
	err := func() error {
		if *work == "" {
			d, err := os.MkdirTemp("", "fnbench-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(d)
			*work = d
		}
		switch *mode {
		case "all":
			if err := bench(*fnbench, *vegeta, *rates, *duration, *soak, *work); err != nil {
				return err
			}
			return benchReport(*fnbench, *work)
		case "attack":
			return bench(*fnbench, *vegeta, *rates, *duration, *soak, *work)
		case "report":
			return benchReport(*fnbench, *work)
		}
		return fmt.Errorf("-mode %q: use all, attack or report", *mode)
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fnbench-bench:", err)
		os.Exit(1)
	}
}

// serve is the trivial loopback server: HTTP/1.1 keep-alive, 200 and two
// bytes for every request, one goroutine per connection and no per-request
// allocation, so that the tools are measured rather than the server.
func serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	os.Stdout.Sync()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go serveConn(c)
	}
}

var okResponse = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")

// serveConn answers every request on c: it reads the head up to its blank
// line, skips a Content-Length body, and writes the canned response.
func serveConn(c net.Conn) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 16<<10)
	for {
		var bodyLen int64
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(line) <= 2 {
				break
			}
			if len(line) > 15 && (line[0] == 'C' || line[0] == 'c') && strings.EqualFold(string(line[:15]), "content-length:") {
				bodyLen, _ = strconv.ParseInt(strings.TrimSpace(string(line[15:])), 10, 64)
			}
		}
		if bodyLen > 0 {
			if _, err := br.Discard(int(bodyLen)); err != nil {
				return
			}
		}
		if _, err := c.Write(okResponse); err != nil {
			return
		}
	}
}

// measurement is one tool's result at one offered rate.
type measurement struct {
	tool      string
	offered   float64
	achieved  float64 // requests sent per second
	success   float64 // fraction of requests that succeeded
	p50, p99  time.Duration
	lagP99    time.Duration // fnbench only: schedule lag
	cpu       time.Duration // user+system CPU of the tool
	maxRSSMiB float64
	note      string
}

func bench(fnbench, vegeta, rateList string, dur, soak time.Duration, work string) error {
	addr, stopServer, err := startServer()
	if err != nil {
		return err
	}
	defer stopServer()
	url := "http://" + addr + "/"
	fmt.Printf("fnbench-bench: trivial server at %s; %d CPUs; each attack %s\n", url, numCPU(), dur)

	var rates []float64
	var top float64
	for _, f := range strings.Split(rateList, ",") {
		rate, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return fmt.Errorf("bad -rates entry %q", f)
		}
		rates = append(rates, rate)
		top = max(top, rate)
	}
	// The simulator must never be what limits the engine: drive its
	// trivial profile at the highest rate, on a machine not yet tired by a
	// peer's collapse, the way `fnbench run` uses it for sim:// targets
	// (in-process, on loopback).
	simRow, err := runFnbench(fnbench, "sim://trivial/noop", top, dur, work, "-sim")
	if err != nil {
		return err
	}
	simRow.tool = "fnbench→sim"
	coolDown()

	var rows []measurement
	for _, rate := range rates {
		// fnbench first: a peer that collapses leaves thousands of closing
		// connections behind, which would tax whatever runs next.
		fb, err := runFnbench(fnbench, url, rate, dur, work, "")
		if err != nil {
			return err
		}
		rows = append(rows, fb)
		coolDown()
		sg, err := runFnbench(fnbench, url, rate, dur, work, "-sigv4")
		if err != nil {
			return err
		}
		rows = append(rows, sg)
		coolDown()
		v, err := runVegeta(vegeta, url, rate, dur, work)
		if err != nil {
			return err
		}
		rows = append(rows, v)
		coolDown()
	}
	printTable(os.Stdout, rows)
	fmt.Printf("\nthe built-in simulator (sim://trivial/noop, in-process) as the target:\n")
	printTable(os.Stdout, []measurement{simRow})
	if soak > 0 {
		fmt.Printf("\nsoak: fnbench at %.0f/s for %s, resident memory sampled every 10 s\n", top, soak)
		m, err := runFnbench(fnbench, url, top, soak, work, "soak")
		if err != nil {
			return err
		}
		printTable(os.Stdout, []measurement{m})
	}
	return nil
}

// coolDown lets connections from the last attack finish closing.
func coolDown() { time.Sleep(5 * time.Second) }

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

func startServer() (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(self, "serve")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return "", nil, fmt.Errorf("server did not start: %v", err)
	}
	return strings.TrimSpace(line), func() { cmd.Process.Kill(); cmd.Wait() }, nil
}

// runVegeta runs `vegeta attack` open-model (no worker cap) and reads its
// own report of what happened.
func runVegeta(bin, url string, rate float64, dur time.Duration, work string) (measurement, error) {
	m := measurement{tool: "vegeta", offered: rate}
	results := filepath.Join(work, fmt.Sprintf("vegeta-%.0f.bin", rate))
	cmd := exec.Command(bin, "attack",
		"-rate", fmt.Sprintf("%.0f/1s", rate), "-duration", dur.String(),
		"-timeout", "10s", "-max-body", "0", "-output", results)
	cmd.Stdin = strings.NewReader("GET " + url + "\n")
	cmd.Stderr = os.Stderr
	rss, err := startAndSample(cmd, time.Second)
	if err != nil {
		return m, fmt.Errorf("vegeta attack: %w", err)
	}
	m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	m.maxRSSMiB = rss.max()
	rep, err := exec.Command(bin, "report", "-type", "json", results).Output()
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
	m.achieved, m.success = r.Rate, r.Success
	m.p50, m.p99 = time.Duration(r.Latencies.P50), time.Duration(r.Latencies.P99)
	m.note = "latency from pick-up time"
	os.Remove(results)
	return m, nil
}

// runFnbench runs fnbench on a one-phase constant scenario and reads the
// run directory back.
func runFnbench(bin, url string, rate float64, dur time.Duration, work, label string) (measurement, error) {
	m := measurement{tool: "fnbench", offered: rate}
	name := fmt.Sprintf("bench-%.0f%s", rate, label)
	scen := filepath.Join(work, name+".yaml")
	target := fmt.Sprintf("{name: server, kind: http, url: %s}", url)
	if label == "-sim" {
		// The engine's throughput is measured, not cold-start inference
		// on a function that has no cold starts worth the name.
		target = fmt.Sprintf("{name: server, kind: http, url: %s}\ncold_start: {detect: none}", url)
	}
	if label == "-sigv4" {
		// The Invoke API's request, signed per request (SigV4 over a body
		// with a per-request id) against the same trivial server, which
		// answers without checking: the cost measured is fnbench's.
		m.tool = "fnbench+SigV4"
		target = fmt.Sprintf(`{name: server, kind: aws-lambda, function: bench, region: us-east-1, endpoint: %s, payload: '{"id":"{{request_id}}"}'}`, strings.TrimSuffix(url, "/"))
	}
	body := fmt.Sprintf(`name: %s
interval: 1s
seed: 1
defaults:
  timeout: 10s
targets:
  - %s
traffic:
  arrivals: uniform
  phases:
    - {name: steady, shape: constant, rate: %.0f/s, duration: %s}
`, name, target, rate, dur)
	if err := os.WriteFile(scen, []byte(body), 0o644); err != nil {
		return m, err
	}
	out := filepath.Join(work, name)
	cmd := exec.Command(bin, "run", scen, "--out", out, "--progress", "none")
	if label == "-sigv4" {
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIAFNBENCHBENCH", "AWS_SECRET_ACCESS_KEY=bench-secret", "AWS_SESSION_TOKEN=",
			"AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_EC2_METADATA_DISABLED=true")
	}
	cmd.Stderr = os.Stderr
	every := time.Second
	if label == "soak" {
		every = 10 * time.Second
	}
	rss, err := startAndSample(cmd, every)
	if err != nil {
		return m, fmt.Errorf("fnbench run: %w", err)
	}
	m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	m.maxRSSMiB = rss.max()
	if label == "soak" {
		m.note = rss.trend()
	}
	run, err := analyze.Load(out)
	if err != nil {
		return m, err
	}
	row := analyze.Summarize(run).Tables[0].Total
	m.achieved = row.AchievedRate
	if row.Sent > 0 {
		m.success = float64(row.Warm+row.Cold) / float64(row.Sent)
	}
	m.p50, m.p99, m.lagP99 = row.P50, row.P99, row.LagP99
	if m.note == "" {
		m.note = "latency from intended time"
	}
	os.RemoveAll(out)
	return m, nil
}

// rssSamples are resident-set sizes in MiB, sampled while a tool runs.
type rssSamples struct {
	mu sync.Mutex
	v  []float64
}

func (s *rssSamples) max() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m float64
	for _, x := range s.v {
		m = max(m, x)
	}
	return m
}

// trend compares the first and last thirds of the samples, after a warm-up
// sample, to tell flat memory from growth.
func (s *rssSamples) trend() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.v) < 6 {
		return "too short to judge memory"
	}
	v := s.v[1:]
	third := len(v) / 3
	avg := func(xs []float64) float64 {
		t := 0.0
		for _, x := range xs {
			t += x
		}
		return t / float64(len(xs))
	}
	first, last := avg(v[:third]), avg(v[len(v)-third:])
	return fmt.Sprintf("RSS first third %.1f MiB, last third %.1f MiB (%+.1f%%), %d samples", first, last, 100*(last-first)/first, len(s.v))
}

func startAndSample(cmd *exec.Cmd, every time.Duration) (*rssSamples, error) {
	s := &rssSamples{}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if mib, ok := readRSS(cmd.Process.Pid); ok {
					s.mu.Lock()
					s.v = append(s.v, mib)
					s.mu.Unlock()
				}
			}
		}
	}()
	err := cmd.Wait()
	cancel()
	wg.Wait()
	return s, err
}

func readRSS(pid int) (float64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, err := strconv.ParseFloat(f[0], 64)
				return kb / 1024, err == nil
			}
		}
	}
	return 0, false
}

func printTable(w io.Writer, rows []measurement) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "tool\toffered/s\tachieved/s\tachieved %\tsuccess %\tp50\tp99\tlag p99\tCPU s\tmax RSS MiB\tnote")
	for _, m := range rows {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.1f\t%.1f\t%s\t%s\t%s\t%.1f\t%.1f\t%s\n",
			m.tool, m.offered, m.achieved, 100*m.achieved/m.offered, 100*m.success,
			units.Latency(m.p50), units.Latency(m.p99), units.Latency(m.lagP99),
			m.cpu.Seconds(), m.maxRSSMiB, m.note)
	}
	tw.Flush()
	// Ratios of fnbench to vegeta at each rate.
	byRate := map[float64]map[string]measurement{}
	for _, m := range rows {
		if byRate[m.offered] == nil {
			byRate[m.offered] = map[string]measurement{}
		}
		byRate[m.offered][m.tool] = m
	}
	for _, m := range rows {
		pair := byRate[m.offered]
		f, okf := pair["fnbench"]
		v, okv := pair["vegeta"]
		if m.tool != "fnbench" || !okf || !okv || v.achieved == 0 {
			continue
		}
		fmt.Fprintf(w, "at %.0f/s: fnbench achieved %.2fx vegeta's rate, using %.2fx its CPU per request\n",
			m.offered, f.achieved/v.achieved,
			(f.cpu.Seconds()/max(f.achieved, 1))/(v.cpu.Seconds()/max(v.achieved, 1)))
	}
}
