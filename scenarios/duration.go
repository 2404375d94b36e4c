package scenarios

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// durationPattern is the grammar ParseDuration accepts (Go's
// time.ParseDuration without a sign), exported to the JSON Schema.
const durationPattern = `^((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$`

var durationRE = regexp.MustCompile(durationPattern)

// ParseDuration parses a Go duration such as 500ms, 30s, 1m30s or 2h. It
// rejects bare numbers (the unit is not guessed) and negative durations.
// Errors are *Error values without a position.
func ParseDuration(s string) (time.Duration, error) {
	text := strings.TrimSpace(s)
	if numberRE.MatchString(text) {
		if strings.HasPrefix(text, "-") {
			return 0, &Error{Msg: fmt.Sprintf("duration %q is negative", s), Hint: "durations are 0 or more"}
		}
		return 0, &Error{Msg: fmt.Sprintf("duration %q has no unit", s), Hint: fmt.Sprintf("use %ss", text)}
	}
	if strings.HasPrefix(text, "-") {
		return 0, &Error{Msg: fmt.Sprintf("duration %q is negative", s), Hint: "durations are 0 or more"}
	}
	d, err := time.ParseDuration(text)
	if err != nil || !durationRE.MatchString(text) {
		return 0, &Error{Msg: fmt.Sprintf("duration %q is not a duration", s), Hint: "use Go syntax like 500ms, 30s, 1m30s or 2h"}
	}
	return d, nil
}

// formatDuration writes d the way a scenario would: "30s", "1m30s", "500ms".
func formatDuration(d time.Duration) string {
	s := d.String()
	// time.Duration.String writes "1m0s" and "1h0m0s"; drop the zero tails.
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// jsonDuration is a time.Duration written to JSON as "30s".
type jsonDuration time.Duration

func (d jsonDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(formatDuration(time.Duration(d)))
}

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = jsonDuration(v)
	return nil
}
