package scenarios

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// schemaID names the schema; editors use it to cache the document.
const schemaID = "https://github.com/fnbench/fnbench/scenarios/scenario.schema.json"

// schemaDefs names the file types that become $defs entries.
var schemaDefs = map[reflect.Type]string{
	reflect.TypeFor[fileRequest]():   "request",
	reflect.TypeFor[fileTarget]():    "target",
	reflect.TypeFor[fileTraffic]():   "traffic",
	reflect.TypeFor[filePhase]():     "phase",
	reflect.TypeFor[fileColdStart](): "cold_start",
	reflect.TypeFor[fileAuth]():      "auth",
	reflect.TypeFor[fileForce]():     "force",
	reflect.TypeFor[fileSweep]():     "sweep",
	typeThreshold:                    "threshold",
}

// JSONSchema returns the JSON Schema (draft 2020-12) of scenario files,
// generated from the same types the decoder walks, so the two cannot
// disagree about keys, types, enums, bounds or required keys. Reserved
// sections are absent from it, as they are rejected. Rules that span keys
// beyond the per-shape keys (unique names, body versus body_file, spike
// bounds) are checked by fnbench validate only.
func JSONSchema() ([]byte, error) {
	g := &schemaGen{defs: map[string]any{}}
	root := g.object(reflect.TypeFor[fileScenario]())
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = schemaID
	root["title"] = "fnbench scenario"
	root["description"] = "A load-test scenario for fnbench: targets, request settings and a rate schedule. Strings may reference environment variables as ${NAME} or ${NAME:-default}."
	root["$defs"] = g.defs
	return json.MarshalIndent(root, "", "  ")
}

type schemaGen struct {
	defs map[string]any
}

// object describes a file struct: its keys, which are required, and no
// others.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	info := fieldsOf(t)
	props := map[string]any{}
	var required []string
	for i := range info.fields {
		f := &info.fields[i]
		if f.reserved != "" {
			continue
		}
		props[f.key] = g.value(f.typ, f)
		if f.required {
			required = append(required, f.key)
		}
	}
	obj := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		obj["required"] = required
	}
	if t == reflect.TypeFor[filePhase]() {
		obj["allOf"] = phaseRules(info)
	}
	return obj
}

// phaseRules says, per shape, which keys it needs and which it accepts.
func phaseRules(info *structInfo) []any {
	var rules []any
	for _, shape := range info.byKey["shape"].enum {
		params := shapeParams[shape]
		then := map[string]any{"propertyNames": map[string]any{"enum": shapeKeys(shape)}}
		if len(params) > 0 {
			then["required"] = params
		}
		rules = append(rules, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"shape": map[string]any{"const": shape}}, "required": []string{"shape"}},
			"then": then,
		})
	}
	return rules
}

// value describes one key's value.
func (g *schemaGen) value(t reflect.Type, f *field) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s := map[string]any{}
	switch {
	case t == typeText:
		s["type"] = "string"
		if len(f.enum) > 0 {
			s["enum"] = f.enum
		}
		if p, ok := namedPatterns[f.pattern]; ok {
			s["pattern"] = p.re.String()
		}
		if f.maxLen > 0 {
			s["maxLength"] = f.maxLen
		}
	case t == typeRate:
		s["type"] = "string"
		s["pattern"] = ratePattern
	case t == typeDuration:
		s["type"] = "string"
		s["pattern"] = durationPattern
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		s["type"] = "integer"
		if v, err := strconv.ParseInt(f.min, 10, 64); err == nil {
			s["minimum"] = v
		}
		if v, err := strconv.ParseInt(f.max, 10, 64); err == nil {
			s["maximum"] = v
		}
	case t.Kind() == reflect.Bool:
		s["type"] = "boolean"
	case t.Kind() == reflect.Slice:
		s["type"] = "array"
		s["items"] = g.value(t.Elem(), &field{})
		if v, err := strconv.Atoi(f.min); err == nil {
			s["minItems"] = v
		}
		if v, err := strconv.Atoi(f.max); err == nil {
			s["maxItems"] = v
		}
	case t.Kind() == reflect.Map:
		s["type"] = "object"
		s["additionalProperties"] = g.value(t.Elem(), &field{})
	case t.Kind() == reflect.Struct:
		name := schemaDefs[t]
		if _, done := g.defs[name]; !done {
			g.defs[name] = nil // reserve the name before recursing
			g.defs[name] = g.object(t)
			if t == typeThreshold { // a plain string is its expr
				g.defs[name] = map[string]any{"oneOf": []any{map[string]any{"type": "string"}, g.defs[name]}}
			}
		}
		s["$ref"] = "#/$defs/" + name
	}
	if f.doc != "" {
		s["description"] = f.doc
	}
	if f.def != "" {
		s["default"] = typedDefault(t, f.def)
	}
	if t == typeDuration && (f.min != "" || f.max != "") {
		s["description"] = strings.TrimSpace(f.doc + " " + durationBounds(f))
	}
	return s
}

func durationBounds(f *field) string {
	var parts []string
	if lo, err := time.ParseDuration(f.min); err == nil {
		parts = append(parts, "at least "+formatDuration(lo))
	}
	if hi, err := time.ParseDuration(f.max); err == nil {
		parts = append(parts, "at most "+formatDuration(hi))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func typedDefault(t reflect.Type, def string) any {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		if v, err := strconv.ParseInt(def, 10, 64); err == nil {
			return v
		}
	case reflect.Bool:
		return def == "true"
	}
	return def
}
