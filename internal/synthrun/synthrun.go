// Package synthrun writes synthetic run directories: long runs with
// realistic histograms, counters and events, made without sending a single
// request. The benchmark harness times `fnbench report` on them; tests use
// them where a real run would take too long. The data is plausible, not
// calibrated: warm latency log-normal around 20 ms, cold starts that add a
// few hundred milliseconds, a little throttling, REPORT billing for the
// Lambda target, and the timing breakdown (timing.hlog, connection
// counters) of HTTPS clients: a nearby endpoint with quick handshakes, and a
// distant one whose TLS handshakes are slow.
package synthrun

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// Options shape a synthetic run. Zero values take the defaults.
type Options struct {
	Duration time.Duration // default 1 h
	Interval time.Duration // default 1 s
	RPS      float64       // mean offered rate per target, default 1,000/s
	Seed     uint64        // default 1
	// Slowdown multiplies every target's warm latency (default 1): a
	// candidate run that regressed, for comparisons.
	Slowdown float64
}

func (o *Options) defaults() {
	if o.Duration <= 0 {
		o.Duration = time.Hour
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.RPS <= 0 {
		o.RPS = 1000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Slowdown <= 0 {
		o.Slowdown = 1
	}
}

// target is one synthetic target's behaviour.
type target struct {
	info      rundir.TargetInfo
	warmMedNs float64 // median warm latency
	initNs    float64 // median cold-start penalty
	billing   bool    // REPORT data, as an aws-lambda target has
	evidence  string
	instances []instance // alive, in order of birth
	reclaimed []instance // no longer alive
	nextID    int
	// Median DNS, TCP connect and TLS handshake times of a dial, and the
	// connections open.
	dnsNs, connectNs, tlsNs float64
	conns                   int
}

type instance struct {
	id          string
	first, last time.Duration
}

// Write writes a synthetic run to dir (which must not hold a run) and
// returns its run.json. Two targets share one timeline: an aws-lambda
// invoke target with REPORT billing and evidence, and an Azure Functions
// HTTP target with marker evidence. The traffic is a steady phase at the
// rate, then a spike to twice the rate for a minute, then steady again,
// so that every analysis has something to find.
func Write(dir string, o Options) (*rundir.RunInfo, error) {
	o.defaults()
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	start := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	targets := []*target{
		{info: rundir.TargetInfo{Name: "lambda", Kind: scenarios.KindAWSLambda, Provider: platform.AWSLambda, Plan: "lambda", Region: "us-east-1",
			URL: "https://lambda.us-east-1.amazonaws.com/", Method: "POST", TimeoutNs: int64(30 * time.Second), MaxInFlight: 10000,
			Function: "hello", Meta: &rundir.FunctionMeta{Source: rundir.MetaFromPlatform, MemoryMB: 512, Arch: "arm64", Runtime: "provided.al2023", PackageType: "Zip"}},
			warmMedNs: 18e6, initNs: 180e6, billing: true, evidence: rundir.EvidenceReport,
			dnsNs: 1.2e6, connectNs: 1.5e6, tlsNs: 6e6},
		{info: rundir.TargetInfo{Name: "azure", Kind: "http", Provider: platform.Azure, Plan: "consumption",
			URL: "https://fnbench-synth.azurewebsites.net/api/hello", Method: "GET", TimeoutNs: int64(30 * time.Second), MaxInFlight: 10000},
			warmMedNs: 35e6, initNs: 1200e6, evidence: rundir.EvidenceMarker,
			dnsNs: 4e6, connectNs: 40e6, tlsNs: 130e6},
	}
	spikeAt, spikeLen := o.Duration/2, min(time.Minute, o.Duration/10)
	phases := []rundir.PhaseInfo{
		{Index: 0, Name: "steady", Shape: "constant", StartNanos: 0, EndNanos: int64(spikeAt)},
		{Index: 1, Name: "spike", Shape: "spike", StartNanos: int64(spikeAt), EndNanos: int64(spikeAt + 2*spikeLen)},
		{Index: 2, Name: "cool-down", Shape: "constant", StartNanos: int64(spikeAt + 2*spikeLen), EndNanos: int64(o.Duration)},
	}
	rateAt := func(t time.Duration) float64 {
		if t >= spikeAt && t < spikeAt+spikeLen {
			return 2 * o.RPS
		}
		return o.RPS
	}
	var expected float64
	for t := time.Duration(0); t < o.Duration; t += o.Interval {
		expected += rateAt(t) * o.Interval.Seconds()
	}
	for i := range phases {
		p := &phases[i]
		for t := time.Duration(p.StartNanos); t < time.Duration(p.EndNanos); t += o.Interval {
			p.ExpectedReq += rateAt(t) * o.Interval.Seconds()
		}
	}
	scenario, _ := json.Marshal(map[string]any{"name": "synthetic", "seed": 1, "interval": o.Interval.String(),
		"cold_start": map[string]string{"detect": "auto"}})
	info := &rundir.RunInfo{
		FormatVersion: rundir.FormatVersion,
		Tool:          rundir.ToolInfo{Name: "fnbench", Version: "synthetic"},
		Scenario:      scenario,
		ScenarioFile:  rundir.FileInfo{Path: "synthetic.yaml", SHA256: fmt.Sprintf("%064x", o.Seed)},
		Seed:          int64(o.Seed), Arrivals: "uniform", IntervalNanos: int64(o.Interval),
		Phases: phases, ExpectedPerTgt: int64(math.Ceil(expected)),
		StartTime: start, EndTime: start.Add(o.Duration), Status: rundir.StatusComplete,
		Host:  rundir.HostInfo{Hostname: "synthetic", OS: "linux", Arch: "amd64", CPUs: 2},
		Shard: rundir.ShardInfo{Index: 0, Count: 1},
	}
	for _, t := range targets {
		t.warmMedNs *= o.Slowdown
		info.Targets = append(info.Targets, t.info)
	}

	w, err := rundir.Create(dir)
	if err != nil {
		return nil, err
	}
	defer w.Close() // a no-op after Finish
	if err := w.Begin(start, "synthetic run written by internal/synthrun"); err != nil {
		return nil, err
	}
	geometry := func() *hdr.PackedHistogram {
		return hdr.NewPacked(rundir.LowestNanos, rundir.HighestNanos, rundir.SigFigs)
	}
	hists := [len(rundir.Outcomes)]*hdr.PackedHistogram{geometry(), geometry(), geometry()}
	lag := geometry()
	var timing [len(rundir.TimingPhases)]*hdr.PackedHistogram
	for i := range timing {
		timing[i] = geometry()
	}
	phase := 0
	var carry float64
	for seq, t := 0, time.Duration(0); t < o.Duration; seq, t = seq+1, t+o.Interval {
		for phase+1 < len(phases) && int64(t) >= phases[phase+1].StartNanos {
			phase++
		}
		end := min(t+o.Interval, o.Duration)
		carry += rateAt(t) * (end - t).Seconds()
		offered := int64(carry)
		carry -= float64(offered)
		for _, tg := range targets {
			for _, h := range hists {
				h.Reset()
			}
			lag.Reset()
			for _, h := range timing {
				h.Reset()
			}
			c, events := tg.interval(rng, seq, phase, t, end, offered, rateAt(t), hists, lag, &timing)
			for o, h := range hists {
				if h.TotalCount() > 0 {
					if err := w.Latency(tg.info.Name, rundir.Outcomes[o], h, t, end); err != nil {
						return nil, err
					}
				}
			}
			if lag.TotalCount() > 0 {
				c.LagP50Ns, c.LagP99Ns, c.LagMaxNs = lag.ValueAtPercentile(50), lag.ValueAtPercentile(99), lag.Max()
				if err := w.Lag(tg.info.Name, lag, t, end); err != nil {
					return nil, err
				}
			}
			for p, h := range timing {
				if h.TotalCount() > 0 {
					if err := w.Timing(tg.info.Name, rundir.TimingPhases[p], h, t, end); err != nil {
						return nil, err
					}
				}
			}
			for i := range events {
				if err := w.Event(&events[i]); err != nil {
					return nil, err
				}
			}
			if err := w.Interval(c); err != nil {
				return nil, err
			}
		}
	}
	for _, tg := range targets {
		for _, in := range append(tg.reclaimed, tg.instances...) {
			ev := rundir.Event{Type: rundir.EventInstance, AtNanos: int64(in.first), Target: tg.info.Name, Instance: in.id,
				FirstNanos: int64(in.first), LastNanos: int64(in.last)}
			if err := w.Event(&ev); err != nil {
				return nil, err
			}
		}
	}
	return info, w.Finish(info)
}

// interval simulates one target over [start, end): offered arrivals, their
// outcomes and latencies, cold starts on new instances when the load needs
// more of them, the billing REPORT lines would show, and the connections
// the client opened, reused and closed with where each request's time went.
func (tg *target) interval(rng *rand.Rand, seq, phase int, start, end time.Duration, offered int64, rps float64,
	hists [len(rundir.Outcomes)]*hdr.PackedHistogram, lag *hdr.PackedHistogram,
	timing *[len(rundir.TimingPhases)]*hdr.PackedHistogram) (*rundir.IntervalCounts, []rundir.Event) {
	c := &rundir.IntervalCounts{Seq: seq, Phase: phase, StartNanos: int64(start), EndNanos: int64(end), Target: tg.info.Name,
		Offered: offered, Sent: offered, Completed: offered}
	dials := tg.connections(rng, seq, rps, c, timing)
	// Little's law: instances needed at this rate, plus headroom; an
	// instance idle for long is reclaimed now and then.
	need := int(math.Ceil(rps*tg.warmMedNs/1e9*1.3)) + 1
	if len(tg.instances) > 0 && rng.Float64() < 0.02 {
		tg.reclaimed = append(tg.reclaimed, tg.instances[0])
		tg.instances = tg.instances[1:]
	}
	newInstances := max(0, need-len(tg.instances))
	var events []rundir.Event
	var billing rundir.Billing
	seen := map[int]bool{}
	span := end - start
	for i := range offered {
		at := start + time.Duration(int64(span)*i/max(offered, 1))
		lagNs := 60e3 * math.Exp(0.8*rng.NormFloat64())
		warm := tg.warmMedNs * math.Exp(0.45*rng.NormFloat64())
		if rng.Float64() < 0.002 { // a slow tail: GC pauses, noisy neighbours
			warm *= 4 + 8*rng.Float64()
		}
		// The interval's first requests go out on its new connections: a
		// request that waited for its dial was sent late by the dial.
		if i < int64(len(dials)) {
			if i%2 == 0 {
				lagNs += dials[i]
				c.Conns.WaitedForConn++
			}
		}
		lag.RecordValue(clamp(int64(lagNs)))
		transfer := 15e3 * math.Exp(0.5*rng.NormFloat64()) // a small body arrives in one read
		// Time to first byte is the target's part of the latency; the
		// latency itself, from the intended send time, adds the lag.
		ttfb := func(lat float64) {
			timing[rundir.IndexTTFB].RecordValue(clamp(int64(lat - transfer)))
			timing[rundir.IndexTransfer].RecordValue(clamp(int64(transfer)))
		}
		warm += lagNs + transfer
		switch {
		case rng.Float64() < 0.001:
			c.Errors++
			class := rundir.ClassThrottled
			if rng.Float64() < 0.3 {
				class = rundir.ClassFunctionError
			}
			if c.Classes == nil {
				c.Classes = map[string]int64{}
			}
			c.Classes[class]++
			hists[2].RecordValue(clamp(int64(warm / 4)))
			ttfb(warm/4 - lagNs)
			continue
		case newInstances > 0:
			newInstances--
			tg.nextID++
			id := fmt.Sprintf("%s-%06d", tg.info.Name, tg.nextID)
			tg.instances = append(tg.instances, instance{id: id, first: at, last: at})
			init := tg.initNs * math.Exp(0.3*rng.NormFloat64())
			lat := clamp(int64(warm + init))
			hists[1].RecordValue(lat)
			ttfb(warm + init - lagNs)
			c.Cold++
			if c.ColdEvidence == nil {
				c.ColdEvidence = map[string]int64{}
			}
			c.ColdEvidence[tg.evidence]++
			events = append(events, rundir.Event{Type: rundir.EventColdStart, AtNanos: int64(at), Target: tg.info.Name,
				LatencyNanos: lat, InitNanos: int64(init), Instance: id, Evidence: tg.evidence})
			seen[len(tg.instances)-1] = true
			c.NewInstances++
			if tg.billing {
				billing.Inits++
				billing.InitNs += int64(init)
				billing.BilledMs += int64(math.Ceil((warm*0.9 + init) / 1e6))
				billing.DurationNs += int64(warm * 0.9)
				billing.Reports++
			}
		default:
			hists[0].RecordValue(clamp(int64(warm)))
			ttfb(warm - lagNs)
			c.Warm++
			if n := len(tg.instances); n > 0 {
				k := rng.IntN(n)
				tg.instances[k].last = at
				seen[k] = true
			}
			if tg.billing {
				// The function's own time is most of the client's.
				billing.BilledMs += max(1, int64(math.Ceil(warm*0.9/1e6)))
				billing.DurationNs += int64(warm * 0.9)
				billing.Reports++
			}
		}
		c.BytesOut += 64
		c.BytesIn += 180
	}
	c.Instances = int64(len(seen))
	c.PeakInFl = int64(math.Ceil(rps*tg.warmMedNs/1e9)) + 2
	if tg.billing && billing.Reports > 0 {
		billing.MemoryMB, billing.MaxMemoryUsedMB = 512, 61
		c.Billing = &billing
	}
	for _, cls := range rundir.Classes {
		if n := c.Classes[cls]; n > 0 {
			events = append(events, rundir.Event{Type: rundir.EventErrorSample, AtNanos: int64(start), Target: tg.info.Name,
				Class: cls, Status: 429, Count: n, Message: "synthetic " + cls})
		}
	}
	return c, events
}

// connections opens, reuses and closes the target's connections for one
// interval: before the first, as many as the load needs (prewarmed); then
// more when the rate rises, a few closed by idle timeouts when it falls,
// and now and then one the server closed, replaced. It records every
// dial's phases and returns the times of the dials made during the
// interval, whose first requests wait for them.
func (tg *target) connections(rng *rand.Rand, seq int, rps float64, c *rundir.IntervalCounts,
	timing *[len(rundir.TimingPhases)]*hdr.PackedHistogram) []float64 {
	c.Conns = &rundir.ConnCounts{}
	need := int(math.Ceil(rps*tg.warmMedNs/1e9*1.5)) + 2
	dial := func() float64 {
		dns := tg.dnsNs * math.Exp(0.3*rng.NormFloat64())
		conn := tg.connectNs * math.Exp(0.2*rng.NormFloat64())
		tls := tg.tlsNs * math.Exp(0.25*rng.NormFloat64())
		timing[rundir.IndexDNS].RecordValue(clamp(int64(dns)))
		timing[rundir.IndexConnect].RecordValue(clamp(int64(conn)))
		timing[rundir.IndexTLS].RecordValue(clamp(int64(tls)))
		c.Conns.DialNs += int64(dns + conn + tls)
		return dns + conn + tls
	}
	if seq == 0 {
		for range need {
			dial()
		}
		c.Conns.Prewarmed, tg.conns = int64(need), need
	}
	var dials []float64
	if tg.conns > 0 && rng.Float64() < 0.05 { // the server closed one
		tg.conns--
		c.Conns.Closed++
	}
	if extra := (tg.conns - need) / 4; extra > 0 { // idle ones time out
		tg.conns -= extra
		c.Conns.Closed += int64(extra)
	}
	for tg.conns < need {
		dials = append(dials, dial())
		tg.conns++
	}
	c.Conns.Opened = int64(len(dials))
	c.Conns.Fresh = int64(len(dials))
	if seq == 0 {
		c.Conns.Fresh += int64(min(need, int(c.Offered)))
	}
	c.Conns.Fresh = min(c.Conns.Fresh, c.Offered)
	c.Conns.Reused = c.Offered - c.Conns.Fresh
	return dials
}

func clamp(v int64) int64 { return min(max(v, rundir.LowestNanos), rundir.HighestNanos) }
