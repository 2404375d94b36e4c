// Package inputs reads the files fnbench is given, each within a documented
// size cap, so that no input (a device such as /dev/zero, a pipe that never
// ends, a file far larger than any real one) can make fnbench's memory grow
// without bound. The caps are listed in the README's "Limits" section.
package inputs

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Caps on what fnbench reads, in bytes.
const (
	// ScenarioBytes caps a scenario file: thousands of targets fit in a
	// megabyte; larger request bodies belong in body_file.
	ScenarioBytes = 4 << 20
	// PriceTableBytes caps a price file (--pricing).
	PriceTableBytes = 4 << 20
	// SimConfigBytes caps a simulator profile or configuration file.
	SimConfigBytes = 4 << 20
	// RunInfoBytes caps a run directory's run.json, which holds the
	// scenario (its inline bodies as a hash and size beyond a cap).
	RunInfoBytes = 64 << 20
	// LineBytes caps one line of a run directory's line files
	// (intervals.jsonl, events.jsonl and the .hlog logs): the densest
	// histogram fnbench writes is a few hundred kilobytes.
	LineBytes = 16 << 20
)

// ErrTooLarge says an input exceeded its cap.
var ErrTooLarge = errors.New("larger than fnbench reads")

// ReadFile reads at most limit bytes of path, whatever it is (a regular
// file, a device, a pipe), and fails with ErrTooLarge beyond that. what
// names the input in the error, e.g. "scenario file".
func ReadFile(path string, limit int64, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() && info.Size() > limit {
		return nil, TooLarge(path, what, limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, TooLarge(path, what, limit)
	}
	return b, nil
}

// TooLarge is the error of an input over its cap.
func TooLarge(path, what string, limit int64) error {
	return fmt.Errorf("%s: the %s is %w (its cap is %s); check that the path names the file you meant", path, what, ErrTooLarge, Size(limit))
}

// Size writes a cap the way the README lists it: 4 MiB, 64 KiB, 512 B.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
