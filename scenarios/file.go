package scenarios

import (
	"regexp"
	"time"

	"go.yaml.in/yaml/v3"
)

// The types in this file are the scenario file exactly as written: one Go
// field per YAML key. They are the single source of truth for the format.
// The decoder (decode.go) walks YAML nodes against them, and the JSON Schema
// (schema.go) is generated from them, so a key documented here is a key the
// decoder accepts and the schema describes.
//
// Struct tags, read by both:
//
//	yaml:"key"         the key; yaml:",inline" flattens an embedded struct
//	doc:"…"            the description shown in the schema
//	required:"true"    the key must be present
//	enum:"a,b"         the accepted values of a string
//	planned:"c"        values that are recognised but "not supported yet"
//	pattern:"name"     a named pattern from namedPatterns
//	max_len:"40"       maximum length of a string, in bytes
//	min:"…" max:"…"    bounds of an integer, a duration, or a list's length
//	default:"…"        the default, for the schema (applied in convert.go)
//	reserved:"…"       a section that is rejected until the feature arrives;
//	                   the text says what it arrives with
//
// Optional keys are pointers (or maps and slices), so "absent" and "zero"
// stay distinct until defaults are applied.

type fileScenario struct {
	Pos         positions       `yaml:"-"`
	Name        text            `yaml:"name" required:"true" pattern:"name" doc:"Scenario name: lowercase letters, digits, '_', '.' and '-', starting with a letter or digit. Names the run directory."`
	Description *text           `yaml:"description" doc:"Free text shown in reports."`
	Seed        *int64          `yaml:"seed" doc:"Seed of the Poisson arrival generator. When absent the run picks one and records it in run.json, so any run can be replayed."`
	Interval    *fileDuration   `yaml:"interval" default:"1s" min:"100ms" max:"1m" doc:"Recording interval: histograms and counters are flushed this often. Between 100ms and 1m."`
	Defaults    *fileRequest    `yaml:"defaults" doc:"Request settings applied to every target; each target may override any of them (headers merge per name, the target wins)."`
	Targets     []fileTarget    `yaml:"targets" required:"true" min:"1" max:"16" doc:"The endpoints under test, 1 to 16. Every target receives the same schedule on one shared timeline."`
	Traffic     *fileTraffic    `yaml:"traffic" required:"true" doc:"The offered load: how arrivals are spaced and the phases of the rate schedule."`
	ColdStart   *fileColdStart  `yaml:"cold_start" doc:"How cold starts are detected, and whether to force them."`
	Sweep       *fileSweep      `yaml:"sweep" doc:"Run the whole traffic once per memory size of every aws-lambda target (the job of AWS Lambda Power Tuning); the original configuration is restored at the end."`
	Thresholds  []fileThreshold `yaml:"thresholds" max:"100" doc:"Gates on the run, each an expression like \"p99 < 500ms\", \"target=azure phase=spike cold.p50 <= 2s\" or \"error_rate[30s] < 1%\" (see the README's CI gates), or a mapping {expr, abort}. fnbench run exits 1 when one fails."`
	Cost        *yaml.Node      `yaml:"cost" reserved:"it arrives with the cost model"`
}

// fileThreshold is one entry of thresholds: an expression, or a mapping
// with the expression and abort. A plain string is read as its expr.
type fileThreshold struct {
	Pos   positions `yaml:"-"`
	Expr  text      `yaml:"expr" required:"true" doc:"The threshold expression, for example \"p99 < 500ms\"."`
	Abort *bool     `yaml:"abort" default:"false" doc:"End the attack as soon as the threshold is certainly lost; the run directory is still written, with status aborted."`
}

// fileRequest is the request settings shared by defaults and targets.
type fileRequest struct {
	Pos             positions       `yaml:"-"`
	Method          *text           `yaml:"method" default:"GET" doc:"HTTP method, for example GET or POST."`
	Headers         map[string]text `yaml:"headers" doc:"Request headers. Names are case-insensitive; defaults and target headers merge per name, the target wins. Values may reference secrets as ${NAME}."`
	Body            *text           `yaml:"body" doc:"Request body as a string. Mutually exclusive with body_file."`
	BodyFile        *text           `yaml:"body_file" doc:"Path of a file holding the request body, relative to the scenario file. Mutually exclusive with body."`
	Timeout         *fileDuration   `yaml:"timeout" default:"30s" min:"1ms" max:"15m" doc:"Per-request timeout, from the intended send time."`
	MaxInFlight     *int            `yaml:"max_in_flight" default:"10000" min:"1" max:"1000000" doc:"Cap on requests in flight per target; an arrival beyond it is counted as not sent, never delayed."`
	HTTP2           *bool           `yaml:"http2" default:"true" doc:"Allow HTTP/2 where the target offers it."`
	KeepAlive       *bool           `yaml:"keepalive" default:"true" doc:"Reuse connections between requests."`
	FollowRedirects *bool           `yaml:"follow_redirects" default:"false" doc:"Follow 3xx redirects (up to 10, through net/http's client, which drops credentials on a redirect to another host); the latency then covers every hop. Off, a 3xx is an http_error: a redirect is rarely the function answering."`
	TLS             *fileTLS        `yaml:"tls" doc:"TLS settings for https targets: a CA bundle to trust, or verification off."`
	Connections     *int            `yaml:"connections" min:"1" max:"100000" doc:"Connections to open (and TLS-handshake) before time zero. Default: sized by Little's law, the first seconds' highest rate times 250 ms; give it when responses take longer."`
}

type fileTarget struct {
	Pos         positions `yaml:"-"`
	Name        text      `yaml:"name" required:"true" pattern:"name" max_len:"40" doc:"Target name, unique in the scenario, at most 40 characters: lowercase letters, digits, '_', '.' and '-'. Labels every result."`
	Kind        *text     `yaml:"kind" enum:"http,aws-lambda" default:"http" doc:"How requests are sent: http (any URL: function URLs, API Gateway, Azure Functions) or aws-lambda (the Lambda Invoke API, with the REPORT line of every invocation)."`
	URL         *text     `yaml:"url" doc:"Endpoint URL of an http target: http://, https://, or sim://<profile>/<function>[/<kind>] for the built-in simulator."`
	Auth        *fileAuth `yaml:"auth" doc:"How requests authenticate: default none for http, aws-sigv4 for aws-lambda."`
	Function    *text     `yaml:"function" doc:"aws-lambda: the function's name, ARN or partial ARN."`
	Qualifier   *text     `yaml:"qualifier" doc:"aws-lambda: a version or alias to invoke (default $LATEST)."`
	Region      *text     `yaml:"region" doc:"aws-lambda: the function's region (default: from the ARN, else AWS_REGION or the profile's region)."`
	Endpoint    *text     `yaml:"endpoint" doc:"aws-lambda: another Lambda API endpoint, for the simulator (sim://<profile>) or the Runtime Interface Emulator (http://127.0.0.1:9000)."`
	Payload     *text     `yaml:"payload" doc:"aws-lambda: the invocation payload (JSON). {{request_id}} and {{seq}} are replaced per request. Mutually exclusive with payload_file."`
	PayloadFile *text     `yaml:"payload_file" doc:"aws-lambda: a file holding the payload, relative to the scenario file."`
	MemoryMB    *int      `yaml:"memory_mb" min:"128" max:"10240" doc:"The configured memory, for cost, when fnbench cannot read it (aws-lambda without lambda:GetFunctionConfiguration, Azure Flex instance memory)."`
	Arch        *text     `yaml:"architecture" enum:"x86_64,arm64" doc:"The function's architecture, for cost, when fnbench cannot read it."`
	Plan        *text     `yaml:"plan" enum:"lambda,consumption,flex-consumption,premium" doc:"The hosting plan, for cost: lambda for AWS; consumption, flex-consumption or premium for Azure Functions."`
	Gateway     *text     `yaml:"gateway" enum:"http-api,rest-api,function-url,none" doc:"What fronts the function, for cost, when the URL does not say: an execute-api URL is an HTTP API or a REST API, priced differently."`
	AzureID     *text     `yaml:"azure_resource_id" doc:"An Azure Functions app's resource id (/subscriptions/…/resourceGroups/…/providers/Microsoft.Web/sites/<app>), for cold_start.force: fnbench changes an app setting, or restarts the app, through Azure Resource Manager, with azidentity's credential chain."`
	ARMEndpoint *text     `yaml:"arm_endpoint" doc:"Azure Resource Manager's endpoint, for another cloud or the simulator (default https://management.azure.com)."`
	fileRequest `yaml:",inline"`
}

type fileTLS struct {
	Pos      positions `yaml:"-"`
	CAFile   *text     `yaml:"ca_file" doc:"A PEM file of certificates to trust instead of the system's, relative to the scenario file: for a private CA or a self-signed test server."`
	Insecure *bool     `yaml:"insecure" default:"false" doc:"Skip certificate verification. Every report then warns that the answers may not have come from the target; prefer ca_file."`
}

type fileAuth struct {
	Pos       positions `yaml:"-"`
	Type      text      `yaml:"type" required:"true" enum:"none,header,azure-function-key,aws-sigv4,azure-entra" doc:"none; header (a header whose value is a secret); azure-function-key (an Azure Functions key); aws-sigv4 (IAM: requests signed with credentials from the standard AWS chain); azure-entra (a Microsoft Entra bearer token from Azure's default credential chain)."`
	Name      *text     `yaml:"name" doc:"The header's name, for type header (for example X-Api-Key)."`
	Value     *text     `yaml:"value" doc:"The secret. Write it as ${NAME} so that it comes from the environment; it is redacted everywhere either way."`
	ValueFile *text     `yaml:"value_file" doc:"A file holding the secret, relative to the scenario file, instead of value."`
	SendAs    *text     `yaml:"send_as" enum:"header,query" default:"header" doc:"For azure-function-key: the x-functions-key header, or the code query parameter."`
	Service   *text     `yaml:"service" enum:"lambda,execute-api" doc:"For aws-sigv4: the service signed for: lambda (function URLs) or execute-api (API Gateway). Default: from the URL's host."`
	Region    *text     `yaml:"region" doc:"For aws-sigv4 on an http target: the signing region. Default: from the URL's host, else AWS_REGION or the profile's region."`
	Profile   *text     `yaml:"profile" doc:"For aws-sigv4: a named profile of the shared AWS config (default: AWS_PROFILE, else the default chain)."`
	Scope     *text     `yaml:"scope" doc:"For azure-entra: the token scope, for example api://<app-id>/.default."`
}

type fileColdStart struct {
	Pos    positions  `yaml:"-"`
	Detect *text      `yaml:"detect" enum:"auto,report,marker,inferred,none" default:"auto" doc:"Evidence used to tag cold starts: auto (per request, the strongest present), report (the Lambda REPORT line), marker (the Fnbench-Cold headers of instrumented functions), inferred (from instance changes and latency, with no help from the function), or none."`
	Force  *fileForce `yaml:"force" doc:"Force cold starts before the traffic, on every aws-lambda target and every Azure Functions target with an azure_resource_id (or simulated): count invocations, each on a new execution environment."`
}

type fileForce struct {
	Pos    positions `yaml:"-"`
	Count  int       `yaml:"count" required:"true" min:"1" max:"1000" doc:"Cold samples to collect per aws-lambda target."`
	Method *text     `yaml:"method" enum:"config-update,restart" default:"config-update" doc:"config-update: set a nonce, FNBENCH_COLD_NONCE (Lambda: an environment variable with UpdateFunctionConfiguration, waiting until the update is Successful; Azure: an app setting through Resource Manager, on which the app restarts), so that the next invocation starts a new environment. restart (Azure only): restart the app through Resource Manager."`
}

type fileSweep struct {
	Pos      positions `yaml:"-"`
	MemoryMB []int     `yaml:"memory_mb" required:"true" doc:"Memory sizes in MB, 1 to 20 of them, each from 128 to 10240, run in turn."`
}

type fileTraffic struct {
	Pos      positions   `yaml:"-"`
	Arrivals *text       `yaml:"arrivals" enum:"uniform,poisson" default:"uniform" doc:"How arrivals are spaced: uniform (evenly, deterministic) or poisson (exponential gaps from the seed, exact under any rate shape)."`
	Phases   []filePhase `yaml:"phases" required:"true" min:"1" max:"1000" doc:"The rate schedule, phase after phase. Total duration above 0 and at most 7 days."`
}

// filePhase holds every key any shape takes; shapeParams says which belong
// to which shape.
type filePhase struct {
	Pos       positions     `yaml:"-"`
	Name      *text         `yaml:"name" pattern:"name" doc:"Phase name, unique in the scenario; default phase-<i> (1-based)."`
	Shape     text          `yaml:"shape" required:"true" enum:"constant,ramp,steps,spike,sine,pause" doc:"Rate shape of the phase."`
	Rate      *Rate         `yaml:"rate" doc:"Rate of constant; start rate of ramp and steps; baseline of spike; mean of sine."`
	To        *Rate         `yaml:"to" doc:"End rate of ramp and steps."`
	Peak      *Rate         `yaml:"peak" doc:"Burst rate of spike."`
	Amplitude *Rate         `yaml:"amplitude" doc:"Swing of sine around rate; at most rate."`
	Duration  *fileDuration `yaml:"duration" required:"true" doc:"Length of the phase, above 0."`
	At        *fileDuration `yaml:"at" doc:"Offset of the spike from the phase start."`
	Hold      *fileDuration `yaml:"hold" doc:"How long the spike stays at peak."`
	Period    *fileDuration `yaml:"period" doc:"Period of sine."`
	Steps     *int          `yaml:"steps" min:"2" max:"10000" doc:"Number of equal-length stairs of steps, from rate to to inclusive; at least 2."`
}

// shapeParams lists, per shape, the keys it takes besides name, shape and
// duration. All of them are required for that shape and no other key is
// accepted.
var shapeParams = map[string][]string{
	"constant": {"rate"},
	"ramp":     {"rate", "to"},
	"steps":    {"rate", "to", "steps"},
	"spike":    {"rate", "peak", "at", "hold"},
	"sine":     {"rate", "amplitude", "period"},
	"pause":    {},
}

// shapeKeys lists every key a phase of shape takes, in the order of the
// format: name, shape, the shape's own keys, duration.
func shapeKeys(shape string) []string {
	return append(append([]string{"name", "shape"}, shapeParams[shape]...), "duration")
}

// text is a string value from the file. Value has every ${NAME} resolved;
// Template keeps each reference as ${NAME}, for the redacted scenario.
type text struct {
	Value    string
	Template string
	node     *yaml.Node
}

// fileDuration is a duration written in Go syntax ("30s").
type fileDuration time.Duration

// positions records where a mapping and each of its values sit, so that
// checks made after decoding (shape keys, unique names) still point at the
// right line. The decoder fills every field of this type.
type positions struct {
	node     *yaml.Node            // the mapping
	keys     map[string]*yaml.Node // key name → its value
	keyNodes map[string]*yaml.Node // key name → the key itself
}

// namedPattern is a string syntax shared by several keys.
type namedPattern struct {
	re   *regexp.Regexp
	hint string
}

var namedPatterns = map[string]namedPattern{
	"name": {
		re:   regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`),
		hint: "use lowercase letters, digits, '_', '.' and '-', starting with a letter or digit (for example local-ramp)",
	},
}
