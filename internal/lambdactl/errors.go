package lambdactl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

var (
	// ErrNotPermitted matches an error of a call the credentials are not
	// allowed to make (AccessDeniedException, or another 403 that is not a
	// credential problem). A caller reading metadata falls back to the
	// scenario's values.
	ErrNotPermitted = errors.New("not permitted")
	// ErrBadCredentials matches an error of a call AWS refused because the
	// credentials themselves are wrong: unknown access key, a signature made
	// with the wrong secret key, an expired session token.
	ErrBadCredentials = errors.New("credentials rejected")
)

// credentialCodes are the error codes AWS answers when it cannot
// authenticate a request at all.
var credentialCodes = map[string]bool{
	"UnrecognizedClientException":         true,
	"InvalidSignatureException":           true,
	"SignatureDoesNotMatch":               true,
	"IncompleteSignatureException":        true,
	"MissingAuthenticationTokenException": true,
	"InvalidClientTokenId":                true,
	"ExpiredTokenException":               true,
	"ExpiredToken":                        true,
}

// Error is a control-plane call that Lambda refused or that got no answer.
type Error struct {
	Op        string // API operation, e.g. "UpdateFunctionConfiguration"
	Function  string // as it was sent
	Status    int    // HTTP status; 0 when no answer came
	Code      string // AWS error code, e.g. "AccessDeniedException"; empty when no answer came
	Message   string // what AWS said, cut before any echoed Authorization header
	RequestID string
	Err       error // the SDK's error
}

// apiError is what smithy.APIError offers; declared here so the package
// needs no import of smithy-go for two methods.
type apiError interface {
	ErrorCode() string
	ErrorMessage() string
}

// newError describes a failed SDK call. When ctx is done the cause is the
// context's (cancellation or the wait timeout), not the SDK's retelling.
func newError(ctx context.Context, op, function string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s %s: %w", op, function, context.Cause(ctx))
	}
	e := &Error{Op: op, Function: function, Err: err}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		e.Status, e.RequestID = re.HTTPStatusCode(), re.ServiceRequestID()
	}
	var ae apiError
	if errors.As(err, &ae) {
		e.Code, e.Message = ae.ErrorCode(), ae.ErrorMessage()
		// IncompleteSignatureException echoes the Authorization header.
		if i := strings.Index(e.Message, "Authorization="); i >= 0 {
			e.Message = e.Message[:i] + "Authorization=(redacted)"
		}
	}
	return e
}

func (e *Error) Error() string {
	if e.Code == "" {
		// The SDK's telling repeats the operation and an empty status;
		// the HTTP client's says what went wrong.
		var ue *url.Error
		if errors.As(e.Err, &ue) {
			return fmt.Sprintf("%s %s: no answer: %v", e.Op, e.Function, ue)
		}
		return fmt.Sprintf("%s %s: %v", e.Op, e.Function, e.Err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s", e.Op, e.Function, e.Code)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": " + strings.TrimSuffix(e.Message, "."))
	}
	switch {
	case errors.Is(e, ErrBadCredentials):
		b.WriteString("; check the AWS credentials fnbench was given (access key, secret key, session token)")
	case errors.Is(e, ErrNotPermitted):
		b.WriteString("; the credentials need lambda:" + e.Op + " on this function")
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches ErrNotPermitted and ErrBadCredentials.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrBadCredentials:
		return credentialCodes[e.Code]
	case ErrNotPermitted:
		return e.Code == "AccessDeniedException" || e.Code == "AccessDenied" ||
			(e.Status == http.StatusForbidden && !credentialCodes[e.Code])
	}
	return false
}

// conflicting says whether an update was refused because the function was
// busy with another update (ResourceConflictException) or changed since it
// was read (PreconditionFailedException on a stale RevisionId): both pass
// once the function settles.
func conflicting(err error) bool {
	var rc *types.ResourceConflictException
	var pf *types.PreconditionFailedException
	return errors.As(err, &rc) || errors.As(err, &pf)
}

// transient says whether a poll may simply be repeated: throttled or a
// server error.
func transient(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && (re.HTTPStatusCode() == http.StatusTooManyRequests || re.HTTPStatusCode() >= 500)
}
