package scenarios

import (
	"strings"
	"testing"
)

func TestParseFunction(t *testing.T) {
	for _, c := range []struct {
		in   string
		want FunctionRef
		err  string
	}{
		{in: "hello", want: FunctionRef{Name: "hello"}},
		{in: "hello:live", want: FunctionRef{Name: "hello", Qualifier: "live"}},
		{in: "hello:$LATEST", want: FunctionRef{Name: "hello", Qualifier: "$LATEST"}},
		{in: "123456789012:function:hello", want: FunctionRef{Name: "hello", Account: "123456789012"}},
		{in: "123456789012:function:hello:7", want: FunctionRef{Name: "hello", Account: "123456789012", Qualifier: "7"}},
		{in: "arn:aws:lambda:eu-west-1:123456789012:function:hello", want: FunctionRef{Name: "hello", Account: "123456789012", Region: "eu-west-1"}},
		{in: "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:hello:prod", want: FunctionRef{Name: "hello", Account: "123456789012", Region: "us-gov-west-1", Qualifier: "prod"}},
		{in: "", err: "is not valid"},
		{in: "hello world", err: "is not valid"},
		{in: "hello:", err: "empty qualifier"},
		{in: "arn:aws:s3:::bucket", err: "not a Lambda function ARN"},
		{in: "12345:function:hello", err: "not 12 digits"},
		{in: "hello:live:extra", err: "not a name or ARN"},
		{in: "hello:a/b", err: "not a version or alias"},
	} {
		got, err := ParseFunction(c.in)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ParseFunction(%q) error %v, want %q", c.in, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("ParseFunction(%q): %v", c.in, err)
		case c.err == "" && got != c.want:
			t.Errorf("ParseFunction(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func FuzzParseFunction(f *testing.F) {
	for _, s := range []string{"hello", "hello:live", "123456789012:function:hello:7", "arn:aws:lambda:eu-west-1:123456789012:function:hello"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseFunction(s)
		if err != nil {
			return
		}
		// What parses names the function, and a qualifier only when it
		// was written.
		if r.Name == "" || !strings.Contains(s, r.Name) || (r.Qualifier != "" && !strings.HasSuffix(s, ":"+r.Qualifier)) {
			t.Fatalf("ParseFunction(%q) = %+v", s, r)
		}
	})
}

func TestLambdaTarget(t *testing.T) {
	src := `name: l
targets:
  - name: fn
    kind: aws-lambda
    function: arn:aws:lambda:eu-west-1:123456789012:function:hello:live
    payload: '{"id":"{{request_id}}"}'
  - name: rie
    kind: aws-lambda
    function: function
    endpoint: http://127.0.0.1:9000
    auth: {type: none}
traffic:
  phases: [{shape: constant, rate: 1/s, duration: 1s}]
`
	p, err := Parse("l.yaml", []byte(src), LoadOptions{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	fn, rie := p.Scenario.Targets[0], p.Scenario.Targets[1]
	if fn.Region != "eu-west-1" || fn.Qualifier != "live" || fn.Method != "POST" || string(fn.Body) != `{"id":"{{request_id}}"}` ||
		fn.Auth != (Auth{Type: AuthAWSSigV4, Service: "lambda", Region: "eu-west-1"}) {
		t.Errorf("fn = %+v", fn)
	}
	if rie.Auth.Type != AuthNone || rie.Endpoint != "http://127.0.0.1:9000" {
		t.Errorf("rie = %+v", rie)
	}
}
