// Package clock tells what a machine knows of its own clock: whether an NTP
// daemon disciplines it and how far off the kernel thinks it is. Shards of a
// distributed run start on one agreed instant by their own clocks; what this
// package learns goes into each shard's run.json (rundir.ClockInfo), so that
// fnbench merge can report the start skew in true time and say when it
// cannot know it.
package clock

import (
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// State is what the kernel says of the clock.
type State struct {
	// Synchronized: an NTP daemon keeps the clock (no STA_UNSYNC). Known
	// is false where the kernel could not be asked (not Linux).
	Synchronized, Known bool
	// Offset is the correction the kernel is still slewing in (the clock
	// is that much ahead of the reference: positive means ahead), and
	// EstError its estimated error; both zero when not synchronized.
	Offset, EstError, MaxError time.Duration
}

// Source is the offset source State supports (rundir.ClockInfo's
// OffsetSource): rundir.ClockNTP when the clock is synchronized,
// rundir.ClockUnknown otherwise.
func (s State) Source() string {
	if s.Known && s.Synchronized {
		return rundir.ClockNTP
	}
	return rundir.ClockUnknown
}
