// Package units formats measured quantities for people: latencies with three
// significant digits and their unit. Every renderer and the progress line use
// it, so a number reads the same everywhere.
package units

import (
	"fmt"
	"strconv"
	"time"
)

// Latency prints a duration with three significant digits and its unit;
// zero or less prints as "-".
func Latency(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	// The unit is chosen after rounding to three figures, so that 999.7µs
	// reads 1ms, not 1e+03µs.
	v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(d), 'g', 3, 64), 64)
	switch {
	case v >= float64(time.Second):
		return fmt.Sprintf("%.3gs", v/1e9)
	case v >= float64(time.Millisecond):
		return fmt.Sprintf("%.3gms", v/1e6)
	default:
		return fmt.Sprintf("%.3gµs", v/1e3)
	}
}
