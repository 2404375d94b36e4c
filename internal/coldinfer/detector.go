package coldinfer

import (
	"math"
	"time"
)

// Sample is one successful response of one target.
type Sample struct {
	// At is when the request was sent, from run start: its intended send
	// time, or the actual one if Latency is counted from that.
	At time.Duration
	// Latency is how long the response took from At. At + Latency must
	// be when it came back: on shared instances the requests that one
	// starting instance let through are recognised by ending together.
	Latency time.Duration
	// Instance is the instance id the platform revealed, "" if none.
	Instance string
}

// end is when the response came back, from run start.
func (s Sample) end() time.Duration { return s.At + s.Latency }

// Interval is one recording interval of one target: every request intended
// in [Start, End) has finished, and Samples holds the successful ones in
// intended-send-time order.
type Interval struct {
	Start, End time.Duration
	Samples    []Sample
	// ClientDelay is how much the client itself may have added to the
	// latencies of this interval, at most: the load generator was busy
	// and read these responses late (fnbench measures it from its
	// schedule lag and how long its goroutines waited to run; 0: the
	// client kept up). A slow response that would not be slow without it
	// is not taken for a cold start (Decision.Suppressed), and the
	// interval teaches the warm reference nothing when it is large
	// (Decision.ClientLimited).
	ClientDelay time.Duration
	// ClientLag is the schedule lag p99 of the interval's requests that did
	// not wait for a connection: the client's sending fell behind, the
	// surest sign it was short of CPU (see Detector.overwhelmed).
	ClientLag time.Duration
}

// Decision is the verdict on one interval: Cold[i] is about Samples[i] of
// the Interval that started at Start.
type Decision struct {
	Start, End time.Duration
	Cold       []bool
	// Threshold is the latency above which a response counted as slow
	// (0: there was no warm reference, so nothing was tagged).
	Threshold time.Duration
	// Suppressed counts the slow responses not tagged because the
	// interval's ClientDelay explains their slowness: the client, not
	// the platform, may have kept them.
	Suppressed int
	// ClientLimited says the interval's ClientDelay was large enough to
	// matter: at least a quarter of the margin between the warm median
	// and Threshold, so that warm responses held up by the client came
	// near the threshold. Its responses did not join the warm reference.
	ClientLimited bool
}

// Config describes the target. The zero value suits any target.
type Config struct {
	// InstanceConcurrency is how many requests one instance serves at
	// once: 1 for AWS Lambda, where each request has an environment of
	// its own and a slow response is a cold start; more for Azure
	// Functions, where the requests that wait for a starting instance come
	// back together and only the first of them started it. 0 learns which
	// from the run.
	InstanceConcurrency int
	// HalfLife is how fast the warm reference forgets, counted in run
	// time during which responses arrive (default DefaultHalfLife).
	HalfLife time.Duration
}

// DefaultHalfLife is Config.HalfLife's default.
const DefaultHalfLife = time.Minute

// Detector infers the cold starts of one target from its successful
// responses. Push hands it each complete interval; Decide returns the
// verdicts. It is not safe for concurrent use.
type Detector struct {
	cfg     Config
	pending []Interval // pushed, not yet decided; oldest first
	flushed bool

	ref warmReference
	// confirmed: minWarm responses came after the reference was made and
	// agreed with it. checked counts the responses since the reference
	// was made or last confirmed, faster those among them well under it.
	confirmed       bool
	checked, faster int
	groups          releases
	instances       instances
}

// New returns a Detector for one target.
func New(cfg Config) *Detector {
	if cfg.HalfLife <= 0 {
		cfg.HalfLife = DefaultHalfLife
	}
	return &Detector{cfg: cfg, groups: releases{last: -1, concurrency: cfg.InstanceConcurrency}}
}

// Push hands the detector the next complete interval; intervals come in
// order. The detector copies the samples.
func (d *Detector) Push(iv Interval) {
	iv.Samples = append([]Sample(nil), iv.Samples...)
	d.pending = append(d.pending, iv)
	limited := d.ref.ready() && d.ref.limits().clientLimited(iv.ClientDelay)
	if d.ref.ready() {
		// Only responses sent once the reference's own had come back
		// can confirm it: requests queued behind one starting instance
		// agree with each other, and those sent after it was ready show
		// what warm is. Those the client held up still can: what the
		// client adds makes no response faster.
		later := iv.Samples
		for len(later) > 0 && later[0].At < d.ref.after {
			later = later[1:]
		}
		d.checked += len(later)
		d.faster += d.ref.faster(later)
	}
	if !d.ref.ready() || d.overtaken() {
		d.confirmed, d.checked, d.faster = false, 0, 0
		if d.ref.bootstrap(d.pending) {
			d.groups.forget()
			for _, p := range d.pending {
				d.learn(p)
			}
		}
		return
	}
	if d.checked >= minWarm {
		d.confirmed, d.checked, d.faster = true, 0, 0
	}
	if !d.confirmed || limited {
		// On probation: a reference made of requests that queued would
		// follow them down if they joined it. And responses the client
		// held up would widen it, and with it the threshold.
		d.learn(iv)
		return
	}
	if len(iv.Samples) > 0 {
		// The reference ages with active time only: an idle gap, however
		// long, leaves it as it was.
		d.ref.decay(math.Exp2(-float64(iv.End-iv.Start) / float64(d.cfg.HalfLife)))
	}
	lim := d.ref.limits()
	for _, s := range iv.Samples {
		if s.Latency <= lim.admit {
			d.ref.add(s.Latency)
		}
	}
	d.learn(iv)
}

// overtaken reports whether the responses checked since the reference was
// made or last confirmed show a faster mode than the reference: at least
// overtakeShare of them (and minWarm/4) faster than a bootstrapFactor-th
// of its median. A run that opens with a long burst of cold starts can
// make a first reference of them, for they agree with each other well
// enough; the warm responses that follow replace it.
func (d *Detector) overtaken() bool {
	return d.faster >= minWarm/4 && float64(d.faster) >= overtakeShare*float64(d.checked)
}

// learn feeds the slow samples of an interval to what the detector learns
// about instance sharing. It runs at Push time, so that the intervals
// held back at the start of a run inform their own decisions.
func (d *Detector) learn(iv Interval) {
	lim := d.ref.limits()
	for _, s := range iv.Samples {
		// Responses the client held up come back together when it
		// catches up, as if they had waited for one instance: only
		// those slow beyond the client's delay are evidence.
		if s.Latency-iv.ClientDelay > lim.slow {
			d.groups.learn(s, lim)
		}
	}
}

// Flush says no interval will follow, so Decide holds nothing back.
func (d *Detector) Flush() { d.flushed = true }

// Decide returns the verdict on the oldest undecided interval, or ok false
// when there is none to give yet. Once the run is under way it decides
// each interval as soon as it is pushed. At the start it holds intervals
// back until the target has answered enough requests warm to compare with
// and the next interval has agreed with that reference, for at most
// maxHeld intervals and maxHeldTime: a burst from zero may open with
// nothing but cold starts, or requests queued behind them.
func (d *Detector) Decide() (dec Decision, ok bool) {
	if len(d.pending) == 0 || (!d.confirmed && !d.flushed && !d.heldTooLong()) {
		return Decision{}, false
	}
	iv := d.pending[0]
	d.pending[0] = Interval{}
	d.pending = d.pending[1:]
	lim := d.ref.limits()
	dec = Decision{Start: iv.Start, End: iv.End, Cold: make([]bool, len(iv.Samples)), Threshold: lim.slow}
	if lim.slow == 0 {
		return dec, true
	}
	shared := d.groups.shared()
	dec.ClientLimited = lim.clientLimited(iv.ClientDelay)
	for i, s := range iv.Samples {
		switch {
		case s.Instance != "":
			// A first sighting is cold unless it came back at a warm
			// latency: an instance from before the run, or one the
			// platform started ahead of demand, which no client waited
			// for.
			if d.instances.first(s) && s.Latency > lim.median+lim.spread {
				if s.Latency-iv.ClientDelay > lim.median+lim.spread {
					dec.Cold[i] = true
				} else {
					dec.Suppressed++
				}
			}
		case s.Latency <= lim.slow:
		case s.Latency-iv.ClientDelay <= lim.slow:
			// Slow only by what the client may have added: not evidence
			// of a cold start, nor of a group on shared instances.
			dec.Suppressed++
		case shared:
			dec.Cold[i] = d.groups.starts(s, i, lim)
		default:
			dec.Cold[i] = true
		}
	}
	d.overwhelmed(&dec, iv)
	d.groups.settle(dec.Cold)
	d.groups.prune(iv.End, lim)
	d.instances.prune(iv.End)
	return dec, true
}

// overwhelmed takes back the latency-only cold starts of an interval that
// the client, not the platform, slowed: a client too busy to read its
// responses (or a simulator in its process, starved with it) slows them
// all, past any factor on its delay signals, while even a platform's
// scale-out leaves the responses of the instances it already had warm.
// The signs: more than an eighth of the responses slow while the client
// fell behind its schedule by a quarter of the slow threshold, or more
// than three quarters slow (cold, or suppressed for the client's delay)
// while its delay signals reach the threshold.
// Such an interval says nothing about cold starts; its slow responses
// count as suppressed. Responses with an instance id keep their verdict.
// Measured with TestOverloadedClientTagsNoColdStartsBeyondTruth and
// TestInferredColdStartsAgainstGroundTruth (attack/): either sign alone
// left 6-33% of an overloaded run tagged beyond the truth, or (with
// looser bounds) took recall on healthy bursts down to 0.2.
func (d *Detector) overwhelmed(dec *Decision, iv Interval) {
	n := len(iv.Samples)
	if n < minOverwhelmed {
		return
	}
	cold := 0
	for i, c := range dec.Cold {
		if c && iv.Samples[i].Instance == "" {
			cold++
		}
	}
	behind := 4*iv.ClientLag >= dec.Threshold && 8*cold > n
	starved := iv.ClientDelay >= dec.Threshold && 4*cold > 3*n
	// A backlog: a client falling further behind its reads interval by
	// interval delays every response, a growing share of them past any
	// factor on its delay signals, and the rest were suppressed already.
	// Then more than three quarters are slow, cold or suppressed, and the
	// cold ones are taken back up to twice the client's delay: an INIT
	// adds more than that to a response even on a busy client.
	backlog := iv.ClientDelay >= backlogDelay*dec.Threshold && 4*(cold+dec.Suppressed) > 3*n
	if !behind && !starved && !backlog {
		return
	}
	upTo := time.Duration(math.MaxInt64)
	if !behind && !starved {
		upTo = 2 * iv.ClientDelay
	}
	for i, c := range dec.Cold {
		if c && iv.Samples[i].Instance == "" && iv.Samples[i].Latency <= upTo {
			dec.Cold[i] = false
			dec.Suppressed++
		}
	}
}

// backlogDelay: the backlog sign of overwhelmed needs a client delay of
// this many slow thresholds. A client that far behind adds more to its
// responses than any platform's queueing behind a burst of cold starts;
// below it, SnapStart's restores in a burst (TestInferredColdStartsAgainstGroundTruth)
// were taken back with the client's own delays.
const backlogDelay = 8

// minOverwhelmed is the fewest responses an interval needs before a
// an eighth of them being slow is taken as the client's doing (see overwhelmed).
const minOverwhelmed = 20

// heldTooLong reports whether Decide has held back intervals for long
// enough: more than maxHeld of them, and more than maxHeldTime of run
// time. After that it decides with the reference it has, or without one
// (and tags nothing).
func (d *Detector) heldTooLong() bool {
	n := len(d.pending)
	return n > maxHeld && d.pending[n-1].End-d.pending[0].Start > maxHeldTime
}

// maxHeld and maxHeldTime bound how long Decide holds back intervals at
// the start of a run waiting for a warm reference: 30 intervals and 30
// seconds, for a burst from zero on Azure can keep every request waiting
// for 10 s and more (instances start in 1-10 s, and queue the requests
// that arrive meanwhile).
const (
	maxHeld     = 30
	maxHeldTime = 30 * time.Second
)
