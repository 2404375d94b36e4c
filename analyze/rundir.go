package analyze

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/attack"
)

// RunWriter writes a run directory in the format package attack writes,
// for runs that are not measured but derived: shards merged into one run
// (Merge) or a synthetic run for benchmarks. run.json is written last, by
// Close, so a directory left half-written by a crash is not mistaken for
// a run.
type RunWriter struct {
	dir     string
	baseMs  int64 // the run's time zero, ms since the epoch
	files   []*os.File
	bufs    []*bufio.Writer
	latency *hdr.HistogramLogWriter
	lag     *hdr.HistogramLogWriter
	ivBuf   *bufio.Writer
	evBuf   *bufio.Writer
	comment string
}

// WriteError is a failure to write a run directory (a full disk, a
// permission), as opposed to a problem with the data given.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// writeErr wraps a non-nil error as a WriteError.
func writeErr(err error) error {
	if err == nil {
		return nil
	}
	var we *WriteError
	if errors.As(err, &we) {
		return err
	}
	return &WriteError{err}
}

// CreateRunWriter creates dir, which must not hold a run already, and the
// logs of a run starting at start. comment is added to the logs' headers
// (say where the data came from).
func CreateRunWriter(dir string, start time.Time, comment string) (*RunWriter, error) {
	if _, err := os.Stat(filepath.Join(dir, attack.RunFile)); err == nil {
		return nil, fmt.Errorf("%s already holds a run; choose another output directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, writeErr(fmt.Errorf("cannot create run directory: %w", err))
	}
	w := &RunWriter{dir: dir, baseMs: start.UnixMilli(), comment: comment}
	open := func(name string) (*bufio.Writer, error) {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, fmt.Errorf("cannot create %s: %w", name, err)
		}
		b := bufio.NewWriterSize(f, 256<<10)
		w.files, w.bufs = append(w.files, f), append(w.bufs, b)
		return b, nil
	}
	for _, f := range []struct {
		name string
		log  **hdr.HistogramLogWriter
		buf  **bufio.Writer
	}{
		{attack.LatencyFile, &w.latency, nil},
		{attack.LagFile, &w.lag, nil},
		{attack.IntervalsFile, nil, &w.ivBuf},
		{attack.EventsFile, nil, &w.evBuf},
	} {
		b, err := open(f.name)
		if err != nil {
			w.closeFiles()
			return nil, writeErr(err)
		}
		if f.buf != nil {
			*f.buf = b
			continue
		}
		lw := hdr.NewHistogramLogWriter(b)
		lw.SetBaseTime(w.baseMs)
		if err := w.header(lw, f.name == attack.LagFile); err != nil {
			w.closeFiles()
			return nil, writeErr(err)
		}
		*f.log = lw
	}
	return w, nil
}

// header writes the log header attack writes, plus the writer's comment.
func (w *RunWriter) header(lw *hdr.HistogramLogWriter, lag bool) error {
	tags := "tags <target>/<outcome>"
	if lag {
		tags = "tags <target>"
	}
	steps := []func() error{
		lw.OutputLogFormatVersion,
		func() error { return lw.OutputComment("[Written by fnbench; values in nanoseconds; " + tags + "]") },
	}
	if w.comment != "" {
		steps = append(steps, func() error { return lw.OutputComment("[" + w.comment + "]") })
	}
	steps = append(steps,
		func() error { return lw.OutputStartTime(w.baseMs) },
		func() error { return lw.OutputBaseTime(w.baseMs) },
		lw.OutputLegend)
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// Latency appends one interval histogram of latency.hlog, tagged
// "<target>/<outcome>"; start and end are offsets from the run start.
func (w *RunWriter) Latency(tag string, h *hdr.PackedHistogram, start, end time.Duration) error {
	return w.histogram(w.latency, tag, h, start, end)
}

// Lag appends one interval histogram of lag.hlog, tagged "<target>".
func (w *RunWriter) Lag(target string, h *hdr.PackedHistogram, start, end time.Duration) error {
	return w.histogram(w.lag, target, h, start, end)
}

func (w *RunWriter) histogram(lw *hdr.HistogramLogWriter, tag string, h *hdr.PackedHistogram, start, end time.Duration) error {
	h.SetTag(tag)
	h.SetStartTimeMs(w.baseMs + start.Milliseconds())
	h.SetEndTimeMs(w.baseMs + end.Milliseconds())
	return writeErr(lw.OutputIntervalPackedHistogram(h))
}

// Interval appends one line of intervals.jsonl.
func (w *RunWriter) Interval(c *attack.IntervalCounts) error { return writeJSONLine(w.ivBuf, c) }

// Event appends one line of events.jsonl.
func (w *RunWriter) Event(e *attack.Event) error { return writeJSONLine(w.evBuf, e) }

func writeJSONLine(b *bufio.Writer, v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = b.Write(append(line, '\n'))
	return writeErr(err)
}

// Close flushes and closes the logs and then writes run.json; info is run
// at its final state. After a failed Close the directory is not a run.
func (w *RunWriter) Close(info *attack.RunInfo) error {
	var err error
	for _, b := range w.bufs {
		if ferr := b.Flush(); err == nil && ferr != nil {
			err = fmt.Errorf("writing run directory %s: %w", w.dir, ferr)
		}
	}
	if cerr := w.closeFiles(); err == nil {
		err = cerr
	}
	if err != nil {
		return writeErr(err)
	}
	if info == nil {
		return errors.New("no run.json to write")
	}
	return writeErr(attack.WriteRunInfo(w.dir, info))
}

func (w *RunWriter) closeFiles() error {
	var err error
	for _, f := range w.files {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	w.files = nil
	return err
}
