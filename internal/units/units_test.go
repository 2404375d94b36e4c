package units

import (
	"testing"
	"time"
)

// Latencies read with three figures in the unit that fits after rounding:
// never 1e+03 of the smaller unit.
func TestLatency(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                      "-",
		1500 * time.Nanosecond: "1.5µs",
		999700:                 "1ms",
		999_700_000:            "1s",
		52_240_000:             "52.2ms",
		3 * time.Second:        "3s",
		1_004_000:              "1ms",
		1_250_000_000:          "1.25s",
	} {
		if got := Latency(d); got != want {
			t.Errorf("Latency(%d) = %q, want %q", d, got, want)
		}
	}
}
