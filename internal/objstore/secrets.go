package objstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/fnbench/fnbench/scenarios"
)

// secretEnv are the environment variables whose values are credentials
// for a Store (or for azidentity's chain behind one).
var secretEnv = []string{
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AZURE_STORAGE_KEY", "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_SAS_TOKEN", "AZURE_CLIENT_SECRET",
}

// carriers match the credential carriers of storage requests that
// scenarios.Redactor does not know, each masked as REDACTED: the account
// key and SAS of a connection string, a SAS signature outside a query
// string, the credential and signature of a SigV4 query or Authorization
// header, a SharedKey signature, and the signature Azure Storage quotes
// back when it refuses one ("The MAC signature found in the HTTP request
// '…' is not the same as any computed signature").
var carriers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?i)\b(AccountKey|SharedAccessSignature|sig|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|Credential)=[^&;,\s"'<>]*`), "${1}=REDACTED"},
	{regexp.MustCompile(`(?i)\b(SharedKey(?:Lite)? [^\s:]+:)[A-Za-z0-9+/=]+`), "${1}REDACTED"},
	{regexp.MustCompile(`(?i)(signature found in the HTTP request ')[^']*`), "${1}REDACTED"},
}

// redactor masks a Store's secrets in error text: the project's
// scenarios.Redactor for known values, query parameters and headers, and
// carriers for the rest.
type redactor struct{ values scenarios.Redactor }

// newRedactor returns a redactor that knows the values of secretEnv and
// the secrets inside the connection string.
func newRedactor() *redactor {
	r := &redactor{}
	for _, name := range secretEnv {
		r.values.Add(name, os.Getenv(name))
	}
	for part := range strings.SplitSeq(os.Getenv("AZURE_STORAGE_CONNECTION_STRING"), ";") {
		if k, v, ok := strings.Cut(part, "="); ok && (strings.EqualFold(k, "AccountKey") || strings.EqualFold(k, "SharedAccessSignature")) {
			r.values.Add("AZURE_STORAGE_CONNECTION_STRING", v)
		}
	}
	return r
}

func (r *redactor) text(s string) string {
	s = r.values.Redact(s)
	for _, c := range carriers {
		s = c.re.ReplaceAllString(s, c.with)
	}
	return s
}

// provider learns the secrets of the AWS credentials next produces, which
// may come from files or a role rather than the environment.
func (r *redactor) provider(next aws.CredentialsProvider) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		c, err := next.Retrieve(ctx)
		r.values.Add("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
		r.values.Add("AWS_SESSION_TOKEN", c.SessionToken)
		return c, err
	})
}

// storeError is a failed Store call. Its text is redacted; it unwraps to
// what callers test for (context.Canceled, context.DeadlineExceeded,
// fs.ErrNotExist) and never to the SDK's error, whose text is not.
type storeError struct {
	msg  string
	kind error
}

func (e *storeError) Error() string { return e.msg }
func (e *storeError) Unwrap() error { return e.kind }

// wrap returns err as a storeError saying what was being done ("uploading
// x to s3://b/p"). notFound tells the SDK's answer for a missing object.
func (r *redactor) wrap(doing string, err error, notFound bool) error {
	e := &storeError{msg: r.text(fmt.Sprintf("%s: %v", doing, err))}
	switch {
	case errors.Is(err, context.Canceled):
		e.kind = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		e.kind = context.DeadlineExceeded
	case notFound:
		e.kind = fs.ErrNotExist
	}
	return e
}
