package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/internal/units"
)

// The soak (issue 13, make soak; not in CI): fnbench at 5,000/s for 30
// minutes against `fnbench sim` in a process of its own, its own figures
// sampled every minute. It passes when nothing grows, no interval is lost
// and the schedule lag stays within target.
const (
	soakSimRate    = 5000
	soakLagTarget  = 5 * time.Millisecond
	soakGrowth     = 0.10 // the live heap's last third of the samples may exceed its first by this much
	soakLiveMiB    = 4    // or by this many MiB
	soakGoroutines = 50   // goroutines may grow by this many, or soakGrowth
	soakFDs        = 20   // descriptors by this many
	// soakTrendMiB bounds the live heap's growth with time once the open
	// connections are accounted for (heapTrend): a leak of a few hundred
	// bytes an interval shows as more than this over a soak.
	soakTrendMiB = 1.0
	// RSS keeps pages the runtime has freed until its scavenger returns
	// them, minutes later: after a burst of connections it stays up with
	// no live memory behind it. It may grow by soakRSSGrowth or
	// soakRSSMiB, whichever is more; the live heap is the leak test.
	soakRSSGrowth = 0.25
	soakRSSMiB    = 20
	soakFunction  = "hello"
)

func simSoak(args []string) error {
	fs := flag.NewFlagSet("soak-sim", flag.ExitOnError)
	fnbench := fs.String("fnbench", "bin/fnbench", "fnbench binary")
	dur := fs.Duration("duration", 30*time.Minute, "length of the soak")
	rate := fs.Float64("rate", soakSimRate, "offered rate, requests/s")
	md := fs.String("md", "", "also write the result as Markdown to this file")
	work := fs.String("work", "", "directory for the run (default a temporary one, kept)")
	fs.Parse(args)
	dir := *work
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "fnbench-soak-"); err != nil {
			return err
		}
	}
	ts := &toolset{fnbench: *fnbench, work: dir}
	srv, err := startSimFunction(ts, "", soakFunction)
	if err != nil {
		return err
	}
	defer stopSim(srv) //nolint:errcheck // the soak's verdict does not depend on it
	scen := filepath.Join(dir, "soak.yaml")
	src := fmt.Sprintf("name: soak\nseed: 1\ninterval: 1s\ntargets: [{name: sim, url: %s}]\ntraffic: {phases: [{name: steady, shape: constant, rate: %g/s, duration: %s}]}\n", srv.url, *rate, *dur)
	if err := os.WriteFile(scen, []byte(src), 0o644); err != nil {
		return err
	}
	out, stats := filepath.Join(dir, "run"), filepath.Join(dir, "runtime.jsonl")
	fmt.Fprintf(os.Stderr, "fnbench-bench soak-sim: %g/s for %s against %s; run directory %s\n", *rate, *dur, srv.url, out)
	cmd := exec.Command(*fnbench, "run", scen, "--out", out, "--progress", "none", "--runtime-stats", stats, "--heap-profiles", filepath.Join(dir, "heap"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	runErr := cmd.Run()
	res, err := judgeSoak(out, stats, *rate, *dur)
	if err != nil {
		return errors.Join(runErr, err)
	}
	res.heapDiff = heapDiff(filepath.Join(dir, "heap"))
	text := res.markdown()
	fmt.Print(text)
	if *md != "" {
		if err := os.WriteFile(*md, []byte(text), 0o644); err != nil {
			return err
		}
	}
	if runErr != nil {
		return fmt.Errorf("fnbench run: %w", runErr)
	}
	if !res.pass() {
		return errors.New("the soak failed (see above)")
	}
	return nil
}

// heapDiff is the top of `go tool pprof -top -diff_base` from the heap
// profile of minute 2 to the last one fnbench run --heap-profiles wrote;
// empty when there are not two or the go tool is not at hand.
func heapDiff(dir string) string {
	profiles, _ := filepath.Glob(filepath.Join(dir, "heap-*.pprof"))
	slices.Sort(profiles)
	if len(profiles) < 3 {
		return ""
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", "-sample_index=inuse_space", "-nodecount=8",
		"-diff_base", profiles[1], profiles[len(profiles)-1]).Output()
	if err != nil {
		return ""
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "File:") || strings.HasPrefix(line, "Build ID:") || strings.HasPrefix(line, "Time:") || strings.TrimSpace(line) == "" {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n") + "\n"
}

// soakResult is what the soak measured.
type soakResult struct {
	rate           float64
	dur            time.Duration
	samples        []soakSample // one a minute
	all            []soakSample // every one, for the fit (heapTrend)
	heapDiff       string       // the heap profiles' growth sites, minute 2 to the last
	intervals      int          // intervals.jsonl lines
	wantIntervals  int
	missing        []int // sequence numbers absent
	achieved, errs float64
	lagP99, lagMax time.Duration
}

type soakSample struct {
	At         float64 `json:"t_s"`
	Goroutines int     `json:"goroutines"`
	HeapMiB    float64 `json:"heap_inuse_mib"`
	LiveMiB    float64 `json:"heap_live_mib"`
	RSSMiB     float64 `json:"rss_mib"`
	FDs        int     `json:"fds"`
}

func judgeSoak(out, stats string, rate float64, dur time.Duration) (*soakResult, error) {
	r := &soakResult{rate: rate, dur: dur, wantIntervals: int(dur / time.Second)}
	f, err := os.Open(stats)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	next := 0.0
	for sc.Scan() {
		var s soakSample
		if json.Unmarshal(sc.Bytes(), &s) != nil {
			continue
		}
		r.all = append(r.all, s)
		if s.At >= next { // one a minute
			r.samples = append(r.samples, s)
			next = s.At + 60 - 5
		}
	}
	seen := map[int]bool{}
	var warn []string
	rundir.EachLine(out, rundir.IntervalsFile, &warn, func(_ int, line []byte) error {
		var c rundir.IntervalCounts
		if json.Unmarshal(line, &c) == nil {
			seen[c.Seq] = true
			r.intervals++
		}
		return nil
	})
	for k := range r.wantIntervals {
		if !seen[k] {
			r.missing = append(r.missing, k)
		}
	}
	run, err := analyze.Load(out)
	if err != nil {
		return nil, err
	}
	tot := analyze.Summarize(run).Tables[0].Total
	r.achieved = float64(tot.Sent) / float64(max(tot.Offered, 1))
	r.errs = tot.ErrorRate
	r.lagP99, r.lagMax = tot.Lag.P99, tot.Lag.Max
	return r, nil
}

// growth compares the medians of the first and last thirds of the samples
// (after the first minute, the warm-up) of one figure: a median is not
// moved by one minute's burst of connections, and growth moves it.
func (r *soakResult) growth(f func(soakSample) float64) (first, last float64) {
	v := r.samples
	if len(v) > 1 {
		v = v[1:]
	}
	third := max(len(v)/3, 1)
	median := func(xs []soakSample) float64 {
		ys := make([]float64, 0, len(xs))
		for _, x := range xs {
			ys = append(ys, f(x))
		}
		slices.Sort(ys)
		if len(ys) == 0 {
			return 0
		}
		return ys[len(ys)/2]
	}
	return median(v[:third]), median(v[len(v)-third:])
}

// heapTrend fits live heap = a + b·descriptors + c·time to every sample
// after the first minute, by least squares. The live heap follows the
// connections open at the moment (each holds a 16 KiB read buffer) and the
// requests in flight; c is what is left: growth with time itself, in MiB
// over the whole soak, and b the heap per open descriptor in KiB. ok is
// false with fewer than 10 samples.
func (r *soakResult) heapTrend() (perDescKiB, overRunMiB float64, ok bool) {
	var xs [][3]float64
	var ys []float64
	for _, s := range r.all {
		if s.At >= 60 {
			xs = append(xs, [3]float64{1, float64(s.FDs), s.At})
			ys = append(ys, s.LiveMiB)
		}
	}
	if len(xs) < 10 {
		return 0, 0, false
	}
	// Normal equations XᵀX β = Xᵀy, solved by Gaussian elimination.
	var m [3][4]float64
	for k, x := range xs {
		for i := range 3 {
			for j := range 3 {
				m[i][j] += x[i] * x[j]
			}
			m[i][3] += x[i] * ys[k]
		}
	}
	for col := range 3 {
		p := col
		for row := col + 1; row < 3; row++ {
			if math.Abs(m[row][col]) > math.Abs(m[p][col]) {
				p = row
			}
		}
		m[col], m[p] = m[p], m[col]
		if math.Abs(m[col][col]) < 1e-12 {
			return 0, 0, false
		}
		for row := range 3 {
			if row != col {
				f := m[row][col] / m[col][col]
				for j := col; j < 4; j++ {
					m[row][j] -= f * m[col][j]
				}
			}
		}
	}
	b, c := m[1][3]/m[1][1], m[2][3]/m[2][2]
	return b * 1024, c * r.dur.Seconds(), true
}

func (r *soakResult) checks() []string {
	rss0, rss1 := r.growth(func(s soakSample) float64 { return s.RSSMiB })
	live0, live1 := r.growth(func(s soakSample) float64 { return s.LiveMiB })
	g0, g1 := r.growth(func(s soakSample) float64 { return float64(s.Goroutines) })
	f0, f1 := r.growth(func(s soakSample) float64 { return float64(s.FDs) })
	mark := func(ok bool) string {
		if ok {
			return "✓"
		}
		return "✗"
	}
	trend := "✗ live heap net of connections: too few samples to fit"
	if perDesc, overRun, ok := r.heapTrend(); ok {
		trend = fmt.Sprintf("%s live heap net of connections: %+.2f MiB over the soak (fit of the live heap to open descriptors, %.1f KiB each, and time; at most %+.0f MiB)",
			mark(overRun <= soakTrendMiB), overRun, perDesc, soakTrendMiB)
	}
	return []string{
		fmt.Sprintf("%s live heap: first third median %.1f MiB, last third median %.1f MiB (%+.1f%%; at most +%.0f%% or +%d MiB)", mark(live1 <= max(live0*(1+soakGrowth), live0+soakLiveMiB)), live0, live1, 100*(live1-live0)/live0, 100*soakGrowth, soakLiveMiB),
		trend,
		fmt.Sprintf("%s RSS: first third median %.1f MiB, last third median %.1f MiB (%+.1f%%; at most +%.0f%% or +%d MiB, for freed pages return late)", mark(rss1 <= max(rss0*(1+soakRSSGrowth), rss0+soakRSSMiB)), rss0, rss1, 100*(rss1-rss0)/rss0, 100*soakRSSGrowth, soakRSSMiB),
		fmt.Sprintf("%s goroutines: first third median %.0f, last third median %.0f (at most +%d or +%.0f%%)", mark(g1 <= max(g0+soakGoroutines, g0*(1+soakGrowth))), g0, g1, soakGoroutines, 100*soakGrowth),
		fmt.Sprintf("%s open descriptors: first third median %.0f, last third median %.0f (at most +%d)", mark(f1 <= f0+soakFDs), f0, f1, soakFDs),
		fmt.Sprintf("%s intervals: %d written of %d, %d missing", mark(len(r.missing) == 0), r.intervals, r.wantIntervals, len(r.missing)),
		fmt.Sprintf("%s schedule lag p99 %s (under %s), max %s", mark(r.lagP99 < soakLagTarget), units.Latency(r.lagP99), units.Latency(soakLagTarget), units.Latency(r.lagMax)),
		fmt.Sprintf("%s achieved %.2f%% of the offered requests, error rate %.3f%%", mark(r.achieved >= 0.99 && r.errs <= 0.01), 100*r.achieved, 100*r.errs),
	}
}

func (r *soakResult) pass() bool {
	for _, c := range r.checks() {
		if strings.HasPrefix(c, "✗") {
			return false
		}
	}
	return true
}

func (r *soakResult) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## make soak, %s\n\nfnbench at %g requests/s for %s against `fnbench sim` (aws-go-hello/%s, its function URL) in a process of its own; fnbench's own figures from `--runtime-stats`, one sample a minute.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), r.rate, r.dur, soakFunction)
	b.WriteString("| minute | RSS MiB | live heap MiB | heap in use MiB | goroutines | open descriptors |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range r.samples {
		fmt.Fprintf(&b, "| %.0f | %.1f | %.1f | %.1f | %d | %d |\n", s.At/60, s.RSSMiB, s.LiveMiB, s.HeapMiB, s.Goroutines, s.FDs)
	}
	b.WriteString("\n")
	for _, c := range r.checks() {
		b.WriteString("- " + c + "\n")
	}
	if r.heapDiff != "" {
		b.WriteString("\nWhere the heap grew, from the heap profile at minute 2 to the last (`go tool pprof -top -diff_base`, allocations sampled every 4 KiB):\n\n```\n" + r.heapDiff + "```\n")
	}
	verdict := "PASS"
	if !r.pass() {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "\n**%s**\n", verdict)
	return b.String()
}
