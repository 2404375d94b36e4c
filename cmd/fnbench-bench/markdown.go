package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fnbench/fnbench/internal/units"
)

// report is everything one harness run found, for BENCHMARKS.md.
type report struct {
	title       string // what was run: "make bench" or "make bench-quick"
	commandLine string // the harness's own
	date        time.Time
	wall        time.Duration
	machine     machine
	versions    []string
	rtt         map[protocol]time.Duration
	duration    time.Duration // of each open-model run
	timeout     time.Duration
	coolDown    time.Duration
	searched    bool // the full matrix: rates searched upward
	results     []measurement
	cold        *coldCheck
	reportJSON  *reportTiming
	soak        string // fnbench's memory over the soak, if one ran
	notes       []string
}

// markdown renders the report as one section of BENCHMARKS.md.
func (rep *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## `%s`, %s\n\n", rep.title, rep.date.UTC().Format("2006-01-02 15:04 UTC"))
	rep.writeSetting(&b)
	rep.writeResults(&b)
	if rep.searched {
		rep.writeSustained(&b)
	}
	if rep.cold != nil {
		rep.writeCold(&b)
	}
	writeVerdicts(&b, verdicts(rep))
	if rep.reportJSON != nil {
		b.WriteString("### `fnbench report --format json` on a synthetic one-hour run\n\n")
		b.WriteString(rep.reportJSON.String() + "\n\n")
	}
	if rep.soak != "" {
		b.WriteString("### Soak\n\n" + rep.soak + "\n\n")
	}
	if len(rep.notes) > 0 {
		b.WriteString("### Notes\n\n")
		for _, n := range rep.notes {
			b.WriteString("- " + n + "\n")
		}
		b.WriteString("\n")
	}
	rep.writeCommands(&b)
	return b.String()
}

func (rep *report) writeSetting(b *strings.Builder) {
	m := rep.machine
	fmt.Fprintf(b, "Machine: %s, %d cores, %s, %.1f GiB of memory. Versions: %s.\n\n",
		m.CPU, m.Cores, m.Kernel, m.MemGiB, strings.Join(rep.versions, "; "))
	var rtts []string
	for _, p := range protocols {
		rtts = append(rtts, p.label()+" "+units.Latency(rep.rtt[p]))
	}
	fmt.Fprintf(b, "Each open-model run lasts %s at a constant offered rate (request timeout %s), with a %s cool-down after every run (three times as long after a run that collapsed); fnbench and vegeta take turns going first from cell to cell. "+
		"Loopback round trip (median of 200 sequential net/http requests to a server that answers at once): %s. The harness took %s.\n\n",
		rep.duration, rep.timeout, rep.coolDown, strings.Join(rtts, ", "), rep.wall.Round(time.Second))
	fmt.Fprintf(b, "The server is `fnbench-bench serve`, a process of its own: plain HTTP/1.1 is a hand-written loop; HTTPS is net/http with a self-signed ECDSA certificate, and offers one protocol only "+
		"(http/1.1, or h2 with at most %d concurrent streams per connection), so that a tool on the wrong protocol fails rather than measures the wrong path. "+
		"fnbench trusts the certificate through `SSL_CERT_FILE` (it has no ca_file option) and speaks HTTP/1.1 over TLS with `http2: false`; vegeta uses `-root-certs` and `-http2=false`; hey and wrk do not check certificates.\n\n", h2MaxStreams)
}

const legend = `Columns: *achieved* is requests sent per second (and the share of the offered requests: for fnbench, of the arrivals its schedule made); *ok* the share of them answered 2xx; ` +
	`*p99 (+over)* the p99 and how far it exceeds the server's delay; *lag p99* is fnbench's schedule lag p99 over the whole run · in its first second (interval 0) · in its worst second; ` +
	`*CPU s/100k* the tool's user+system CPU seconds per 100,000 requests sent; *RSS* its peak resident set (MB, from the kernel); *CPU server · rest* the server process's CPU over the run and the rest of the machine's, each as a share of one core: *rest* holds interrupts, among them the loopback traffic's own, so it grows with the rate; far above that, other work competed with the tool and the figures are disturbed. ` +
	`fnbench times each request from its intended send time; vegeta from when a worker picks it up; hey and wrk are closed-loop with 64 connections, so their row is a ceiling, not a rate held. ` +
	`vegeta has no Poisson arrivals: it runs uniform only.`

func (rep *report) writeResults(b *strings.Builder) {
	b.WriteString("### Results\n\n" + legend + "\n\n")
	for _, g := range rep.groups() {
		fmt.Fprintf(b, "#### %s, server delay %s\n\n", g.proto.label(), delayLabel(g.delay))
		b.WriteString("| offered/s | tool | achieved/s | ok | p50 | p99 (+over) | lag p99 run · 1st s · worst s | CPU s/100k | RSS MB | not sent | CPU server · rest |\n")
		b.WriteString("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, m := range g.rows {
			b.WriteString("| " + strings.Join(tableRow(&m), " | ") + " |\n")
		}
		b.WriteString("\n")
	}
	rep.writeServerLoad(b)
}

// serverBusy is the share of a core above which the server may have held
// a tool back.
const serverBusy = 0.9

// writeServerLoad says how close the server came to being the bottleneck.
func (rep *report) writeServerLoad(b *strings.Builder) {
	var top *measurement
	for i := range rep.results {
		if m := &rep.results[i]; top == nil || m.serverCPU > top.serverCPU {
			top = m
		}
	}
	if top == nil {
		return
	}
	verdict := "under a whole core, so it did not limit the tools by itself, though on two cores it competes with them for CPU"
	if top.serverCPU > serverBusy {
		verdict = "close to a whole core: there it may have held the tool back"
	}
	fmt.Fprintf(b, "The server used at most %s of a core in any run (%s, %s delay, %s, %s): %s.\n\n",
		percent(top.serverCPU), top.proto.label(), delayLabel(top.delay), offeredLabel(top), top.tool, verdict)
}

// resultGroup is the rows of one protocol and delay, in table order.
type resultGroup struct {
	proto protocol
	delay time.Duration
	rows  []measurement
}

// groups orders the results by protocol and delay, then closed-loop rows
// first, then by rate, fnbench before vegeta.
func (rep *report) groups() []resultGroup {
	rank := map[string]int{toolHey: 0, toolWrk: 1, toolFnbench: 2, toolVegeta: 4}
	order := func(m *measurement) int {
		if m.arrivals == poisson {
			return rank[m.tool] + 1
		}
		return rank[m.tool]
	}
	var gs []resultGroup
	for _, p := range protocols {
		for _, m := range rep.results {
			if m.proto != p {
				continue
			}
			i := slices.IndexFunc(gs, func(g resultGroup) bool { return g.proto == p && g.delay == m.delay })
			if i < 0 {
				gs = append(gs, resultGroup{proto: p, delay: m.delay})
				i = len(gs) - 1
			}
			gs[i].rows = append(gs[i].rows, m)
		}
	}
	slices.SortStableFunc(gs, func(a, b resultGroup) int {
		if a.proto != b.proto {
			return slices.Index(protocols, a.proto) - slices.Index(protocols, b.proto)
		}
		return int(a.delay - b.delay)
	})
	for _, g := range gs {
		slices.SortStableFunc(g.rows, func(a, b measurement) int {
			if a.rate != b.rate {
				return int(a.rate - b.rate)
			}
			return order(&a) - order(&b)
		})
	}
	return gs
}

// offeredLabel is the offered rate of a row, or how a closed-loop tool
// ran.
func offeredLabel(m *measurement) string {
	if m.rate == 0 {
		return fmt.Sprintf("closed, %d conns", ceilingConns)
	}
	return rateLabel(m.rate) + "/s"
}

func tableRow(m *measurement) []string {
	offered := strings.TrimSuffix(offeredLabel(m), "/s")
	tool := m.tool
	if m.arrivals == poisson {
		tool += " Poisson"
	}
	if m.failed != "" {
		msg := strings.ReplaceAll(m.failed, "|", `\|`)
		if len(msg) > 120 {
			msg = msg[:120] + "…"
		}
		return []string{offered, tool, "failed: " + msg, "", "", "", "", "", "", "", ""}
	}
	achieved := rateLabel(m.achieved)
	if m.rate > 0 {
		achieved += " (" + percent(m.achievedShare()) + ")"
	}
	p99 := units.Latency(m.p99)
	if m.delay > 0 {
		p99 += " (+" + units.Latency(m.p99-m.delay) + ")"
	}
	lag, notSent := "–", "–"
	if s := m.sched; s != nil {
		lag = units.Latency(s.lagRun) + " · " + units.Latency(s.lagFirst) + " · " + units.Latency(s.lagWorst)
		notSent = strconv.FormatInt(s.notSent, 10)
	}
	return []string{offered, tool, achieved, percent(m.success), units.Latency(m.p50), p99, lag,
		fmt.Sprintf("%.2f", m.cpuPer100k()), fmt.Sprintf("%.0f", m.peakRSSMB), notSent, percent(m.serverCPU) + " · " + percent(m.restCPU)}
}

// writeSustained tabulates the highest rate each open-model tool held,
// and the closed-loop ceilings.
func (rep *report) writeSustained(b *strings.Builder) {
	b.WriteString("### Highest rate held\n\n")
	fmt.Fprintf(b, "A tool holds a rate when it sends ≥ 99%% of it, ≥ 99%% are answered 2xx and its p99 is within %s of the server's delay. "+
		"Rates double from 20,000/s while an open-model tool has not collapsed (under 90%% sent or answered, or p99 a second past the delay); a tool stops at the first rate it collapses at, but for the target cells. "+
		"fnbench runs Poisson arrivals once, at the highest rate it held uniform. "+
		"\"20,000 (not 40,000)\": the highest rate held, then the lowest not held; \"≥\": held the highest rate tried.\n\n", units.Latency(holdSlack))
	b.WriteString("| path | delay | fnbench | fnbench Poisson | vegeta | hey (closed) | wrk (closed) |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, g := range rep.groups() {
		cells := []string{g.proto.label(), delayLabel(g.delay),
			held(g.rows, toolFnbench, uniform), held(g.rows, toolFnbench, poisson), held(g.rows, toolVegeta, uniform),
			ceiling(g.rows, toolHey), ceiling(g.rows, toolWrk)}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	b.WriteString("\n")
}

// held is the highest offered rate a tool held in a group, and the lowest
// it did not.
func held(rows []measurement, tool, arrivals string) string {
	var top, failedAt float64
	for _, m := range rows {
		if m.tool != tool || m.arrivals != arrivals || m.rate == 0 {
			continue
		}
		switch {
		case m.holds():
			top = max(top, m.rate)
		case failedAt == 0 || m.rate < failedAt:
			failedAt = m.rate
		}
	}
	switch {
	case top == 0 && failedAt == 0:
		return "–"
	case top == 0:
		return "< " + rateLabel(failedAt)
	case failedAt == 0:
		return "≥ " + rateLabel(top)
	}
	if failedAt < top {
		return fmt.Sprintf("%s (but not %s)", rateLabel(top), rateLabel(failedAt))
	}
	return fmt.Sprintf("%s (not %s)", rateLabel(top), rateLabel(failedAt))
}

func ceiling(rows []measurement, tool string) string {
	for _, m := range rows {
		if m.tool == tool && m.failed == "" {
			return fmt.Sprintf("%s, p99 %s", rateLabel(m.achieved), units.Latency(m.p99))
		}
	}
	return "–"
}

func (rep *report) writeCold(b *strings.Builder) {
	cc := rep.cold
	m := &cc.m
	b.WriteString("### Cold starts with the simulator overloaded\n\n")
	fmt.Fprintf(b, "fnbench at %s/s for %s, `detect: auto`, against `fnbench sim` (%s/%s, its function URL, which carries no cold-start markers) in a process of its own: "+
		"achieved %s/s (%s), lag p99 %s (first second %s), %d not sent; the simulator used %s of a core, the rest of the machine %s. "+
		"Of %d responses fnbench tagged **%d** cold; the simulator's ground truth has **%d** cold starts (and %d throttled invocations): "+
		"(tagged − true) / responses = **%s**.\n\n",
		rateLabel(m.rate), cc.duration, coldProfile, coldFunction,
		rateLabel(m.achieved), percent(m.achievedShare()), units.Latency(m.sched.lagRun), units.Latency(m.sched.lagFirst), m.sched.notSent, percent(m.serverCPU), percent(m.restCPU),
		cc.replies, cc.tagged, cc.trueCold, cc.throttled, percent(cc.excess()))
}

func writeVerdicts(b *strings.Builder, vs []verdict) {
	b.WriteString("### Targets (issue 12)\n\n")
	for _, v := range vs {
		fmt.Fprintf(b, "- **%s** %s", v.status(), v.target)
		if v.missing != "" {
			fmt.Fprintf(b, ": %s.\n", v.missing)
			continue
		}
		var parts []string
		for _, c := range v.checks {
			mark := "✓"
			if !c.ok {
				mark = "✗"
			}
			parts = append(parts, c.text+" "+mark)
		}
		fmt.Fprintf(b, ": %s.\n", strings.Join(parts, "; "))
	}
	b.WriteString("\n")
}

// writeCommands shows the commands as the harness builds them, with
// placeholders where each run differs.
func (rep *report) writeCommands(b *strings.Builder) {
	ph := spec{Name: "{name}", URL: "{url}", Rate: "{rate}", Duration: rep.duration.String(),
		Timeout: rep.timeout.String(), TimeoutSecs: strconv.Itoa(int(rep.timeout.Seconds())),
		Arrivals: "{uniform|poisson}", Cert: certPath("{work}"), Out: "{work}/{name}",
		Conns: strconv.Itoa(ceilingConns), HTTP2: "{true on HTTPS h2, else false}"}
	b.WriteString("### How it was run\n\n```sh\n")
	b.WriteString(rep.commandLine + "\n\n")
	b.WriteString("# the server: one process per protocol and delay, writing its self-signed ECDSA certificate as PEM\n")
	fmt.Fprintf(b, "fnbench-bench serve -proto {http|https1|h2} -delay {0s|50ms|250ms} -cert %s\n\n", ph.Cert)
	b.WriteString("# fnbench, on the scenario below (SSL_CERT_FILE on HTTPS only)\n")
	b.WriteString(strings.Join(fnbenchEnv(ph), " ") + " fnbench " + strings.Join(fnbenchArgs(ph), " ") + "\n\n")
	b.WriteString("# vegeta, with the target \"GET {url}\" on stdin, then: vegeta report -type json {work}/{name}.bin\n")
	for _, p := range protocols {
		s := ph
		s.Out = "{work}/{name}"
		if !p.tls() {
			s.Cert = ""
		}
		fmt.Fprintf(b, "vegeta %s    # %s\n", strings.Join(vegetaArgs(s, p), " "), p.label())
	}
	b.WriteString("\n# closed-loop ceilings, where the server answers at once (hey skips certificate checks, wrk does not check them)\n")
	for _, p := range protocols {
		fmt.Fprintf(b, "hey %s    # %s\n", strings.Join(heyArgs(ph, p), " "), p.label())
	}
	fmt.Fprintf(b, "wrk %s    # HTTP/1.1 and HTTPS/1.1\n\n", strings.Join(wrkArgs(ph), " "))
	b.WriteString("# the simulator cell: fnbench's scenario below with cold_start: {detect: auto}, at the simulator's function URL\n")
	fmt.Fprintf(b, "fnbench %s\n```\n\n", strings.Join(simArgs("{work}/sim-truth.jsonl"), " "))
	b.WriteString("The scenario (`{work}/{name}.yaml`):\n\n```yaml\n" + scenarioYAML(ph) + "```\n")
}

// The generated section sits between these markers in BENCHMARKS.md, so
// that a re-run replaces it and leaves notes around it alone.
const (
	sectionBegin = "<!-- fnbench-bench: begin (generated by cmd/fnbench-bench; a re-run replaces everything up to the end marker) -->"
	sectionEnd   = "<!-- fnbench-bench: end -->"
)

const benchmarksHeader = `# Benchmarks

What ` + "`make bench`" + ` measured: fnbench against its peers on a loopback server, plain HTTP/1.1,
HTTPS/1.1 and HTTPS with HTTP/2, for issue 12. Re-run it with ` + "`make bench`" + ` (about 15 minutes);
it replaces the generated section below and keeps anything written around it.

`

// writeSection puts the section into the file: between the markers if it
// has them, appended if it has none, in a new file otherwise.
func writeSection(path, section string) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	block := sectionBegin + "\n" + section + sectionEnd + "\n"
	text := string(old)
	i, j := strings.Index(text, sectionBegin), strings.Index(text, sectionEnd)
	switch {
	case i >= 0 && j > i:
		text = text[:i] + block + strings.TrimPrefix(text[j+len(sectionEnd):], "\n")
	case len(old) == 0:
		text = benchmarksHeader + block
	default:
		text = strings.TrimRight(text, "\n") + "\n\n" + block
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

// progressLine is one run's result in a line, for stderr while the
// harness works.
func progressLine(m *measurement) string {
	head := fmt.Sprintf("%s/s %s %s", rateLabel(m.rate), m.tool, m.arrivals)
	if m.rate == 0 {
		head = m.tool + " closed-loop"
	}
	head += fmt.Sprintf(" (%.1f s):", m.wall.Seconds())
	if m.failed != "" {
		return head + " failed: " + m.failed
	}
	line := fmt.Sprintf("%s achieved %s/s, ok %s, p50 %s, p99 %s, CPU %.2f s/100k, RSS %.0f MB, CPU of the server %s and the rest of the machine %s",
		head, rateLabel(m.achieved), percent(m.success), units.Latency(m.p50), units.Latency(m.p99), m.cpuPer100k(), m.peakRSSMB, percent(m.serverCPU), percent(m.restCPU))
	if s := m.sched; s != nil {
		line += fmt.Sprintf(", lag p99 %s (first s %s, worst s %s), not sent %d", units.Latency(s.lagRun), units.Latency(s.lagFirst), units.Latency(s.lagWorst), s.notSent)
	}
	return line
}

// delayLabel prints a server delay: "0 ms", "50 ms".
func delayLabel(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
}

// rateLabel prints a rate with thousands separators: 20000 → "20,000".
func rateLabel(rate float64) string {
	s := strconv.FormatFloat(rate, 'f', 0, 64)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// percent prints a share: 0.9991 → "99.9%".
func percent(share float64) string {
	return strconv.FormatFloat(100*share, 'f', 1, 64) + "%"
}
