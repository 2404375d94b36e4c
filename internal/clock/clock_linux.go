package clock

import (
	"time"

	"golang.org/x/sys/unix"
)

// Read asks the kernel (adjtimex with no modes, which needs no privilege)
// for the clock's state.
func Read() State {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return State{}
	}
	s := State{Known: true, Synchronized: tx.Status&unix.STA_UNSYNC == 0 && state != unix.TIME_ERROR}
	if !s.Synchronized {
		return s
	}
	offset := time.Duration(tx.Offset) * time.Microsecond
	if tx.Status&unix.STA_NANO != 0 {
		offset = time.Duration(tx.Offset)
	}
	// adjtimex's offset is what the clock still has to gain: a clock that
	// is ahead has a negative offset to slew in.
	s.Offset = -offset
	s.EstError = time.Duration(tx.Esterror) * time.Microsecond
	s.MaxError = time.Duration(tx.Maxerror) * time.Microsecond
	return s
}
