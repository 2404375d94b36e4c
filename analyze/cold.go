package analyze

import (
	"math"
	"slices"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// ColdStarts is one target's cold-start analysis over a run. Cold and warm
// latency percentiles themselves are in the rows (Row.Latency.Cold and
// .Warm, per phase and for the run).
type ColdStarts struct {
	// Detection is the scenario's cold_start.detect; Note says what could
	// be detected when nothing was.
	Detection string `json:"detection"`
	Note      string `json:"note,omitempty"`
	// Count is the successful requests that started a new execution
	// environment, and Rate their share of the successful requests.
	Count int64   `json:"count"`
	Rate  float64 `json:"rate"`
	// Evidence counts them by what told (report, marker, inferred).
	Evidence map[string]int64 `json:"evidence"`
	ByPhase  []PhaseCold      `json:"by_phase"`
	// Penalty is cold p50 − warm p50 over the run.
	Penalty *Penalty `json:"penalty_p50"`
	// InitDuration is the distribution of the init (or SnapStart restore)
	// durations the platform or the function reported; nil when none did.
	InitDuration *InitStats `json:"init_duration"`
	// MaxPerInterval is the most cold starts in one interval;
	// ByOfferedRate relates cold starts per interval to the offered rate.
	MaxPerInterval int64     `json:"max_per_interval"`
	ByOfferedRate  []RateBin `json:"by_offered_rate"`
}

// PhaseCold is one phase's cold starts.
type PhaseCold struct {
	Phase   string   `json:"phase"`
	Count   int64    `json:"count"`
	Rate    float64  `json:"rate"`
	Penalty *Penalty `json:"penalty_p50"`
}

// InitStats describes init durations, exactly (they are kept one by one in
// events.jsonl). Percentiles are the value at rank round(p/100·n).
type InitStats struct {
	Count int64         `json:"count"`
	Min   time.Duration `json:"min_ns"`
	Mean  time.Duration `json:"mean_ns"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
}

// RateBin gathers the intervals whose offered rate falls in [FromRPS,
// ToRPS) (the last bin includes ToRPS): how many, their cold starts, and
// cold starts per interval.
type RateBin struct {
	FromRPS         float64 `json:"from_rps"`
	ToRPS           float64 `json:"to_rps"`
	Intervals       int     `json:"intervals"`
	ColdStarts      int64   `json:"cold_starts"`
	ColdPerInterval float64 `json:"cold_per_interval"`
}

// rateBins is how many offered-rate bins ByOfferedRate has at most.
const rateBins = 10

func coldStarts(r *Run, tr *TargetRun, ts *TargetSummary, detect string) ColdStarts {
	total := ts.Total
	c := ColdStarts{
		Detection: detect,
		Count:     total.Cold,
		Rate:      ratio(total.Cold, total.Warm+total.Cold),
		Evidence:  map[string]int64{},
		Penalty:   total.ColdPenalty,
	}
	for _, e := range rundir.Evidences {
		c.Evidence[e] = total.ColdEvidence[e]
	}
	switch {
	case detect == "none":
		c.Note = "cold starts were not detected (cold_start.detect: none)"
	case total.Cold == 0 && total.NewInstances == 0:
		c.Note = "no cold starts tagged: the responses carried no evidence (instrument the function with fnbench's markers, or use an aws-lambda target for REPORT lines)"
	}
	for _, row := range ts.Phases {
		c.ByPhase = append(c.ByPhase, PhaseCold{Phase: row.Phase, Count: row.Cold,
			Rate: ratio(row.Cold, row.Warm+row.Cold), Penalty: row.ColdPenalty})
	}
	var inits []time.Duration
	for i := range r.Events {
		e := &r.Events[i]
		if e.Type == rundir.EventColdStart && e.Target == tr.Info.Name && e.InitNanos > 0 {
			inits = append(inits, time.Duration(e.InitNanos))
		}
	}
	c.InitDuration = initStats(inits)
	c.MaxPerInterval, c.ByOfferedRate = coldByRate(tr.Intervals)
	return c
}

func initStats(v []time.Duration) *InitStats {
	if len(v) == 0 {
		return nil
	}
	slices.Sort(v)
	n := int64(len(v))
	var sum float64
	for _, d := range v {
		sum += float64(d)
	}
	at := func(p float64) time.Duration { return v[rundir.PercentileRank(p, n)-1] }
	return &InitStats{Count: n, Min: v[0], Max: v[n-1], Mean: time.Duration(sum / float64(n)),
		P50: at(50), P90: at(90), P99: at(99)}
}

// coldByRate bins the intervals by offered rate, equal widths from zero to
// the highest rate.
func coldByRate(ivs []Interval) (maxPer int64, bins []RateBin) {
	var top float64
	rates := make([]float64, len(ivs))
	for i := range ivs {
		iv := &ivs[i]
		maxPer = max(maxPer, iv.Cold)
		if span := time.Duration(iv.EndNanos - iv.StartNanos); span > 0 {
			rates[i] = float64(iv.Offered) / span.Seconds()
		}
		top = max(top, rates[i])
	}
	if top == 0 {
		return maxPer, []RateBin{}
	}
	width := niceWidth(top / rateBins)
	n := int(math.Floor(top/width)) + 1
	bins = make([]RateBin, n)
	for i := range bins {
		bins[i].FromRPS, bins[i].ToRPS = float64(i)*width, float64(i+1)*width
	}
	for i := range ivs {
		b := min(int(rates[i]/width), n-1)
		bins[b].Intervals++
		bins[b].ColdStarts += ivs[i].Cold
	}
	out := bins[:0]
	for _, b := range bins {
		if b.Intervals > 0 {
			b.ColdPerInterval = float64(b.ColdStarts) / float64(b.Intervals)
			out = append(out, b)
		}
	}
	return maxPer, out
}

// niceWidth rounds w up to 1, 2 or 5 times a power of ten.
func niceWidth(w float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(w)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= w {
			return m * p
		}
	}
	return 10 * p
}
