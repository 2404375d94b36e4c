package rundir

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fnbench/fnbench/internal/inputs"
)

// ReadInfo reads and checks a run directory's run.json.
func ReadInfo(dir string) (*RunInfo, error) {
	b, err := inputs.ReadFile(filepath.Join(dir, RunFile), inputs.RunInfoBytes, RunFile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is not a run directory: it has no %s", dir, RunFile)
		}
		return nil, err
	}
	var info RunInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, RunFile), err)
	}
	if info.FormatVersion > FormatVersion {
		return nil, fmt.Errorf("%s was written by a newer fnbench (run format %d; this one reads up to %d); upgrade fnbench",
			dir, info.FormatVersion, FormatVersion)
	}
	if len(info.Targets) == 0 || len(info.Phases) == 0 {
		return nil, fmt.Errorf("%s: run.json lists no targets or no phases; it is not a run fnbench wrote", dir)
	}
	return &info, nil
}

// EachLine calls fn with every whole line of a file of a run directory.
// A last line without a newline was torn by a kill mid-write and is
// skipped with a warning; a missing file is noted too. Warnings go to
// *warn. An error fn returns is given the file and line.
func EachLine(dir, name string, warn *[]string, fn func(lineNo int, line []byte) error) error {
	lr, err := OpenLines(dir, name, warn)
	if err != nil || lr == nil {
		return err
	}
	defer lr.Close()
	for {
		line, ok, err := lr.Next()
		if err != nil || !ok {
			return err
		}
		if err := fn(lr.Line(), line); err != nil {
			return lr.Wrap(err)
		}
	}
}

// LineReader reads the whole lines of one file of a run directory.
type LineReader struct {
	dir, name string
	f         *os.File
	br        *bufio.Reader
	n         int // the number of the line last returned
	warn      *[]string
}

// OpenLines opens a file of a run directory. A missing file is noted in
// *warn and gives a nil reader.
func OpenLines(dir, name string, warn *[]string) (*LineReader, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			*warn = append(*warn, fmt.Sprintf("%s is missing", name))
			return nil, nil
		}
		return nil, err
	}
	return &LineReader{dir: dir, name: name, f: f, br: bufio.NewReaderSize(f, 256<<10), warn: warn}, nil
}

// Next returns the next whole line without its newline, or ok=false at
// the end. A last line without a newline was torn by a kill mid-write: it
// is skipped with a warning.
//
// The line is valid until the next call.
func (lr *LineReader) Next() (line []byte, ok bool, err error) {
	line, err = lr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull { // a line longer than the buffer
		long := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			if len(long) > inputs.LineBytes {
				lr.n++
				return nil, false, lr.Wrap(fmt.Errorf("a line %w (its cap is %s): not a line fnbench wrote", inputs.ErrTooLarge, inputs.Size(inputs.LineBytes)))
			}
			line, err = lr.br.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	lr.n++
	if err == io.EOF {
		if len(line) > 0 {
			*lr.warn = append(*lr.warn, fmt.Sprintf("%s:%d: skipped a torn last line (the run was killed while writing it)", lr.name, lr.n))
		}
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return line[:len(line)-1], true, nil
}

// Wrap names the file and line an error was found at.
func (lr *LineReader) Wrap(err error) error {
	return fmt.Errorf("%s:%d: %w", filepath.Join(lr.dir, lr.name), lr.n, err)
}

// Close closes the file.
func (lr *LineReader) Close() { lr.f.Close() }

// Line is the number of the line last returned.
func (lr *LineReader) Line() int { return lr.n }
