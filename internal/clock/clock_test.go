package clock

import (
	"testing"

	"github.com/fnbench/fnbench/internal/rundir"
)

// On Linux the kernel always answers a read-only adjtimex; whatever the
// machine's daemon does, a synchronized clock has an error estimate and an
// unsynchronized one reports nothing it cannot know.
func TestReadIsConsistent(t *testing.T) {
	s := Read()
	if !s.Known {
		t.Skip("the kernel's clock state is not readable here")
	}
	if !s.Synchronized && (s.Offset != 0 || s.EstError != 0) {
		t.Errorf("an unsynchronized clock reported offset %v ± %v", s.Offset, s.EstError)
	}
	if got, want := s.Source(), map[bool]string{true: rundir.ClockNTP, false: rundir.ClockUnknown}[s.Synchronized]; got != want {
		t.Errorf("Source() = %q, want %q", got, want)
	}
	t.Logf("%+v", s)
}
