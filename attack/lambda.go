package attack

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/scenarios"
)

// lambdaRequest builds an aws-lambda target's Invoke API request: POST to
// the function's invocations URL, asking for the log tail so that every
// response carries its REPORT line, signed for the lambda service unless
// the scenario says auth: none (the Runtime Interface Emulator).
func lambdaRequest(ctx context.Context, t *Target, st *scenarios.Target, sim *SimEndpoint, env *Env) error {
	t.Provider = platform.AWSLambda
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

// invokeURL is the Invoke API's URL for a function on endpoint (the
// regional Lambda endpoint, the simulator or the emulator).
func invokeURL(endpoint, function, qualifier string) string {
	u := strings.TrimRight(endpoint, "/") + "/2015-03-31/functions/" + url.PathEscape(function) + "/invocations"
	if qualifier != "" {
		u += "?Qualifier=" + url.QueryEscape(qualifier)
	}
	return u
}

// lambdaEndpoint is the public Invoke API endpoint of a region.
func lambdaEndpoint(region string) string {
	host := "lambda." + region + ".amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		host += ".cn"
	}
	return "https://" + host
}
