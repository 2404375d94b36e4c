package yamlstrict

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorFormat(t *testing.T) {
	for _, c := range []struct {
		err  Error
		want string
	}{
		{Error{File: "s.yaml", Line: 3, Col: 7, Msg: `rate "10/m" has unknown unit "m"`, Hint: "use /s or /min"}, `s.yaml:3:7: rate "10/m" has unknown unit "m"; use /s or /min`},
		{Error{File: "s.yaml", Line: 1, Col: 1, Msg: "the file is empty"}, "s.yaml:1:1: the file is empty"},
		{Error{Msg: "not a rate", Hint: "write 20/s"}, "not a rate; write 20/s"}, // a value parser's, not placed yet
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestResultSortsTheFileFirstThenOtherSources(t *testing.T) {
	var l List
	l.Add("--set seed", 1, 1, "seed is not a number", "")
	l.Add("s.yaml", 9, 2, "third", "")
	l.Add("s.yaml", 2, 5, "second", "")
	l.Add("s.yaml", 2, 1, "first", "")
	l.Add("--set name", 1, 1, "name is empty", "")
	l.Add("s.yaml", 0, -3, "placed at 1:1", "") // a node built in code
	l.Add("s.yaml", 9, 2, "third", "")          // an alias decoded twice
	got := l.Result("s.yaml").Error()
	want := strings.Join([]string{
		"s.yaml:1:1: placed at 1:1",
		"s.yaml:2:1: first",
		"s.yaml:2:5: second",
		"s.yaml:9:2: third",
		"--set seed:1:1: seed is not a number",
		"--set name:1:1: name is empty",
	}, "\n")
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestResultCapsAndCounts(t *testing.T) {
	var l List
	for i := range MaxErrors + 7 {
		l.Add("s.yaml", i+1, 1, fmt.Sprintf("problem %d", i+1), "")
	}
	err := l.Result("s.yaml")
	var errs *Errors
	if !errors.As(err, &errs) || len(errs.List) != MaxErrors || errs.Dropped != 7 {
		t.Fatalf("got %v", err)
	}
	if !strings.HasSuffix(err.Error(), "\n(and 7 more errors)") {
		t.Errorf("the dropped count is not said:\n%s", err)
	}
	var one *Error
	if !errors.As(err, &one) || one.Msg != "problem 1" {
		t.Errorf("errors.As does not reach the first *Error: %v", one)
	}
}

func TestResultIsNilWhenEmpty(t *testing.T) {
	var l List
	if err := l.Result("s.yaml"); err != nil {
		t.Fatalf("got %v (%T), want a nil error", err, err)
	}
}
