package yamlstrict

import (
	"errors"
	"strings"
	"testing"
)

// FuzzRead feeds whole files to Read and walks what it returns as a
// format's decoder would: it must never panic or run away, and every
// problem it reports must be an *Error placed in the file.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"", "---\n", "# c\n", "a: 1\n---\nb: 2\n", "a: [\n", "\t- x\n",
		"name: x\ntargets: [{name: a, url: 'http://x'}]\ntraffic: {phases: [{shape: constant, rate: 1/s, duration: 1s}]}\n",
		"d: &d {a: 1}\ne: {<<: *d, a: 2}\nf: {<<: [*d, {b: 3}]}\n",
		"a: &a [*a]\n", "d: &d {<<: *d}\n", "<<: 5\n", "a: 1\na: 2\n", "? [1, 2]\n: x\n",
		laughs(), mergeBomb(1), mergeBomb(50), strings.Repeat("[", 100) + strings.Repeat("]", 100),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var errs List
		root, extra, ok := Read("fuzz.yaml", src, &errs)
		if ok != errs.Empty() {
			t.Fatalf("ok=%v with errors %v", ok, errs.Result("fuzz.yaml"))
		}
		if !ok && (root != nil || extra != nil) {
			t.Fatal("a failed Read returned nodes")
		}
		if root != nil {
			var w Walk
			walkNodes(&w, root, 0, failTo("fuzz.yaml", &errs))
			_ = Describe(root)
		}
		err := errs.Result("fuzz.yaml")
		if err == nil {
			return
		}
		var list *Errors
		if !errors.As(err, &list) || len(list.List) == 0 || len(list.List) > MaxErrors {
			t.Fatalf("error %v (%T) is not an *Errors of 1 to %d", err, err, MaxErrors)
		}
		for _, e := range list.List {
			if e.File != "fuzz.yaml" || e.Line < 1 || e.Col < 1 || e.Msg == "" {
				t.Fatalf("error without a position or message: %+v", e)
			}
		}
	})
}
