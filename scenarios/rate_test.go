package scenarios

import (
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Rate
		err  string
	}{
		{in: "50/s", want: 50},
		{in: "3000/min", want: 50},
		{in: "0.5/s", want: 0.5},
		{in: "1e3/s", want: 1000},
		{in: "7200/h", want: 2},
		{in: "10/sec", want: 10},
		{in: "0/s", want: 0},
		{in: "10/m", err: `rate "10/m" has unknown unit "m"; use /s, /min or /h (for example 10/min)`},
		{in: "50", err: `rate "50" has no unit; use 50/s`},
		{in: "-5/s", err: `rate "-5/s" is negative; rates are 0 or more requests per unit`},
		{in: "NaN/s", err: `rate "NaN/s" does not start with a number; write <number>/<unit> (for example 20/s)`},
		{in: "2000000/s", err: `rate "2000000/s" is above the maximum of 1000000/s; split the load over several fnbench processes`},
		{in: "1e400/s", err: `rate "1e400/s" is out of range; use at most 1000000/s`},
	} {
		got, err := ParseRate(tt.in)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("ParseRate(%q) error = %v, want %s", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseRate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	if s := Rate(20).String(); s != "20/s" {
		t.Errorf("String = %q", s)
	}
}

func TestParseDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "500ms", want: 500 * time.Millisecond},
		{in: "1m30s", want: 90 * time.Second},
		{in: "2h", want: 2 * time.Hour},
		{in: "30", err: `duration "30" has no unit; use 30s`},
		{in: "-5s", err: `duration "-5s" is negative; durations are 0 or more`},
		{in: "soon", err: `duration "soon" is not a duration; use Go syntax like 500ms, 30s, 1m30s or 2h`},
	} {
		got, err := ParseDuration(tt.in)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("ParseDuration(%q) error = %v, want %s", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for d, want := range map[time.Duration]string{time.Minute: "1m", time.Hour: "1h", 90 * time.Second: "1m30s", 2*time.Hour + time.Minute: "2h1m", 500 * time.Millisecond: "500ms"} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
