package scenarios

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fnbench/fnbench/internal/yamlstrict"
)

// decoder walks a yaml.Node tree against the file types of file.go,
// reporting every problem with its position instead of stopping at the
// first. It never panics on any tree yaml.v3 can produce.
type decoder struct {
	file     string                // scenario path, for positions
	origins  map[*yaml.Node]string // nodes created by --set, and their label
	errs     *yamlstrict.List
	env      *envResolver
	walk     yamlstrict.Walk
	failures int // errors reported so far
}

func (d *decoder) fileOf(n *yaml.Node) string {
	if o, ok := d.origins[n]; ok {
		return o
	}
	return d.file
}

func (d *decoder) fail(n *yaml.Node, msg, hint string) {
	d.failures++
	if n == nil { // a check on a value that failed to decode; never expected
		d.errs.Add(d.file, 1, 1, msg, hint)
		return
	}
	d.errs.Add(d.fileOf(n), n.Line, n.Column, msg, hint)
}

// visit follows n's aliases and counts it against the node budget. It
// returns nil when the walk must skip n or stop.
func (d *decoder) visit(n *yaml.Node, depth int) *yaml.Node {
	return d.walk.Visit(n, depth, d.fail)
}

// pairs lists mapping n's entries, merge keys (<<) applied.
func (d *decoder) pairs(n *yaml.Node, depth int) []yamlstrict.Pair {
	return d.walk.Pairs(n, depth, d.fail)
}

// field is one key of a file type, with its parsed tags.
type field struct {
	key      string
	index    []int
	typ      reflect.Type
	doc      string
	required bool
	enum     []string
	planned  []string
	pattern  string
	maxLen   int
	min, max string
	def      string
	reserved string
}

var (
	typePositions = reflect.TypeFor[positions]()
	typeText      = reflect.TypeFor[text]()
	typeDuration  = reflect.TypeFor[fileDuration]()
	typeRate      = reflect.TypeFor[Rate]()
	typeNode      = reflect.TypeFor[yaml.Node]()
	typeThreshold = reflect.TypeFor[fileThreshold]()
)

// fieldsCache maps a struct type to its keys and the index paths of its
// positions fields.
var fieldsCache sync.Map

type structInfo struct {
	fields    []field
	byKey     map[string]*field
	keys      []string // in declaration order, reserved sections excluded
	positions [][]int
}

func fieldsOf(t reflect.Type) *structInfo {
	if v, ok := fieldsCache.Load(t); ok {
		return v.(*structInfo)
	}
	info := &structInfo{byKey: map[string]*field{}}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			index := append(append([]int(nil), prefix...), i)
			if sf.Type == typePositions {
				info.positions = append(info.positions, index)
				continue
			}
			tag := sf.Tag.Get("yaml")
			name, opts, _ := strings.Cut(tag, ",")
			if opts == "inline" {
				walk(sf.Type, index)
				continue
			}
			if name == "" || name == "-" {
				continue
			}
			f := field{
				key: name, index: index, typ: sf.Type,
				doc:      sf.Tag.Get("doc"),
				required: sf.Tag.Get("required") == "true",
				pattern:  sf.Tag.Get("pattern"),
				min:      sf.Tag.Get("min"),
				max:      sf.Tag.Get("max"),
				def:      sf.Tag.Get("default"),
				reserved: sf.Tag.Get("reserved"),
			}
			if e := sf.Tag.Get("enum"); e != "" {
				f.enum = strings.Split(e, ",")
			}
			if p := sf.Tag.Get("planned"); p != "" {
				f.planned = strings.Split(p, ",")
			}
			if l := sf.Tag.Get("max_len"); l != "" {
				f.maxLen, _ = strconv.Atoi(l)
			}
			info.fields = append(info.fields, f)
		}
	}
	walk(t, nil)
	for i := range info.fields {
		f := &info.fields[i]
		info.byKey[f.key] = f
		if f.reserved == "" {
			info.keys = append(info.keys, f.key)
		}
	}
	v, _ := fieldsCache.LoadOrStore(t, info)
	return v.(*structInfo)
}

// decodeStruct decodes mapping n into the struct v (a file type).
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, what string, depth int) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, fmt.Sprintf("expected a mapping (key: value) for %s, got %s", orScenario(what), yamlstrict.Describe(n)), "")
		return
	}
	info := fieldsOf(v.Type())
	pos := positions{node: n, keys: map[string]*yaml.Node{}, keyNodes: map[string]*yaml.Node{}}
	for _, p := range d.pairs(n, depth) {
		if d.walk.Spent() {
			return
		}
		k := d.visit(p.Key, depth+1)
		if k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, fmt.Sprintf("expected a key name in %s, got %s", orScenario(what), yamlstrict.Describe(k)), "")
			continue
		}
		f, ok := info.byKey[k.Value]
		if !ok {
			d.unknownKey(k, what, info.keys)
			continue
		}
		if f.reserved != "" {
			d.fail(k, fmt.Sprintf("section %q is not supported yet (%s)", f.key, f.reserved), "remove it")
			continue
		}
		pos.keys[f.key], pos.keyNodes[f.key] = p.Value, k
		d.decodeField(p.Value, v.FieldByIndex(f.index), f, join(what, f.key), depth+1)
	}
	for i := range info.fields {
		f := &info.fields[i]
		if _, ok := pos.keys[f.key]; f.required && !ok {
			d.fail(n, fmt.Sprintf("%s has no %q", orScenario(what), f.key), fmt.Sprintf("add %s: (%s)", f.key, firstSentence(f.doc)))
		}
	}
	for _, idx := range info.positions {
		v.FieldByIndex(idx).Set(reflect.ValueOf(pos))
	}
}

func (d *decoder) unknownKey(k *yaml.Node, what string, keys []string) {
	if s := closest(k.Value, keys); s != "" {
		d.fail(k, fmt.Sprintf("unknown key %q in %s", k.Value, orScenario(what)), fmt.Sprintf("did you mean %q?", s))
		return
	}
	d.fail(k, fmt.Sprintf("unknown key %q in %s", k.Value, orScenario(what)), "valid keys: "+strings.Join(keys, ", "))
}

// decodeField decodes value node n into v, the field f describes.
func (d *decoder) decodeField(n *yaml.Node, v reflect.Value, f *field, path string, depth int) {
	n = d.visit(n, depth)
	if n == nil {
		return
	}
	if yamlstrict.IsNull(n) && f.required {
		d.fail(n, fmt.Sprintf("%s has no value", path), fmt.Sprintf("give it a value (%s)", firstSentence(f.doc)))
		return
	}
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		if yamlstrict.IsNull(n) {
			return // an empty optional key is the same as an absent one
		}
		elem := reflect.New(t.Elem())
		before := d.failures
		d.decodeValue(n, elem.Elem(), f, path, depth)
		if d.failures == before || (t.Elem().Kind() == reflect.Struct && t.Elem() != typeText) {
			// A scalar that failed stays absent, so later checks do not
			// report it again; a mapping keeps what did decode.
			v.Set(elem)
		}
		return
	}
	d.decodeValue(n, v, f, path, depth)
}

func (d *decoder) decodeValue(n *yaml.Node, v reflect.Value, f *field, path string, depth int) {
	t := v.Type()
	switch {
	case t == typeNode:
		v.Set(reflect.ValueOf(*n))
	case t == typeText:
		d.decodeText(n, v, f, path)
	case t == typeThreshold && n.Kind == yaml.ScalarNode:
		// A threshold written as a plain string is its expression.
		expr := v.FieldByName("Expr")
		d.decodeText(n, expr, &field{key: "expr"}, path)
	case t == typeRate:
		if !d.scalar(n, path, "a rate like 20/s") {
			return
		}
		r, err := ParseRate(n.Value)
		if err != nil {
			d.failValue(n, err)
			return
		}
		v.SetFloat(float64(r))
	case t == typeDuration:
		if !d.scalar(n, path, "a duration like 30s") {
			return
		}
		dur, err := ParseDuration(n.Value)
		if err != nil {
			d.failValue(n, err)
			return
		}
		d.checkDurationBounds(n, f, path, dur)
		v.SetInt(int64(dur))
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			d.fail(n, fmt.Sprintf("expected a whole number for %s, got %s", path, yamlstrict.Describe(n)), "")
			return
		}
		var i int64
		if err := n.Decode(&i); err != nil {
			d.fail(n, fmt.Sprintf("%s %s is out of range", path, n.Value), "use a 64-bit integer")
			return
		}
		d.checkIntBounds(n, f, path, i)
		v.SetInt(i)
	case t.Kind() == reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			d.fail(n, fmt.Sprintf("expected true or false for %s, got %s", path, yamlstrict.Describe(n)), "")
			return
		}
		var b bool
		if err := n.Decode(&b); err != nil {
			d.fail(n, fmt.Sprintf("expected true or false for %s, got %s", path, yamlstrict.Describe(n)), "")
			return
		}
		v.SetBool(b)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, fmt.Sprintf("expected a list for %s, got %s", path, yamlstrict.Describe(n)), "write each entry on its own line starting with \"- \"")
			return
		}
		d.checkLenBounds(n, f, path, len(n.Content))
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			if d.walk.Spent() {
				return
			}
			item = d.visit(item, depth+1)
			if item == nil {
				continue
			}
			d.decodeValue(item, s.Index(i), f, fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
		v.Set(s)
	case t.Kind() == reflect.Map:
		d.decodeMap(n, v, f, path, depth)
	case t.Kind() == reflect.Struct:
		d.decodeStruct(n, v, path, depth)
	default:
		panic(fmt.Sprintf("scenarios: file type %s has no decoder", t)) // a bug in file.go, caught by every test
	}
}

// decodeMap decodes a mapping of free-form keys (headers).
func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, f *field, path string, depth int) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, fmt.Sprintf("expected a mapping (name: value) for %s, got %s", path, yamlstrict.Describe(n)), "")
		return
	}
	m := reflect.MakeMap(v.Type())
	for _, p := range d.pairs(n, depth) {
		if d.walk.Spent() {
			return
		}
		k := d.visit(p.Key, depth+1)
		val := d.visit(p.Value, depth+1)
		if k == nil || val == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode || yamlstrict.IsNull(k) {
			d.fail(k, fmt.Sprintf("expected a name in %s, got %s", path, yamlstrict.Describe(k)), "")
			continue
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decodeValue(val, elem, &field{key: k.Value}, join(path, k.Value), depth+1)
		m.SetMapIndex(reflect.ValueOf(k.Value), elem)
	}
	v.Set(m)
}

// decodeText resolves ${NAME} references and applies the enum, pattern and
// length rules of the field's tags.
func (d *decoder) decodeText(n *yaml.Node, v reflect.Value, f *field, path string) {
	if !d.scalar(n, path, "a string") {
		return
	}
	value, template, ok := d.env.expand(n, d)
	if !ok {
		return
	}
	v.Set(reflect.ValueOf(text{Value: value, Template: template, node: n}))
	switch {
	case len(f.enum) > 0 && !contains(f.enum, value):
		if contains(f.planned, value) {
			d.fail(n, fmt.Sprintf("%s %q is not supported yet", f.key, value), fmt.Sprintf("use %s: %s", f.key, strings.Join(f.enum, " or ")))
			return
		}
		hint := "use " + strings.Join(f.enum, ", ")
		if s := closest(value, f.enum); s != "" {
			hint = fmt.Sprintf("did you mean %q?", s)
		}
		d.fail(n, fmt.Sprintf("unknown %s %q", f.key, value), hint)
	case f.pattern != "" && !namedPatterns[f.pattern].re.MatchString(value):
		d.fail(n, fmt.Sprintf("%s %q is not a valid name", f.key, value), namedPatterns[f.pattern].hint)
	case f.maxLen > 0 && len(value) > f.maxLen:
		d.fail(n, fmt.Sprintf("%s %q is %d characters long", f.key, value, len(value)), fmt.Sprintf("use at most %d", f.maxLen))
	}
}

// scalar reports whether n is a scalar, failing with "expected <want>" when
// it is not.
func (d *decoder) scalar(n *yaml.Node, path string, want string) bool {
	if n.Kind == yaml.ScalarNode && !yamlstrict.IsNull(n) {
		return true
	}
	d.fail(n, fmt.Sprintf("expected %s for %s, got %s", want, path, yamlstrict.Describe(n)), "")
	return false
}

// failValue positions an error from ParseRate or ParseDuration at n.
func (d *decoder) failValue(n *yaml.Node, err error) {
	if e, ok := err.(*Error); ok {
		d.fail(n, e.Msg, e.Hint)
		return
	}
	d.fail(n, err.Error(), "")
}

func (d *decoder) checkDurationBounds(n *yaml.Node, f *field, path string, v time.Duration) {
	if lo, err := time.ParseDuration(f.min); err == nil && v < lo {
		d.fail(n, fmt.Sprintf("%s %s is below the minimum of %s", f.key, formatDuration(v), formatDuration(lo)), "")
	}
	if hi, err := time.ParseDuration(f.max); err == nil && v > hi {
		d.fail(n, fmt.Sprintf("%s %s is above the maximum of %s", f.key, formatDuration(v), formatDuration(hi)), "")
	}
}

func (d *decoder) checkIntBounds(n *yaml.Node, f *field, path string, v int64) {
	if lo, err := strconv.ParseInt(f.min, 10, 64); err == nil && v < lo {
		d.fail(n, fmt.Sprintf("%s %d is below the minimum of %d", f.key, v, lo), "")
	}
	if hi, err := strconv.ParseInt(f.max, 10, 64); err == nil && v > hi {
		d.fail(n, fmt.Sprintf("%s %d is above the maximum of %d", f.key, v, hi), "")
	}
}

func (d *decoder) checkLenBounds(n *yaml.Node, f *field, path string, l int) {
	if lo, err := strconv.Atoi(f.min); err == nil && l < lo {
		d.fail(n, fmt.Sprintf("%s has %d entries; at least %d required", path, l, lo), "")
	}
	if hi, err := strconv.Atoi(f.max); err == nil && l > hi {
		d.fail(n, fmt.Sprintf("%s has %d entries; at most %d allowed", path, l, hi), "")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// firstSentence is the doc text up to its first period, for hints.
func firstSentence(doc string) string {
	if i := strings.Index(doc, ". "); i >= 0 {
		return doc[:i]
	}
	return strings.TrimSuffix(doc, ".")
}

// join extends a value path ("traffic.phases[1]") by a key.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// orScenario names the top level, whose path is empty.
func orScenario(path string) string {
	if path == "" {
		return "the scenario"
	}
	return path
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
