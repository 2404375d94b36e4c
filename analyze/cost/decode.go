package cost

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fnbench/fnbench/internal/yamlstrict"
)

// parseOnto decodes a pricing file over t: the entries the file gives
// replace t's. It returns t, or *yamlstrict.Errors (scenarios.Errors is the
// same type): a pricing file's problems are reported as a scenario's are,
// file:line:col and a hint, at most 20.
func parseOnto(t *Table, file string, data []byte) (*Table, error) {
	d := &decoder{file: file}
	root, extra, ok := yamlstrict.Read(file, data, &d.errs)
	if !ok {
		return nil, d.errs.Result(file)
	}
	if root == nil {
		d.errs.Add(file, 1, 1, "the pricing file is empty", "give at least format: 1, version and date")
		return nil, d.errs.Result(file)
	}
	if extra != nil {
		d.fail(extra, "a second YAML document", "a pricing file holds one document")
	}
	if root.Kind != yaml.MappingNode {
		d.fail(root, "the pricing file is "+yamlstrict.Describe(root)+", not a mapping", "start from the built-in table (format, version, date, then the entries to change)")
		return nil, d.errs.Result(file)
	}
	d.value(root, reflect.ValueOf(t).Elem(), 0)
	if err := d.errs.Result(file); err != nil {
		return nil, err
	}
	return t, nil
}

// decoder walks a pricing file's nodes over a Table, collecting every
// problem with its position.
type decoder struct {
	file string
	errs yamlstrict.List
	walk yamlstrict.Walk
}

func (d *decoder) fail(n *yaml.Node, msg, hint string) {
	d.errs.Add(d.file, n.Line, n.Column, msg, hint)
}

// here is a position label for a source field: where an entry without a
// source came from.
func (d *decoder) here(n *yaml.Node) string {
	return fmt.Sprintf("%s:%d:%d", d.file, n.Line, n.Column)
}

var (
	typeDecimal = reflect.TypeFor[Decimal]()
	typeTime    = reflect.TypeFor[time.Time]()
)

// value decodes n into v by v's type.
func (d *decoder) value(n *yaml.Node, v reflect.Value, depth int) {
	if n = d.walk.Visit(n, depth, d.fail); n == nil {
		return
	}
	switch {
	case v.Type() == typeDecimal:
		d.decimal(n, v)
	case v.Type() == typeTime:
		d.date(n, v)
	case v.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode || yamlstrict.IsNull(n) {
			d.fail(n, "expected text, got "+yamlstrict.Describe(n), "")
			return
		}
		v.SetString(n.Value)
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			d.fail(n, "expected a whole number, got "+yamlstrict.Describe(n), "")
			return
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 10, 64)
		if err != nil {
			d.fail(n, fmt.Sprintf("%q is not a whole number in range", n.Value), "")
			return
		}
		v.SetInt(i)
	case v.Kind() == reflect.Slice:
		d.list(n, v, depth)
	case v.Kind() == reflect.Struct:
		d.mapping(n, v, depth)
	default:
		panic("cost: no decoder for " + v.Type().String())
	}
}

func (d *decoder) decimal(n *yaml.Node, v reflect.Value) {
	if yamlstrict.IsNull(n) {
		v.Set(reflect.ValueOf(Decimal{}))
		return
	}
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") {
		d.fail(n, "expected a number, got "+yamlstrict.Describe(n), "write it as a plain decimal such as 0.0000133334, or null when unknown")
		return
	}
	r, ok := parseDecimal(strings.ReplaceAll(n.Value, "_", ""))
	if !ok {
		d.fail(n, fmt.Sprintf("%q is not a plain decimal number", n.Value), "write digits with an optional decimal point, without an exponent, at most 40 characters")
		return
	}
	if r.Sign() < 0 {
		d.fail(n, fmt.Sprintf("%s is negative", n.Value), "prices and figures are zero or more")
		return
	}
	v.Set(reflect.ValueOf(dec(r)))
}

func (d *decoder) date(n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.ScalarNode || yamlstrict.IsNull(n) {
		d.fail(n, "expected a date, got "+yamlstrict.Describe(n), "write it as YYYY-MM-DD")
		return
	}
	t, err := time.Parse(time.DateOnly, n.Value)
	if err != nil {
		d.fail(n, fmt.Sprintf("%q is not a date", n.Value), "write it as YYYY-MM-DD")
		return
	}
	v.Set(reflect.ValueOf(t))
}

func (d *decoder) list(n *yaml.Node, v reflect.Value, depth int) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, "expected a list, got "+yamlstrict.Describe(n), "")
		return
	}
	out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(item, out.Index(i), depth+1)
	}
	v.Set(out)
	if c, ok := v.Addr().Interface().(checker); ok {
		c.check(d, n)
	}
}

// mapping decodes a mapping over the struct v. A struct with a Source field
// is one entry (a price, a figure): given, it replaces the old entry whole,
// so an overridden price never keeps the built-in one's source.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, depth int) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, "expected a mapping, got "+yamlstrict.Describe(n), "")
		return
	}
	typ := v.Type()
	_, entry := typ.FieldByName("Source")
	if entry {
		v.Set(reflect.Zero(typ))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k = d.walk.Visit(k, depth+1, d.fail); k == nil {
			return
		}
		idx, ok := fieldByKey(typ, k.Value)
		if !ok || k.Kind != yaml.ScalarNode {
			d.fail(k, fmt.Sprintf("unknown key %q", k.Value), "valid keys here: "+strings.Join(keysOf(typ), ", "))
			continue
		}
		if seen[k.Value] {
			d.fail(k, fmt.Sprintf("key %q given twice", k.Value), "keep one")
			continue
		}
		seen[k.Value] = true
		d.value(val, v.Field(idx), depth+1)
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Tag.Get("required") == "true" && !seen[yamlKey(f)] {
			d.fail(n, fmt.Sprintf("missing key %q", yamlKey(f)), requiredHint(typ))
		}
	}
	if !entry {
		if c, ok := v.Addr().Interface().(checker); ok {
			c.check(d, n)
		}
		return
	}
	if src := v.FieldByName("Source"); src.String() == "" {
		src.SetString(d.here(n))
	}
	if per := v.FieldByName("Per"); per.IsValid() {
		switch {
		case !seen["per"]:
			per.SetInt(1)
		case per.Int() < 1:
			d.fail(n, fmt.Sprintf("per is %d", per.Int()), "per counts the units a price is for: 1, or 1000000 for a price per million")
		}
	}
	if c, ok := v.Addr().Interface().(checker); ok {
		c.check(d, n)
	}
}

func requiredHint(typ reflect.Type) string {
	if typ == reflect.TypeFor[Table]() {
		return "a pricing file names its format (1), version and date, so that reports can say which prices they used"
	}
	return "an entry is written whole: " + strings.Join(keysOf(typ), ", ")
}

// checker validates a decoded value that needs more than its own fields.
type checker interface {
	check(d *decoder, n *yaml.Node)
}

func (t *Table) check(d *decoder, n *yaml.Node) {
	if t.Format != 1 {
		d.fail(n, fmt.Sprintf("format %d is not known", t.Format), "this fnbench reads format 1")
	}
	if t.Version == "" {
		d.fail(n, "version is empty", "name the table, for example my-rates-2026.1")
	}
}

func (ts *Tiers) check(d *decoder, n *yaml.Node) {
	tiers := *ts
	if len(tiers) == 0 {
		d.fail(n, "a tier list is empty", "give at least one tier: {usd: ..., source: ...}")
		return
	}
	prev := new(Decimal)
	for i, t := range tiers {
		at := n.Content[i]
		last := i == len(tiers)-1
		switch {
		case !t.USD.Known():
			d.fail(at, fmt.Sprintf("tier %d has no price", i+1), "a tier's usd cannot be null")
		case last && t.UpTo.Known():
			d.fail(at, fmt.Sprintf("the last tier ends at up_to %s", t.UpTo), "leave up_to out of the last tier: it covers everything above")
		case !last && !t.UpTo.Known():
			d.fail(at, fmt.Sprintf("tier %d has no up_to", i+1), "every tier but the last ends somewhere")
		case !last && t.UpTo.Cmp(*prev) <= 0:
			d.fail(at, fmt.Sprintf("tier %d ends at %s, not above the tier before it (%s)", i+1, t.UpTo, *prev), "list tiers lowest first")
		}
		if t.UpTo.Known() {
			*prev = t.UpTo
		}
	}
}

func (c *InstanceConcurrency) check(d *decoder, n *yaml.Node) {
	if c.MemoryMB <= 0 {
		d.fail(n, fmt.Sprintf("memory_mb is %d", c.MemoryMB), "instance memory is a positive number of MB")
	}
}

func (p *PremiumPlan) check(d *decoder, n *yaml.Node) {
	if p.VCPU.Sign() <= 0 || p.MemoryGB.Sign() <= 0 {
		d.fail(n, fmt.Sprintf("plan %q needs a positive vcpu and memory_gb", p.Name), "")
	}
}

func fieldByKey(typ reflect.Type, key string) (int, bool) {
	for i := range typ.NumField() {
		if f := typ.Field(i); f.IsExported() && yamlKey(f) == key {
			return i, true
		}
	}
	return 0, false
}

func keysOf(typ reflect.Type) []string {
	var keys []string
	for i := range typ.NumField() {
		if k := yamlKey(typ.Field(i)); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func yamlKey(f reflect.StructField) string {
	k, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if k == "-" || !f.IsExported() {
		return ""
	}
	return k
}
