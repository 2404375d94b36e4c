package attack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// fnbench's signer gives the SDK's signature to the byte, on the request
// shapes fnbench sends: Invoke with a qualifier and an ARN in the path, a
// function URL with a query and odd header spacing, an API Gateway GET,
// with and without a session token and a body.
func TestSigV4MatchesTheSDK(t *testing.T) {
	at := time.Date(2026, 11, 27, 23, 59, 59, 0, time.UTC)
	for _, c := range []struct {
		name, method, url, body string
		header                  http.Header
		token                   string
	}{
		{"invoke", "POST", "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Ahello/invocations?Qualifier=live",
			`{"id":"1"}`, http.Header{"X-Amz-Log-Type": {"Tail"}, "X-Amz-Invocation-Type": {"RequestResponse"}, "User-Agent": {"fnbench"}}, ""},
		{"invoke-session", "POST", "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/hello/invocations",
			`{}`, http.Header{"X-Amz-Log-Type": {"Tail"}}, "FwoGZXIvYXdzEJr//////////token+with/chars="},
		{"url", "POST", "https://abc.lambda-url.eu-west-1.on.aws/path/with%20space?b=2&a=x y&a=1",
			"hello", http.Header{"Content-Type": {"application/json"}, "X-Custom": {"  spaced   value  "}}, ""},
		{"apigw-get", "GET", "https://id.execute-api.eu-west-1.amazonaws.com:443/prod/items", "", http.Header{"Accept": {"*/*"}}, "tok"},
		{"loopback", "POST", "http://127.0.0.1:9001/2015-03-31/functions/f/invocations", "x", http.Header{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			creds := aws.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "secret/key+example", SessionToken: c.token}
			service := "lambda"
			if c.name == "apigw-get" {
				service = "execute-api"
			}
			r := &refresher[aws.Credentials]{}
			r.cur.Store(&refreshed[aws.Credentials]{v: creds})
			s := &sigV4{service: service, region: "eu-west-1", creds: r}
			if err := s.bind(c.method, c.url, c.header); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256([]byte(c.body))
			hash := hex.EncodeToString(sum[:])
			auth, got, err := s.sign(nil, at, len(c.body), []byte(hash))
			if err != nil {
				t.Fatal(err)
			}

			req, _ := http.NewRequest(c.method, c.url, bytes.NewReader([]byte(c.body)))
			if c.body == "" {
				req.Body, req.ContentLength = http.NoBody, 0
			}
			req.Header = c.header.Clone()
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, service, "eu-west-1", at); err != nil {
				t.Fatal(err)
			}
			if want := req.Header.Get("Authorization"); string(auth) != want {
				t.Errorf("Authorization\n got %s\nwant %s", auth, want)
			}
			if got.date != req.Header.Get("X-Amz-Date") || got.token != req.Header.Get("X-Amz-Security-Token") {
				t.Errorf("date %s token %q; SDK: %s %q", got.date, got.token, req.Header.Get("X-Amz-Date"), req.Header.Get("X-Amz-Security-Token"))
			}
		})
	}
}

// Signing a request allocates little and takes a few microseconds.
func BenchmarkSigV4(b *testing.B) {
	r := &refresher[aws.Credentials]{}
	r.cur.Store(&refreshed[aws.Credentials]{v: aws.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "secret"}})
	s := &sigV4{service: "lambda", region: "us-east-1", creds: r}
	s.bind("POST", "http://127.0.0.1:9001/2015-03-31/functions/f/invocations", http.Header{"X-Amz-Log-Type": {"Tail"}, "X-Amz-Invocation-Type": {"RequestResponse"}})
	hash := []byte("5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _, _ = s.sign(buf[:0], time.Now(), 10, hash)
	}
}
