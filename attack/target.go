package attack

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// Target is one endpoint under test, ready to be hit.
type Target struct {
	Name        string
	Kind        string
	Provider    string // platform.Generic for plain HTTP, else the cloud (platform.AWSLambda, platform.Azure)
	Simulated   bool   // the URL points at fnbench's built-in simulator
	Plan        string // hosting plan, where the provider has several
	Region      string
	Detect      string // cold-start detection mode (scenarios.Detect*)
	Request     vegeta.Target
	Timeout     time.Duration
	MaxInFlight int
	HTTP2       bool
	KeepAlive   bool
	// FollowRedirects sends the target through net/http's client, which
	// follows 3xx; without it a 3xx is an http_error (classifyStatus).
	FollowRedirects bool
	// TLS is the certificate trust: a CA bundle, or verification off.
	TLS scenarios.TLS
	// Connections to open before time zero; 0 sizes them from the load
	// (warmConns).
	Connections int

	// aws-lambda targets: the function as the Invoke API names it, and
	// the API endpoint.
	Function, Qualifier, Endpoint string
	// Meta describes the function for cost: from GetFunctionConfiguration
	// when fnbench may read it, else from the scenario.
	Meta rundir.FunctionMeta

	Gateway string // http-api, rest-api, function-url or ""; see rundir.TargetInfo

	// Azure Functions: the app's resource id and Resource Manager's
	// endpoint ("" for Azure's public cloud), from the scenario or the
	// simulator; "" when unknown.
	AzureResourceID, ARMEndpoint string

	SigV4  *sigV4             // signs each request; nil unless aws-sigv4
	Bearer *refresher[string] // an Entra token; nil unless azure-entra
}

// SimEndpoint is what a sim:// URL resolves to in a running simulator.
type SimEndpoint struct {
	URL      string // the endpoint's http:// address on loopback
	Provider string // the provider the simulator plays, e.g. aws-lambda
	Plan     string // e.g. consumption, flex-consumption
	Region   string
	Kind     string // lambda-url, lambda-invoke, apigw-http, apigw-rest or azure-http
	// The simulated function's memory, architecture and runtime, as its
	// profile sets them: what a control plane would report.
	MemoryMB     int
	Architecture string
	Runtime      string
	AlwaysReady  int // Azure Flex
	// BaseEndpoint is where an AWS client reaches the profile's Lambda API.
	BaseEndpoint string
	// The simulator's own credentials, which work nowhere else.
	AccessKeyID, SecretAccessKey string
	// Azure apps: the simulator's Resource Manager and the app's id there.
	ARMEndpoint, ARMResourceID string
}

// TargetsFromPlan turns the plan's targets into attack targets: URLs
// resolved (sim:// through env.Sim), Invoke API requests built, and
// credentials and tokens fetched once, so that a missing credential fails
// before the run rather than on every request. Call Close on the targets
// when the run is over.
func TargetsFromPlan(ctx context.Context, plan *scenarios.Plan, env Env) ([]Target, error) {
	out := make([]Target, 0, len(plan.Scenario.Targets))
	env.redact = plan.Redactor
	for i := range plan.Scenario.Targets {
		st := &plan.Scenario.Targets[i]
		t, err := targetFromPlan(ctx, plan, st, &env)
		if err != nil {
			CloseTargets(out)
			return nil, fmt.Errorf("target %q: %w", st.Name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func targetFromPlan(ctx context.Context, plan *scenarios.Plan, st *scenarios.Target, env *Env) (Target, error) {
	t := newTarget(plan, st)
	sim, err := t.resolveSim(st, env)
	if err != nil {
		return t, err
	}
	switch st.Gateway {
	case "":
	case "none":
		t.Gateway = ""
	default:
		t.Gateway = st.Gateway // the scenario knows what the URL does not say
	}
	if st.AzureResourceID != "" {
		// An app's resource id says it is Azure Functions, whatever the
		// URL (a custom domain, a proxy).
		t.AzureResourceID, t.ARMEndpoint, t.Provider = st.AzureResourceID, st.ARMEndpoint, platform.Azure
	}
	if st.Kind == scenarios.KindAWSLambda {
		err = lambdaRequest(ctx, &t, st, sim, env)
	} else {
		err = httpAuth(ctx, &t, st, sim, env)
	}
	if err != nil {
		return t, err
	}
	if a := st.Auth; a.Query != "" {
		u, err := url.Parse(t.Request.URL)
		if err != nil {
			return t, fmt.Errorf("bad URL: %v", err)
		}
		q := u.Query()
		q.Set(a.Query, a.Value)
		u.RawQuery = q.Encode()
		t.Request.URL = u.String()
	}
	if t.SigV4 != nil {
		if err := t.SigV4.bind(t.Request.Method, t.Request.URL, t.Request.Header); err != nil {
			return t, err
		}
	}
	return t, nil
}

// newTarget is a target as the scenario describes it, before its URL is
// resolved and its auth set up: the request, headers (a fixed auth header
// among them) and limits.
func newTarget(plan *scenarios.Plan, st *scenarios.Target) Target {
	t := Target{
		Name:            st.Name,
		Kind:            st.Kind,
		Provider:        platform.Generic,
		Detect:          plan.Scenario.ColdStart.Detect,
		Timeout:         st.Timeout,
		MaxInFlight:     st.MaxInFlight,
		HTTP2:           st.HTTP2,
		KeepAlive:       st.KeepAlive,
		FollowRedirects: st.FollowRedirects,
		TLS:             st.TLS,
		Connections:     st.Connections,
		Region:          st.Region,
		Plan:            st.Plan,
		Meta:            rundir.FunctionMeta{MemoryMB: st.MemoryMB, Arch: st.Arch, Source: rundir.MetaFromScenario},
		Request: vegeta.Target{
			Method: st.Method,
			URL:    st.URL,
			Body:   st.Body,
			Header: make(http.Header, len(st.Headers)+2),
		},
	}
	if st.MemoryMB == 0 && st.Arch == "" {
		t.Meta.Source = ""
	}
	for k, v := range st.Headers {
		t.Request.Header.Set(k, v)
	}
	if t.Request.Header.Get("User-Agent") == "" {
		t.Request.Header.Set("User-Agent", "fnbench")
	}
	if a := st.Auth; a.Header != "" {
		t.Request.Header.Set(a.Header, a.Value)
	}
	return t
}

// resolveSim points a target that names the built-in simulator (its url,
// or an aws-lambda target's endpoint) at the simulator's endpoint, and
// tells the provider and what fronts the function from the URL or from the
// simulator. It returns the simulator's endpoint, nil for a real one.
func (t *Target) resolveSim(st *scenarios.Target, env *Env) (*SimEndpoint, error) {
	simURL := st.URL
	if st.Kind == scenarios.KindAWSLambda {
		simURL = ""
		if platform.IsSimURL(st.Endpoint) {
			u, err := platform.ParseSimURL(st.Endpoint)
			if err != nil {
				return nil, err
			}
			fn, _ := scenarios.ParseFunction(st.Function)
			u.Function, u.Kind = fn.Name, "lambda-invoke"
			simURL = u.String()
		}
	}
	if !platform.IsSimURL(simURL) {
		t.Provider = providerOf(t.Request.URL)
		if service, _ := signingScope(t.Request.URL); service == "lambda" {
			t.Gateway = "function-url"
		}
		return nil, nil
	}
	if env.Sim == nil {
		return nil, fmt.Errorf("%s names the built-in simulator, which is not running", simURL)
	}
	e, err := env.Sim(simURL)
	if err != nil {
		return nil, err
	}
	t.Request.URL, t.Simulated = e.URL, true
	t.Provider, t.Plan, t.Region = e.Provider, e.Plan, e.Region
	t.Gateway = map[string]string{"apigw-http": "http-api", "apigw-rest": "rest-api", "lambda-url": "function-url"}[e.Kind]
	t.simMeta(&e)
	t.AzureResourceID, t.ARMEndpoint = e.ARMResourceID, e.ARMEndpoint
	return &e, nil
}

// simMeta takes a simulated function's memory, architecture and runtime
// from its profile, as a control plane would report them, where the
// scenario does not set them: a simulated target is priced like for like
// without memory_mb. Consumption's memory is what each execution used,
// which the simulator reports per request (Fnbench-Memory-Mb), not the
// profile's ceiling.
func (t *Target) simMeta(e *SimEndpoint) {
	consumption := t.Provider == platform.Azure && (t.Plan == "" || t.Plan == "consumption")
	set := false
	if t.Meta.MemoryMB == 0 && e.MemoryMB > 0 && !consumption {
		t.Meta.MemoryMB, set = e.MemoryMB, true
	}
	if t.Meta.Arch == "" && e.Architecture != "" {
		t.Meta.Arch, set = e.Architecture, true
	}
	if t.Meta.Runtime == "" && e.Runtime != "" {
		t.Meta.Runtime = e.Runtime
	}
	if e.AlwaysReady > 0 {
		t.Meta.AlwaysReady, set = e.AlwaysReady, true
	}
	if set && t.Meta.Source == "" {
		t.Meta.Source = rundir.MetaFromPlatform
	}
}

// CloseTargets stops the credential and token refreshers of targets.
func CloseTargets(ts []Target) {
	for i := range ts {
		if s := ts[i].SigV4; s != nil {
			s.creds.close()
		}
		if b := ts[i].Bearer; b != nil {
			b.close()
		}
	}
}
