package scenarios

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Rate is an offered load in requests per second. In a scenario file it is
// written "<number>/<unit>" with unit s, sec, min or h: 50/s, 3000/min,
// 0.5/s, 1e3/s.
type Rate float64

// MaxRate is the highest rate a scenario may ask for, in requests per second.
const MaxRate Rate = 1_000_000

// ratePattern is the grammar ParseRate accepts, exported to the JSON Schema.
const ratePattern = `^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/(s|sec|min|h)$`

var (
	rateRE   = regexp.MustCompile(ratePattern)
	numberRE = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`)
)

// rateUnits maps each accepted unit to its length in seconds.
var rateUnits = map[string]float64{"s": 1, "sec": 1, "min": 60, "h": 3600}

// ParseRate parses "<number>/<unit>". It rejects a missing or unknown unit,
// negative, NaN and infinite numbers, and rates above MaxRate; zero is legal
// here and rejected by the callers that need a positive rate. Errors are
// *Error values without a position.
func ParseRate(s string) (Rate, error) {
	text := strings.TrimSpace(s)
	num, unit, hasUnit := strings.Cut(text, "/")
	num = strings.TrimSpace(num)
	if !hasUnit {
		if numberRE.MatchString(num) {
			return 0, &Error{Msg: fmt.Sprintf("rate %q has no unit", s), Hint: fmt.Sprintf("use %s/s", num)}
		}
		return 0, &Error{Msg: fmt.Sprintf("rate %q is not a rate", s), Hint: "write <number>/<unit> with unit s, min or h (for example 20/s)"}
	}
	if !numberRE.MatchString(num) {
		return 0, &Error{Msg: fmt.Sprintf("rate %q does not start with a number", s), Hint: "write <number>/<unit> (for example 20/s)"}
	}
	perUnit, ok := rateUnits[unit]
	if !ok {
		return 0, &Error{
			Msg:  fmt.Sprintf("rate %q has unknown unit %q", s, unit),
			Hint: fmt.Sprintf("use /s, /min or /h (for example %s/min)", num),
		}
	}
	if strings.HasPrefix(num, "-") {
		return 0, &Error{Msg: fmt.Sprintf("rate %q is negative", s), Hint: "rates are 0 or more requests per unit"}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, &Error{Msg: fmt.Sprintf("rate %q is out of range", s), Hint: fmt.Sprintf("use at most %s", MaxRate)}
	}
	r := Rate(v / perUnit)
	if r > MaxRate {
		return 0, &Error{Msg: fmt.Sprintf("rate %q is above the maximum of %s", s, MaxRate), Hint: "split the load over several fnbench processes"}
	}
	if !rateRE.MatchString(strings.TrimPrefix(num, "+") + "/" + unit) {
		// Unreachable while numberRE and ratePattern agree; kept so the
		// schema pattern and the parser cannot silently drift apart.
		return 0, &Error{Msg: fmt.Sprintf("rate %q is not a rate", s), Hint: "write <number>/<unit> (for example 20/s)"}
	}
	return r, nil
}

// String formats the rate in requests per second, like "20/s" or "0.5/s".
func (r Rate) String() string {
	return strconv.FormatFloat(float64(r), 'f', -1, 64) + "/s"
}

// PerSecond is the rate as a plain float64 in requests per second.
func (r Rate) PerSecond() float64 { return float64(r) }

// MarshalJSON writes the rate as its String form, "20/s".
func (r Rate) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// UnmarshalJSON reads a rate written by MarshalJSON (or any ParseRate form).
func (r *Rate) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseRate(s)
	if err != nil {
		return err
	}
	*r = v
	return nil
}
