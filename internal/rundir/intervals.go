package rundir

import (
	"fmt"
	"reflect"
	"strings"
)

// IntervalCounts is one line of intervals.jsonl: the counters of one target
// over one interval. Requests belong to the interval of their intended send
// time, so a stall shows up when it began, not when it ended.
type IntervalCounts struct {
	Seq        int              `json:"seq"`
	Phase      int              `json:"phase"`
	StartNanos int64            `json:"start_ns"`
	EndNanos   int64            `json:"end_ns"`
	Target     string           `json:"target"`
	Offered    int64            `json:"offered"`
	Sent       int64            `json:"sent"`
	NotSent    int64            `json:"not_sent"`
	Completed  int64            `json:"completed"`
	Warm       int64            `json:"warm"`
	Cold       int64            `json:"cold"`
	Errors     int64            `json:"errors"`
	Classes    map[string]int64 `json:"classes,omitempty"`
	BytesIn    int64            `json:"bytes_in"`
	BytesOut   int64            `json:"bytes_out"`
	LagP50Ns   int64            `json:"lag_p50_ns"`
	LagP99Ns   int64            `json:"lag_p99_ns"`
	LagMaxNs   int64            `json:"lag_max_ns"`
	PeakInFl   int64            `json:"peak_in_flight"`
	// ColdEvidence counts the interval's cold starts by evidence kind.
	ColdEvidence map[string]int64 `json:"cold_evidence,omitempty"`
	// Instances is how many distinct execution environments answered in
	// the interval, where responses name them; NewInstances how many of
	// those had not answered before.
	Instances    int64 `json:"instances,omitempty"`
	NewInstances int64 `json:"new_instances,omitempty"`
	// ColdSuppressed counts the slow successes that inference did not tag
	// as cold starts because the client itself may have held them up;
	// ClientLimited says the client's own delay in the interval
	// (ClientDelayNs: the larger of its schedule lag p99 and its
	// goroutines' scheduling latency while the responses came back) was
	// large enough to matter to inference, whose warm reference then
	// learned nothing from the interval. All zero where nothing is inferred.
	ColdSuppressed int64 `json:"cold_suppressed,omitempty"`
	ClientLimited  bool  `json:"client_limited,omitempty"`
	ClientDelayNs  int64 `json:"client_delay_ns,omitempty"`
	// Billing sums the REPORT lines of the interval's invocations
	// (aws-lambda targets); nil when there were none.
	Billing *Billing `json:"billing,omitempty"`
	// Conns counts the target's connections over the interval; nil for
	// runs before it and for senders that cannot see them.
	Conns *ConnCounts `json:"conns,omitempty"`
}

// ConnCounts is what a target's connections did over one interval.
// Dials and closes are counted when they happen; Fresh and Reused count the
// interval's requests (by intended send time) by the connection they went
// out on.
type ConnCounts struct {
	// Prewarmed is how many connections were opened before time zero,
	// sized to the load's first seconds; only the first interval has it.
	Prewarmed int64 `json:"prewarmed,omitempty"`
	// Opened and DialErrors count dials that ended; DialNs sums the time
	// of the successful ones (DNS, TCP and TLS together), Prewarmed ones
	// included, so that DialNs / (Prewarmed + Opened) is the mean dial.
	Opened     int64 `json:"opened"`
	DialErrors int64 `json:"dial_errors,omitempty"`
	DialNs     int64 `json:"dial_ns,omitempty"`
	Closed     int64 `json:"closed"`
	// Fresh requests were the first on their connection; Reused ones went
	// out on a connection that had carried a request before. On HTTP/2,
	// Reused includes streams that shared a connection with others.
	Fresh  int64 `json:"fresh"`
	Reused int64 `json:"reused"`
	// WaitedForConn counts requests that found no connection ready at
	// their intended time and waited for one (their wait is schedule lag).
	WaitedForConn int64 `json:"waited_for_conn,omitempty"`
}

// Add adds o's counts to c.
func (c *ConnCounts) Add(o *ConnCounts) {
	c.Prewarmed += o.Prewarmed
	c.Opened += o.Opened
	c.DialErrors += o.DialErrors
	c.DialNs += o.DialNs
	c.Closed += o.Closed
	c.Fresh += o.Fresh
	c.Reused += o.Reused
	c.WaitedForConn += o.WaitedForConn
}

// Billing sums what the REPORT lines of an interval's invocations said:
// the figures Lambda bills on. Billed Duration already holds the INIT
// phase where Lambda bills it (docs/sources.md, "AWS Lambda pricing").
type Billing struct {
	Reports    int64 `json:"reports"`     // invocations with a REPORT line
	BilledMs   int64 `json:"billed_ms"`   // sum of Billed Duration
	DurationNs int64 `json:"duration_ns"` // sum of Duration
	// Inits counts REPORT lines with an Init Duration, proactive inits
	// included (they are billed too); InitNs sums those durations.
	Inits          int64 `json:"inits,omitempty"`
	InitNs         int64 `json:"init_ns,omitempty"`
	ProactiveInits int64 `json:"proactive_inits,omitempty"`
	// RestoreBilledMs sums SnapStart's Billed Restore Duration.
	RestoreBilledMs int64 `json:"restore_billed_ms,omitempty"`
	Restores        int64 `json:"restores,omitempty"`
	// InitBilledMs sums what cold starts added to Billed Duration: on a
	// REPORT line with an Init Duration, Billed Duration − ⌈Duration⌉
	// (zero where the INIT phase was not billed).
	InitBilledMs    int64 `json:"init_billed_ms,omitempty"`
	MemoryMB        int   `json:"memory_mb"`          // Memory Size (the largest seen)
	MaxMemoryUsedMB int   `json:"max_memory_used_mb"` // the largest Max Memory Used
	// FunctionErrors and Timeouts count REPORT lines with Status error or
	// timeout.
	FunctionErrors int64 `json:"function_errors,omitempty"`
	Timeouts       int64 `json:"timeouts,omitempty"`
	// MBms sums Memory Size × Billed Duration, so that each invocation is
	// priced at the memory its own REPORT line states (a run that spans a
	// configuration change bills both sizes). Runs written before it was
	// recorded have 0: MemoryMB is then taken for all.
	MBms int64 `json:"mb_ms,omitempty"`
	// Markers is what fnbench computed of the bill from the function's own
	// markers, where the platform reported no billing (no REPORT line):
	// Azure Functions always, Lambda behind a URL; nil otherwise.
	Markers *MarkerBilling `json:"markers,omitempty"`
}

// MarkerBilling is a target's bill as fnbench computes it from what the
// function reported about each execution (its instance, execution time,
// init time and process memory: the Fnbench-* marker headers), by the
// provider's published rules (internal/platform and InitBilled, after
// docs/sources.md, "Azure Functions pricing" and "AWS Lambda pricing").
// The quantities of every plan are kept; the target's provider and plan
// decide which is priced.
type MarkerBilling struct {
	// Executions counts the responses that named their instance. Timed of
	// them carried the execution time (Fnbench-Duration-Ms); the rest are
	// timed by the client, from the request's send to the response's first
	// byte, which includes the network: an upper bound.
	Executions int64 `json:"executions"`
	Timed      int64 `json:"timed"`
	// Consumption: BilledMs sums each execution's billed time (1 ms
	// rounding, 100 ms minimum); WithMemory counts the executions that
	// reported their process memory (Fnbench-Memory-Mb), and MBms sums their
	// billed memory (rounded up to 128 MB, 128–1,536) × billed time.
	BilledMs    int64 `json:"billed_ms"`
	WithMemory  int64 `json:"with_memory"`
	MBms        int64 `json:"mb_ms"`
	MaxMemoryMB int   `json:"max_memory_mb,omitempty"` // the largest memory reported, before rounding
	// Flex Consumption: the instances' execution periods that ended (the
	// union of overlapping executions on one instance), their summed
	// length, and their summed billed time (at least 1,000 ms each, then
	// 100 ms steps).
	Periods        int64 `json:"periods"`
	PeriodActiveMs int64 `json:"period_active_ms"`
	PeriodBilledMs int64 `json:"period_billed_ms"`
	// Lambda: LambdaBilledMs sums each execution's billed duration,
	// ⌈execution time + INIT on a cold start⌉ to 1 ms (INIT is billed
	// since 2025-08-01), and LambdaInitMs what INIT added to it.
	LambdaBilledMs int64 `json:"lambda_billed_ms,omitempty"`
	LambdaInitMs   int64 `json:"lambda_init_ms,omitempty"`
	// Colds counts the executions that reported a cold start with its init
	// time.
	Colds int64 `json:"colds,omitempty"`
}

// Merge adds o's sums to a.
func (a *MarkerBilling) Merge(o *MarkerBilling) {
	a.Executions += o.Executions
	a.Timed += o.Timed
	a.BilledMs += o.BilledMs
	a.WithMemory += o.WithMemory
	a.MBms += o.MBms
	a.MaxMemoryMB = max(a.MaxMemoryMB, o.MaxMemoryMB)
	a.Periods += o.Periods
	a.PeriodActiveMs += o.PeriodActiveMs
	a.PeriodBilledMs += o.PeriodBilledMs
	a.LambdaBilledMs += o.LambdaBilledMs
	a.LambdaInitMs += o.LambdaInitMs
	a.Colds += o.Colds
}

// Merge adds o's sums to b.
func (b *Billing) Merge(o *Billing) {
	b.Reports += o.Reports
	b.BilledMs += o.BilledMs
	b.DurationNs += o.DurationNs
	b.Inits += o.Inits
	b.InitNs += o.InitNs
	b.ProactiveInits += o.ProactiveInits
	b.RestoreBilledMs += o.RestoreBilledMs
	b.Restores += o.Restores
	b.InitBilledMs += o.InitBilledMs
	b.MemoryMB = max(b.MemoryMB, o.MemoryMB)
	b.MaxMemoryUsedMB = max(b.MaxMemoryUsedMB, o.MaxMemoryUsedMB)
	b.FunctionErrors += o.FunctionErrors
	b.Timeouts += o.Timeouts
	b.MBms += o.MBms
	if o.Markers != nil {
		if b.Markers == nil {
			b.Markers = &MarkerBilling{}
		}
		b.Markers.Merge(o.Markers)
	}
}

// Add sums c's counters into sum: counts add up; peaks (in flight, lag,
// instances in an interval) keep the larger.
func (sum *IntervalCounts) Add(c *IntervalCounts) {
	sum.Offered += c.Offered
	sum.Sent += c.Sent
	sum.NotSent += c.NotSent
	sum.Completed += c.Completed
	sum.Warm += c.Warm
	sum.Cold += c.Cold
	sum.Errors += c.Errors
	sum.BytesIn += c.BytesIn
	sum.BytesOut += c.BytesOut
	sum.PeakInFl = max(sum.PeakInFl, c.PeakInFl)
	sum.Instances = max(sum.Instances, c.Instances) // the busiest interval's
	sum.NewInstances += c.NewInstances
	sum.ColdSuppressed += c.ColdSuppressed
	sum.ClientLimited = sum.ClientLimited || c.ClientLimited
	sum.ClientDelayNs = max(sum.ClientDelayNs, c.ClientDelayNs)
	for k, v := range c.ColdEvidence {
		if sum.ColdEvidence == nil {
			sum.ColdEvidence = map[string]int64{}
		}
		sum.ColdEvidence[k] += v
	}
	sum.LagMaxNs = max(sum.LagMaxNs, c.LagMaxNs)
	if c.Billing != nil {
		if sum.Billing == nil {
			sum.Billing = &Billing{}
		}
		sum.Billing.Merge(c.Billing)
	}
	if c.Conns != nil {
		if sum.Conns == nil {
			sum.Conns = &ConnCounts{}
		}
		sum.Conns.Add(c.Conns)
	}
	for k, v := range c.Classes {
		if sum.Classes == nil {
			sum.Classes = map[string]int64{}
		}
		sum.Classes[k] += v
	}
}

// TargetErrors is the errors and completions that are the target's: those
// of fnbench's own failures (client_error) are left out of both.
func (c *IntervalCounts) TargetErrors() (errors, completed int64) {
	own := c.Classes[ClassClientError]
	return c.Errors - own, c.Completed - own
}

// Check refuses counts no fnbench run writes: a negative count or time,
// or a count beyond any interval's reach (more than maxCount, a trillion),
// which would otherwise be printed as it is or overflow a sum. The error
// names the field by its JSON key.
func (c *IntervalCounts) Check() error {
	if c.EndNanos < c.StartNanos {
		return fmt.Errorf("end_ns %d is before start_ns %d", c.EndNanos, c.StartNanos)
	}
	return checkCounts(reflect.ValueOf(c).Elem(), "")
}

// maxCount bounds one interval's counts; times (keys ending in _ns or _ms)
// are bounded by maxTime, a sum of durations over an interval.
const (
	maxCount = 1e12
	maxTime  = 1e18
)

func checkCounts(v reflect.Value, prefix string) error {
	for i := range v.NumField() {
		f, fv := v.Type().Field(i), v.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if key == "" || key == "-" {
			continue
		}
		key = prefix + key
		switch fv.Kind() {
		case reflect.Int, reflect.Int64:
			if err := checkCount(key, fv.Int()); err != nil {
				return err
			}
		case reflect.Map:
			for _, k := range fv.MapKeys() {
				if err := checkCount(key+"."+k.String(), fv.MapIndex(k).Int()); err != nil {
					return err
				}
			}
		case reflect.Pointer:
			if !fv.IsNil() && fv.Elem().Kind() == reflect.Struct {
				if err := checkCounts(fv.Elem(), key+"."); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func checkCount(key string, n int64) error {
	limit := int64(maxCount)
	if strings.HasSuffix(key, "_ns") || strings.HasSuffix(key, "_ms") || strings.HasSuffix(key, "_mb") {
		limit = maxTime
	}
	switch {
	case n < 0:
		return fmt.Errorf("%s is %d; counts and times are never negative", key, n)
	case n > limit:
		return fmt.Errorf("%s is %d, more than any interval holds", key, n)
	}
	return nil
}
