package rundir

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/internal/inputs"
)

// PendingFile holds the intervals that had ended but were not yet written
// when the recorder last took stock: their requests were still in flight
// (an interval is written once every request intended in it has been
// answered or timed out), or inference had not judged them yet. The
// recorder replaces it whole about once an interval, and removes it when
// the run ends. A run killed with SIGKILL keeps it, and analysis then
// reads its intervals after the last one written (with what had completed
// of them), so that a kill loses at most the interval under way, whatever
// the timeout.
//
// The file holds sections of the run directory's own line files, each
// introduced by a line "#file NAME" (intervals.jsonl, events.jsonl,
// latency.hlog, lag.hlog, timing.hlog; the logs' lines without headers,
// their times counted from the run start as in the logs themselves).
const PendingFile = "pending.log"

const pendingSection = "#file "

// NewPendingWriter returns a Writer that keeps what it is given in memory,
// for CommitPending. baseMs is the run's time zero, as Begin set it.
func NewPendingWriter(dir string, baseMs int64) *Writer {
	w := &Writer{dir: dir, baseMs: baseMs}
	for _, name := range pendingFiles {
		buf := new(bytes.Buffer)
		b := bufio.NewWriterSize(buf, 64<<10)
		w.mem = append(w.mem, buf)
		w.bufs = append(w.bufs, b)
		switch name {
		case IntervalsFile:
			w.ivBuf = b
		case EventsFile:
			w.evBuf = b
		case LatencyFile:
			w.latency = hlogWriter(b, baseMs)
		case LagFile:
			w.lag = hlogWriter(b, baseMs)
		case TimingFile:
			w.timing = hlogWriter(b, baseMs)
		}
	}
	return w
}

// pendingFiles are the sections of PendingFile, in the order of w.mem.
var pendingFiles = [...]string{IntervalsFile, EventsFile, LatencyFile, LagFile, TimingFile}

func hlogWriter(b *bufio.Writer, baseMs int64) *hdr.HistogramLogWriter {
	lw := hdr.NewHistogramLogWriter(b)
	lw.SetBaseTime(baseMs)
	return lw
}

// Pending returns a pending writer for w's run directory (NewPendingWriter).
func (w *Writer) Pending() *Writer { return NewPendingWriter(w.dir, w.baseMs) }

// Dir is the run directory w writes.
func (w *Writer) Dir() string { return w.dir }

// CommitPending replaces the run directory's PendingFile with what w holds
// (write a temporary file, then rename: a reader never sees half of it).
func (w *Writer) CommitPending() error {
	if err := w.Flush(); err != nil {
		return err
	}
	var out bytes.Buffer
	for i, name := range pendingFiles {
		if w.mem[i].Len() == 0 {
			continue
		}
		out.WriteString(pendingSection + name + "\n")
		out.Write(w.mem[i].Bytes())
	}
	tmp, err := os.CreateTemp(w.dir, ".pending-*")
	if err != nil {
		return w.wrap(err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(out.Bytes()); err != nil {
		tmp.Close()
		return w.wrap(err)
	}
	if err := tmp.Close(); err != nil {
		return w.wrap(err)
	}
	return w.wrap(os.Rename(tmp.Name(), filepath.Join(w.dir, PendingFile)))
}

// RemovePending removes the run directory's PendingFile, if any.
func RemovePending(dir string) error {
	if err := os.Remove(filepath.Join(dir, PendingFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return &WriteError{fmt.Errorf("removing %s: %w", filepath.Join(dir, PendingFile), err)}
	}
	return nil
}

// ReadPending reads a run directory's PendingFile into its sections' lines
// by file name; nil when there is none. A torn last line (a kill while the
// temporary file was written cannot leave one, but a damaged file can) is
// dropped.
func ReadPending(dir string) (map[string][][]byte, error) {
	b, err := inputs.ReadFile(filepath.Join(dir, PendingFile), inputs.RunInfoBytes, PendingFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string][][]byte{}
	section := ""
	lines := bytes.Split(b, []byte("\n"))
	lines = lines[:len(lines)-1] // after the last newline: empty, or torn
	for n, line := range lines {
		if name, ok := strings.CutPrefix(string(line), pendingSection); ok {
			section = name
			continue
		}
		if section == "" {
			return nil, fmt.Errorf("%s:%d: a line before the first %q section", filepath.Join(dir, PendingFile), n+1, pendingSection)
		}
		out[section] = append(out[section], line)
	}
	return out, nil
}
