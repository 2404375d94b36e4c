package attack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/scenarios"
)

// Env is what TargetsFromPlan takes from outside the scenario: the running
// simulator, and the AWS and Azure credential chains. A nil field takes the
// default: no simulator, LoadAWSConfig, and azidentity's default chain.
type Env struct {
	// Sim maps a sim:// URL to an endpoint of the running simulator.
	Sim func(simURL string) (SimEndpoint, error)
	// AWSConfig loads the AWS configuration for a shared-config profile
	// ("" for the default chain) and a region ("" for the chain's).
	AWSConfig func(ctx context.Context, profile, region string) (aws.Config, error)
	// AzureCredential returns the Azure credential chain.
	AzureCredential func() (azcore.TokenCredential, error)

	redact *scenarios.Redactor // learns every secret key and token fetched
}

// LoadAWSConfig loads the standard AWS chain (environment, shared config and
// credentials files with profile, SSO, container and instance roles) with
// the SDK's retries off: fnbench counts every attempt.
func LoadAWSConfig(ctx context.Context, profile, region string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	return config.LoadDefaultConfig(ctx, opts...)
}

// DefaultAzureCredential is azidentity's default chain (environment,
// workload identity, managed identity, Azure CLI, Azure Developer CLI),
// with retries off.
func DefaultAzureCredential() (azcore.TokenCredential, error) {
	return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
		ClientOptions: azcore.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}},
	})
}

func (e *Env) awsConfig(ctx context.Context, profile, region string) (aws.Config, error) {
	if e.AWSConfig != nil {
		return e.AWSConfig(ctx, profile, region)
	}
	return LoadAWSConfig(ctx, profile, region)
}

// credentialTimeout bounds fetching credentials or a token before a run.
const credentialTimeout = 30 * time.Second

// awsSigner sets up SigV4 signing for a target with credentials from the
// chain, or the simulator's own for a simulated target, checking that
// credentials can be had before the run starts.
func (e *Env) awsSigner(ctx context.Context, st *scenarios.Target, sim *SimEndpoint, service, region string) (*sigV4, error) {
	var provider aws.CredentialsProvider
	if sim != nil {
		provider = credentials.NewStaticCredentialsProvider(sim.AccessKeyID, sim.SecretAccessKey, "")
	} else {
		cfg, err := e.awsConfig(ctx, st.Auth.Profile, region)
		if err != nil {
			return nil, fmt.Errorf("loading AWS configuration: %w", err)
		}
		if region == "" {
			region = cfg.Region
		}
		if cfg.Credentials == nil {
			return nil, errors.New("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or auth.profile")
		}
		provider = aws.NewCredentialsCache(cfg.Credentials)
	}
	if region == "" {
		return nil, errors.New("no AWS region: set region in the scenario, AWS_REGION, or a profile's region")
	}
	fetch := func(ctx context.Context) (aws.Credentials, time.Time, error) {
		c, err := provider.Retrieve(ctx)
		if err != nil {
			return c, time.Time{}, fmt.Errorf("AWS credentials: %w", err)
		}
		e.redact.Add("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
		e.redact.Add("AWS_SESSION_TOKEN", c.SessionToken)
		if !c.CanExpire {
			return c, time.Time{}, nil
		}
		return c, c.Expires, nil
	}
	ctx, cancel := context.WithTimeout(ctx, credentialTimeout)
	defer cancel()
	creds, err := newRefresher(ctx, "AWS credentials", fetch)
	if err != nil {
		return nil, err
	}
	return &sigV4{service: service, region: region, creds: creds}, nil
}

// entraToken sets up a bearer token for scope from the Azure chain, fetched
// once before the run and renewed before it expires.
func (e *Env) entraToken(ctx context.Context, scope string) (*refresher[string], error) {
	newCred := e.AzureCredential
	if newCred == nil {
		newCred = DefaultAzureCredential
	}
	cred, err := newCred()
	if err != nil {
		return nil, fmt.Errorf("Azure credential: %w", err)
	}
	fetch := func(ctx context.Context) (string, time.Time, error) {
		tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
		if err != nil {
			return "", time.Time{}, fmt.Errorf("Azure token for %s: %w", scope, err)
		}
		e.redact.Add("AZURE_ACCESS_TOKEN", tok.Token)
		return tok.Token, tok.ExpiresOn, nil
	}
	ctx, cancel := context.WithTimeout(ctx, credentialTimeout)
	defer cancel()
	return newRefresher(ctx, "the Azure token", fetch)
}

// signingScope guesses the service and region of a SigV4-signed URL from
// its host: <id>.lambda-url.<region>.on.aws is a function URL,
// <id>.execute-api.<region>.amazonaws.com an API Gateway API.
func signingScope(rawURL string) (service, region string) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", ""
	}
	host := strings.ToLower(u.Hostname())
	if !strings.HasSuffix(host, ".on.aws") && !strings.Contains(host, ".amazonaws.com") {
		return "", ""
	}
	labels := strings.Split(host, ".")
	for i, l := range labels {
		if (l == "lambda-url" || l == "execute-api") && i+1 < len(labels) {
			service = "lambda"
			if l == "execute-api" {
				service = "execute-api"
			}
			return service, labels[i+1]
		}
	}
	return "", ""
}

// providerOf tells the provider of a URL from its host: Lambda function
// URLs (*.lambda-url.<region>.on.aws) and API Gateway
// (*.execute-api.<region>.amazonaws.com) in front of Lambda, Azure
// Functions (*.azurewebsites.net); anything else is generic.
func providerOf(rawURL string) string {
	if service, _ := signingScope(rawURL); service != "" {
		return platform.AWSLambda
	}
	if u, err := url.Parse(rawURL); err == nil && strings.HasSuffix(strings.ToLower(u.Hostname()), ".azurewebsites.net") {
		return platform.Azure
	}
	return platform.Generic
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
