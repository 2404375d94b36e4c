// Package units formats measured quantities for people: latencies with three
// significant digits and their unit. Every renderer and the progress line use
// it, so a number reads the same everywhere.
package units

import (
	"fmt"
	"time"
)

// Latency prints a duration with three significant digits and its unit;
// zero or less prints as "-".
func Latency(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d >= time.Second:
		return fmt.Sprintf("%.3gs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.3gms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.3gµs", float64(d)/1e3)
	}
}
