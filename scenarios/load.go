package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"reflect"

	"go.yaml.in/yaml/v3"

	"github.com/fnbench/fnbench/internal/inputs"
	"github.com/fnbench/fnbench/internal/yamlstrict"
)

// LoadOptions adjust how a scenario is loaded.
type LoadOptions struct {
	// Sets are "path=value" overrides applied before validation, in order.
	Sets []string
	// LookupEnv resolves ${NAME} references; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// Plan is a validated scenario, ready to run.
type Plan struct {
	// Scenario is decoded with defaults applied and secrets RESOLVED. It is
	// for the attack engine only: never print it or write it to disk.
	Scenario Scenario
	// Redacted is Scenario with every secret shown as its ${NAME} reference
	// and credential-carrying URL parameters and headers masked. It is safe
	// to print and to write into run.json.
	Redacted Scenario
	Schedule *Schedule
	// Redactor masks this scenario's secrets in any later message.
	Redactor *Redactor
	Source   string // the path as given to Load or Parse
	SHA256   string // hex SHA-256 of the file bytes, before overrides
	// Warnings are what is valid but unwise, "file:line:col: message;
	// hint": a secret written literally. They never hold the secret.
	Warnings []string
	// Literals are the warnings of Warnings about secrets written
	// literally: what must not leave this machine in the scenario file.
	Literals []string
	// Files are the files the scenario reads besides itself (body_file,
	// payload_file, ca_file, value_file), in the order read, each path
	// once:
	// what must travel with it to another machine.
	Files []FileRef
}

// FileRef is a file a scenario reads.
type FileRef struct {
	// Path is as the scenario writes it: relative to the scenario's
	// directory unless absolute.
	Path string
	// Secret: the file holds a credential (value_file).
	Secret bool
	// Line and Column are where the scenario names it.
	Line, Column int
}

// Load reads and parses the scenario file at path. See Parse.
func Load(path string, opts LoadOptions) (*Plan, error) {
	src, err := inputs.ReadFile(path, inputs.ScenarioBytes, "scenario file")
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(path, src, opts)
}

// Parse decodes and validates the scenario src. name is the path used in
// error positions and the base of relative body_file paths. Any problem
// yields an *Errors holding every error found (up to 20), each with a
// position, and with secrets redacted. Parse never panics.
func Parse(name string, src []byte, opts LoadOptions) (*Plan, error) {
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	sum := sha256.Sum256(src)
	plan := &Plan{Source: name, SHA256: hex.EncodeToString(sum[:]), Redactor: &Redactor{}}
	errs := &yamlstrict.List{}
	d := &decoder{
		file:    name,
		origins: map[*yaml.Node]string{},
		errs:    errs,
		env:     &envResolver{lookup: lookup, redactor: plan.Redactor},
	}

	root, ok := parseYAML(name, src, errs)
	if !ok {
		return nil, errs.Result(name)
	}
	if len(opts.Sets) > 0 {
		root = applySets(root, opts.Sets, d.origins, errs)
	}
	if root == nil {
		errs.Add(name, 1, 1, "the scenario file is empty", "a scenario needs name, targets and traffic; see fnbench schema or scenarios/examples")
		return nil, errs.Result(name)
	}

	var file fileScenario
	if n := d.visit(root, 0); n != nil {
		d.decodeStruct(n, reflect.ValueOf(&file).Elem(), "", 0)
	}
	c := &converter{d: d, fail: d.fail, dir: dirOf(name), bodies: map[*yaml.Node][]byte{}, file: name, warnings: &plan.Warnings, literals: &plan.Literals, files: &plan.Files}
	if !d.walk.Spent() {
		plan.Scenario = c.scenario(&file)
	}
	if !errs.Empty() {
		return nil, redactErrors(errs.Result(name), plan.Redactor)
	}

	plan.Redactor.AddLiterals(&plan.Scenario)
	quiet := &converter{d: d, fail: func(*yaml.Node, string, string) {}, redacted: true, dir: c.dir, bodies: c.bodies}
	plan.Redacted = redactScenario(quiet.scenario(&file), plan.Redactor)

	sched, err := NewSchedule(plan.Scenario.Traffic.Phases)
	if err != nil {
		// The decoder checks everything NewSchedule does; reaching this is
		// a bug, reported at the traffic section all the same.
		var n *yaml.Node
		if file.Traffic != nil {
			n = file.Traffic.Pos.node
		}
		errs.Add(name, lineOf(n), colOf(n), err.Error(), "")
		return nil, redactErrors(errs.Result(name), plan.Redactor)
	}
	plan.Schedule = sched
	return plan, nil
}

// parseYAML parses src into a node tree. It returns the root node (nil for
// an empty file) or ok=false after reporting a syntax error or a second
// document.
func parseYAML(name string, src []byte, errs *yamlstrict.List) (root *yaml.Node, ok bool) {
	root, extra, ok := yamlstrict.Read(name, src, errs)
	if ok && extra != nil {
		errs.Add(name, extra.Line, extra.Column, "the file holds more than one YAML document", "a scenario file is one document; remove the --- separator and what follows it")
		return nil, false
	}
	return root, ok
}

// redactErrors masks secrets in the messages of an *Errors.
func redactErrors(err error, r *Redactor) error {
	var list *Errors
	if errors.As(err, &list) {
		for _, e := range list.List {
			e.Msg, e.Hint = r.Redact(e.Msg), r.Redact(e.Hint)
		}
	}
	return err
}

// redactScenario masks what the templates cannot: credentials written
// literally in URLs, headers and bodies, and secrets that reached the
// scenario other than through a reference (a body_file, an override).
func redactScenario(s Scenario, r *Redactor) Scenario {
	s.Name, s.Description = r.Redact(s.Name), r.Redact(s.Description)
	targets := make([]Target, len(s.Targets))
	for i, t := range s.Targets {
		t.URL = r.Redact(t.URL)
		t.Headers = r.RedactHeaders(t.Headers)
		if len(t.Body) > 0 {
			t.Body = []byte(r.Redact(string(t.Body)))
		}
		targets[i] = t
	}
	s.Targets = targets
	return s
}

func lineOf(n *yaml.Node) int {
	if n == nil {
		return 1
	}
	return max(n.Line, 1)
}

func colOf(n *yaml.Node) int {
	if n == nil {
		return 1
	}
	return max(n.Column, 1)
}
