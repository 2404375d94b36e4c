package yamlstrict

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// The budget of one walk. A hand-written file is far below both; they are
// there so that a hostile file costs no more than a normal one: aliases
// and merge keys can make a few lines stand for billions of values
// ("billion laughs"), and an alias inside its own anchor for an endless
// nesting.
const (
	MaxNodes = 100_000 // values visited, counting every alias expansion
	MaxDepth = 64      // nesting of mappings and lists, and alias hops
)

// Fail reports a problem at node n: msg says what is wrong, hint how to fix
// it and may be empty. The format's decoder supplies it, so that it decides
// which file a node came from.
type Fail func(n *yaml.Node, msg, hint string)

// Walk is the cost so far of walking one document. A decoder asks it for
// every node it is about to decode, through Visit or Pairs, instead of
// reading aliases and merge keys itself. The zero value is a fresh budget.
type Walk struct {
	nodes int
	spent bool
}

// Spent reports whether the budget ran out. Every Visit then returns nil:
// the decoder should stop, having said why once.
func (w *Walk) Spent() bool { return w.spent }

// Visit follows n's aliases and counts the node they lead to, depth levels
// below the document's root. It returns that node, or nil when the decoder
// must skip it (an alias that leads nowhere) or stop (the budget is spent),
// after reporting the problem to fail.
func (w *Walk) Visit(n *yaml.Node, depth int, fail Fail) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		if n.Alias == nil || hops > MaxDepth {
			fail(n, "alias does not resolve to a value", "define the anchor before using it")
			return nil
		}
		n = n.Alias
	}
	if n == nil || !w.charge(n, 1, fail) {
		return nil
	}
	if depth > MaxDepth {
		w.spent = true
		fail(n, fmt.Sprintf("values are nested more than %d levels deep", MaxDepth), "a hand-written file is a few levels deep; check aliases that refer to themselves")
		return nil
	}
	return n
}

// charge counts cost values against the budget, reporting at n when they
// are more than it has left.
func (w *Walk) charge(n *yaml.Node, cost int, fail Fail) bool {
	if w.spent {
		return false
	}
	w.nodes += cost
	if w.nodes > MaxNodes {
		w.spent = true
		fail(n, fmt.Sprintf("the document expands to more than %d values through aliases", MaxNodes), "use fewer aliases; a hand-written file is far smaller")
		return false
	}
	return true
}

// Pair is one key and its value in a mapping, both as written: aliases are
// left for Visit.
type Pair struct{ Key, Value *yaml.Node }

// Pairs lists the entries of mapping n, depth levels deep: its own keys
// first, then those that merge keys (<<) bring in and it does not set
// itself, the first merged mapping winning. A key written twice is reported
// and its second entry left out.
func (w *Walk) Pairs(n *yaml.Node, depth int, fail Fail) []Pair {
	var own, merged []Pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, w.mergePairs(v, depth+1, fail)...)
			continue
		}
		if k.Kind == yaml.ScalarNode {
			if first, dup := seen[k.Value]; dup {
				fail(k, fmt.Sprintf("duplicate key %q", k.Value), fmt.Sprintf("it is already set at line %d column %d; remove one of them", first.Line, first.Column))
				continue
			}
			seen[k.Value] = k
		}
		own = append(own, Pair{k, v})
	}
	for _, p := range merged {
		if _, dup := seen[p.Key.Value]; dup {
			continue
		}
		seen[p.Key.Value] = p.Key
		own = append(own, p)
	}
	return own
}

// mergePairs lists what the merge key value v brings in: a mapping's
// entries, or those of each mapping in a list. Every entry brought in is
// charged to the budget: a few aliases of a mapping with many keys are as
// costly to merge as the keys written out.
func (w *Walk) mergePairs(v *yaml.Node, depth int, fail Fail) []Pair {
	v = w.Visit(v, depth, fail)
	if v == nil {
		return nil
	}
	switch v.Kind {
	case yaml.MappingNode:
		return w.merged(v, depth, fail)
	case yaml.SequenceNode:
		var out []Pair
		for _, item := range v.Content {
			if m := w.Visit(item, depth+1, fail); m != nil && m.Kind == yaml.MappingNode {
				out = append(out, w.merged(m, depth+1, fail)...)
			} else if m != nil {
				fail(m, fmt.Sprintf("a merge key (<<) takes mappings, not %s", Describe(m)), "merge an alias of a mapping, for example <<: *defaults")
			}
		}
		return out
	}
	fail(v, fmt.Sprintf("a merge key (<<) takes a mapping, not %s", Describe(v)), "merge an alias of a mapping, for example <<: *defaults")
	return nil
}

// merged is Pairs of a mapping that a merge key brings in, charged.
func (w *Walk) merged(m *yaml.Node, depth int, fail Fail) []Pair {
	ps := w.Pairs(m, depth, fail)
	if !w.charge(m, len(ps), fail) {
		return nil
	}
	return ps
}
