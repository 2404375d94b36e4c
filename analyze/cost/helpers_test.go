package cost

import (
	"strings"
	"testing"
	"time"

	goldenfile "github.com/fnbench/fnbench/internal/golden"
)

// exact fails unless got equals the decimal want exactly.
func exact(t *testing.T, what string, got Decimal, want string) {
	t.Helper()
	w, ok := parseDecimal(want)
	if !ok {
		t.Fatalf("bad test value %q", want)
	}
	if got.Cmp(dec(w)) != 0 {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// item returns the line named item, failing if there is none.
func item(t *testing.T, b *Breakdown, name string) Line {
	t.Helper()
	for _, l := range b.Lines {
		if l.Item == name {
			return l
		}
	}
	var names []string
	for _, l := range b.Lines {
		names = append(names, l.Item)
	}
	t.Fatalf("no line %q; lines: %s", name, strings.Join(names, "; "))
	return Line{}
}

func hasItem(b *Breakdown, prefix string) bool {
	for _, l := range b.Lines {
		if strings.HasPrefix(l.Item, prefix) {
			return true
		}
	}
	return false
}

func calc(t *testing.T, c Calculator) *Breakdown {
	t.Helper()
	b, err := Default().Calculate(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, name, got)
}

// ceilMs rounds up to the next whole millisecond, as Lambda rounds billed
// durations.
func ceilMs(d time.Duration) time.Duration {
	if r := d % time.Millisecond; r > 0 {
		d += time.Millisecond - r
	}
	return d
}
