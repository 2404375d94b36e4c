package inputs

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Devices and endless streams stop at the cap with a clear error; a file
// at the cap is read whole.
func TestReadFileCaps(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err == nil {
		_, err := ReadFile("/dev/zero", 1<<20, "scenario file")
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "/dev/zero: the scenario file is larger than fnbench reads (its cap is 1 MiB)") {
			t.Errorf("/dev/zero: %v", err)
		}
	}
	dir := t.TempDir()
	exact := filepath.Join(dir, "exact")
	os.WriteFile(exact, make([]byte, 1024), 0o644)
	if b, err := ReadFile(exact, 1024, "x"); err != nil || len(b) != 1024 {
		t.Errorf("a file at the cap: %d bytes, %v", len(b), err)
	}
	if _, err := ReadFile(exact, 1023, "x"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a file over the cap: %v", err)
	}
	// A pipe that never ends.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
	}()
	defer r.Close()
	defer w.Close()
	if _, err := ReadFile("/dev/fd/"+strconv.Itoa(int(r.Fd())), 64<<10, "x"); err != nil && !errors.Is(err, ErrTooLarge) {
		t.Errorf("an endless pipe: %v", err)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{4 << 20: "4 MiB", 64 << 10: "64 KiB", 500: "500 B", 1536: "1536 B"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
