//go:build !linux

package attack

import "time"

func prepareFineSleep() {}

// fineSleep falls back to Go's timer where raw nanosleep is not available;
// schedule lag is then bounded by the platform's timer resolution, and the
// run records it.
func fineSleep(d time.Duration) { time.Sleep(d) }
