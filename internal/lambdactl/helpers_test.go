package lambdactl

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
)

// scale compresses the simulator's time: a 1.5 s update takes 15 ms.
const scale = 0.01

// counter is an HTTP client that counts the requests the SDK sends, so a
// test sees every attempt, retried or not, and the statuses answered.
type counter struct {
	n atomic.Int64
	c *http.Client

	mu       sync.Mutex
	statuses []int
}

func (c *counter) Do(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	resp, err := c.c.Do(r)
	if err == nil {
		c.mu.Lock()
		c.statuses = append(c.statuses, resp.StatusCode)
		c.mu.Unlock()
	}
	return resp, err
}

// answered returns the statuses of the requests after the first n (the
// tests that use it get an answer to every request).
func (c *counter) answered(n int64) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.statuses[min(int(n), len(c.statuses)):]...)
}

// simLambda is a simulator serving the built-in aws-go-hello profile and
// testdata/lambdactl.yaml, with an SDK configuration that reaches it.
type simLambda struct {
	sim      *sim.Sim
	cfg      aws.Config
	endpoint map[string]string // base endpoint by profile
	requests *counter
}

func startSim(t *testing.T) *simLambda {
	t.Helper()
	s := simtest.StartConfig(t, sim.Config{
		Profiles:     []string{"aws-go-hello"},
		ProfileFiles: []string{"testdata/lambdactl.yaml"},
		TimeScale:    scale,
	})
	sl := &simLambda{sim: s, endpoint: map[string]string{}, requests: &counter{c: &http.Client{Timeout: 10 * time.Second}}}
	for _, e := range s.Endpoints() {
		if e.BaseEndpoint != "" {
			sl.endpoint[e.Profile] = e.BaseEndpoint
		}
	}
	sl.cfg.Credentials = credentials.NewStaticCredentialsProvider(sim.DefaultAccessKeyID, sim.DefaultSecretAccessKey, "")
	sl.cfg.HTTPClient = sl.requests
	return sl
}

// client is a Client for one profile of the simulator.
func (sl *simLambda) client(t *testing.T, profile string, opts ...Option) *Client {
	t.Helper()
	return New(sl.config(t, profile), sl.endpoint[profile], opts...)
}

// config is the SDK configuration for one profile (its region).
func (sl *simLambda) config(t *testing.T, profile string) aws.Config {
	t.Helper()
	cfg := sl.cfg.Copy()
	for _, e := range sl.sim.Endpoints() {
		if e.Profile == profile && e.Region != "" {
			cfg.Region = e.Region
			return cfg
		}
	}
	t.Fatalf("no AWS profile %q in the simulator", profile)
	return cfg
}

// lambdaAPI is the SDK's own client for a profile, for what lambdactl does
// not do: invoking, reading raw configuration, publishing versions.
func (sl *simLambda) lambdaAPI(t *testing.T, profile string) *lambda.Client {
	t.Helper()
	return lambda.NewFromConfig(sl.config(t, profile), func(o *lambda.Options) {
		o.BaseEndpoint = aws.String(sl.endpoint[profile])
		o.RetryMaxAttempts = 1
	})
}

// invoke calls function once and returns the simulator's ground truth
// about that invocation.
func (sl *simLambda) invoke(t *testing.T, api *lambda.Client, function string) sim.Invocation {
	t.Helper()
	before := len(sl.sim.Truth())
	out, err := api.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String(function), Payload: []byte(`{}`)})
	if err != nil {
		t.Fatalf("Invoke %s: %v", function, err)
	}
	if out.FunctionError != nil {
		t.Fatalf("Invoke %s: function error %s", function, aws.ToString(out.FunctionError))
	}
	truth := sl.sim.Truth()
	if len(truth) != before+1 {
		t.Fatalf("Invoke %s: the simulator recorded %d invocations, want 1", function, len(truth)-before)
	}
	return truth[before]
}

// configuration reads a function's configuration straight from the
// simulator, with the SDK alone.
func configuration(t *testing.T, api *lambda.Client, function string) *lambda.GetFunctionConfigurationOutput {
	t.Helper()
	out, err := api.GetFunctionConfiguration(context.Background(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(function)})
	if err != nil {
		t.Fatalf("GetFunctionConfiguration %s: %v", function, err)
	}
	return out
}

// variables are a configuration's environment variables (nil for none).
func variables(cfg *lambda.GetFunctionConfigurationOutput) map[string]string {
	if cfg.Environment == nil {
		return nil
	}
	return cfg.Environment.Variables
}
