// Package clock tells what a machine knows of its own clock: whether an NTP
// daemon disciplines it and how far off the kernel thinks it is. Shards of a
// distributed run start on one agreed instant by their own clocks; what this
// package learns goes into each shard's run.json (rundir.ClockInfo), so that
// fnbench merge can report the start skew in true time and say when it
// cannot know it.
package clock

import "time"

// Sources of an offset estimate (rundir.ClockInfo.OffsetSource).
const (
	SourceNTP      = "ntp"       // the kernel's NTP clock discipline (adjtimex)
	SourceSameHost = "same-host" // shards on one machine read one clock
	SourceUnknown  = "unknown"
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

// Source is the offset source State supports: SourceNTP when the clock is
// synchronized, SourceUnknown otherwise.
func (s State) Source() string {
	if s.Known && s.Synchronized {
		return SourceNTP
	}
	return SourceUnknown
}
