//go:build !linux

package attack

import "time"

// fineSleep falls back to Go's timer where nanosleep is not used; schedule
// lag is then bounded by the platform's timer resolution, and the run
// records it.
func fineSleep(d time.Duration) { time.Sleep(d) }
