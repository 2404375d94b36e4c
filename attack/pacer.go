package attack

import (
	"context"
	"runtime"
	"time"
)

// A sleeper waits until a moment on the run's clock with sub-millisecond
// precision, which a 1 ms schedule-lag budget needs and Go's timers do not
// give: on an idle Linux machine they fire up to a millisecond late (the
// netpoller sleeps in whole milliseconds), and in a VM a blocked thread can
// take milliseconds more to wake.
//
// So a sleeper waits in two stages. Far from the deadline it blocks on a Go
// timer, which costs nothing. Within coarseMargin of it, it sleeps in short
// slices on a thread of its own (see fineSleep), which wakes within tens of
// microseconds. Run reserves one extra P for this thread for the length of a
// run, so the rest of the program keeps every core.
//
// A sleeper must be used from one goroutine, which it locks to its thread.
type sleeper struct {
	start time.Time
	timer *time.Timer
}

const (
	// coarseMargin is how long before the deadline the Go timer hands over
	// to fine sleeping: long enough to cover a late timer in a VM.
	coarseMargin = 4 * time.Millisecond
	// fineSlice bounds one fine sleep, so the thread wakes often enough to
	// stay responsive and never holds up the garbage collector for long.
	fineSlice = 250 * time.Microsecond
)

func newSleeper(start time.Time) *sleeper {
	runtime.LockOSThread()
	prepareFineSleep()
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

func (s *sleeper) release() { runtime.UnlockOSThread() }

// reserveSchedulerP adds one P for the scheduler's thread, which keeps its P
// while it sleeps finely, and returns the function that gives it back.
func reserveSchedulerP() (restore func()) {
	prev := runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(prev + 1)
	return func() { runtime.GOMAXPROCS(prev) }
}
