package attack

import (
	"syscall"
	"time"
)

// fineSleep sleeps d with nanosleep(2), which, unlike a Go timer, does not
// round up to the netpoller's millisecond.
func fineSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	syscall.Nanosleep(&ts, nil)
}
