package lambdactl

import "testing"

func TestSplitQualifier(t *testing.T) {
	for _, tc := range []struct{ in, fn, q string }{
		{"hello", "hello", ""},
		{"hello:live", "hello", "live"},
		{"hello:$LATEST", "hello", "$LATEST"},
		{"myfunction:prod", "myfunction", "prod"}, // a name ending in "function"
		{"123456789012:function:hello", "123456789012:function:hello", ""},
		{"123456789012:function:hello:7", "123456789012:function:hello", "7"},
		{"arn:aws:lambda:us-east-1:123456789012:function:hello", "arn:aws:lambda:us-east-1:123456789012:function:hello", ""},
		{"arn:aws:lambda:us-east-1:123456789012:function:hello:live", "arn:aws:lambda:us-east-1:123456789012:function:hello", "live"},
		{"arn:aws-cn:lambda:cn-north-1:123456789012:function:function:1", "arn:aws-cn:lambda:cn-north-1:123456789012:function:function", "1"},
	} {
		fn, q := splitQualifier(tc.in)
		if fn != tc.fn || q != tc.q {
			t.Errorf("splitQualifier(%q) = %q, %q; want %q, %q", tc.in, fn, q, tc.fn, tc.q)
		}
	}
}

// Configuration updates go to $LATEST; a version or alias is refused.
func TestUpdatable(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"hello", "hello", true},
		{"hello:$LATEST", "hello", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:hello:$LATEST", "arn:aws:lambda:us-east-1:123456789012:function:hello", true},
		{"hello:live", "", false},
		{"123456789012:function:hello:3", "", false},
		{"", "", false},
	} {
		got, err := updatable(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("updatable(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
