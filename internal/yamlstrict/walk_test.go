package yamlstrict

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// walkAll visits every node below root the way a format's decoder does:
// each value through Visit, each mapping through Pairs. It returns the
// errors, as Result would.
func walkAll(t *testing.T, src string) error {
	t.Helper()
	var errs List
	root, _, ok := Read("f.yaml", []byte(src), &errs)
	if !ok {
		t.Fatalf("Read(%q): %v", src, errs.Result("f.yaml"))
	}
	var w Walk
	walkNodes(&w, root, 0, failTo("f.yaml", &errs))
	return errs.Result("f.yaml")
}

func failTo(file string, errs *List) Fail {
	return func(n *yaml.Node, msg, hint string) { errs.Add(file, n.Line, n.Column, msg, hint) }
}

func walkNodes(w *Walk, n *yaml.Node, depth int, fail Fail) {
	if n = w.Visit(n, depth, fail); n == nil {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for _, p := range w.Pairs(n, depth, fail) {
			if w.Spent() {
				return
			}
			walkNodes(w, p.Key, depth+1, fail)
			walkNodes(w, p.Value, depth+1, fail)
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if w.Spent() {
				return
			}
			walkNodes(w, item, depth+1, fail)
		}
	}
}

// laughs is a billion-laughs document: nine levels of anchors, each a list
// of ten aliases of the one before, 10^9 values at the top.
func laughs() string {
	var b strings.Builder
	b.WriteString("l0: &l0 [lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	return b.String()
}

// mergeBomb does the same through merge keys: every level merges ten
// aliases of the one before, so Pairs would enumerate 10^9 mappings, each
// of keys keys.
func mergeBomb(keys int) string {
	var b strings.Builder
	b.WriteString("x0: &x0 {k: 1")
	for i := 1; i < keys; i++ {
		fmt.Fprintf(&b, ", k%d: 1", i)
	}
	b.WriteString("}\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "x%d: &x%d {<<: [%s]}\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*x%d, ", i-1), 10), ", "))
	}
	b.WriteString("<<: *x9\n")
	return b.String()
}

func TestBudgetRefusesExpansionBombs(t *testing.T) {
	for name, src := range map[string]string{
		"billion laughs": laughs(),
		"merge-key bomb": mergeBomb(1),
		// 10 KB that took 40 s to refuse when only the mappings merged, not
		// their keys, counted against the budget; now milliseconds.
		"wide merge-key bomb": mergeBomb(1000),
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			err := walkAll(t, src)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("refusing %d bytes took %v: the budget does not count what the walk does", len(src), took)
			}
			want := fmt.Sprintf("the document expands to more than %d values through aliases", MaxNodes)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v, want %q", err, want)
			}
			if e := err.(*Errors).List[0]; e.File != "f.yaml" || e.Line < 1 || e.Col < 1 {
				t.Errorf("the refusal is not positioned: %+v", e)
			}
		})
	}
}

func TestBudgetRefusesDeepNesting(t *testing.T) {
	for name, src := range map[string]string{
		"lists":    strings.Repeat("[", MaxDepth+1) + "1" + strings.Repeat("]", MaxDepth+1),
		"mappings": strings.Repeat("{a: ", MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1),
		// A mapping that merges itself nests without end.
		"self merge": "d: &d {<<: *d}\n",
	} {
		t.Run(name, func(t *testing.T) {
			err := walkAll(t, src)
			want := fmt.Sprintf("values are nested more than %d levels deep", MaxDepth)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v, want %q", err, want)
			}
		})
	}
}

func TestBudgetAllowsWhatAHandWrittenFileHolds(t *testing.T) {
	src := "defaults: &d {method: GET, timeout: 5s}\n" +
		"targets:\n" + strings.Repeat("  - {<<: *d, name: a, url: http://x}\n", 1000) +
		"deep: " + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + "\n"
	if err := walkAll(t, src); err != nil {
		t.Fatal(err)
	}
}

func TestBudgetStopsAfterSayingWhyOnce(t *testing.T) {
	err := walkAll(t, laughs())
	if errs := err.(*Errors); len(errs.List) != 1 || errs.Dropped != 0 {
		t.Errorf("want the one budget error, got:\n%v", err)
	}
}

func TestPairsMergeKeys(t *testing.T) {
	var errs List
	root, _, _ := Read("f.yaml", []byte("base: &b {a: 1, b: 2}\nm: {<<: *b, b: 3, c: 4}\n"), &errs)
	var w Walk
	m := w.Visit(root.Content[3], 1, failTo("f.yaml", &errs))
	got := map[string]string{}
	var order []string
	for _, p := range w.Pairs(m, 1, failTo("f.yaml", &errs)) {
		v := w.Visit(p.Value, 2, failTo("f.yaml", &errs))
		got[p.Key.Value] = v.Value
		order = append(order, p.Key.Value)
	}
	if fmt.Sprint(got) != "map[a:1 b:3 c:4]" || strings.Join(order, ",") != "b,c,a" {
		t.Errorf("pairs = %v in order %v; want own keys first and b from the mapping itself", got, order)
	}
	if !errs.Empty() {
		t.Error(errs.Result("f.yaml"))
	}
}

func TestPairsRefusesDuplicatesAndBadMerges(t *testing.T) {
	for src, want := range map[string]string{
		"a: 1\nb: 2\na: 3\n":  `f.yaml:3:1: duplicate key "a"; it is already set at line 1 column 1; remove one of them`,
		"<<: 5\n":             `f.yaml:1:5: a merge key (<<) takes a mapping, not the number 5`,
		"<<: [{a: 1}, x]\n":   `f.yaml:1:14: a merge key (<<) takes mappings, not the string "x"`,
		"a: *nowhere\n":       ``, // yaml.v3 refuses it first
		"a: &x 1\nb: [*x]\n":  ``,
		"a: ~\nb: null\nc:\n": ``,
	} {
		var errs List
		root, _, ok := Read("f.yaml", []byte(src), &errs)
		if ok {
			var w Walk
			walkNodes(&w, root, 0, failTo("f.yaml", &errs))
		}
		err := errs.Result("f.yaml")
		switch {
		case want == "" && ok && err != nil:
			t.Errorf("%q: %v", src, err)
		case want != "" && (err == nil || !strings.HasPrefix(err.Error(), want)):
			t.Errorf("%q:\n got %v\nwant %s", src, err, want)
		}
	}
}
