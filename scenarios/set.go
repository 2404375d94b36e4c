package scenarios

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fnbench/fnbench/internal/yamlstrict"
)

// An override ("--set path=value") replaces or adds one value in the YAML
// tree before decoding, so it passes the same checks as the file. Paths are
// keys joined by dots, with [i] to index a list and a name to pick the list
// entry with that name:
//
//	seed=7
//	targets[0].url=http://127.0.0.1:8080/
//	targets.aws.url=https://…
//	traffic.phases.ramp.to=300/s
//	defaults.headers.X-Trace=1
//
// The value is read as a YAML scalar (7 is a number, true a boolean); a
// value that is not one is taken as a string. Missing mapping keys are
// created; whether the key is valid is then up to the decoder. Nodes an
// override creates are recorded in origins, so errors about them point at
// "--set PATH".

// setSegment is one step of a path: a key, optionally followed by indexes.
type setSegment struct {
	key     string
	indexes []int
}

var segmentRE = regexp.MustCompile(`^([^\[\]]*)((?:\[\d+\])*)$`)

// parseSetPath splits "traffic.phases[1].rate" into segments.
func parseSetPath(path string) ([]setSegment, bool) {
	if path == "" {
		return nil, false
	}
	var segs []setSegment
	for _, part := range strings.Split(path, ".") {
		m := segmentRE.FindStringSubmatch(part)
		if m == nil || (m[1] == "" && m[2] == "") {
			return nil, false
		}
		seg := setSegment{key: m[1]}
		for _, idx := range strings.Split(m[2], "]") {
			if idx = strings.TrimPrefix(idx, "["); idx != "" {
				i, err := strconv.Atoi(idx)
				if err != nil {
					return nil, false
				}
				seg.indexes = append(seg.indexes, i)
			}
		}
		if seg.key == "" && len(segs) == 0 {
			return nil, false // a path starts with a key
		}
		segs = append(segs, seg)
	}
	return segs, true
}

// applySets applies the overrides in order to root (a mapping, created when
// the file is empty) and returns it. Problems are reported to errs.
func applySets(root *yaml.Node, sets []string, origins map[*yaml.Node]string, errs *yamlstrict.List) *yaml.Node {
	if root == nil {
		root = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
	}
	for _, set := range sets {
		path, value, ok := strings.Cut(set, "=")
		label := "--set " + path
		if !ok {
			errs.Add("--set "+set, 1, 1, fmt.Sprintf("override %q has no value", set), "write --set path=value, for example --set seed=7")
			continue
		}
		segs, ok := parseSetPath(path)
		if !ok {
			errs.Add(label, 1, 1, fmt.Sprintf("path %q is not valid", path), "join keys with dots and index lists with [i] or by name, for example targets[0].url or traffic.phases.ramp.to")
			continue
		}
		newValue := setValue(value, label, origins)
		if msg, hint := setPath(root, segs, newValue, label, origins); msg != "" {
			errs.Add(label, 1, 1, msg, hint)
		}
	}
	return root
}

// setValue reads value as a YAML scalar, or as a string when it is not one.
func setValue(value, label string, origins map[*yaml.Node]string) *yaml.Node {
	var doc yaml.Node
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
	if err := yaml.Unmarshal([]byte(value), &doc); err == nil && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].Tag != "!!merge" {
		n = doc.Content[0]
		n.Anchor = ""
	}
	n.Line, n.Column = 1, 1
	origins[n] = label
	return n
}

// setPath walks segs from node, creating missing mapping keys, and puts
// value at the end. It returns an error message and hint, or "".
func setPath(node *yaml.Node, segs []setSegment, value *yaml.Node, label string, origins map[*yaml.Node]string) (msg, hint string) {
	where := ""
	for si, seg := range segs {
		last := si == len(segs)-1 && len(seg.indexes) == 0
		if seg.key != "" {
			here := join(where, seg.key)
			node = deref(node)
			switch node.Kind {
			case yaml.MappingNode:
				i := mappingIndex(node, seg.key)
				switch {
				case i >= 0 && last:
					node.Content[i+1] = value
					return "", ""
				case i >= 0:
					node = node.Content[i+1]
				default:
					k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: seg.key, Line: 1, Column: 1}
					origins[k] = label
					v := value
					if !last {
						if len(seg.indexes) > 0 {
							return fmt.Sprintf("%s does not exist, so it has no entry [%d]", here, seg.indexes[0]), "add the list to the file first"
						}
						v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
						origins[v] = label
					}
					node.Content = append(node.Content, k, v)
					if last {
						return "", ""
					}
					node = v
				}
			case yaml.SequenceNode:
				item, names := namedItem(node, seg.key)
				if item == nil {
					if len(names) == 0 {
						return fmt.Sprintf("%s has no entry named %q", orScenario(where), seg.key), "its entries have no names; use an index like [0]"
					}
					return fmt.Sprintf("%s has no entry named %q", orScenario(where), seg.key), "valid names: " + strings.Join(names, ", ")
				}
				if last {
					return fmt.Sprintf("%s is a whole entry of %s", join(where, seg.key), orScenario(where)), fmt.Sprintf("set one of its keys, for example %s.name", join(where, seg.key))
				}
				node = item
			default:
				return fmt.Sprintf("%s is %s, not a mapping, so it has no key %q", orScenario(where), yamlstrict.Describe(node), seg.key), ""
			}
			where = here
		}
		for ii, idx := range seg.indexes {
			node = deref(node)
			if node.Kind != yaml.SequenceNode {
				return fmt.Sprintf("%s is %s, not a list, so it has no entry [%d]", orScenario(where), yamlstrict.Describe(node), idx), ""
			}
			if idx >= len(node.Content) {
				return fmt.Sprintf("%s has %d entries, so it has no entry [%d]", where, len(node.Content), idx), fmt.Sprintf("use an index from 0 to %d", len(node.Content)-1)
			}
			where = fmt.Sprintf("%s[%d]", where, idx)
			if si == len(segs)-1 && ii == len(seg.indexes)-1 {
				node.Content[idx] = value
				return "", ""
			}
			node = node.Content[idx]
		}
	}
	return "", ""
}

// deref follows aliases, so an override can reach through them.
func deref(n *yaml.Node) *yaml.Node {
	for hops := 0; n.Kind == yaml.AliasNode && n.Alias != nil && hops < yamlstrict.MaxDepth; hops++ {
		n = n.Alias
	}
	return n
}

func mappingIndex(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return i
		}
	}
	return -1
}

// namedItem finds the entry of list whose name key is name, and lists the
// names there are.
func namedItem(list *yaml.Node, name string) (*yaml.Node, []string) {
	var names []string
	for _, item := range list.Content {
		item = deref(item)
		if item.Kind != yaml.MappingNode {
			continue
		}
		if i := mappingIndex(item, "name"); i >= 0 {
			v := deref(item.Content[i+1])
			if v.Value == name {
				return item, nil
			}
			names = append(names, v.Value)
		}
	}
	return nil, names
}
