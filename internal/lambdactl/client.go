package lambdactl

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// DefaultWaitTimeout bounds one configuration change: the update, any wait
// for another update to finish first, and the wait for Successful. Lambda
// usually finishes in seconds; a function in a VPC can take a minute.
const DefaultWaitTimeout = 2 * time.Minute

// Client changes and reads Lambda function configurations. It is safe for
// concurrent use, but calls that change one function must not overlap:
// each reads the configuration, then writes it.
type Client struct {
	api         *lambda.Client
	waitTimeout time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WaitTimeout bounds each configuration change (default
// DefaultWaitTimeout); zero or less keeps the default.
func WaitTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.waitTimeout = d
		}
	}
}

// New returns a Client using cfg's region, credentials and HTTP client.
// endpoint, when not empty, replaces Lambda's endpoint (the simulator's
// base endpoint). The SDK's retries are off, and so is its wire logging,
// which would write request signatures and environment variables to the
// log.
func New(cfg aws.Config, endpoint string, opts ...Option) *Client {
	c := &Client{waitTimeout: DefaultWaitTimeout}
	for _, o := range opts {
		o(c)
	}
	c.api = lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		o.Retryer = aws.NopRetryer{}
		o.RetryMaxAttempts = 0 // keep the NopRetryer as it is
		o.ClientLogMode = 0
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return c
}

// bounded limits ctx to the client's wait timeout; when that runs out,
// context.Cause says so.
func (c *Client) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, c.waitTimeout,
		fmt.Errorf("not done within %v (the wait timeout); the update may still finish on its own", c.waitTimeout))
}
