package attack

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/fnbench/fnbench/internal/rundir"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fnbench/fnbench/scenarios"
)

// Target is one endpoint under test, ready to be hit.
type Target struct {
	Name        string
	Kind        string
	Provider    string // "generic" for plain HTTP; later kinds name their cloud
	Simulated   bool   // the URL points at fnbench's built-in simulator
	Plan        string // hosting plan, where the provider has several
	Region      string
	Detect      string // cold-start detection mode (scenarios.Detect*)
	Request     vegeta.Target
	Timeout     time.Duration
	MaxInFlight int
	HTTP2       bool
	KeepAlive   bool

	// aws-lambda targets: the function as the Invoke API names it, and
	// the API endpoint.
	Function, Qualifier, Endpoint string
	// Meta describes the function for cost: from GetFunctionConfiguration
	// when fnbench may read it, else from the scenario.
	Meta rundir.FunctionMeta

	Gateway string // http-api, rest-api, function-url or ""; see rundir.TargetInfo

	SigV4  *sigV4             // signs each request; nil unless aws-sigv4
	Bearer *refresher[string] // an Entra token; nil unless azure-entra
}

// testRoots, when set by a test, replaces the system's trusted roots.
var testRoots *x509.CertPool

// maxDials bounds the connections a target's h1Sender dials at once.
const maxDials = 32

// newSender picks how a target's requests travel. Plain HTTP/1.1 with
// keep-alive (and HTTPS where HTTP/2 is off), with a request small enough to
// write without blocking, goes through fnbench's h1Sender. The rest (HTTP/2,
// proxies, large bodies, keep-alive off) goes through net/http's Transport,
// set up with vegeta's defaults: dialer keep-alive 30 s, an idle pool as large
// as the in-flight cap. Neither has a timeout of its own: each request's
// deadline runs from its intended send time. Neither follows redirects or
// retries.
func newSender(r *runner) (sender, error) {
	t := r.t
	if needsPreparer(t) {
		p, err := newPreparer(t)
		if err != nil {
			return nil, err
		}
		r.prep = p
	}
	u, err := url.Parse(t.Request.URL)
	if err != nil {
		return nil, fmt.Errorf("target %q: bad URL: %v", t.Name, err)
	}
	tlsConf := &tls.Config{ClientSessionCache: tls.NewLRUClientSessionCache(0), ServerName: u.Hostname(), RootCAs: testRoots}
	proxy, _ := http.ProxyFromEnvironment(&http.Request{URL: u})
	inline := proxy == nil && t.KeepAlive &&
		(u.Scheme == "http" || (u.Scheme == "https" && !t.HTTP2))
	if inline {
		addr := u.Host
		if u.Port() == "" {
			addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
		}
		var h1TLS *tls.Config
		if u.Scheme == "https" {
			h1TLS = tlsConf.Clone()
			h1TLS.NextProtos = []string{"http/1.1"}
		}
		tmpl, err := t.Request.Request()
		if err != nil {
			return nil, fmt.Errorf("target %q: %v", t.Name, err)
		}
		s, err := newH1Sender(r, addr, h1TLS, tmpl, r.prep)
		switch {
		case err == nil:
			return s, nil
		case !errors.Is(err, errTooLarge):
			return nil, fmt.Errorf("target %q: %v", t.Name, err)
		}
		// Too large to write inline: net/http's transport carries it.
	}
	dialer := &net.Dialer{Timeout: t.Timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dialer.DialContext,
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: t.Timeout,
		MaxIdleConnsPerHost: t.MaxInFlight,
		IdleConnTimeout:     90 * time.Second,
		DisableKeepAlives:   !t.KeepAlive,
		ForceAttemptHTTP2:   t.HTTP2,
		// Compressed responses would be measured differently from what an
		// SDK client sees; ask for what the target sends by default.
		DisableCompression: true,
	}
	if !t.HTTP2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return newPoolSender(r, tr), nil
}

// newRequest builds one request from the target's vegeta.Target.
//
// About retries: net/http's transport re-sends an idempotent request (GET,
// HEAD, OPTIONS, TRACE) by itself only when a kept-alive connection turns out
// to have been closed before the server read the request, so the target never
// sees two attempts. fnbench adds no retry of its own, and AWS and Azure SDK
// clients it uses run with retries off.
func newRequest(ctx context.Context, vt *vegeta.Target) (*http.Request, error) {
	req, err := vt.Request()
	if err != nil {
		return nil, err
	}
	return req.WithContext(ctx), nil
}

// bufPool holds buffers for draining response bodies.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// drain reads and discards a response body, returning its size.
func drain(body io.Reader) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	return io.CopyBuffer(io.Discard, struct{ io.Reader }{body}, *bp)
}

// hit sends one request and classifies what came back.
func hit(ctx context.Context, rt http.RoundTripper, t *Target, prep *preparer, res *result) {
	vt := &t.Request
	var req *http.Request
	var err error
	if prep != nil {
		req, err = prep.request(ctx)
	} else {
		req, err = newRequest(ctx, vt)
	}
	if err != nil {
		res.outcome, res.class, res.errMsg = rundir.IndexError, classIndex(rundir.ClassTransportError), err.Error()
		return
	}
	res.bytesOut = int64(len(vt.Body))
	resp, err := rt.RoundTrip(req)
	if err != nil {
		res.outcome, res.class, res.errMsg = rundir.IndexError, classifyErr(err), err.Error()
		return
	}
	readBody(t, resp, res)
	res.markers = markersFromHeader(resp.Header)
}

// readBody drains and closes a response body and classifies the response.
func readBody(t *Target, resp *http.Response, res *result) {
	sg := signalsFromHeader(resp.Header, infers(t))
	var head int64
	if resp.StatusCode >= 400 {
		var buf [errBodyPeek]byte
		n, _ := io.ReadFull(resp.Body, buf[:])
		head = int64(n)
		sg.reason = throttleReason(buf[:n])
	}
	n, err := drain(resp.Body)
	resp.Body.Close()
	res.bytesIn = head + n
	res.logResult, res.requestID = sg.logResult, sg.requestID
	if err != nil {
		res.status = resp.StatusCode
		res.outcome, res.class, res.errMsg = rundir.IndexError, classifyErr(err), err.Error()
		return
	}
	classifyStatus(t, resp.StatusCode, sg, res)
}

// signals are the response headers, beyond the status, that tell what went
// wrong: the AWS error type and Lambda's function-error flag.
type signals struct {
	errorType     string // x-amzn-ErrorType, up to any ':'
	functionError bool   // X-Amz-Function-Error present
	reason        string // a throttle's "Reason" from the body
	logResult     string // X-Amz-Log-Result: the log tail of an Invoke
	wantID        bool   // read the request id (it costs an allocation)
	requestID     string // X-Amzn-RequestId, when wanted
}

// throttleReason finds the "Reason" of a Lambda TooManyRequestsException
// body, {"Reason":"ConcurrentInvocationLimitExceeded",…}, in the head of an
// error body. It allocates only when there is one.
func throttleReason(body []byte) string {
	const key = `"Reason":`
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(body[i+len(key):], " ")
	if len(rest) == 0 || rest[0] != '"' {
		return ""
	}
	rest = rest[1:]
	end := bytes.IndexByte(rest, '"')
	if end <= 0 || end > 100 {
		return ""
	}
	return string(rest[:end])
}

// parseHeader reads one header if it is a signal; no allocation unless it is.
func (sg *signals) parseHeader(name, value []byte) {
	switch {
	case equalFold(name, "x-amzn-errortype"):
		if i := bytes.IndexByte(value, ':'); i >= 0 {
			value = value[:i]
		}
		sg.errorType = string(value)
	case equalFold(name, "x-amz-function-error"):
		sg.functionError = len(value) > 0
	case equalFold(name, "x-amz-log-result"):
		sg.logResult = string(value)
	case sg.wantID && equalFold(name, "x-amzn-requestid"):
		sg.requestID = string(value)
	}
}

func signalsFromHeader(h http.Header, wantID bool) signals {
	sg := signals{wantID: wantID}
	for _, name := range [...]string{"X-Amzn-Errortype", "X-Amz-Function-Error", "X-Amz-Log-Result", "X-Amzn-Requestid"} {
		if v := h.Get(name); v != "" {
			sg.parseHeader([]byte(name), []byte(v))
		}
	}
	return sg
}

// classifyStatus sets the outcome of a response from its status and
// signals. Throttling is told by status and headers, not status alone:
// Lambda function URLs have answered 400 with x-amzn-ErrorType
// ThrottlingException, and Azure Functions answers 503 at its scale limit
// (FACTS.md, "Scaling and throttling"). A function error is Lambda's
// X-Amz-Function-Error or a 5xx; other 4xx are http errors.
func classifyStatus(t *Target, status int, sg signals, res *result) {
	res.status = status
	switch {
	case status == http.StatusTooManyRequests, isThrottleType(sg.errorType),
		status == http.StatusServiceUnavailable && t.Provider == ProviderAzure:
		res.outcome, res.class = rundir.IndexError, classThrottled
	case sg.functionError, status >= 500:
		res.outcome, res.class = rundir.IndexError, classFunction
	case status >= 400:
		res.outcome, res.class = rundir.IndexError, classHTTPError
	default:
		res.outcome, res.class = rundir.IndexWarm, -1
		return
	}
	res.errMsg = statusText(status)
	if sg.errorType != "" {
		res.errMsg += " " + sg.errorType
	}
	if sg.reason != "" {
		res.errMsg += " (" + sg.reason + ")"
	}
}

// isThrottleType reports whether an AWS error type means throttling.
func isThrottleType(t string) bool {
	return t == "ThrottlingException" || t == "TooManyRequestsException"
}

// statusText is "404 Not Found" without allocating for common statuses.
func statusText(status int) string {
	if s, ok := statusTexts[status]; ok {
		return s
	}
	return fmt.Sprintf("%d %s", status, http.StatusText(status))
}

var statusTexts = func() map[int]string {
	m := map[int]string{}
	for code := 400; code < 600; code++ {
		if t := http.StatusText(code); t != "" {
			m[code] = fmt.Sprintf("%d %s", code, t)
		}
	}
	return m
}()

func classIndex(name string) int {
	for i, c := range rundir.Classes {
		if c == name {
			return i
		}
	}
	panic("attack: unknown error class " + name)
}

var (
	classFunction  = classIndex(rundir.ClassFunctionError)
	classThrottled = classIndex(rundir.ClassThrottled)
	classHTTPError = classIndex(rundir.ClassHTTPError)
	classTimeout   = classIndex(rundir.ClassTimeout)
	classTransport = classIndex(rundir.ClassTransportError)
)

// classifyErr tells a timeout from other transport failures.
func classifyErr(err error) int {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return classTimeout
	case errors.As(err, &ne) && ne.Timeout():
		return classTimeout
	}
	return classTransport
}

// Providers a target can name.
const (
	ProviderGeneric   = "generic"
	ProviderAWSLambda = "aws-lambda"
	ProviderAzure     = "azure-functions"
)

// SimEndpoint is what a sim:// URL resolves to in a running simulator.
type SimEndpoint struct {
	URL      string // the endpoint's http:// address on loopback
	Provider string // the provider the simulator plays, e.g. aws-lambda
	Plan     string // e.g. consumption, flex-consumption
	Region   string
	Kind     string // lambda-url, lambda-invoke, apigw-http, apigw-rest or azure-http
	// BaseEndpoint is where an AWS client reaches the profile's Lambda API.
	BaseEndpoint string
	// The simulator's own credentials, which work nowhere else.
	AccessKeyID, SecretAccessKey string
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
	t := Target{
		Name:        st.Name,
		Kind:        st.Kind,
		Provider:    ProviderGeneric,
		Detect:      plan.Scenario.ColdStart.Detect,
		Timeout:     st.Timeout,
		MaxInFlight: st.MaxInFlight,
		HTTP2:       st.HTTP2,
		KeepAlive:   st.KeepAlive,
		Region:      st.Region,
		Plan:        st.Plan,
		Meta:        rundir.FunctionMeta{MemoryMB: st.MemoryMB, Arch: st.Arch, Source: rundir.MetaFromScenario},
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
	var sim *SimEndpoint
	simURL := st.URL
	if st.Kind == scenarios.KindAWSLambda {
		simURL = ""
		if strings.HasPrefix(st.Endpoint, "sim://") {
			fn, _ := scenarios.ParseFunction(st.Function)
			simURL = strings.TrimRight(st.Endpoint, "/") + "/" + fn.Name + "/lambda-invoke"
		}
	}
	if strings.HasPrefix(simURL, "sim://") {
		if env.Sim == nil {
			return t, fmt.Errorf("%s names the built-in simulator, which is not running", simURL)
		}
		e, err := env.Sim(simURL)
		if err != nil {
			return t, err
		}
		sim = &e
		t.Request.URL, t.Simulated = e.URL, true
		t.Provider, t.Plan, t.Region = e.Provider, e.Plan, e.Region
	}
	if sim == nil {
		t.Provider = providerOf(t.Request.URL)
		if service, _ := signingScope(t.Request.URL); service == "lambda" {
			t.Gateway = "function-url"
		}
	} else {
		t.Gateway = map[string]string{"apigw-http": "http-api", "apigw-rest": "rest-api", "lambda-url": "function-url"}[sim.Kind]
	}
	if st.Kind == scenarios.KindAWSLambda {
		if err := lambdaRequest(ctx, &t, st, sim, env); err != nil {
			return t, err
		}
	} else if err := httpAuth(ctx, &t, st, sim, env); err != nil {
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

// providerOf tells the provider of a URL from its host: Lambda function
// URLs (*.lambda-url.<region>.on.aws) and API Gateway
// (*.execute-api.<region>.amazonaws.com) in front of Lambda, Azure
// Functions (*.azurewebsites.net); anything else is generic.
func providerOf(rawURL string) string {
	if service, _ := signingScope(rawURL); service != "" {
		return ProviderAWSLambda
	}
	if u, err := url.Parse(rawURL); err == nil && strings.HasSuffix(strings.ToLower(u.Hostname()), ".azurewebsites.net") {
		return ProviderAzure
	}
	return ProviderGeneric
}

// httpAuth sets up the auth of an http target that is not a fixed header or
// query parameter: SigV4 or an Entra token.
func httpAuth(ctx context.Context, t *Target, st *scenarios.Target, sim *SimEndpoint, env *Env) error {
	switch st.Auth.Type {
	case scenarios.AuthAWSSigV4:
		service, region := signingScope(t.Request.URL)
		if sim != nil {
			service, region = "lambda", sim.Region
			if strings.HasPrefix(sim.Kind, "apigw") {
				service = "execute-api"
			}
		}
		if st.Auth.Service != "" {
			service = st.Auth.Service
		}
		if st.Auth.Region != "" {
			region = st.Auth.Region
		}
		if service == "" {
			return fmt.Errorf("cannot tell which AWS service %s belongs to; set auth.service to lambda or execute-api", t.Request.URL)
		}
		s, err := env.awsSigner(ctx, st, sim, service, region)
		if err != nil {
			return err
		}
		t.SigV4 = s
		if t.Region == "" {
			t.Region = s.region
		}
	case scenarios.AuthAzureEntra:
		tok, err := env.entraToken(ctx, st.Auth.Scope)
		if err != nil {
			return err
		}
		t.Bearer = tok
	}
	return nil
}

// lambdaRequest builds an aws-lambda target's Invoke API request: POST to
// the function's invocations URL, asking for the log tail so that every
// response carries its REPORT line, signed for the lambda service unless
// the scenario says auth: none (the Runtime Interface Emulator).
func lambdaRequest(ctx context.Context, t *Target, st *scenarios.Target, sim *SimEndpoint, env *Env) error {
	t.Provider = ProviderAWSLambda
	t.Plan = "lambda"
	fn, err := scenarios.ParseFunction(st.Function)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(st.Function, ":"+fn.Qualifier)
	t.Function, t.Qualifier = name, st.Qualifier
	if t.Region == "" {
		t.Region = fn.Region
	}
	endpoint := st.Endpoint
	if sim != nil {
		endpoint = sim.BaseEndpoint
	}
	if st.Auth.Type == scenarios.AuthAWSSigV4 {
		s, err := env.awsSigner(ctx, st, sim, "lambda", t.Region)
		if err != nil {
			return err
		}
		t.SigV4 = s
		t.Region = s.region
	}
	if endpoint == "" {
		if t.Region == "" {
			return errors.New("no AWS region: set region on the target, AWS_REGION, or a profile's region")
		}
		endpoint = lambdaEndpoint(t.Region)
	}
	t.Endpoint = endpoint
	t.Request.URL = invokeURL(endpoint, name, st.Qualifier)
	t.Request.Method = http.MethodPost
	t.Request.Header.Set("X-Amz-Log-Type", "Tail")
	t.Request.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
	return nil
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
