package scenarios

import (
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fnbench/fnbench/internal/platform"
)

// Defaults applied to keys the file leaves out. The file types' default
// tags (file.go) document the same values in the JSON Schema; a test keeps
// them equal.
const (
	DefaultInterval    = time.Second
	DefaultMethod      = "GET"
	DefaultTimeout     = 30 * time.Second
	DefaultMaxInFlight = 10_000
	DefaultKind        = "http"
	DefaultArrivals    = Uniform
)

// maxBodyBytes caps a body_file; a load-test body is small and a large one
// is usually the wrong path.
const maxBodyBytes = 10 << 20

// converter turns a decoded file into a Scenario, applying defaults and the
// checks that span several keys (shape keys, unique names, body versus
// body_file). It runs twice: once on resolved values, reporting errors,
// and once on templates (redacted=true) with fail discarding them.
type converter struct {
	d        *decoder
	fail     func(n *yaml.Node, msg, hint string)
	redacted bool
	dir      string                // base of relative body_file paths
	bodies   map[*yaml.Node][]byte // body_file contents, read once
	// files records each file read (Plan.Files); nil records nothing.
	files *[]FileRef

	// warnings collects what is valid but unwise, as "file:line:col:
	// message; hint" (Plan.Warnings); warned keeps one per node.
	file     string
	warnings *[]string
	// literals collects the warnings about secrets written literally
	// (Plan.Literals); nil collects nothing.
	literals *[]string
	warned   map[*yaml.Node]bool
}

// warnLiteral warns, once per node, that a secret is written literally in
// the scenario instead of as a ${NAME} reference: the file then cannot be
// shared or committed without it.
func (c *converter) warnLiteral(t text, what string) {
	if c.redacted || c.warnings == nil || t.node == nil || c.warned[t.node] ||
		strings.Contains(t.Template, "${") || strings.TrimSpace(t.Value) == "" {
		return
	}
	if c.warned == nil {
		c.warned = map[*yaml.Node]bool{}
	}
	c.warned[t.node] = true
	w := fmt.Sprintf("%s:%d:%d: %s is a secret written literally; write it as ${NAME} and set NAME in the environment (or use value_file), so the scenario can be shared and committed without it",
		c.file, t.node.Line, t.node.Column, what)
	*c.warnings = append(*c.warnings, w)
	if c.literals != nil {
		*c.literals = append(*c.literals, w)
	}
}

// warnLiteralQuery warns of credential parameters written literally in a
// target's URL (?code=…, ?sig=…).
func (c *converter) warnLiteralQuery(t text) {
	u, err := url.Parse(t.Template)
	if err != nil {
		return
	}
	for name, vs := range u.Query() {
		for _, v := range vs {
			if slices.Contains(sensitiveParams, strings.ToLower(name)) && v != "" && !strings.Contains(v, "${") {
				c.warnLiteral(text{Value: v, Template: v, node: t.node}, fmt.Sprintf("the URL's ?%s= parameter", name))
				return
			}
		}
	}
}

func (c *converter) str(t text) string {
	if c.redacted {
		return t.Template
	}
	return t.Value
}

// at returns the value node of key in the mapping pos describes, or the
// mapping itself when the key is absent.
func at(pos positions, key string) *yaml.Node {
	if n := pos.keys[key]; n != nil {
		return n
	}
	if pos.node != nil {
		return pos.node
	}
	return &yaml.Node{Line: 1, Column: 1}
}

func (c *converter) scenario(f *fileScenario) Scenario {
	s := Scenario{Name: c.str(f.Name), Interval: DefaultInterval, ColdStart: ColdStart{Detect: DetectAuto}}
	if f.ColdStart != nil && f.ColdStart.Detect != nil {
		s.ColdStart.Detect = c.str(*f.ColdStart.Detect)
	}
	if f.ColdStart != nil && f.ColdStart.Force != nil {
		ff := f.ColdStart.Force
		s.ColdStart.Force = &Force{Count: ff.Count, Method: ForceConfigUpdate}
		if ff.Method != nil {
			s.ColdStart.Force.Method = c.str(*ff.Method)
		}
	}
	if f.Description != nil {
		s.Description = c.str(*f.Description)
	}
	if f.Seed != nil {
		s.Seed, s.HasSeed = *f.Seed, true
	}
	if f.Interval != nil {
		s.Interval = time.Duration(*f.Interval)
	}
	var defaults fileRequest
	if f.Defaults != nil {
		defaults = *f.Defaults
		c.checkBodyKeys(defaults)
	}
	seen := map[string]*yaml.Node{}
	for i := range f.Targets {
		ft := &f.Targets[i]
		t := c.target(ft, &defaults)
		if first, dup := seen[t.Name]; dup && ft.Name.node != nil {
			c.fail(ft.Name.node, fmt.Sprintf("duplicate target name %q", t.Name), fmt.Sprintf("the first is at line %d column %d; target names must be unique", first.Line, first.Column))
		} else if ft.Name.node != nil {
			seen[t.Name] = ft.Name.node
		}
		s.Targets = append(s.Targets, t)
	}
	if f.Traffic != nil {
		s.Traffic = c.traffic(f.Traffic)
	}
	if f.Sweep != nil {
		s.Sweep = &Sweep{MemoryMB: f.Sweep.MemoryMB}
		c.checkSweep(f.Sweep)
	}
	c.needsLambda(f, s)
	s.Thresholds = c.thresholds(f.Thresholds, s)
	return s
}

// checkSweep checks the memory sizes of a sweep.
func (c *converter) checkSweep(f *fileSweep) {
	n := at(f.Pos, "memory_mb")
	if l := len(f.MemoryMB); l == 0 || l > 20 {
		c.fail(n, fmt.Sprintf("sweep.memory_mb has %d entries", l), "list 1 to 20 memory sizes, for example [128, 256, 512, 1024, 2048]")
	}
	seen := map[int]bool{}
	for i, mb := range f.MemoryMB {
		item := n
		if n.Kind == yaml.SequenceNode && i < len(n.Content) {
			item = n.Content[i]
		}
		switch {
		case !platform.LambdaMemoryOK(mb):
			c.fail(item, fmt.Sprintf("memory size %d MB is outside Lambda's range", mb),
				fmt.Sprintf("use %d to %d MB", platform.LambdaMinMemoryMB, platform.LambdaMaxMemoryMB))
		case seen[mb]:
			c.fail(item, fmt.Sprintf("memory size %d MB is listed twice", mb), "list each size once")
		}
		seen[mb] = true
	}
}

// needsLambda rejects forced cold starts and sweeps in a scenario with no
// aws-lambda target: both change a Lambda function's configuration. Such an
// update reaches only the unpublished version, $LATEST: a target whose
// qualifier names a published version or an alias is refused too (a
// version never changes; an alias keeps pointing at one).
func (c *converter) needsLambda(f *fileScenario, s Scenario) {
	changes := ""
	switch {
	case f.ColdStart != nil && f.ColdStart.Force != nil:
		changes = "cold_start.force"
	case f.Sweep != nil:
		changes = "sweep"
	}
	lambda := false
	for i, t := range s.Targets {
		if t.Kind != KindAWSLambda {
			continue
		}
		lambda = true
		if changes == "" || c.redacted || t.Qualifier == "" || t.Qualifier == "$LATEST" {
			continue
		}
		ft := &f.Targets[i]
		n := at(ft.Pos, "qualifier")
		if ft.Qualifier == nil && ft.Function != nil {
			n = ft.Function.node // the qualifier is in the ARN
		}
		c.fail(n, fmt.Sprintf("%s cannot reach target %q at qualifier %q: it updates the function's configuration, which only $LATEST takes", changes, t.Name, t.Qualifier),
			"remove the qualifier (and any :"+t.Qualifier+" at the end of the function) so the target invokes $LATEST, or remove "+changes)
	}
	if f.ColdStart != nil && f.ColdStart.Force != nil && !c.redacted {
		c.forceTargets(f, s, lambda)
	}
	if lambda {
		return
	}
	if f.Sweep != nil {
		c.fail(at(f.Pos, "sweep"), "sweep needs an aws-lambda target", "a memory sweep changes a Lambda function's memory; add a target with kind: aws-lambda, or remove sweep")
	}
}

// forceTargets checks that cold_start.force reaches something: an
// aws-lambda target, or an Azure Functions app it can change through
// Resource Manager (one with azure_resource_id, or a simulated one). An
// azurewebsites.net target without its resource id is refused, not
// skipped; restart is Azure's.
func (c *converter) forceTargets(f *fileScenario, s Scenario, lambda bool) {
	azure := false
	for i, t := range s.Targets {
		if t.Kind == KindAWSLambda {
			continue
		}
		u, _ := url.Parse(t.URL)
		switch {
		case t.AzureResourceID != "" || strings.HasPrefix(t.URL, "sim://azure"):
			azure = true
		case u != nil && strings.HasSuffix(strings.ToLower(u.Hostname()), ".azurewebsites.net"):
			c.fail(at(f.Targets[i].Pos, "url"), fmt.Sprintf("cold_start.force cannot reach target %q: forcing a cold start on Azure Functions changes the app through Resource Manager, which needs the app's resource id", t.Name),
				"add azure_resource_id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Web/sites/<app> to the target (az functionapp show --query id)")
		}
	}
	ff := f.ColdStart.Force
	switch {
	case !lambda && !azure:
		c.fail(at(f.ColdStart.Pos, "force"), "cold_start.force needs an aws-lambda target or an Azure Functions target with azure_resource_id",
			"forcing a cold start changes the function's configuration; add a target with kind: aws-lambda, or an Azure app's azure_resource_id, or remove force")
	case lambda && ff.Method != nil && c.str(*ff.Method) == ForceRestart:
		c.fail(ff.Method.node, "cold_start.force method restart restarts an Azure app; Lambda has no restart", "use method: config-update, which works on both")
	}
}

func (c *converter) target(ft *fileTarget, def *fileRequest) Target {
	t := Target{
		Name:        c.str(ft.Name),
		Kind:        DefaultKind,
		Method:      DefaultMethod,
		Timeout:     DefaultTimeout,
		MaxInFlight: DefaultMaxInFlight,
		HTTP2:       true,
		KeepAlive:   true,
	}
	if ft.Kind != nil {
		t.Kind = c.str(*ft.Kind)
	}
	if ft.URL != nil {
		t.URL = c.str(*ft.URL)
	}
	c.kindKeys(ft, t.Kind)
	if ft.URL != nil && ft.URL.node != nil && !c.redacted && t.Kind == KindHTTP {
		c.checkURL(ft.URL.node, t.URL)
		c.warnLiteralQuery(*ft.URL)
	}
	c.checkBodyKeys(ft.fileRequest)
	// Each setting comes from the target when it sets it, else from defaults.
	for _, r := range []*fileRequest{def, &ft.fileRequest} {
		if r.Method != nil {
			t.Method = c.method(*r.Method)
		}
		if r.Timeout != nil {
			t.Timeout = time.Duration(*r.Timeout)
		}
		if r.MaxInFlight != nil {
			t.MaxInFlight = *r.MaxInFlight
		}
		if r.HTTP2 != nil {
			t.HTTP2 = *r.HTTP2
		}
		if r.KeepAlive != nil {
			t.KeepAlive = *r.KeepAlive
		}
		if r.FollowRedirects != nil {
			t.FollowRedirects = *r.FollowRedirects
		}
		if r.Connections != nil {
			t.Connections = *r.Connections
		}
		if r.TLS != nil {
			c.tls(&t.TLS, r.TLS)
		}
		switch {
		case r.Body != nil:
			t.Body = []byte(c.str(*r.Body))
		case r.BodyFile != nil:
			t.Body = c.bodyFile(*r.BodyFile)
		}
		t.Headers = c.headers(t.Headers, r)
	}
	if ft.Auth != nil {
		t.Auth = c.auth(t.Name, ft.Auth)
	}
	if ft.MemoryMB != nil {
		t.MemoryMB = *ft.MemoryMB
	}
	if ft.Arch != nil {
		t.Arch = c.str(*ft.Arch)
	}
	if ft.Plan != nil {
		t.Plan = c.str(*ft.Plan)
	}
	if ft.Gateway != nil {
		t.Gateway = c.str(*ft.Gateway)
	}
	if ft.AzureID != nil {
		t.AzureResourceID = c.str(*ft.AzureID)
		if err := platform.CheckAzureSiteID(t.AzureResourceID); err != nil {
			c.fail(ft.AzureID.node, "azure_resource_id "+err.Error(), "copy the id from the portal (the app's JSON view) or from az functionapp show --query id")
		}
	}
	if ft.ARMEndpoint != nil {
		t.ARMEndpoint = c.str(*ft.ARMEndpoint)
		if u, err := url.Parse(t.ARMEndpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			c.fail(ft.ARMEndpoint.node, fmt.Sprintf("arm_endpoint %q is not an http(s) URL", t.ARMEndpoint), "write the endpoint as https://management.azure.com, or leave it out for Azure's public cloud")
		}
	}
	if t.Kind == KindAWSLambda {
		c.lambdaTarget(ft, &t)
	}
	return t
}

// lambdaKeys are the keys only an aws-lambda target takes; httpKeys those
// only an http target takes.
var (
	lambdaKeys = []string{"function", "qualifier", "region", "endpoint", "payload", "payload_file"}
	httpKeys   = []string{"url", "body", "body_file"}
)

// kindKeys rejects keys that do not belong to the target's kind, and asks
// for those it needs.
func (c *converter) kindKeys(ft *fileTarget, kind string) {
	switch kind {
	case KindHTTP:
		for _, k := range lambdaKeys {
			if n := ft.Pos.keyNodes[k]; n != nil {
				c.fail(n, fmt.Sprintf("%s is a key of aws-lambda targets; this target is http", k), "add kind: aws-lambda to invoke a function through the Lambda API, or remove "+k)
			}
		}
		if ft.URL == nil {
			c.fail(at(ft.Pos, "name"), fmt.Sprintf("target %q has no url", c.str(ft.Name)), "add url: https://… (or sim://<profile>/<function> for the built-in simulator)")
		}
	case KindAWSLambda:
		hints := map[string]string{
			"url":       "an aws-lambda target calls the Invoke API by function name; use function: (or kind: http to call a function URL)",
			"body":      "use payload: for the invocation's payload",
			"body_file": "use payload_file: for the invocation's payload",
		}
		for _, k := range httpKeys {
			if n := ft.Pos.keyNodes[k]; n != nil {
				c.fail(n, fmt.Sprintf("%s is not a key of aws-lambda targets", k), hints[k])
			}
		}
		if ft.Function == nil {
			c.fail(at(ft.Pos, "kind"), fmt.Sprintf("aws-lambda target %s has no function", c.str(ft.Name)), "add function: my-function (a name, ARN or partial ARN)")
		}
		if ft.Method != nil && strings.ToUpper(c.str(*ft.Method)) != http.MethodPost {
			c.fail(ft.Method.node, "the Invoke API takes POST only", "remove method from this aws-lambda target")
		}
		if ft.Payload != nil && ft.PayloadFile != nil {
			c.fail(ft.Pos.keyNodes["payload_file"], "payload and payload_file are both set", "keep one of them")
		}
	}
}

// lambdaTarget fills an aws-lambda target: the function, its region (from
// an ARN when given one), the endpoint, the payload and the auth, which is
// SigV4 for the lambda service unless the file says none (the Runtime
// Interface Emulator takes no signature).
func (c *converter) lambdaTarget(ft *fileTarget, t *Target) {
	t.Method = http.MethodPost
	t.Body = nil
	if ft.Function != nil {
		t.Function = c.str(*ft.Function)
	}
	if ft.Qualifier != nil {
		t.Qualifier = c.str(*ft.Qualifier)
	}
	if ft.Region != nil {
		t.Region = c.str(*ft.Region)
	}
	if ft.Endpoint != nil {
		t.Endpoint = c.str(*ft.Endpoint)
		if !c.redacted {
			c.checkEndpoint(ft.Endpoint.node, t.Endpoint)
		}
	}
	switch {
	case ft.Payload != nil:
		t.Body = []byte(c.str(*ft.Payload))
	case ft.PayloadFile != nil:
		t.Body = c.bodyFile(*ft.PayloadFile)
	}
	if !c.redacted && ft.Function != nil {
		arn, err := ParseFunction(t.Function)
		switch {
		case err != nil:
			c.fail(ft.Function.node, err.Error(), "use a function name (my-function), a partial ARN (123456789012:function:my-function) or a full ARN")
		case arn.Qualifier != "" && t.Qualifier != "" && arn.Qualifier != t.Qualifier:
			c.fail(ft.Qualifier.node, fmt.Sprintf("qualifier %q differs from the ARN's %q", t.Qualifier, arn.Qualifier), "give the qualifier in one place")
		case arn.Region != "" && t.Region != "" && arn.Region != t.Region:
			c.fail(ft.Region.node, fmt.Sprintf("region %q differs from the ARN's %q", t.Region, arn.Region), "remove region; the ARN says where the function is")
		}
		if err == nil {
			if t.Region == "" {
				t.Region = arn.Region
			}
			if t.Qualifier == "" {
				t.Qualifier = arn.Qualifier
			}
		}
	}
	switch t.Auth.Type {
	case "":
		t.Auth = Auth{Type: AuthAWSSigV4, Service: "lambda"}
	case AuthAWSSigV4:
		if t.Auth.Service != "" && t.Auth.Service != "lambda" {
			c.fail(at(ft.Auth.Pos, "service"), "the Invoke API is signed for the lambda service", "remove service")
		}
		if ft.Auth.Region != nil {
			c.fail(at(ft.Auth.Pos, "region"), "an aws-lambda target's region is set on the target", "move region: up to the target")
		}
		t.Auth.Service, t.Auth.Region = "lambda", ""
	case AuthNone:
	default:
		c.fail(at(ft.Auth.Pos, "type"), fmt.Sprintf("auth type %s does not apply to the Invoke API", t.Auth.Type), "use aws-sigv4 (the default), or none for the Runtime Interface Emulator")
	}
	if t.Auth.Type == AuthAWSSigV4 {
		t.Auth.Region = t.Region
	}
}

// checkEndpoint accepts http(s)://host[:port] and sim://<profile>.
func (c *converter) checkEndpoint(n *yaml.Node, raw string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		c.fail(n, fmt.Sprintf("endpoint %q is not a valid URL", raw), "write it like http://127.0.0.1:9000")
	case u.Scheme == platform.SimScheme:
		if s, err := platform.ParseSimURL(raw); err != nil || s.Function != "" {
			c.fail(n, fmt.Sprintf("endpoint %q is not a simulator profile", raw), "write sim://<profile>, for example sim://aws-go-hello")
		}
	case u.Scheme == "http" || u.Scheme == "https":
		if u.Host == "" {
			c.fail(n, fmt.Sprintf("endpoint %q has no host", raw), "write it like http://127.0.0.1:9000")
		}
		c.checkPort(n, "endpoint", raw, u)
	default:
		c.fail(n, fmt.Sprintf("endpoint %q has unsupported scheme %q", raw, u.Scheme), "use http, https or sim")
	}
}

// authKeys lists, per auth type, the keys it takes besides type.
var authKeys = map[string][]string{
	AuthNone:             {},
	AuthHeader:           {"name", "value", "value_file"},
	AuthAzureFunctionKey: {"value", "value_file", "send_as"},
	AuthAWSSigV4:         {"service", "region", "profile"},
	AuthAzureEntra:       {"scope"},
}

// auth resolves a target's auth section. A secret is registered for
// redaction whether or not it came from the environment; the redacted
// scenario shows its ${NAME} reference, or REDACTED.
func (c *converter) auth(target string, f *fileAuth) Auth {
	a := Auth{Type: c.str(f.Type)}
	keys, known := authKeys[a.Type]
	if !known {
		return a // the decoder reported the unknown type
	}
	for _, k := range sortedKeys(f.Pos.keyNodes) {
		if k != "type" && !contains(keys, k) {
			c.fail(f.Pos.keyNodes[k], fmt.Sprintf("auth type %s takes no %s", a.Type, k), authHint(a.Type))
		}
	}
	switch a.Type {
	case AuthNone:
		return Auth{Type: AuthNone}
	case AuthHeader, AuthAzureFunctionKey:
		a.Value = c.secret(target, f)
	case AuthAWSSigV4:
		if f.Service != nil {
			a.Service = c.str(*f.Service)
		}
		if f.Region != nil {
			a.Region = c.str(*f.Region)
		}
		if f.Profile != nil {
			a.Profile = c.str(*f.Profile)
		}
	case AuthAzureEntra:
		if f.Scope == nil {
			c.fail(at(f.Pos, "type"), "auth type azure-entra needs the token's scope", "add scope: api://<application-id>/.default (the app registration of the function app)")
			break
		}
		a.Scope = c.str(*f.Scope)
	}
	switch a.Type {
	case AuthHeader:
		if f.Name == nil {
			c.fail(at(f.Pos, "type"), "auth type header needs the header's name", "add name: X-Api-Key (or the header your endpoint expects)")
			break
		}
		a.Header = http.CanonicalHeaderKey(c.str(*f.Name))
	case AuthAzureFunctionKey:
		if f.SendAs != nil && c.str(*f.SendAs) == "query" {
			a.Query = "code"
		} else {
			a.Header = "X-Functions-Key"
		}
	}
	return a
}

// authHint says which keys an auth type takes.
func authHint(typ string) string {
	keys := authKeys[typ]
	if len(keys) == 0 {
		return "auth type " + typ + " takes only type"
	}
	return "auth type " + typ + " takes " + strings.Join(keys, ", ")
}

// secret reads an auth section's secret from value or value_file.
func (c *converter) secret(target string, f *fileAuth) string {
	var v string
	switch {
	case f.Value != nil && f.ValueFile != nil:
		c.fail(f.ValueFile.node, "auth takes value or value_file, not both", "remove one of them")
	case f.Value != nil:
		c.warnLiteral(*f.Value, "the auth value")
		v = f.Value.Value
		if c.redacted {
			v = "REDACTED"
			if strings.Contains(f.Value.Template, "${") {
				v = f.Value.Template
			}
		}
	case f.ValueFile != nil:
		b := c.bodyFile(*f.ValueFile)
		if c.files != nil {
			for i := range *c.files {
				if (*c.files)[i].Path == f.ValueFile.Value {
					(*c.files)[i].Secret = true
				}
			}
		}
		v = strings.TrimSpace(string(b))
		if c.redacted {
			v = "REDACTED (from " + f.ValueFile.Value + ")"
		}
	default:
		c.fail(at(f.Pos, "type"), fmt.Sprintf("auth type %s needs the secret", c.str(f.Type)), "add value: ${YOUR_ENV_VAR} or value_file: path")
	}
	if !c.redacted {
		c.d.env.redactor.Add(target+" auth", v)
	}
	return v
}

// checkBodyKeys rejects body and body_file in one mapping.
func (c *converter) checkBodyKeys(r fileRequest) {
	if r.Body != nil && r.BodyFile != nil {
		c.fail(r.Pos.keyNodes["body_file"], "body and body_file are both set", "keep one of them: body for an inline string, body_file for a file")
	}
}

func (c *converter) method(m text) string {
	v := strings.ToUpper(c.str(m))
	if !c.redacted && (v == "" || !isToken(v)) {
		c.fail(m.node, fmt.Sprintf("method %q is not an HTTP method", c.str(m)), "use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS")
	}
	return v
}

// headers merges r's headers over h, by canonical name.
func (c *converter) headers(h map[string]string, r *fileRequest) map[string]string {
	if len(r.Headers) == 0 {
		return h
	}
	out := make(map[string]string, len(h)+len(r.Headers))
	for k, v := range h {
		out[k] = v
	}
	seen := map[string]string{}
	for _, name := range sortedKeys(r.Headers) {
		t := r.Headers[name]
		canon := http.CanonicalHeaderKey(name)
		if !c.redacted {
			switch {
			case name == "" || !isToken(name):
				c.fail(t.node, fmt.Sprintf("header name %q is not valid", name), "use letters, digits and '-', for example X-Request-Id")
			case seen[canon] != "":
				c.fail(t.node, fmt.Sprintf("header %q is set twice (as %q and %q)", canon, seen[canon], name), "header names are case-insensitive; keep one")
			case strings.ContainsAny(t.Value, "\r\n\x00"):
				c.fail(t.node, fmt.Sprintf("header %q has a line break or NUL in its value", canon), "put the value on one line")
			}
		}
		seen[canon] = name
		if isCredentialHeader(canon) {
			c.warnLiteral(t, "header "+canon)
		}
		out[canon] = c.str(t)
	}
	return out
}

// tls applies a tls section over what defaults set: a CA bundle is read and
// must hold at least one certificate.
func (c *converter) tls(dst *TLS, f *fileTLS) {
	if f.Insecure != nil {
		dst.Insecure = *f.Insecure
	}
	if f.CAFile == nil {
		return
	}
	dst.CAFile = c.str(*f.CAFile)
	if c.redacted {
		return
	}
	dst.CA = c.bodyFile(*f.CAFile)
	if len(dst.CA) > 0 && !x509.NewCertPool().AppendCertsFromPEM(dst.CA) {
		c.fail(f.CAFile.node, fmt.Sprintf("ca_file %q holds no PEM certificate", f.CAFile.Value), "give a file of -----BEGIN CERTIFICATE----- blocks, such as the CA's certificate")
	}
}

func (c *converter) bodyFile(t text) []byte {
	if b, ok := c.bodies[t.node]; ok {
		return b
	}
	path := t.Value
	if !filepath.IsAbs(path) {
		path = filepath.Join(c.dir, path)
	}
	b, err := readBodyFile(path)
	if err != nil {
		c.fail(t.node, fmt.Sprintf("cannot read file %q: %v", t.Value, err), fmt.Sprintf("the path is relative to the scenario's directory (%s)", c.dir))
	}
	c.bodies[t.node] = b
	if c.files != nil && err == nil && !slices.ContainsFunc(*c.files, func(f FileRef) bool { return f.Path == t.Value }) {
		*c.files = append(*c.files, FileRef{Path: t.Value, Line: t.node.Line, Column: t.node.Column})
	}
	return b
}

// readBodyFile reads a regular file of at most maxBodyBytes. It refuses
// devices and pipes, which could block or never end.
func readBodyFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	if info.Size() > maxBodyBytes {
		return nil, fmt.Errorf("%d bytes is above the limit of %d", info.Size(), maxBodyBytes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxBodyBytes))
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// checkURL accepts http://host/…, https://host/… and sim://profile/function.
func (c *converter) checkURL(n *yaml.Node, raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		c.fail(n, fmt.Sprintf("url %q is not a valid URL", raw), "write it like http://127.0.0.1:8080/hello")
		return
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			c.fail(n, fmt.Sprintf("url %q has no host", raw), "write it like http://127.0.0.1:8080/hello")
		}
		c.checkPort(n, "url", raw, u)
	case platform.SimScheme:
		if s, err := platform.ParseSimURL(raw); err != nil || s.Function == "" {
			c.fail(n, fmt.Sprintf("url %q is not a simulator endpoint", raw), "write sim://<profile>/<function>[/<kind>], for example sim://aws-go-hello/hello or sim://aws-go-hello/hello/lambda-url")
		}
	case "":
		c.fail(n, fmt.Sprintf("url %q has no scheme", raw), "start it with http://, https:// or sim://")
	default:
		c.fail(n, fmt.Sprintf("url %q has unsupported scheme %q", raw, u.Scheme), "use http, https or sim (sim://<profile>/<function>)")
	}
}

func (c *converter) traffic(f *fileTraffic) Traffic {
	tr := Traffic{Arrivals: DefaultArrivals}
	if f.Arrivals != nil {
		tr.Arrivals = Arrivals(c.str(*f.Arrivals))
	}
	names := map[string]*yaml.Node{}
	var total time.Duration
	for i := range f.Phases {
		p := c.phase(&f.Phases[i], i)
		n := at(f.Phases[i].Pos, "name")
		if first, dup := names[p.Name]; dup {
			c.fail(n, fmt.Sprintf("duplicate phase name %q", p.Name), fmt.Sprintf("the first is at line %d column %d; phase names must be unique", first.Line, first.Column))
		} else {
			names[p.Name] = n
		}
		total += p.Duration
		tr.Phases = append(tr.Phases, p)
	}
	if len(f.Phases) > 0 && total > MaxScheduleDuration {
		c.fail(at(f.Pos, "phases"), fmt.Sprintf("the phases last %s in total", formatDuration(total)), fmt.Sprintf("a scenario lasts at most %s; run a longer test as several runs", formatDuration(MaxScheduleDuration)))
	}
	return tr
}

func (c *converter) phase(f *filePhase, i int) PhaseSpec {
	p := PhaseSpec{Name: fmt.Sprintf("phase-%d", i+1), Shape: c.str(f.Shape)}
	if f.Name != nil {
		p.Name = c.str(*f.Name)
	}
	setRate := func(dst *Rate, r *Rate) {
		if r != nil {
			*dst = *r
		}
	}
	setDur := func(dst *time.Duration, d *fileDuration) {
		if d != nil {
			*dst = time.Duration(*d)
		}
	}
	setRate(&p.Rate, f.Rate)
	setRate(&p.To, f.To)
	setRate(&p.Peak, f.Peak)
	setRate(&p.Amplitude, f.Amplitude)
	setDur(&p.Duration, f.Duration)
	setDur(&p.At, f.At)
	setDur(&p.Hold, f.Hold)
	setDur(&p.Period, f.Period)
	if f.Steps != nil {
		p.Steps = *f.Steps
	}
	if !c.redacted {
		c.checkPhase(f, p)
	}
	return p
}

// checkPhase enforces the keys each shape takes and the bounds between
// them. Checks on a key that failed to decode are skipped: its own error
// says enough.
func (c *converter) checkPhase(f *filePhase, p PhaseSpec) {
	params, ok := shapeParams[p.Shape]
	if !ok {
		return // the decoder reported the unknown shape
	}
	takes := shapeKeys(p.Shape)
	for _, key := range fieldsOf(typeOfPhase).keys {
		if _, set := f.Pos.keys[key]; set && !contains(takes, key) {
			c.fail(f.Pos.keyNodes[key], fmt.Sprintf("key %q is not used by shape %q", key, p.Shape), fmt.Sprintf("%s takes %s", p.Shape, strings.Join(takes, ", ")))
		}
	}
	for _, key := range params {
		if _, set := f.Pos.keys[key]; !set {
			c.fail(f.Pos.node, fmt.Sprintf("shape %q needs %q", p.Shape, key), fmt.Sprintf("%s takes %s", p.Shape, strings.Join(takes, ", ")))
		}
	}
	has := func(key string) bool { return f.Pos.keys[key] != nil }
	if f.Duration != nil && p.Duration <= 0 {
		c.fail(at(f.Pos, "duration"), fmt.Sprintf("phase %q has duration 0s", p.Name), "give it a duration above 0, for example 30s")
	}
	switch p.Shape {
	case "constant", "sine":
		if f.Rate != nil && p.Rate == 0 {
			c.fail(at(f.Pos, "rate"), fmt.Sprintf("%s rate must be above 0/s", p.Shape), "use shape: pause for an idle gap")
		}
	case "ramp", "steps":
		if f.Rate != nil && f.To != nil && p.Rate == 0 && p.To == 0 {
			c.fail(at(f.Pos, "to"), fmt.Sprintf("%s from 0/s to 0/s offers no load", p.Shape), "use shape: pause for an idle gap")
		}
	}
	switch p.Shape {
	case "spike":
		if f.Peak != nil && p.Peak == 0 {
			c.fail(at(f.Pos, "peak"), "spike peak must be above 0/s", "")
		}
		if f.Hold != nil && p.Hold <= 0 {
			c.fail(at(f.Pos, "hold"), "spike hold must be above 0s", "")
		}
		if f.At != nil && f.Duration != nil && p.At >= p.Duration {
			c.fail(at(f.Pos, "at"), fmt.Sprintf("spike at %s is not inside the phase's %s", formatDuration(p.At), formatDuration(p.Duration)), "")
		} else if f.At != nil && f.Hold != nil && f.Duration != nil && p.At+p.Hold > p.Duration {
			c.fail(at(f.Pos, "hold"), fmt.Sprintf("spike at %s holding %s ends after the phase's %s", formatDuration(p.At), formatDuration(p.Hold), formatDuration(p.Duration)), fmt.Sprintf("use hold: %s or less", formatDuration(p.Duration-p.At)))
		}
	case "sine":
		if f.Amplitude != nil && f.Rate != nil && p.Amplitude > p.Rate {
			c.fail(at(f.Pos, "amplitude"), fmt.Sprintf("amplitude %s is above rate %s, so the rate would go below 0", p.Amplitude, p.Rate), fmt.Sprintf("use amplitude: %s or less", p.Rate))
		}
		if has("period") && f.Period != nil && p.Period <= 0 {
			c.fail(at(f.Pos, "period"), "sine period must be above 0s", "")
		}
	}
}

var typeOfPhase = reflect.TypeFor[filePhase]()

func dirOf(name string) string { return filepath.Dir(name) }

// isToken reports whether s is an HTTP token (RFC 9110): method and header
// names.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch <= ' ' || ch >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, ch) >= 0 {
			return false
		}
	}
	return s != ""
}

// thresholds parses the scenario's thresholds; a bad expression is
// reported at the column of its bad token, and a scope must name a target
// or a phase of the scenario.
func (c *converter) thresholds(fs []fileThreshold, s Scenario) []Threshold {
	var out []Threshold
	for _, ft := range fs {
		n := ft.Expr.node
		if n == nil {
			continue // failed to decode; reported already
		}
		th, err := ParseThreshold(c.str(ft.Expr))
		if te, ok := err.(*ThresholdError); ok {
			at := *n
			if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
				at.Column++ // past the opening quote
			}
			if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 && !strings.Contains(n.Value, "\n") {
				at.Column += te.Offset
			}
			c.fail(&at, fmt.Sprintf("threshold %q: %s", te.Expr, te.Msg), te.Hint)
			continue
		}
		if ft.Abort != nil {
			th.Abort = *ft.Abort
		}
		c.checkScope(n, th, s)
		out = append(out, th)
	}
	return out
}

// checkScope fails a threshold whose scope names no target or phase.
func (c *converter) checkScope(n *yaml.Node, th Threshold, s Scenario) {
	if th.Target != "" && !slices.ContainsFunc(s.Targets, func(t Target) bool { return t.Name == th.Target }) {
		var names []string
		for _, t := range s.Targets {
			names = append(names, t.Name)
		}
		hint := "the targets are " + strings.Join(names, ", ")
		if m := closest(th.Target, names); m != "" {
			hint = fmt.Sprintf("did you mean %q?", m)
		}
		c.fail(n, fmt.Sprintf("threshold %q names no target %q", th.Expr, th.Target), hint)
	}
	if th.Phase != "" && !slices.ContainsFunc(s.Traffic.Phases, func(p PhaseSpec) bool { return p.Name == th.Phase }) {
		var names []string
		for _, p := range s.Traffic.Phases {
			names = append(names, p.Name)
		}
		hint := "the phases are " + strings.Join(names, ", ")
		if m := closest(th.Phase, names); m != "" {
			hint = fmt.Sprintf("did you mean %q?", m)
		}
		c.fail(n, fmt.Sprintf("threshold %q names no phase %q", th.Expr, th.Phase), hint)
	}
}

// checkPort fails a URL whose port is not a TCP port (url.Parse takes any
// digits).
func (c *converter) checkPort(n *yaml.Node, key, raw string, u *url.URL) {
	if p := u.Port(); p != "" {
		if v, err := strconv.Atoi(p); err != nil || v < 1 || v > 65535 {
			c.fail(n, fmt.Sprintf("%s %q has port %s", key, raw, p), "a port is 1 to 65535")
		}
	}
}
