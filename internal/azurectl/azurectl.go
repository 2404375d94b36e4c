// Package azurectl is the slice of Azure Resource Manager fnbench drives
// for Azure Functions (the Microsoft.Web REST API, docs/sources.md, "How
// others force cold starts"): it reads an app (its state, plan and Flex
// instance memory), forces a cold start by changing one app setting,
// FNBENCH_COLD_NONCE (Azure restarts an app whose settings change, so its
// next requests start new instances), restarts an app, and puts the
// setting back.
//
// Requests go through azcore's pipeline with a bearer token for Resource
// Manager from the caller's credential (azidentity's chain for a real
// subscription, the simulator's token for fixtures/sim). The app's other
// settings are read and written back as they were, never kept or logged:
// they hold connection strings and keys.
package azurectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// NonceSetting is the app setting fnbench changes to force a cold start.
const NonceSetting = "FNBENCH_COLD_NONCE"

// PublicEndpoint is Azure Resource Manager's endpoint in Azure's public
// cloud.
const PublicEndpoint = "https://management.azure.com"

// apiVersion is the Microsoft.Web REST API version the calls use.
const apiVersion = "2024-04-01"

// Client calls Resource Manager for one subscription's apps.
type Client struct {
	pl       runtime.Pipeline
	endpoint string
	// ready bounds how long ForceCold waits for the app to run again.
	ready time.Duration
	poll  time.Duration
}

// New returns a client of Resource Manager at endpoint ("" for Azure's
// public cloud) that authenticates with cred. A plain-http endpoint is
// accepted only on loopback (the simulator).
func New(cred azcore.TokenCredential, endpoint string) (*Client, error) {
	if endpoint == "" {
		endpoint = PublicEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("Resource Manager endpoint %q is not an http(s) URL", endpoint)
	}
	loopback := u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1"
	if u.Scheme == "http" && !loopback {
		return nil, fmt.Errorf("Resource Manager endpoint %q is plain http: only a loopback simulator may be; use https", endpoint)
	}
	bearer := runtime.NewBearerTokenPolicy(cred, []string{strings.TrimSuffix(PublicEndpoint, "/") + "/.default"},
		&policy.BearerTokenOptions{InsecureAllowCredentialWithHTTP: u.Scheme == "http"})
	pl := runtime.NewPipeline("fnbench", "", runtime.PipelineOptions{}, &policy.ClientOptions{
		PerRetryPolicies: []policy.Policy{bearer},
		Retry:            policy.RetryOptions{MaxRetries: 3},
		Telemetry:        policy.TelemetryOptions{Disabled: true},
	})
	return &Client{pl: pl, endpoint: strings.TrimSuffix(endpoint, "/"), ready: 5 * time.Minute, poll: time.Second}, nil
}

// Site is what fnbench reads of an app.
type Site struct {
	State string // Running, Stopped
	SKU   string // Dynamic (Consumption), FlexConsumption, ElasticPremium
	// InstanceMemoryMB is a Flex app's instance memory; 0 for other plans.
	InstanceMemoryMB int
	AlwaysReady      int // Flex always-ready instances, over every group
	Runtime          string
}

// Site reads the app id names.
func (c *Client) Site(ctx context.Context, id string) (Site, error) {
	var doc struct {
		Properties struct {
			State             string `json:"state"`
			SKU               string `json:"sku"`
			FunctionAppConfig *struct {
				Runtime struct {
					Name string `json:"name"`
				} `json:"runtime"`
				ScaleAndConcurrency struct {
					InstanceMemoryMB int `json:"instanceMemoryMB"`
					AlwaysReady      []struct {
						InstanceCount int `json:"instanceCount"`
					} `json:"alwaysReady"`
				} `json:"scaleAndConcurrency"`
			} `json:"functionAppConfig"`
		} `json:"properties"`
	}
	if err := c.do(ctx, http.MethodGet, id, nil, &doc); err != nil {
		return Site{}, err
	}
	s := Site{State: doc.Properties.State, SKU: doc.Properties.SKU}
	if f := doc.Properties.FunctionAppConfig; f != nil {
		s.InstanceMemoryMB, s.Runtime = f.ScaleAndConcurrency.InstanceMemoryMB, f.Runtime.Name
		for _, a := range f.ScaleAndConcurrency.AlwaysReady {
			s.AlwaysReady += a.InstanceCount
		}
	}
	return s, nil
}

// settings reads the app's settings.
func (c *Client) settings(ctx context.Context, id string) (map[string]string, error) {
	var doc struct {
		Properties map[string]string `json:"properties"`
	}
	if err := c.do(ctx, http.MethodPost, id+"/config/appsettings/list", nil, &doc); err != nil {
		return nil, err
	}
	if doc.Properties == nil {
		doc.Properties = map[string]string{}
	}
	return doc.Properties, nil
}

// setNonce writes the app's settings back with FNBENCH_COLD_NONCE set to
// *nonce, or removed when nonce is nil. Resource Manager replaces the
// whole set, so the others are written back as read.
func (c *Client) setNonce(ctx context.Context, id string, nonce *string) error {
	s, err := c.settings(ctx, id)
	if err != nil {
		return err
	}
	if nonce == nil {
		if _, ok := s[NonceSetting]; !ok {
			return nil
		}
		delete(s, NonceSetting)
	} else {
		s[NonceSetting] = *nonce
	}
	return c.do(ctx, http.MethodPut, id+"/config/appsettings", map[string]any{"properties": s}, nil)
}

// Nonce reads FNBENCH_COLD_NONCE: its value, and whether the app has it.
func (c *Client) Nonce(ctx context.Context, id string) (string, bool, error) {
	s, err := c.settings(ctx, id)
	if err != nil {
		return "", false, err
	}
	v, ok := s[NonceSetting]
	return v, ok, nil
}

// ForceCold makes the app's next requests start new instances: it sets
// FNBENCH_COLD_NONCE to nonce, on which Azure restarts the app, and waits
// until the app runs again. An instance still draining may answer once
// more; the caller checks each sample's evidence (a warm one is retried).
func (c *Client) ForceCold(ctx context.Context, id, nonce string) error {
	if err := c.setNonce(ctx, id, &nonce); err != nil {
		return err
	}
	return c.waitRunning(ctx, id)
}

// Restart restarts the app and waits until it runs again.
func (c *Client) Restart(ctx context.Context, id string) error {
	if err := c.do(ctx, http.MethodPost, id+"/restart", nil, nil); err != nil {
		return err
	}
	return c.waitRunning(ctx, id)
}

// Restore puts FNBENCH_COLD_NONCE back as it was: original, or absent when
// nil.
func (c *Client) Restore(ctx context.Context, id string, original *string) error {
	return c.setNonce(ctx, id, original)
}

func (c *Client) waitRunning(ctx context.Context, id string) error {
	deadline := time.Now().Add(c.ready)
	for {
		s, err := c.Site(ctx, id)
		if err != nil {
			return err
		}
		if strings.EqualFold(s.State, "Running") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("app %s still %q %s after its settings changed", id, s.State, c.ready)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(c.poll):
		}
	}
}

// ErrNotPermitted is wrapped by errors that are Resource Manager refusing
// the caller (401, 403).
var ErrNotPermitted = errors.New("not permitted")

// do sends one call and decodes its JSON answer into out (when not nil).
// An error answer says ARM's code and message.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	req, err := runtime.NewRequest(ctx, method, c.endpoint+path)
	if err != nil {
		return err
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", apiVersion)
	req.Raw().URL.RawQuery = q.Encode()
	if body != nil {
		if err := runtime.MarshalAsJSON(req, body); err != nil {
			return err
		}
	}
	resp, err := c.pl.Do(req)
	if err != nil {
		return fmt.Errorf("Resource Manager %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		msg := fmt.Sprintf("Resource Manager %s %s: %d %s: %s", method, path, resp.StatusCode, e.Error.Code, e.Error.Message)
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			return fmt.Errorf("%s: %w (the identity needs Microsoft.Web/sites/config/list/action and write on the app, e.g. the Website Contributor role)", msg, ErrNotPermitted)
		}
		return errors.New(msg)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("Resource Manager %s %s: the answer is not the JSON expected: %w", method, path, err)
		}
	}
	return nil
}

// StaticToken is a credential that always presents token: the simulator's
// (sim.DefaultARMToken), which works nowhere else.
func StaticToken(token string) azcore.TokenCredential { return staticToken(token) }

type staticToken string

func (t staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(t), ExpiresOn: time.Now().Add(time.Hour)}, nil
}
