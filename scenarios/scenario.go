package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// Scenario is a decoded scenario file with defaults applied. It marshals to
// JSON with the file's snake_case keys, durations as "30s" and rates as
// "20/s", which is how run.json embeds it.
type Scenario struct {
	Name        string
	Description string
	// Seed seeds the Poisson arrival generator. HasSeed is false when the
	// file gave none; the run then picks a seed and records it.
	Seed      int64
	HasSeed   bool
	Interval  time.Duration // recording interval
	Targets   []Target
	Traffic   Traffic
	ColdStart ColdStart
	Sweep     *Sweep // nil unless the file asks for a memory sweep
	// Thresholds gate the run (fnbench run and check exit 1 when one
	// fails).
	Thresholds []Threshold
}

// Sweep runs the traffic once per memory size of the aws-lambda targets.
type Sweep struct {
	MemoryMB []int `json:"memory_mb"`
}

// Detection modes: which evidence tags a cold start.
const (
	DetectAuto     = "auto"     // per request, the strongest evidence present
	DetectReport   = "report"   // only the Lambda REPORT line
	DetectMarker   = "marker"   // only the instrumented functions' markers
	DetectInferred = "inferred" // only inference from instances and latency
	DetectNone     = "none"     // no tagging: every success is warm
)

// ColdStart says how cold starts are detected and whether to force them.
type ColdStart struct {
	Detect string `json:"detect"`          // one of the Detect* modes
	Force  *Force `json:"force,omitempty"` // nil unless cold starts are forced
}

// The ways to force cold starts: a configuration nonce (Lambda and Azure),
// or an app restart (Azure).
const (
	ForceConfigUpdate = "config-update"
	ForceRestart      = "restart"
)

// Force asks for Count forced cold starts per aws-lambda target.
type Force struct {
	Count  int    `json:"count"`
	Method string `json:"method"`
}

// Target is one endpoint under test with its request settings resolved
// (defaults merged in).
type Target struct {
	Name   string
	Kind   string // KindHTTP or KindAWSLambda
	URL    string // http, https or sim://<profile>/<function>; http only
	Method string // upper case
	// Headers are keyed by canonical name (http.CanonicalHeaderKey).
	Headers     map[string]string
	Body        []byte
	Timeout     time.Duration // per request, from the intended send time
	MaxInFlight int           // beyond it an arrival is counted "not sent"
	HTTP2       bool          // allow HTTP/2 where offered
	KeepAlive   bool
	// TLS: a CA bundle to trust instead of the system's, or verification
	// off.
	TLS TLS
	// FollowRedirects: follow 3xx answers; off, a 3xx is an http_error.
	FollowRedirects bool
	// Connections to open before time zero; 0 sizes them from the load.
	Connections int
	Auth        Auth

	// aws-lambda targets: the Invoke API.
	Function  string // name, ARN or partial ARN
	Qualifier string // version or alias; "" for $LATEST
	Region    string // "" until the AWS chain says
	Endpoint  string // "" for AWS itself; http(s) or sim://<profile>

	// Metadata for cost, from the file; what the platform reports wins.
	MemoryMB int
	Arch     string
	Plan     string
	Gateway  string // http-api, rest-api, function-url, none; "" when the URL says

	// Azure Functions: the app's resource id and Resource Manager's
	// endpoint ("" for Azure's public cloud), for forced cold starts.
	AzureResourceID string
	ARMEndpoint     string
}

// Target kinds.
const (
	KindHTTP      = "http"
	KindAWSLambda = "aws-lambda"
)

// TLS is a target's certificate trust. CA holds the PEM of CAFile, read
// and checked at load.
type TLS struct {
	CAFile   string `json:"ca_file,omitempty"`
	Insecure bool   `json:"insecure,omitempty"`
	CA       []byte `json:"-"`
}

// Auth types.
const (
	AuthNone             = "none"
	AuthHeader           = "header"
	AuthAzureFunctionKey = "azure-function-key"
	AuthAWSSigV4         = "aws-sigv4"
	AuthAzureEntra       = "azure-entra"
)

// Auth is how a target's requests authenticate. Value is a secret: in
// Plan.Redacted it is its ${NAME} reference or "REDACTED".
type Auth struct {
	Type   string `json:"type"`
	Header string `json:"header,omitempty"` // send Value in this header
	Query  string `json:"query,omitempty"`  // or in this query parameter
	Value  string `json:"value,omitempty"`
	// aws-sigv4: the service and region signed for ("" = from the URL) and
	// the shared-config profile ("" = the default chain).
	Service string `json:"service,omitempty"`
	Region  string `json:"region,omitempty"`
	Profile string `json:"profile,omitempty"`
	// azure-entra: the token's scope.
	Scope string `json:"scope,omitempty"`
}

// Arrivals says how arrival times are spaced within the rate schedule.
type Arrivals string

const (
	Uniform Arrivals = "uniform" // evenly: the k-th arrival where the expected count reaches k
	Poisson Arrivals = "poisson" // exponential gaps, time-rescaled to the schedule
)

// Traffic is the offered load shared by every target.
type Traffic struct {
	Arrivals Arrivals
	Phases   []PhaseSpec
}

// PhaseSpec is one phase as the file describes it. Which fields are set
// depends on Shape; see the scenario format.
type PhaseSpec struct {
	Name  string
	Shape string // constant | ramp | steps | spike | sine | pause
	// Rate is the constant rate, the start of ramp and steps, the spike
	// baseline and the sine mean.
	Rate      Rate
	To        Rate // end of ramp and steps
	Peak      Rate // spike burst rate
	Amplitude Rate // sine swing around Rate
	Duration  time.Duration
	At        time.Duration // spike offset from the phase start
	Hold      time.Duration // spike length
	Period    time.Duration // sine period
	Steps     int           // number of stairs, >= 2
}

type scenarioJSON struct {
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Seed        *int64       `json:"seed,omitempty"`
	Interval    jsonDuration `json:"interval"`
	Targets     []Target     `json:"targets"`
	Traffic     trafficJSON  `json:"traffic"`
	ColdStart   *ColdStart   `json:"cold_start,omitempty"`
	Sweep       *Sweep       `json:"sweep,omitempty"`
	Thresholds  []Threshold  `json:"thresholds,omitempty"`
}

type trafficJSON struct {
	Arrivals Arrivals    `json:"arrivals"`
	Phases   []PhaseSpec `json:"phases"`
}

// MarshalJSON writes the scenario with the file's keys; seed is omitted when
// the file gave none.
func (s Scenario) MarshalJSON() ([]byte, error) {
	j := scenarioJSON{
		Name: s.Name, Description: s.Description, Interval: jsonDuration(s.Interval),
		Targets: s.Targets, Traffic: trafficJSON{s.Traffic.Arrivals, s.Traffic.Phases},
		Sweep: s.Sweep, Thresholds: s.Thresholds,
	}
	if s.ColdStart.Detect != "" || s.ColdStart.Force != nil {
		j.ColdStart = &s.ColdStart
	}
	if s.HasSeed {
		j.Seed = &s.Seed
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Scenario) UnmarshalJSON(b []byte) error {
	var j scenarioJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Scenario{
		Name: j.Name, Description: j.Description, Interval: time.Duration(j.Interval),
		Targets: j.Targets, Traffic: Traffic{j.Traffic.Arrivals, j.Traffic.Phases},
		Sweep: j.Sweep, Thresholds: j.Thresholds,
	}
	if j.ColdStart != nil {
		s.ColdStart = *j.ColdStart
	}
	if j.Seed != nil {
		s.Seed, s.HasSeed = *j.Seed, true
	}
	return nil
}

type targetJSON struct {
	Name            string            `json:"name"`
	Kind            string            `json:"kind"`
	URL             string            `json:"url,omitempty"`
	Function        string            `json:"function,omitempty"`
	Qualifier       string            `json:"qualifier,omitempty"`
	Region          string            `json:"region,omitempty"`
	Endpoint        string            `json:"endpoint,omitempty"`
	MemoryMB        int               `json:"memory_mb,omitempty"`
	Arch            string            `json:"architecture,omitempty"`
	Plan            string            `json:"plan,omitempty"`
	Gateway         string            `json:"gateway,omitempty"`
	AzureResourceID string            `json:"azure_resource_id,omitempty"`
	ARMEndpoint     string            `json:"arm_endpoint,omitempty"`
	Method          string            `json:"method"`
	Headers         map[string]string `json:"headers,omitempty"`
	Body            *string           `json:"body,omitempty"`
	BodyBase64      []byte            `json:"body_base64,omitempty"`
	BodySHA256      string            `json:"body_sha256,omitempty"`
	BodyBytes       int               `json:"body_bytes,omitempty"`
	Timeout         jsonDuration      `json:"timeout"`
	MaxInFlight     int               `json:"max_in_flight"`
	HTTP2           bool              `json:"http2"`
	KeepAlive       bool              `json:"keepalive"`
	FollowRedirects bool              `json:"follow_redirects,omitempty"`
	TLS             *TLS              `json:"tls,omitempty"`
	Connections     int               `json:"connections,omitempty"`
	Auth            *Auth             `json:"auth,omitempty"`
}

// MaxRecordedBody is the largest body a target's JSON (run.json) holds
// whole; a larger one is recorded as its SHA-256 and size, which say what
// was sent without copying it into every run and report.
const MaxRecordedBody = 64 << 10

// MarshalJSON writes the target with the file's keys. A body that is valid
// UTF-8 is written as the string "body", any other as "body_base64"; one
// over MaxRecordedBody as "body_sha256" and "body_bytes".
func (t Target) MarshalJSON() ([]byte, error) {
	j := targetJSON{
		Name: t.Name, Kind: t.Kind, URL: t.URL, Method: t.Method, Headers: t.Headers,
		Timeout: jsonDuration(t.Timeout), MaxInFlight: t.MaxInFlight, HTTP2: t.HTTP2, KeepAlive: t.KeepAlive,
		FollowRedirects: t.FollowRedirects, Connections: t.Connections,
		Function: t.Function, Qualifier: t.Qualifier, Region: t.Region, Endpoint: t.Endpoint,
		MemoryMB: t.MemoryMB, Arch: t.Arch, Plan: t.Plan, Gateway: t.Gateway,
		AzureResourceID: t.AzureResourceID, ARMEndpoint: t.ARMEndpoint,
	}
	if t.Auth.Type != "" && (t.Auth.Type != AuthNone || t.Kind == KindAWSLambda) {
		j.Auth = &t.Auth
	}
	if t.TLS.CAFile != "" || t.TLS.Insecure {
		tl := t.TLS
		j.TLS = &tl
	}
	switch {
	case len(t.Body) == 0:
	case len(t.Body) > MaxRecordedBody:
		sum := sha256.Sum256(t.Body)
		j.BodySHA256, j.BodyBytes = hex.EncodeToString(sum[:]), len(t.Body)
	case utf8.Valid(t.Body):
		s := string(t.Body)
		j.Body = &s
	default:
		j.BodyBase64 = t.Body
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (t *Target) UnmarshalJSON(b []byte) error {
	var j targetJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*t = Target{
		Name: j.Name, Kind: j.Kind, URL: j.URL, Method: j.Method, Headers: j.Headers,
		Timeout: time.Duration(j.Timeout), MaxInFlight: j.MaxInFlight, HTTP2: j.HTTP2, KeepAlive: j.KeepAlive,
		FollowRedirects: j.FollowRedirects, Connections: j.Connections,
		Body: j.BodyBase64, Function: j.Function, Qualifier: j.Qualifier, Region: j.Region, Endpoint: j.Endpoint,
		MemoryMB: j.MemoryMB, Arch: j.Arch, Plan: j.Plan, Gateway: j.Gateway,
		AzureResourceID: j.AzureResourceID, ARMEndpoint: j.ARMEndpoint,
	}
	if j.Auth != nil {
		t.Auth = *j.Auth
	}
	if j.TLS != nil {
		t.TLS = *j.TLS
	}
	if j.Body != nil {
		t.Body = []byte(*j.Body)
	}
	return nil
}

// MarshalJSON writes name, shape, duration and exactly the keys the shape
// takes, in the order of the scenario format.
func (p PhaseSpec) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	write := func(key string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		enc, err := json.Marshal(v)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%q:%s", key, enc)
		return nil
	}
	b.WriteByte('{')
	if err := write("name", p.Name); err != nil {
		return nil, err
	}
	if err := write("shape", p.Shape); err != nil {
		return nil, err
	}
	for _, key := range shapeParams[p.Shape] {
		if err := write(key, p.param(key)); err != nil {
			return nil, err
		}
	}
	if err := write("duration", jsonDuration(p.Duration)); err != nil {
		return nil, err
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// param returns the value of a shape key, typed for JSON.
func (p PhaseSpec) param(key string) any {
	switch key {
	case "rate":
		return p.Rate
	case "to":
		return p.To
	case "peak":
		return p.Peak
	case "amplitude":
		return p.Amplitude
	case "at":
		return jsonDuration(p.At)
	case "hold":
		return jsonDuration(p.Hold)
	case "period":
		return jsonDuration(p.Period)
	case "steps":
		return p.Steps
	}
	return nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (p *PhaseSpec) UnmarshalJSON(b []byte) error {
	var j struct {
		Name      string       `json:"name"`
		Shape     string       `json:"shape"`
		Rate      Rate         `json:"rate"`
		To        Rate         `json:"to"`
		Peak      Rate         `json:"peak"`
		Amplitude Rate         `json:"amplitude"`
		Duration  jsonDuration `json:"duration"`
		At        jsonDuration `json:"at"`
		Hold      jsonDuration `json:"hold"`
		Period    jsonDuration `json:"period"`
		Steps     int          `json:"steps"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*p = PhaseSpec{
		Name: j.Name, Shape: j.Shape, Rate: j.Rate, To: j.To, Peak: j.Peak, Amplitude: j.Amplitude,
		Duration: time.Duration(j.Duration), At: time.Duration(j.At), Hold: time.Duration(j.Hold),
		Period: time.Duration(j.Period), Steps: j.Steps,
	}
	return nil
}

func (c ColdStart) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Detect string `json:"detect"`
	}{c.Detect})
}

func (c *ColdStart) UnmarshalJSON(b []byte) error {
	var j struct {
		Detect string `json:"detect"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	c.Detect = j.Detect
	return nil
}
