package attack

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// LambdaReport is what the Lambda log tail of one invocation says: its REPORT
// line, and an INIT_REPORT line when the init phase failed. The Invoke API
// returns the last 4 KB of the log, base64, in X-Amz-Log-Result when asked
// with X-Amz-Log-Type: Tail (see docs/sources.md, "The Lambda REPORT line").
type LambdaReport struct {
	RequestID       string
	Duration        time.Duration
	BilledDuration  time.Duration
	MemorySizeMB    int
	MaxMemoryUsedMB int
	// InitDuration is set on a cold start (the INIT phase ran for this
	// environment). HasInit tells a 0.00 ms init from none.
	InitDuration time.Duration
	HasInit      bool
	// RestoreDuration and BilledRestoreDuration are set on a SnapStart
	// cold start.
	RestoreDuration       time.Duration
	BilledRestoreDuration time.Duration
	HasRestore            bool
	// Status is "", "timeout" or "error"; ErrorType names the error.
	Status    string
	ErrorType string
	// InitError is set from an INIT_REPORT line whose Status is error:
	// the init phase failed (InitPhase says in which phase it was retried).
	InitError      bool
	InitPhase      string
	InitReportTime time.Duration // that line's Init Duration
}

// Cold reports whether the invocation started a new execution environment.
func (r *LambdaReport) Cold() bool { return r.HasInit || r.HasRestore || r.InitError }

// ColdStartDuration is the time the platform spent bringing the environment
// up: Init Duration, or Restore Duration for SnapStart.
func (r *LambdaReport) ColdStartDuration() time.Duration {
	switch {
	case r.HasRestore:
		return r.RestoreDuration
	case r.HasInit:
		return r.InitDuration
	}
	return r.InitReportTime
}

// reportKey finds one "Name: " field start. Longer names come first so that
// "Billed Restore Duration" is not read as "Restore Duration" or "Duration".
var reportKey = regexp.MustCompile(`(?:^|[\t ])(Billed Restore Duration|Restore Duration|Billed Duration|Init Duration|Max Memory Used|Memory Size|Duration|RequestId|Status|Error Type|Phase):`)

// ParseLambdaLog reads the last REPORT line of a log tail, and any
// INIT_REPORT line before it. Fields are read by name, in any order, with
// tabs or spaces between them. ok is false when the tail holds no REPORT
// line (a 4 KB tail can cut it off): then there is no evidence either way.
//
// A field whose value cannot be read is left out and named in err, and the
// line keeps every field that could: ok with an error is a REPORT line with
// a field fnbench does not understand, still evidence and still billing.
// Text after a value's number and unit, and fields fnbench does not know,
// are ignored.
func ParseLambdaLog(tail []byte) (r LambdaReport, ok bool, err error) {
	lines := bytes.Split(tail, []byte("\n"))
	var problems []error
	reportAt := -1
	for i := len(lines) - 1; i >= 0; i-- {
		if bytes.HasPrefix(bytes.TrimLeft(lines[i], " \t\r"), []byte("REPORT ")) {
			reportAt = i
			break
		}
	}
	for i, line := range lines {
		s := strings.TrimSpace(string(line))
		switch {
		case i == reportAt:
			if err := parseReportFields(strings.TrimPrefix(s, "REPORT "), &r, false); err != nil {
				problems = append(problems, err)
			}
			ok = true
		case strings.HasPrefix(s, "INIT_REPORT ") && (reportAt < 0 || i < reportAt):
			var ir LambdaReport
			if err := parseReportFields(strings.TrimPrefix(s, "INIT_REPORT "), &ir, true); err != nil {
				problems = append(problems, err)
			}
			if ir.Status == "error" {
				r.InitError, r.InitPhase, r.InitReportTime = true, ir.InitPhase, ir.InitDuration
				if r.ErrorType == "" {
					r.ErrorType = ir.ErrorType
				}
			}
		}
	}
	return r, ok, errors.Join(problems...)
}

// parseReportFields reads "Name: value" fields into r. A value ends at the
// next known field, or at a tab (Lambda separates fields with tabs, so a
// field it adds later ends the one before). A value that cannot be read is
// skipped and named in the error; the other fields are still read.
func parseReportFields(s string, r *LambdaReport, initReport bool) error {
	var problems []error
	locs := reportKey.FindAllStringSubmatchIndex(s, -1)
	for i, loc := range locs {
		name := s[loc[2]:loc[3]]
		end := len(s)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		value := strings.TrimLeft(s[loc[1]:end], " \t")
		if tab := strings.IndexByte(value, '\t'); tab >= 0 {
			value = value[:tab]
		}
		value = strings.TrimSpace(value)
		var err error
		switch name {
		case "RequestId":
			r.RequestID = value
		case "Duration":
			r.Duration, err = reportMillis(value)
		case "Billed Duration":
			r.BilledDuration, err = reportMillis(value)
		case "Init Duration":
			r.InitDuration, err = reportMillis(value)
			r.HasInit = !initReport
		case "Restore Duration":
			r.RestoreDuration, err = reportMillis(value)
			r.HasRestore = true
		case "Billed Restore Duration":
			r.BilledRestoreDuration, err = reportMillis(value)
		case "Memory Size":
			r.MemorySizeMB, err = reportMB(value)
		case "Max Memory Used":
			r.MaxMemoryUsedMB, err = reportMB(value)
		case "Status":
			r.Status = value
		case "Error Type":
			r.ErrorType = value
		case "Phase":
			r.InitPhase = value
		}
		if err != nil {
			problems = append(problems, fmt.Errorf("REPORT field %s: %w", name, err))
		}
	}
	return errors.Join(problems...)
}

// numberAndUnit splits a value into its first two words: "206.82 ms
// (rounded)" is 206.82 and ms; what follows is not read.
func numberAndUnit(v string) (num, unit string) {
	f := strings.Fields(v)
	switch len(f) {
	case 0:
		return "", ""
	case 1:
		return f[0], ""
	}
	return f[0], f[1]
}

// reportMillis reads "206.82 ms".
func reportMillis(v string) (time.Duration, error) {
	num, unit := numberAndUnit(v)
	if unit != "" && unit != "ms" {
		return 0, fmt.Errorf("%q is not in ms", v)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || f > 1e9 {
		return 0, fmt.Errorf("%q is not a duration in ms", v)
	}
	return time.Duration(f * float64(time.Millisecond)), nil
}

// reportMB reads "128 MB".
func reportMB(v string) (int, error) {
	num, unit := numberAndUnit(v)
	if unit != "" && unit != "MB" {
		return 0, fmt.Errorf("%q is not in MB", v)
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 1<<20 {
		return 0, fmt.Errorf("%q is not a size in MB", v)
	}
	return n, nil
}
