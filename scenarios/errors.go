package scenarios

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// maxErrors caps how many errors one Parse reports; a file with more errors
// than that is usually the wrong file, and the first ones are what to fix.
const maxErrors = 20

// Error is one problem with a scenario, positioned in its source. File is the
// scenario path as given, or "--set PATH" for a command-line override; Line
// and Col are 1-based. Hint says how to fix it and may be empty.
type Error struct {
	File      string
	Line, Col int
	Msg, Hint string
}

// Error formats the error as "file:line:col: msg; hint". A value error that
// has no position yet (from ParseRate or ParseDuration) prints as "msg; hint".
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

// Errors is every problem Parse found, sorted by position, at most 20 of
// them; Dropped counts the ones left out. Its Error method prints one error
// per line.
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

// errorList collects positioned errors during one Parse. A nil *errorList
// discards everything, which lets the redacted pass of the conversion reuse
// the validating code without reporting twice.
type errorList struct {
	errs []*Error
}

func (l *errorList) add(file string, line, col int, msg, hint string) {
	if l == nil {
		return
	}
	line, col = max(line, 1), max(col, 1)
	l.errs = append(l.errs, &Error{File: file, Line: line, Col: col, Msg: msg, Hint: hint})
}

func (l *errorList) empty() bool { return l == nil || len(l.errs) == 0 }

// result sorts the errors by position (the scenario file first, then --set
// overrides in the order given) and caps them. It returns nil when there are
// none, so the caller can return it as an error directly.
func (l *errorList) result(mainFile string) error {
	if l.empty() {
		return nil
	}
	errs := slices.Clone(l.errs)
	rank := func(e *Error) int {
		if e.File == mainFile {
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
	errs = slices.CompactFunc(errs, func(a, b *Error) bool { return *a == *b })
	out := &Errors{List: errs}
	if len(errs) > maxErrors {
		out.List, out.Dropped = errs[:maxErrors], len(errs)-maxErrors
	}
	return out
}

// closest returns the candidate nearest to word by edit distance when it is
// close enough to be a plausible typo, or "".
func closest(word string, candidates []string) string {
	best, bestDist := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(word), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(1, min(len(word), len(best))/3)
	if bestDist <= limit || (bestDist <= 2 && len(word) > 3) {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
