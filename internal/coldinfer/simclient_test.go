package coldinfer

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"go.yaml.in/yaml/v3"

	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
)

// A small open-model load generator for the simulator, enough to score the
// detector against ground truth. It does not use attack/: the engine there
// is what will call this package.

// phase is one stretch of an open-model schedule, in real time: a rate
// that goes linearly from rate to to (to 0: constant), with an optional
// spike to peak between at and at+hold. A zero rate is a pause.
type phase struct {
	rate, to float64 // requests per second
	peak     float64
	at, hold time.Duration
	dur      time.Duration
}

// schedule turns phases into intended send times from run start, evenly
// paced at the instantaneous rate.
func schedule(phases []phase) []time.Duration {
	var out []time.Duration
	var start time.Duration
	for _, p := range phases {
		to := p.to
		if to == 0 {
			to = p.rate
		}
		for t := time.Duration(0); t < p.dur; {
			r := p.rate + (to-p.rate)*float64(t)/float64(p.dur)
			if p.peak > 0 && t >= p.at && t < p.at+p.hold {
				r = p.peak
			}
			if r <= 0 {
				break
			}
			out = append(out, start+t)
			t += time.Duration(float64(time.Second) / r)
		}
		start += p.dur
	}
	return out
}

// shot is what the client saw of one request.
type shot struct {
	at      time.Duration // intended send time
	latency time.Duration // completion - intended
	status  int
	sentAt  time.Time // when it really went out
	endAt   time.Time
	// requestID is the platform's request id (x-amzn-RequestId), "" on
	// Azure, which sends none.
	requestID string
}

// simTarget is one simulated endpoint and how to drive it.
type simTarget struct {
	name     string
	profile  string
	function string
	kind     string
	// scale is the simulator's TimeScale. It multiplies every duration,
	// INIT and handler time included, so it is chosen per platform to keep
	// start-up times well above loopback noise.
	scale float64
	// bursts is how many extra bursts from zero follow the scenario, at
	// burstRate requests per second for burstLength. Azure instances take
	// many requests each, so only a burst from zero makes them start
	// several, and a run needs a few dozen cold starts to score.
	bursts      int
	burstRate   float64
	burstLength time.Duration
	// concurrency is Config.InstanceConcurrency as fnbench would set it
	// from the provider: 1 for Lambda, 0 (learn) for Azure.
	concurrency int
	// edit changes the profile before the run, beyond the keep-alive.
	edit func(*sim.FunctionSpec)
	// want is the precision and recall a run must reach (0: 0.95).
	want float64
	// phases, when set, is the whole scenario instead of cycle and the
	// bursts.
	phases []phase
	// neighbours, when set, scores a tag within this send time of a
	// missed cold start as finding it (score.neighbours).
	neighbours time.Duration
}

// keepAlive is the median idle lifetime of an instance in every run, in
// real time. The simulator's TimeScale would make the profiles' minutes
// of keep-alive last as long as their INIT lasts, so the copies of the
// profiles the evaluation runs compress keep-alive alone (see
// deriveProfile); an idle gap of idleGap then evicts nearly every
// instance (Lambda's p90 is 3.1 medians, Azure's 1.5; 6% of Lambda
// environments outlive it).
const (
	keepAlive = 100 * time.Millisecond
	idleGap   = 400 * time.Millisecond
)

// cycle is the scenario: a burst from zero, an idle gap long enough for
// evictions, a spike from a low base, another gap and a ramp, then a gap.
var cycle = []phase{
	{rate: 300, dur: 500 * time.Millisecond},
	{dur: idleGap},
	{rate: 20, peak: 600, at: 300 * time.Millisecond, hold: 200 * time.Millisecond, dur: 800 * time.Millisecond},
	{dur: idleGap},
	{rate: 50, to: 600, dur: 800 * time.Millisecond},
	{dur: idleGap},
}

func (tg simTarget) plan() []time.Duration {
	if tg.phases != nil {
		return schedule(tg.phases)
	}
	phases := append([]phase(nil), cycle...)
	for range tg.bursts {
		phases = append(phases, phase{rate: tg.burstRate, dur: tg.burstLength}, phase{dur: idleGap})
	}
	return schedule(phases)
}

// deriveProfile writes a copy of an embedded profile for one run: its
// keep-alive compressed to keepAlive in real time (shape kept), and no
// marker headers on any endpoint, for inferred detection must do without.
func deriveProfile(t testing.TB, tg simTarget) string {
	t.Helper()
	p, err := sim.LoadProfile(tg.profile)
	if err != nil {
		t.Fatal(err)
	}
	off := false
	for i := range p.Functions {
		f := &p.Functions[i]
		ratio := f.KeepAlive.P90Ms / f.KeepAlive.MedianMs
		median := float64(keepAlive) / float64(time.Millisecond) / tg.scale
		f.KeepAlive = sim.Dist{Kind: "lognormal", MedianMs: median, P90Ms: median * ratio}
		for j := range f.Endpoints {
			f.Endpoints[j].Markers = &off
		}
		if tg.edit != nil && f.Name == tg.function {
			tg.edit(f)
		}
	}
	b, err := yaml.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), tg.profile+".yaml")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// prewarmConns is how many connections the client opens before time zero.
// fnbench opens 32 (attack/h1.go); more here, enough for every request in
// flight, so that requests reach the platform in the order they were sent
// rather than in the order their connections were dialled: which of two
// requests sent a millisecond apart started an instance is otherwise a
// coin toss for any client (see the package documentation).
const prewarmConns = 160

// prewarm opens prewarmConns connections with requests that reach no
// function (the simulator's endpoint listing) and leaves them pooled.
func prewarm(t testing.TB, tr *http.Transport, endpoint string) {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/"
	var wg sync.WaitGroup
	for range prewarmConns {
		wg.Go(func() {
			resp, err := tr.RoundTrip(&http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}})
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body) //nolint:errcheck
			resp.Body.Close()
		})
	}
	wg.Wait()
}

// drive sends one request per planned time, each from its own goroutine
// at its time whatever the others are doing, and returns what came back
// in plan order with the run's start.
func drive(t testing.TB, ep sim.Endpoint, plan []time.Duration) ([]shot, time.Time) {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 4096, DisableCompression: true}
	defer tr.CloseIdleConnections()
	prewarm(t, tr, ep.URL)
	creds := aws.Credentials{AccessKeyID: sim.DefaultAccessKeyID, SecretAccessKey: sim.DefaultSecretAccessKey}
	signer := v4.NewSigner()
	emptySum := sha256.Sum256(nil)
	emptyHash := hex.EncodeToString(emptySum[:])
	method := http.MethodGet
	if ep.Kind == sim.KindLambdaInvoke {
		method = http.MethodPost
	}
	shots := make([]shot, len(plan))
	var wg sync.WaitGroup
	start := time.Now()
	for i, at := range plan {
		time.Sleep(time.Until(start.Add(at)))
		wg.Go(func() {
			s := &shots[i]
			s.at = at
			req, err := http.NewRequest(method, ep.URL, nil)
			if err != nil {
				t.Error(err)
				return
			}
			switch ep.Auth {
			case sim.AuthSigV4:
				if err := signer.SignHTTP(req.Context(), creds, req, emptyHash, "lambda", ep.Region, time.Now()); err != nil {
					t.Error(err)
				}
			case sim.AuthFunctionKey:
				req.Header.Set("x-functions-key", sim.DefaultFunctionKey)
			}
			s.sentAt = time.Now()
			resp, err := tr.RoundTrip(req)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				s.status = resp.StatusCode
				s.requestID = resp.Header.Get("X-Amzn-Requestid")
			}
			s.endAt = time.Now()
			s.latency = s.endAt.Sub(start) - at
			if err != nil {
				s.status = 0
			}
		})
	}
	wg.Wait()
	return shots, start
}

// served is how long the simulator says it kept a request: queueing, INIT
// it waited for, handler.
func served(inv *sim.Invocation) time.Duration {
	d := inv.QueueWait + inv.HandlerDuration
	if inv.Cold {
		d += inv.InitDuration
	}
	return d
}

// join pairs each shot with its ground truth: by request id where the
// platform returns one (Lambda, API Gateway). Azure returns none, so the
// rest are paired by time: a request reaches the simulator just after the
// client sent it and leaves it (arrival + served) just before the client
// sees the answer; the closest pairs are taken first. Arrival order alone
// is not enough: a request that dials a new connection arrives after one
// sent later on a pooled one. A request reached the simulator between its
// send and its answer, however long a busy machine held it up on the way:
// that is the window its invocation is looked for in. Greedy pairing can
// still leave a request whose invocations were all taken by its
// neighbours; the few left over are paired in time order.
func join(t testing.TB, shots []shot, truth []sim.Invocation) []*sim.Invocation {
	t.Helper()
	out := make([]*sim.Invocation, len(shots))
	byID := map[string]*sim.Invocation{}
	for i := range truth {
		byID[truth[i].RequestID] = &truth[i]
	}
	var rest []int
	for i, s := range shots {
		if inv := byID[s.requestID]; s.requestID != "" && inv != nil {
			out[i] = inv
			delete(byID, s.requestID)
			continue
		}
		rest = append(rest, i)
	}
	var left []*sim.Invocation
	for _, inv := range byID {
		left = append(left, inv)
	}
	if len(left) != len(rest) {
		t.Fatalf("%d requests without a request id, %d ground-truth invocations left", len(rest), len(left))
	}
	sort.Slice(left, func(a, b int) bool { return left[a].Time.Before(left[b].Time) })
	type pair struct {
		cost time.Duration
		s, r int
	}
	var pairs []pair
	for _, i := range rest {
		s := shots[i]
		lo := sort.Search(len(left), func(k int) bool { return !left[k].Time.Before(s.sentAt.Add(-2 * time.Millisecond)) })
		for k := lo; k < len(left) && left[k].Time.Before(s.endAt.Add(2*time.Millisecond)); k++ {
			inv := left[k]
			cost := (s.endAt.Sub(inv.Time.Add(served(inv)))).Abs() + inv.Time.Sub(s.sentAt).Abs()
			pairs = append(pairs, pair{cost, i, k})
		}
	}
	sort.Slice(pairs, func(a, b int) bool { return pairs[a].cost < pairs[b].cost })
	taken := make([]bool, len(left))
	for _, p := range pairs {
		if out[p.s] == nil && !taken[p.r] {
			out[p.s], taken[p.r] = left[p.r], true
		}
	}
	var unpaired []int
	for _, i := range rest {
		if out[i] == nil {
			unpaired = append(unpaired, i)
		}
	}
	if len(unpaired) > 0 {
		sort.Slice(unpaired, func(a, b int) bool { return shots[unpaired[a]].sentAt.Before(shots[unpaired[b]].sentAt) })
		k := 0
		for _, i := range unpaired {
			for taken[k] {
				k++
			}
			out[i], taken[k] = left[k], true
		}
		t.Logf("%d of %d requests without a request id paired in time order", len(unpaired), len(rest))
	}
	return out
}

// runSim starts a simulator for one target, drives its plan and returns
// the shots with their ground truth.
func runSim(t testing.TB, tg simTarget, seed uint64) ([]shot, []*sim.Invocation) {
	t.Helper()
	s := simtest.StartConfig(t, sim.Config{ProfileFiles: []string{deriveProfile(t, tg)}, TimeScale: tg.scale, Seed: seed})
	ep, err := s.ResolveEndpoint("sim://" + tg.profile + "/" + tg.function + "/" + tg.kind)
	if err != nil {
		t.Fatal(err)
	}
	if ep.Markers {
		t.Fatalf("%s sends markers", ep.SimURL)
	}
	shots, _ := drive(t, ep, tg.plan())
	s.Close()
	return shots, join(t, shots, s.Truth())
}
