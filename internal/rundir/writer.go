package rundir

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Writer appends to the files of one run directory: the recorder's live
// run, a merge of shards and a synthetic run all write through it. Each
// Flush hands what is buffered to the operating system, so a run killed
// with SIGKILL keeps every interval flushed before it. run.json is not
// the Writer's: WriteInfo replaces it whole.
type Writer struct {
	dir     string
	baseMs  int64 // the run's time zero, ms since the epoch
	files   []*os.File
	bufs    []*bufio.Writer
	latency *hdr.HistogramLogWriter
	lag     *hdr.HistogramLogWriter
	timing  *hdr.HistogramLogWriter
	ivBuf   *bufio.Writer
	evBuf   *bufio.Writer
	mem     []*bytes.Buffer // a pending writer's files (NewPendingWriter)
}

// WriteError is a failure to write a run directory (a full disk, a
// permission), as opposed to a problem with the data given.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// bufferSize is each file's write buffer: an interval of a busy run fits.
const bufferSize = 256 << 10

// Create makes dir, which must not hold a run already, and the empty files
// of a run. Begin writes the logs' headers once the run's time zero is
// known.
func Create(dir string) (*Writer, error) {
	if _, err := os.Stat(filepath.Join(dir, RunFile)); err == nil {
		return nil, fmt.Errorf("%s already holds a run; choose another output directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &WriteError{fmt.Errorf("cannot create run directory %s: %w", dir, err)}
	}
	w := &Writer{dir: dir}
	for _, f := range []struct {
		name string
		buf  **bufio.Writer
	}{
		{LatencyFile, nil},
		{LagFile, nil},
		{TimingFile, nil},
		{IntervalsFile, &w.ivBuf},
		{EventsFile, &w.evBuf},
	} {
		fh, err := os.OpenFile(filepath.Join(dir, f.name), os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			w.closeFiles()
			return nil, &WriteError{fmt.Errorf("cannot create %s: %w", filepath.Join(dir, f.name), err)}
		}
		b := bufio.NewWriterSize(fh, bufferSize)
		w.files, w.bufs = append(w.files, fh), append(w.bufs, b)
		switch {
		case f.buf != nil:
			*f.buf = b
		case f.name == LatencyFile:
			w.latency = hdr.NewHistogramLogWriter(b)
		case f.name == TimingFile:
			w.timing = hdr.NewHistogramLogWriter(b)
		default:
			w.lag = hdr.NewHistogramLogWriter(b)
		}
	}
	return w, nil
}

// Begin writes the headers of latency.hlog, lag.hlog and timing.hlog for a run whose
// time zero is start, and flushes them. comment, when given, is added to
// the headers: say where the data came from when it was not measured.
func (w *Writer) Begin(start time.Time, comment string) error {
	w.baseMs = start.UnixMilli()
	for _, l := range []struct {
		log  *hdr.HistogramLogWriter
		tags string
	}{
		{w.latency, "tags <target>/<outcome>"},
		{w.lag, "tags <target>"},
		{w.timing, "tags <target>/<phase>"},
	} {
		l.log.SetBaseTime(w.baseMs)
		steps := []func() error{
			l.log.OutputLogFormatVersion,
			func() error {
				return l.log.OutputComment("[Written by fnbench; values in nanoseconds; " + l.tags + "]")
			},
		}
		if comment != "" {
			steps = append(steps, func() error { return l.log.OutputComment("[" + comment + "]") })
		}
		steps = append(steps,
			func() error { return l.log.OutputStartTime(w.baseMs) },
			func() error { return l.log.OutputBaseTime(w.baseMs) },
			l.log.OutputLegend)
		for _, step := range steps {
			if err := step(); err != nil {
				return w.wrap(err)
			}
		}
	}
	return w.Flush()
}

// IntervalHistogram is an *hdr.Histogram or an *hdr.PackedHistogram: the
// two kinds hdrhistogram-go writes to an interval log.
type IntervalHistogram interface {
	SetTag(string)
	SetStartTimeMs(int64)
	SetEndTimeMs(int64)
}

// Latency appends one interval histogram of a target's outcome to
// latency.hlog; start and end are offsets from the run start.
func (w *Writer) Latency(target, outcome string, h IntervalHistogram, start, end time.Duration) error {
	return w.histogram(w.latency, target+"/"+outcome, h, start, end)
}

// Timing appends one interval histogram of a target's timing phase
// (TimingPhases) to timing.hlog.
func (w *Writer) Timing(target, phase string, h IntervalHistogram, start, end time.Duration) error {
	return w.histogram(w.timing, target+"/"+phase, h, start, end)
}

// Lag appends one interval histogram of a target's schedule lag to lag.hlog.
func (w *Writer) Lag(target string, h IntervalHistogram, start, end time.Duration) error {
	return w.histogram(w.lag, target, h, start, end)
}

func (w *Writer) histogram(lw *hdr.HistogramLogWriter, tag string, h IntervalHistogram, start, end time.Duration) error {
	h.SetTag(tag)
	h.SetStartTimeMs(w.baseMs + start.Milliseconds())
	h.SetEndTimeMs(w.baseMs + end.Milliseconds())
	var err error
	switch h := h.(type) {
	case *hdr.Histogram:
		err = lw.OutputIntervalHistogram(h)
	case *hdr.PackedHistogram:
		err = lw.OutputIntervalPackedHistogram(h)
	default:
		err = fmt.Errorf("cannot write a %T to an interval log", h)
	}
	return w.wrap(err)
}

// Interval appends one line of intervals.jsonl.
func (w *Writer) Interval(c *IntervalCounts) error { return w.jsonLine(w.ivBuf, c) }

// Event appends one line of events.jsonl.
func (w *Writer) Event(e *Event) error { return w.jsonLine(w.evBuf, e) }

func (w *Writer) jsonLine(b *bufio.Writer, v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = b.Write(append(line, '\n'))
	return w.wrap(err)
}

// wrap names the run directory in a write failure, once.
func (w *Writer) wrap(err error) error {
	if err == nil {
		return nil
	}
	var we *WriteError
	if errors.As(err, &we) {
		return err
	}
	return &WriteError{fmt.Errorf("writing run directory %s: %w", w.dir, err)}
}

// Flush hands everything buffered to the operating system. It does not
// fsync: a killed process loses nothing the kernel has, and an fsync per
// interval would cost more than it protects against (a machine crash).
func (w *Writer) Flush() error {
	for _, b := range w.bufs {
		if err := b.Flush(); err != nil {
			return w.wrap(err)
		}
	}
	return nil
}

// Close flushes and closes the files.
func (w *Writer) Close() error {
	err := w.Flush()
	if cerr := w.closeFiles(); err == nil && cerr != nil {
		err = w.wrap(cerr)
	}
	return err
}

// Finish closes the files and then writes run.json: the way a derived run
// (a merge, a synthetic run) ends, so that a directory left half-written
// by a crash is never mistaken for a run.
func (w *Writer) Finish(info *RunInfo) error {
	if err := w.Close(); err != nil {
		return err
	}
	if info == nil {
		return errors.New("no run.json to write")
	}
	return WriteInfo(w.dir, info)
}

func (w *Writer) closeFiles() error {
	var err error
	for _, f := range w.files {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	w.files = nil
	return err
}

// WriteInfo replaces run.json atomically (write a temporary file, then
// rename), so a reader never sees half a file. When the temporary file
// cannot be written (a full disk), run.json is rewritten in place instead:
// truncating it frees the space its new text needs, and a run's final
// status matters more than atomicity.
func WriteInfo(dir string, info *RunInfo) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := writeAtomic(dir, b); err != nil {
		if ierr := writeInPlace(dir, b); ierr != nil {
			return &WriteError{fmt.Errorf("cannot write %s: %w", filepath.Join(dir, RunFile), err)}
		}
	}
	return nil
}

func writeAtomic(dir string, b []byte) error {
	tmp, err := os.CreateTemp(dir, ".run-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, RunFile))
}

func writeInPlace(dir string, b []byte) error {
	f, err := os.OpenFile(filepath.Join(dir, RunFile), os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
