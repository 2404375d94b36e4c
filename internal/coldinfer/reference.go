package coldinfer

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// How far above the warm distribution "slow" is, and how responses that a
// single event let through are recognised. Measured against the simulator
// (see the package documentation).
const (
	// slowSpread: a response is slow when it exceeds the warm median by
	// more than slowSpread times the warm p90's distance from the median,
	// and by at least the median itself. The p90 rather than a higher
	// quantile, for it moves little when a few responses that are not
	// warm get into the reference.
	slowSpread = 8
	// admitSpread: a response joins the reference when it exceeds the
	// median by at most admitSpread times the p90's distance from it.
	// Under slowSpread, so that responses held up by something else than
	// a cold start (a stall of the load generator or the network) do not
	// widen the reference and with it the limit that let them in.
	admitSpread = 4
	// groupWidths: responses released by one event end within groupWidths
	// warm widths of each other (see limits.together).
	groupWidths = 2
	// jitterShare: see limits.jitter.
	jitterShare = 0.5
	// minWarm is how many responses make a first reference.
	minWarm = 20
	// bootstrapFactor: the first reference takes the responses within
	// this factor of the typical fast one.
	bootstrapFactor = 4
	// bootstrapSpread: of the minWarm fastest responses, the 16th may be
	// at most this factor slower than the 3rd.
	bootstrapSpread = 3
	// overtakeShare: see Detector.overtaken.
	overtakeShare = 0.2
	// clientShare: see limits.clientLimited.
	clientShare = 0.25
	// queueCorrelation and queueSample: see queued.
	queueCorrelation = 0.6
	queueSample      = 256
)

// warmReference is the target's warm latency distribution, in a decaying
// sketch.
type warmReference struct {
	sketch warmSketch
	has    bool
	// after is when the responses the reference was made of had come
	// back (the median of their ends, from run start): only responses
	// sent after it confirm it.
	after time.Duration
}

// limits is what the warm reference says at one moment. All zero without
// a reference.
type limits struct {
	median time.Duration
	// slow is the latency above which a response is slow.
	slow time.Duration
	// admit is the latency up to which a response joins the reference.
	admit time.Duration
	// spread is how far warm latencies reach above the median (p99 - p50):
	// how much later than a group's last response a queued request, let
	// through by a slot the group freed, may end.
	spread time.Duration
	// width is the range of warm latencies (p99 - p1): responses released
	// by one event differ by their own service times, so most of them end
	// within width of each other.
	width time.Duration
	// together is how far apart responses released by one event may be
	// seen to end: groupWidths widths, for the service times of a dozen
	// requests reach into the tails, and the load generator reads a burst
	// of responses one after the other.
	together time.Duration
	// jitter is how much earlier than its cause a response may be seen to
	// end: a share of the warm median's distance above the fastest warm
	// responses.
	jitter time.Duration
}

func (r *warmReference) ready() bool { return r.has }

// clientLimited reports whether a client delay matters against these
// limits: it is at least clientShare of the margin between the warm
// median and the slow threshold, so that warm responses it held up come
// near the threshold, and would widen the reference if they joined it.
func (lim limits) clientLimited(delay time.Duration) bool {
	return lim.slow > 0 && delay > 0 && float64(delay) >= clientShare*float64(lim.slow-lim.median)
}

func (r *warmReference) add(d time.Duration) { r.sketch.add(d) }

func (r *warmReference) decay(f float64) { r.sketch.decay(f) }

func (r *warmReference) limits() limits {
	if !r.has || r.sketch.total == 0 {
		return limits{}
	}
	s := &r.sketch
	p50, p90, p99 := s.quantile(0.5), s.quantile(0.9), s.quantile(0.99)
	spread := max(p99-p50, p50/4)
	width := max(s.quantile(0.99)-s.quantile(0.01), spread)
	return limits{
		median:   p50,
		slow:     p50 + max(slowSpread*(p90-p50), p50),
		admit:    p50 + admitSpread*(p90-p50),
		spread:   spread,
		width:    width,
		together: groupWidths * width,
		jitter:   time.Duration(jitterShare * float64(p50-s.quantile(0.001))),
	}
}

// faster counts the samples faster than a bootstrapFactor-th of the
// reference median (see Detector.overtaken).
func (r *warmReference) faster(samples []Sample) int {
	below := r.sketch.quantile(0.5) / bootstrapFactor
	n := 0
	for _, s := range samples {
		if s.Latency < below {
			n++
		}
	}
	return n
}

// bootstrap makes a first reference from the pending intervals: the
// responses within bootstrapFactor of the typical fast one (the median of
// the minWarm fastest), once the fastest responses agree with each other.
// Warm responses do; requests that queued behind a starting instance
// spread out from almost nothing to its whole start-up time, but over a
// stretch much shorter than that wait they agree too, and then their
// latencies fall with the send order (queued). The typical fast response
// rather than the fastest, for one lucky response would make the
// reference too narrow. The reference records when its responses had come
// back (after), for only later ones can confirm it.
func (r *warmReference) bootstrap(pending []Interval) bool {
	var fastest [minWarm]time.Duration // ascending
	n := 0
	for _, iv := range pending {
		for _, s := range iv.Samples {
			if n < minWarm {
				n++
			} else if s.Latency >= fastest[minWarm-1] {
				continue
			}
			i := n - 1
			for ; i > 0 && fastest[i-1] > s.Latency; i-- {
				fastest[i] = fastest[i-1]
			}
			fastest[i] = s.Latency
		}
	}
	if n < minWarm || fastest[minWarm*3/4] > bootstrapSpread*fastest[minWarm/10] {
		return false
	}
	bound := bootstrapFactor * max(fastest[minWarm/2], time.Microsecond)
	var seed warmSketch
	var inOrder []Sample
	for _, iv := range pending {
		for _, s := range iv.Samples {
			if s.Latency <= bound {
				seed.add(s.Latency)
				inOrder = append(inOrder, s)
			}
		}
	}
	picked := spaced(inOrder)
	if queued(picked) {
		return false
	}
	ends := make([]time.Duration, len(picked))
	for i, s := range picked {
		ends[i] = s.end()
	}
	slices.Sort(ends)
	r.sketch, r.has, r.after = seed, true, ends[len(ends)/2]
	return true
}

// spaced picks at most queueSample of samples, evenly spaced.
func spaced(samples []Sample) []Sample {
	step := max((len(samples)+queueSample-1)/queueSample, 1)
	out := make([]Sample, 0, min(len(samples), queueSample))
	for i := 0; i < len(samples); i += step {
		out = append(out, samples[i])
	}
	return out
}

// queued reports whether latencies, in send order, fall or rise with the
// send time as those of requests queued behind one event do: sent one
// after the other, they all came back when it ended (an instance became
// ready), so each waited less than the one before. Warm latencies do not
// depend on when the request was sent. Their rank correlation with the
// send order (Spearman's) tells: beyond queueCorrelation either way they
// queued.
func queued(xs []Sample) bool {
	n := len(xs)
	if n < 3 {
		return false
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(xs[a].Latency, xs[b].Latency) })
	var d2 float64
	for rank, i := range order {
		d := float64(rank - i)
		d2 += d * d
	}
	nf := float64(n)
	rho := 1 - 6*d2/(nf*(nf*nf-1))
	return math.Abs(rho) >= queueCorrelation
}
