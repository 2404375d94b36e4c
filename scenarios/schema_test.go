package scenarios

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"
)

func TestJSONSchemaGolden(t *testing.T) {
	schema, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(schema, &doc); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	golden(t, "scenario.schema.json", append(schema, '\n'))
}

// TestDefaultTagsMatchDefaults keeps the defaults the schema documents
// equal to the ones the converter applies.
func TestDefaultTagsMatchDefaults(t *testing.T) {
	tag := func(typ reflect.Type, key string) string { return fieldsOf(typ).byKey[key].def }
	req, tgt := reflect.TypeFor[fileRequest](), reflect.TypeFor[fileTarget]()
	if d, _ := time.ParseDuration(tag(reflect.TypeFor[fileScenario](), "interval")); d != DefaultInterval {
		t.Errorf("interval tag %v, default %v", d, DefaultInterval)
	}
	if d, _ := time.ParseDuration(tag(req, "timeout")); d != DefaultTimeout {
		t.Errorf("timeout tag %v, default %v", d, DefaultTimeout)
	}
	if n, _ := strconv.Atoi(tag(req, "max_in_flight")); n != DefaultMaxInFlight {
		t.Errorf("max_in_flight tag %v, default %v", n, DefaultMaxInFlight)
	}
	if tag(req, "method") != DefaultMethod || tag(tgt, "kind") != DefaultKind || tag(reflect.TypeFor[fileTraffic](), "arrivals") != string(DefaultArrivals) {
		t.Error("method, kind or arrivals tag differs from its default")
	}
	if tag(req, "http2") != "true" || tag(req, "keepalive") != "true" {
		t.Error("http2 or keepalive tag is not true")
	}
	for _, shape := range fieldsOf(reflect.TypeFor[filePhase]()).byKey["shape"].enum {
		if _, ok := shapeParams[shape]; !ok {
			t.Errorf("shape %q of the enum tag has no entry in shapeParams", shape)
		}
	}
	if len(shapeParams) != len(fieldsOf(reflect.TypeFor[filePhase]()).byKey["shape"].enum) {
		t.Error("shapeParams and the shape enum tag differ")
	}
}
