package yamlstrict

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestReadOneDocument(t *testing.T) {
	for _, c := range []struct {
		src      string
		root     string // Describe of the root, "" for none
		extraAt  int    // line where a second document starts, 0 for none
		wantErrs string
	}{
		{src: "", root: ""},
		{src: "# only a comment\n", root: ""},
		{src: "---\n", root: "nothing (null)"},
		{src: "a: 1\n", root: "a mapping"},
		{src: "- 1\n", root: "a list"},
		{src: "a: 1\n---\nb: 2\n", root: "a mapping", extraAt: 2}, // the --- line
		{src: "a: 1\nb: [\n", wantErrs: "f.yaml:2:1: invalid YAML: did not find expected node content; check the indentation and quoting on this line and the one before"},
		{src: "a: 1\n---\nb: [\n", wantErrs: "f.yaml:3:1: invalid YAML: did not find expected node content; check the indentation and quoting on this line and the one before"},
		{src: "\t- x\n", wantErrs: "f.yaml:1:1: invalid YAML: found character that cannot start any token; check the indentation and quoting on this line and the one before"},
	} {
		var errs List
		root, extra, ok := Read("f.yaml", []byte(c.src), &errs)
		if c.wantErrs != "" {
			if err := errs.Result("f.yaml"); ok || err == nil || err.Error() != c.wantErrs {
				t.Errorf("%q: ok=%v, errors:\n%v\nwant:\n%s", c.src, ok, err, c.wantErrs)
			}
			continue
		}
		if !ok || !errs.Empty() {
			t.Errorf("%q: %v", c.src, errs.Result("f.yaml"))
			continue
		}
		if got := describeOrNone(root); got != c.root {
			t.Errorf("%q: root is %q, want %q", c.src, got, c.root)
		}
		if got := lineOrZero(extra); got != c.extraAt {
			t.Errorf("%q: second document at line %d, want %d", c.src, got, c.extraAt)
		}
	}
}

func describeOrNone(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return Describe(n)
}

func lineOrZero(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}
