package lambdactl

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/fnbench/fnbench/fixtures/sim"
)

// Credentials the simulator does not accept fail at once with an error
// that says what AWS said, matches ErrBadCredentials, carries no secret or
// signature, and was not retried.
func TestWrongCredentialsFailClearlyWithoutRetries(t *testing.T) {
	sl := startSim(t)
	ctx := context.Background()
	const wrongSecret = "wrong/secret/key/0000000000000000000000000"
	for _, tc := range []struct {
		keyID, secret, code string
	}{
		{sim.DefaultAccessKeyID, wrongSecret, "InvalidSignatureException"},
		{"AKIAUNKNOWNKEY000000", sim.DefaultSecretAccessKey, "UnrecognizedClientException"},
	} {
		cfg := sl.config(t, "lambdactl")
		cfg.Credentials = credentials.NewStaticCredentialsProvider(tc.keyID, tc.secret, "")
		c := New(cfg, sl.endpoint["lambdactl"])
		calls := map[string]func() error{
			"Metadata":  func() error { _, err := c.Metadata(ctx, "withenv", ""); return err },
			"Snapshot":  func() error { _, err := c.Snapshot(ctx, "withenv"); return err },
			"ForceCold": func() error { return c.ForceCold(ctx, "withenv", "n1") },
			"SetMemory": func() error { return c.SetMemory(ctx, "withenv", 512) },
			"Restore":   func() error { return c.Restore(ctx, "withenv", Original{MemoryMB: 128}) },
		}
		for name, call := range calls {
			before := sl.requests.n.Load()
			err := call()
			if n := sl.requests.n.Load() - before; n != 1 {
				t.Errorf("%s with %s: %d requests, want exactly 1 (no retries)", name, tc.code, n)
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Status != http.StatusForbidden ||
				!errors.Is(err, ErrBadCredentials) || errors.Is(err, ErrNotPermitted) {
				t.Errorf("%s: %v, want %s (HTTP 403) matching ErrBadCredentials only", name, err, tc.code)
				continue
			}
			msg := err.Error()
			for _, secret := range []string{wrongSecret, sim.DefaultSecretAccessKey, "Signature=", "AWS4-HMAC-SHA256"} {
				if strings.Contains(msg, secret) {
					t.Errorf("%s: error %q contains %q", name, msg, secret)
				}
			}
			if !strings.Contains(msg, "check the AWS credentials") {
				t.Errorf("%s: error %q does not say to check the credentials", name, msg)
			}
		}
	}
}

// fakeLambda serves a scripted control plane for what the simulator does
// not do: refuse with AccessDenied, fail an update, stay busy, hide the
// variables. It counts requests by method.
type fakeLambda struct {
	mu    sync.Mutex
	calls map[string]int
	// serve answers the n-th (from 1) request of its method, one request
	// at a time, holding mu.
	serve func(w http.ResponseWriter, r *http.Request, n int)
}

func startFake(t *testing.T, serve func(w http.ResponseWriter, r *http.Request, n int), opts ...Option) (*Client, *fakeLambda) {
	t.Helper()
	f := &fakeLambda{calls: map[string]int{}, serve: serve}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls[r.Method]++
		f.serve(w, r, f.calls[r.Method])
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDFAKE", "fake", "")}
	return New(cfg, srv.URL, opts...), f
}

func (f *fakeLambda) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func fakeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg}) //nolint:errcheck
}

// fakeConfig answers GetFunctionConfiguration or UpdateFunctionConfiguration
// with a 128 MB function in the given update status; extra fields override.
func fakeConfig(w http.ResponseWriter, status types.LastUpdateStatus, extra map[string]any) {
	c := map[string]any{
		"FunctionName":     "fn",
		"FunctionArn":      "arn:aws:lambda:us-east-1:123456789012:function:fn",
		"MemorySize":       128,
		"Version":          "$LATEST",
		"RevisionId":       "rev-1",
		"LastUpdateStatus": status,
		"Environment":      map[string]any{"Variables": map[string]string{"USER": "kept"}},
	}
	for k, v := range extra {
		c[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(c) //nolint:errcheck
}

// How an AWS refusal maps onto ErrNotPermitted and ErrBadCredentials,
// through the SDK's own decoding of the answer.
func TestPermissionErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		status      int
		code, msg   string
		notPermit   bool
		badCreds    bool
		wantInError string
	}{
		{403, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/bench is not authorized to perform: lambda:GetFunctionConfiguration", true, false, "need lambda:GetFunctionConfiguration"},
		{403, "AccessDenied", "denied", true, false, "AccessDenied (HTTP 403)"},
		{403, "SomeNewDenial", "denied", true, false, "SomeNewDenial"},
		{403, "UnrecognizedClientException", "The security token included in the request is invalid.", false, true, "check the AWS credentials"},
		{403, "ExpiredTokenException", "The security token included in the request is expired", false, true, "ExpiredTokenException"},
		{403, "IncompleteSignatureException", "Authorization header requires 'Signature'. Authorization=AWS4-HMAC-SHA256 Credential=AKIDFAKE/x, Signature=abc123", false, true, "Authorization=(redacted)"},
		{404, "ResourceNotFoundException", "Function not found: fn", false, false, "ResourceNotFoundException (HTTP 404): Function not found"},
		{500, "ServiceException", "internal", false, false, "ServiceException (HTTP 500)"},
	} {
		c, f := startFake(t, func(w http.ResponseWriter, r *http.Request, n int) { fakeError(w, tc.status, tc.code, tc.msg) })
		_, err := c.Metadata(context.Background(), "fn", "")
		if errors.Is(err, ErrNotPermitted) != tc.notPermit || errors.Is(err, ErrBadCredentials) != tc.badCreds {
			t.Errorf("%d %s: %v; ErrNotPermitted %v, ErrBadCredentials %v, want %v, %v", tc.status, tc.code, err,
				errors.Is(err, ErrNotPermitted), errors.Is(err, ErrBadCredentials), tc.notPermit, tc.badCreds)
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantInError) || strings.Contains(err.Error(), "abc123") {
			t.Errorf("%d %s: error %v, want it to contain %q and no signature", tc.status, tc.code, err, tc.wantInError)
		}
		if n := f.count(http.MethodGet); n != 1 {
			t.Errorf("%d %s: %d requests, want 1", tc.status, tc.code, n)
		}
	}
}

// An update Lambda reports Failed fails ForceCold with Lambda's reason.
func TestForceColdReportsFailedUpdate(t *testing.T) {
	status := types.LastUpdateStatusSuccessful
	c, _ := startFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Method == http.MethodPut {
			fakeConfig(w, types.LastUpdateStatusInProgress, nil)
			status = types.LastUpdateStatusFailed
			return
		}
		fakeConfig(w, status, map[string]any{
			"LastUpdateStatusReason":     "Lambda was not able to create an ENI in the VPC of the Lambda function because the limit for Network Interfaces has been reached.",
			"LastUpdateStatusReasonCode": "EniLimitExceeded",
		})
	})
	err := c.ForceCold(context.Background(), "fn", "n1")
	if err == nil || !strings.Contains(err.Error(), "Failed (EniLimitExceeded)") || !strings.Contains(err.Error(), "limit for Network Interfaces") {
		t.Errorf("ForceCold of an update that fails: %v, want Lambda's reason", err)
	}
}

// An update refused because another is in progress is tried again once
// the function settles, a bounded number of times; it keeps the user's
// variables and the RevisionId it read. A throttled poll is polled again.
func TestForceColdRetriesConflictsBounded(t *testing.T) {
	for _, tc := range []struct {
		conflicts int
		wantPuts  int
		wantErr   bool
	}{
		{0, 1, false},
		{2, 3, false},
		{1000, maxUpdateAttempts, true},
	} {
		var bodies []string
		throttle := false // the first poll after the update
		c, f := startFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			switch {
			case r.Method == http.MethodPut && n <= tc.conflicts:
				fakeError(w, http.StatusConflict, "ResourceConflictException", "The operation cannot be performed at this time. An update is in progress for resource: fn")
			case r.Method == http.MethodPut:
				b, _ := io.ReadAll(r.Body)
				bodies = append(bodies, string(b))
				throttle = true
				fakeConfig(w, types.LastUpdateStatusInProgress, nil)
			case throttle:
				throttle = false
				fakeError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate exceeded")
			default:
				fakeConfig(w, types.LastUpdateStatusSuccessful, nil)
			}
		})
		err := c.ForceCold(context.Background(), "fn", "n1")
		var conflict *types.ResourceConflictException
		if tc.wantErr != (err != nil) || (tc.wantErr && !errors.As(err, &conflict)) {
			t.Errorf("%d conflicts: %v", tc.conflicts, err)
		}
		if n := f.count(http.MethodPut); n != tc.wantPuts {
			t.Errorf("%d conflicts: %d updates sent, want %d", tc.conflicts, n, tc.wantPuts)
		}
		f.mu.Lock()
		sent := bodies
		f.mu.Unlock()
		for _, b := range sent {
			if !strings.Contains(b, `"USER":"kept"`) || !strings.Contains(b, `"`+NonceVariable+`":"n1"`) || !strings.Contains(b, `"RevisionId":"rev-1"`) {
				t.Errorf("%d conflicts: update body %s, want the user's variable, the nonce and the RevisionId", tc.conflicts, b)
			}
		}
	}
}

// An update that never finishes gives up at the wait timeout, saying so.
func TestForceColdGivesUpAtWaitTimeout(t *testing.T) {
	c, _ := startFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		fakeConfig(w, types.LastUpdateStatusInProgress, nil)
	}, WaitTimeout(300*time.Millisecond))
	start := time.Now()
	err := c.ForceCold(context.Background(), "fn", "n1")
	if err == nil || !strings.Contains(err.Error(), "wait timeout") || errors.Is(err, context.Canceled) {
		t.Errorf("ForceCold that never finishes: %v, want the wait timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %v, want about 300ms", d)
	}
}

// Variables Lambda cannot show (a KMS key the caller may not use) are
// never overwritten.
func TestUnreadableVariablesAreNotOverwritten(t *testing.T) {
	c, f := startFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		fakeConfig(w, types.LastUpdateStatusSuccessful, map[string]any{"Environment": map[string]any{
			"Error": map[string]string{"ErrorCode": "AccessDeniedException", "Message": "Lambda was unable to decrypt the environment variables because KMS access was denied."},
		}})
	})
	ctx := context.Background()
	if _, err := c.Snapshot(ctx, "fn"); err == nil || !strings.Contains(err.Error(), "kms:Decrypt") {
		t.Errorf("Snapshot: %v, want a refusal naming kms:Decrypt", err)
	}
	if err := c.ForceCold(ctx, "fn", "n1"); err == nil || !strings.Contains(err.Error(), "would lose them") {
		t.Errorf("ForceCold: %v, want a refusal", err)
	}
	if n := f.count(http.MethodPut); n != 0 {
		t.Errorf("%d updates sent, want none", n)
	}
}

// No answer at all is one attempt too, and the error says what the HTTP
// client saw.
func TestNoAnswerIsNotRetried(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	requests := &counter{c: &http.Client{Timeout: 5 * time.Second}}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDFAKE", "fake", ""), HTTPClient: requests}
	err := New(cfg, srv.URL).ForceCold(context.Background(), "fn", "n1")
	if err == nil || !strings.Contains(err.Error(), "GetFunctionConfiguration fn: no answer: ") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("ForceCold against a closed port: %v", err)
	}
	if n := requests.n.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
