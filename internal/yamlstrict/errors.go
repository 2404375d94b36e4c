package yamlstrict

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// MaxErrors caps how many errors one file reports; a file with more errors
// than that is usually the wrong file, and the first ones are what to fix.
const MaxErrors = 20

// Error is one problem with a file, positioned in its source. File is the
// path as given, or another label for input that came from elsewhere
// (scenarios uses "--set PATH" for a command-line override); Line and Col are
// 1-based. Hint says how to fix it and may be empty.
type Error struct {
	File      string
	Line, Col int
	Msg, Hint string
}

// Error formats the error as "file:line:col: msg; hint". An error that has
// no position yet (a value parser's, positioned later by its caller) prints
// as "msg; hint".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" || e.Line > 0 {
		fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Line, e.Col)
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Errors is every problem found in a file, sorted by position, at most
// MaxErrors of them; Dropped counts the ones left out. Its Error method
// prints one error per line.
type Errors struct {
	List    []*Error
	Dropped int
}

func (e *Errors) Error() string {
	lines := make([]string, 0, len(e.List)+1)
	for _, err := range e.List {
		lines = append(lines, err.Error())
	}
	if e.Dropped > 0 {
		lines = append(lines, fmt.Sprintf("(and %d more errors)", e.Dropped))
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As reach the individual *Error values.
func (e *Errors) Unwrap() []error {
	out := make([]error, len(e.List))
	for i, err := range e.List {
		out[i] = err
	}
	return out
}

// List collects the errors of one file as a decoder finds them, in any
// order. The zero value is empty and ready.
type List struct {
	errs []*Error
}

// Add records a problem at line and col of file; a position below 1 (a
// node yaml.v3 did not place, one built in code) becomes 1.
func (l *List) Add(file string, line, col int, msg, hint string) {
	l.errs = append(l.errs, &Error{File: file, Line: max(line, 1), Col: max(col, 1), Msg: msg, Hint: hint})
}

// Empty reports whether no error was added.
func (l *List) Empty() bool { return len(l.errs) == 0 }

// Result returns the errors as *Errors, or nil when there are none, so that
// a caller can return it as its error directly. The errors of file come
// first, then those of other sources (see Error.File); each group is sorted
// by line and column, ties in the order added. Repeats of one error are
// dropped and the list is capped at MaxErrors.
func (l *List) Result(file string) error {
	if l.Empty() {
		return nil
	}
	errs := slices.Clone(l.errs)
	rank := func(e *Error) int {
		if e.File == file {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(rank(a), rank(b)),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
		)
	})
	// An alias decodes its anchor's value again, with the same problems at
	// the same place: say them once.
	errs = slices.CompactFunc(errs, func(a, b *Error) bool { return *a == *b })
	out := &Errors{List: errs}
	if len(errs) > MaxErrors {
		out.List, out.Dropped = errs[:MaxErrors], len(errs)-MaxErrors
	}
	return out
}
