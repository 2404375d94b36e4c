package main

import (
	"encoding/json"
	"testing"
)

func TestSchemaPrintsJSON(t *testing.T) {
	out, code, err := runSubcommand(t, newSchemaCmd())
	if err != nil || code != exitOK {
		t.Fatalf("schema: code %d, err %v", code, err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", doc["$schema"])
	}
}
