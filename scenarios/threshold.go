package scenarios

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// A Threshold is one gate on a run, parsed from an expression such as
//
//	p99 < 500ms
//	target=azure phase=spike cold.p50 <= 2s
//	error_rate[30s] < 1%
//	cost_per_million < $5
//
// The grammar, one expression per threshold:
//
//	threshold = { scope } metric [ "[" duration "]" ] op value
//	scope     = ( "target" | "phase" ) "=" name
//	metric    = percentile | "max" | group "." ( percentile | "max" )
//	          | "error_rate" | "throttle_rate" | "cold_rate" | "not_sent_rate"
//	          | "achieved" | "cost_per_million" | "scale_time"
//	group     = "cold" | "warm" | "init" | "lag"
//	percentile = "p" number            (p50, p90, p99, p99.9, …; 0 < n < 100)
//	op        = "<" | "<=" | ">" | ">="
//	value     = number ( "ms" | "s" ) | number "%" | "$" number | number
//
// Latencies take ms or s; rates take % or a bare fraction; cost takes $.
// A window ("[30s]") asks that the threshold hold in every window of that
// length, not only over the whole span.
type Threshold struct {
	Expr   string        // the expression as written
	Target string        // scope: one target's name; "" for each target
	Phase  string        // scope: one phase's name; "" for the whole run
	Metric Metric        //
	Window time.Duration // 0 for the whole span
	Op     Op            //
	// Value is the limit in the metric's unit: nanoseconds for a latency,
	// a fraction (0.01 for 1%) for a rate, US dollars for a cost.
	Value float64
	// Abort ends the attack as soon as the threshold is certainly lost.
	Abort bool
}

// Metric is what a threshold measures.
type Metric struct {
	Name string // canonical: p99, cold.p50, init.p99.9, lag.max, error_rate, …
	Kind MetricKind
	// Group is the population of a latency metric: "" for the successful
	// requests (warm and cold), or cold, warm, init, lag.
	Group string
	// Percentile is in (0, 100] for a latency metric (100 is max); 0 else.
	Percentile float64
}

// MetricKind says what unit a metric is measured in.
type MetricKind int

// Metric kinds.
const (
	KindLatency MetricKind = iota + 1 // a duration
	KindRate                          // a fraction of requests
	KindCost                          // US dollars
)

// Op is a threshold's comparison: the metric Op the value must hold.
type Op int

// Comparisons.
const (
	OpLess Op = iota + 1
	OpLessEqual
	OpGreater
	OpGreaterEqual
)

func (o Op) String() string {
	return [...]string{"", "<", "<=", ">", ">="}[o]
}

// Holds reports whether observed satisfies the comparison with limit.
func (o Op) Holds(observed, limit float64) bool {
	switch o {
	case OpLess:
		return observed < limit
	case OpLessEqual:
		return observed <= limit
	case OpGreater:
		return observed > limit
	case OpGreaterEqual:
		return observed >= limit
	}
	return false
}

// UpperBound reports whether the comparison caps the metric from above
// (< or <=): then a larger value is worse.
func (o Op) UpperBound() bool { return o == OpLess || o == OpLessEqual }

// rates are the rate metrics, each a fraction of requests.
var rates = []string{"error_rate", "throttle_rate", "cold_rate", "not_sent_rate", "achieved"}

// groups are the latency populations a metric may name.
var groups = []string{"cold", "warm", "init", "lag"}

// ThresholdError is a threshold expression that does not parse: Offset and
// Len (bytes) mark the bad token in Expr.
type ThresholdError struct {
	Expr        string
	Offset, Len int
	Msg, Hint   string
}

func (e *ThresholdError) Error() string {
	s := fmt.Sprintf("threshold %q: %s", e.Expr, e.Msg)
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// Caret shows the expression with a caret under the bad token, for the
// command line.
func (e *ThresholdError) Caret() string {
	n := max(e.Len, 1)
	return "  " + e.Expr + "\n  " + strings.Repeat(" ", e.Offset) + strings.Repeat("^", n)
}

// ParseThreshold parses one threshold expression.
func ParseThreshold(expr string) (Threshold, error) {
	p := &thresholdParser{src: expr}
	th, err := p.parse()
	if err != nil {
		return Threshold{}, err
	}
	th.Expr = expr
	return th, nil
}

// ParseMetric reads a metric name alone, as a threshold writes it (p99,
// cold.p50, error_rate, …): what compare's --tolerance names.
func ParseMetric(name string) (Metric, error) {
	p := &thresholdParser{src: name}
	return p.metric(token{name, 0})
}

type token struct {
	text string
	at   int
}

type thresholdParser struct {
	src  string
	toks []token
	k    int
}

func (p *thresholdParser) fail(t token, msg, hint string) error {
	return &ThresholdError{Expr: p.src, Offset: t.at, Len: len(t.text), Msg: msg, Hint: hint}
}

// lex splits the expression into words, comparisons and brackets.
func (p *thresholdParser) lex() {
	s := p.src
	for i := 0; i < len(s); {
		r := rune(s[i])
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '<' || r == '>':
			n := 1
			if i+1 < len(s) && s[i+1] == '=' {
				n = 2
			}
			p.toks = append(p.toks, token{s[i : i+n], i})
			i += n
		case r == '[' || r == ']' || r == '=':
			p.toks = append(p.toks, token{s[i : i+1], i})
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r<>[]=", rune(s[j])) {
				j++
			}
			p.toks = append(p.toks, token{s[i:j], i})
			i = j
		}
	}
}

func (p *thresholdParser) peek() token {
	if p.k < len(p.toks) {
		return p.toks[p.k]
	}
	return token{"", len(p.src)}
}

func (p *thresholdParser) next() token {
	t := p.peek()
	if p.k < len(p.toks) {
		p.k++
	}
	return t
}

func (p *thresholdParser) parse() (Threshold, error) {
	var th Threshold
	p.lex()
	if len(p.toks) == 0 {
		return th, p.fail(token{"", 0}, "is empty", "write it like p99 < 500ms")
	}
	for {
		t := p.peek()
		if t.text != "target" && t.text != "phase" || p.k+1 >= len(p.toks) || p.toks[p.k+1].text != "=" {
			break
		}
		p.k += 2
		name := p.next()
		if name.text == "" || isOp(name.text) || name.text == "[" {
			return th, p.fail(name, fmt.Sprintf("%s= needs a name", t.text), fmt.Sprintf("write %s=<name>", t.text))
		}
		switch {
		case t.text == "target" && th.Target != "", t.text == "phase" && th.Phase != "":
			return th, p.fail(t, fmt.Sprintf("%s is scoped twice", t.text), "give it once")
		case t.text == "target":
			th.Target = name.text
		default:
			th.Phase = name.text
		}
	}
	mt := p.next()
	m, err := p.metric(mt)
	if err != nil {
		return th, err
	}
	th.Metric = m
	if p.peek().text == "[" {
		open := p.next()
		w := p.next()
		d, err := time.ParseDuration(w.text)
		if err != nil || d <= 0 {
			return th, p.fail(w, fmt.Sprintf("window %q is not a duration", w.text), "write it like [30s] or [500ms]")
		}
		if c := p.next(); c.text != "]" {
			return th, p.fail(open, "window has no closing ]", "write it like p99[30s] < 500ms")
		}
		th.Window = d
	}
	op := p.next()
	if th.Op = parseOp(op.text); th.Op == 0 {
		what := fmt.Sprintf("expected a comparison after %s", m.Name)
		if op.text != "" {
			what = fmt.Sprintf("%q is not a comparison", op.text)
		}
		return th, p.fail(op, what, "use <, <=, > or >=")
	}
	vt := p.next()
	if vt.text == "" {
		return th, p.fail(vt, "expected a value after "+op.text, "write it like "+example(m.Kind))
	}
	if th.Value, err = p.value(vt, m); err != nil {
		return th, err
	}
	if rest := p.peek(); rest.text != "" {
		return th, p.fail(rest, fmt.Sprintf("unexpected %q after the value", rest.text), "one threshold per expression")
	}
	return th, nil
}

func isOp(s string) bool { return parseOp(s) != 0 }

func parseOp(s string) Op {
	switch s {
	case "<":
		return OpLess
	case "<=":
		return OpLessEqual
	case ">":
		return OpGreater
	case ">=":
		return OpGreaterEqual
	}
	return 0
}

func example(k MetricKind) string {
	switch k {
	case KindRate:
		return "1% or 0.01"
	case KindCost:
		return "$5"
	}
	return "500ms or 2s"
}

// metric reads a metric name.
func (p *thresholdParser) metric(t token) (Metric, error) {
	name := t.text
	if name == "" {
		return Metric{}, p.fail(t, "expected a metric", "write it like p99 < 500ms")
	}
	for _, r := range rates {
		if name == r {
			return Metric{Name: name, Kind: KindRate}, nil
		}
	}
	switch name {
	case "cost_per_million":
		return Metric{Name: name, Kind: KindCost}, nil
	case "scale_time":
		return Metric{Name: name, Kind: KindLatency}, nil
	}
	group, stat, dotted := strings.Cut(name, ".")
	if !dotted || strings.HasPrefix(name, "p") && !isGroup(group) {
		group, stat = "", name
	} else if !isGroup(group) {
		return Metric{}, p.fail(t, fmt.Sprintf("unknown metric group %q", group), "use cold., warm., init. or lag. before a percentile")
	}
	pct, ok := percentile(stat)
	if !ok {
		return Metric{}, p.fail(t, fmt.Sprintf("unknown metric %q", name), "use p50…p99.9, max, cold.p99, init.p50, lag.p99, error_rate, throttle_rate, cold_rate, not_sent_rate, achieved, cost_per_million or scale_time"+didYouMean(name))
	}
	canon := stat
	if group != "" {
		canon = group + "." + stat
	}
	return Metric{Name: canon, Kind: KindLatency, Group: group, Percentile: pct}, nil
}

func isGroup(g string) bool {
	for _, x := range groups {
		if g == x {
			return true
		}
	}
	return false
}

// percentile reads p50, p99.9 or max.
func percentile(s string) (float64, bool) {
	if s == "max" {
		return 100, true
	}
	num, ok := strings.CutPrefix(s, "p")
	if !ok || num == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !(v > 0 && v < 100) || strings.ContainsAny(num, "eE+-xXpP_") {
		return 0, false
	}
	return v, true
}

// didYouMean suggests the metric a misspelt name was meant to be.
func didYouMean(name string) string {
	if c := closest(name, append([]string{"p50", "p90", "p99", "max", "cost_per_million", "scale_time"}, rates...)); c != "" {
		return " (did you mean " + c + "?)"
	}
	return ""
}

// value reads the limit in the metric's unit.
func (p *thresholdParser) value(t token, m Metric) (float64, error) {
	s := t.text
	bad := func(msg string) error { return p.fail(t, msg, "write it like "+example(m.Kind)) }
	num := func(x string) (float64, bool) {
		v, err := strconv.ParseFloat(x, 64)
		return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0 && !strings.ContainsAny(x, "xXpP_")
	}
	switch m.Kind {
	case KindCost:
		x, ok := strings.CutPrefix(s, "$")
		v, good := num(x)
		if !ok || !good {
			return 0, bad(fmt.Sprintf("%s takes a price in dollars, not %q", m.Name, s))
		}
		return v, nil
	case KindRate:
		if x, ok := strings.CutSuffix(s, "%"); ok {
			v, good := num(x)
			if !good || v > 100 {
				return 0, bad(fmt.Sprintf("%q is not a percentage from 0 to 100", s))
			}
			return v / 100, nil
		}
		v, good := num(s)
		if !good || v > 1 {
			return 0, bad(fmt.Sprintf("%s takes a percentage or a fraction from 0 to 1, not %q", m.Name, s))
		}
		return v, nil
	}
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"ms", time.Millisecond}, {"s", time.Second}} {
		if x, ok := strings.CutSuffix(s, u.suffix); ok {
			if v, good := num(x); good && v*float64(u.unit) < math.MaxInt64 {
				return v * float64(u.unit), nil
			}
			return 0, bad(fmt.Sprintf("%q is not a duration", s))
		}
	}
	return 0, bad(fmt.Sprintf("%s is a latency: %q needs a unit, ms or s", m.Name, s))
}

type thresholdJSON struct {
	Expr  string `json:"expr"`
	Abort bool   `json:"abort,omitempty"`
}

// MarshalJSON writes a threshold as the scenario file does: its expression
// and abort.
func (t Threshold) MarshalJSON() ([]byte, error) {
	return json.Marshal(thresholdJSON{Expr: t.Expr, Abort: t.Abort})
}

// UnmarshalJSON reads what MarshalJSON writes (run.json's scenario).
func (t *Threshold) UnmarshalJSON(b []byte) error {
	var j thresholdJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	th, err := ParseThreshold(j.Expr)
	if err != nil {
		return err
	}
	th.Abort = j.Abort
	*t = th
	return nil
}
