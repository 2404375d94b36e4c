package attack

import (
	"context"
	"runtime"
	"time"
)

// A sleeper waits until a moment on the run's clock with sub-millisecond
// precision, which a 1 ms schedule-lag budget needs and Go's timers alone do
// not give: on a machine that is not busy they fire up to a millisecond late
// (the netpoller sleeps in whole milliseconds).
//
// So a sleeper waits in two stages. Far from the deadline it blocks on a Go
// timer, which costs nothing. Within coarseMargin of it, it sleeps in short
// slices with the operating system's own sleep (see fineSleep), which wakes
// within tens of microseconds and keeps its P: an ordinary system call may
// hand the P away, and getting one back under load took milliseconds. Run
// reserves one more P for the length of a run (reserveSchedulerP), so the
// rest of the program keeps every core.
//
// The scheduler must not leave a goroutine it readied waiting in its P's
// run-next slot while it sleeps: it yields first (see engine.walk).
type sleeper struct {
	start time.Time
	timer *time.Timer
}

const (
	// coarseMargin is how long before the deadline the Go timer hands over
	// to fine sleeping: long enough to cover a late timer in a VM.
	coarseMargin = 4 * time.Millisecond
	// fineSlice bounds one fine sleep, so that the scheduler notices a
	// cancelled run quickly and never holds up a garbage-collection pause
	// for long.
	fineSlice = 250 * time.Microsecond
)

func newSleeper(start time.Time) *sleeper {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &sleeper{start: start, timer: t}
}

// now is the offset of the current moment from the run start.
func (s *sleeper) now() time.Duration { return time.Since(s.start) }

// until sleeps until offset at, or until ctx is done. It returns the offset
// at which it woke.
func (s *sleeper) until(ctx context.Context, at time.Duration) (time.Duration, error) {
	for {
		now := s.now()
		wait := at - now
		switch {
		case wait <= 0:
			return now, nil
		case wait > coarseMargin:
			s.timer.Reset(wait - coarseMargin)
			select {
			case <-ctx.Done():
				s.timer.Stop()
				return s.now(), ctx.Err()
			case <-s.timer.C:
			}
		default:
			if err := ctx.Err(); err != nil {
				return now, err
			}
			fineSleep(min(wait, fineSlice))
		}
	}
}

// reserveSchedulerP adds one P for the scheduler, which keeps its P while it
// sleeps finely, and returns the function that gives it back.
func reserveSchedulerP() (restore func()) {
	prev := runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(prev + 1)
	return func() { runtime.GOMAXPROCS(prev) }
}
