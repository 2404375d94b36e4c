package objstore

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/internal/objstore/objstoretest"
)

// sentinel marks every secret the tests plant; no error may show it.
const sentinel = "SENTINEL"

// sentinelKey is an account key (base64, as Azure's are) that spells the
// sentinel.
var sentinelKey = strings.Repeat(sentinel, 8)

// echoServer answers every request with status 403 and a body that
// repeats the request's credentials back, and the secrets given, as a
// careless server or proxy might.
func echoServer(t *testing.T, contentType, format string, secrets ...string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		echo := fmt.Sprintf("url %s authorization %s token %s secrets %s",
			r.URL.String(), r.Header.Get("Authorization"), r.Header.Get("X-Amz-Security-Token"), strings.Join(secrets, " "))
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, format, echo)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// noSentinel fails the test if err is nil or shows a secret, and checks
// that it says what was being done where.
func noSentinel(t *testing.T, err error, doing string) {
	t.Helper()
	if err == nil {
		t.Fatal("the call succeeded; want an error")
	}
	if strings.Contains(strings.ToUpper(err.Error()), sentinel) {
		t.Errorf("the error shows a secret:\n%v", err)
	}
	if !strings.Contains(err.Error(), doing) {
		t.Errorf("the error does not say %q:\n%v", doing, err)
	}
}

func TestS3ErrorsCarryNoSecret(t *testing.T) {
	const s3Error = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>%s</Message></Error>`
	secret, token := sentinel+"-aws-secret-key/abc+def", sentinel+"-session-token"
	srv := echoServer(t, "application/xml", s3Error, secret, token)
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID"+sentinel)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", token)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	st, err := Open(t.Context(), Location{Scheme: SchemeS3, Bucket: "b", Prefix: "p"})
	if err != nil {
		t.Fatal(err)
	}
	noSentinel(t, st.Put(t.Context(), "latency.hlog.part-000001", []byte("x")), "uploading latency.hlog.part-000001 to s3://b/p: ")
	_, err = st.Get(t.Context(), "run.json")
	noSentinel(t, err, "downloading run.json from s3://b/p: ")
	_, err = st.List(t.Context(), "")
	noSentinel(t, err, "listing s3://b/p: ")
}

func TestBlobErrorsCarryNoSecret(t *testing.T) {
	const blobError = `<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>%s</Message></Error>`
	loc := Location{Scheme: SchemeAzblob, Account: "acct", Bucket: "runs", Prefix: "p"}
	t.Run("SharedKey", func(t *testing.T) {
		srv := echoServer(t, "application/xml", blobError, sentinelKey)
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
		t.Setenv("AZURE_STORAGE_BLOB_ENDPOINT", srv.URL+"/acct")
		t.Setenv("AZURE_STORAGE_KEY", sentinelKey)
		st, err := Open(t.Context(), loc)
		if err != nil {
			t.Fatal(err)
		}
		noSentinel(t, st.Put(t.Context(), "run.json", []byte("{}")), "uploading run.json to azblob://acct/runs/p: ")
	})
	t.Run("ConnectionStringWithSAS", func(t *testing.T) {
		sas := "sv=2022-11-02&ss=b&srt=co&sp=rwl&se=2030-01-01T00:00:00Z&sig=" + sentinel + "sig%2Babc%3D"
		srv := echoServer(t, "application/xml", blobError, sas)
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "BlobEndpoint="+srv.URL+"/acct;SharedAccessSignature="+sas)
		t.Setenv("AZURE_STORAGE_KEY", "")
		st, err := Open(t.Context(), loc)
		if err != nil {
			t.Fatal(err)
		}
		_, err = st.List(t.Context(), "")
		noSentinel(t, err, "listing azblob://acct/runs/p: ")
	})
	t.Run("ConnectionStringOfAnotherAccount", func(t *testing.T) {
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "DefaultEndpointsProtocol=https;AccountName=other;AccountKey="+sentinelKey)
		_, err := Open(t.Context(), loc)
		noSentinel(t, err, `AZURE_STORAGE_CONNECTION_STRING is for account "other"`)
	})
	t.Run("AzuriteRefusesAWrongKey", func(t *testing.T) {
		endpoint, _ := objstoretest.Azurite(t, "runs")
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
		t.Setenv("AZURE_STORAGE_BLOB_ENDPOINT", endpoint)
		t.Setenv("AZURE_STORAGE_KEY", sentinelKey)
		st, err := Open(t.Context(), Location{Scheme: SchemeAzblob, Account: objstoretest.AzuriteAccount, Bucket: "runs"})
		if err != nil {
			t.Fatal(err)
		}
		err = st.Put(t.Context(), "run.json", []byte("{}"))
		noSentinel(t, err, "uploading run.json to azblob://devstoreaccount1/runs: ")
		t.Log(err)
	})
}

// Every credential carrier of a storage request is masked, whichever
// variable it came from.
func TestRedactorMasksCredentialCarriers(t *testing.T) {
	t.Setenv("AZURE_STORAGE_KEY", "key-"+sentinel)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws-"+sentinel)
	r := newRedactor()
	for _, in := range []string{
		"DefaultEndpointsProtocol=https;AccountName=a;AccountKey=" + sentinelKey + ";EndpointSuffix=core.windows.net",
		"PUT https://a.blob.core.windows.net/c/b?sv=2022&sig=" + sentinel + "%2B%3D&se=2030",
		"BlobEndpoint=https://a/;SharedAccessSignature=sv=2022&sig=" + sentinel,
		"GET https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA" + sentinel + "%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=" + sentinel,
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIA" + sentinel + "/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + sentinel,
		"the key was key-" + sentinel + " and aws-" + sentinel,
		"X-Amz-Security-Token=" + sentinel,
		"authorization SharedKey devstoreaccount1:" + sentinel + "abc+/=",
		"The MAC signature found in the HTTP request '" + sentinel + "abc=' is not the same as any computed signature.",
	} {
		if out := r.text(in); strings.Contains(out, sentinel) {
			t.Errorf("redacted %q\nto %q", in, out)
		}
	}
	if _, err := base64.StdEncoding.DecodeString(sentinelKey); err != nil {
		t.Fatalf("sentinelKey is not base64: %v", err)
	}
}
