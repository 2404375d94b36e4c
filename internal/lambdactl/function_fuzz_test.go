package lambdactl

import "testing"

// A function name comes from the scenario file: splitting it never loses
// or invents characters.
func FuzzSplitQualifier(f *testing.F) {
	for _, s := range []string{"hello", "hello:live", "123456789012:function:hello:7",
		"arn:aws:lambda:us-east-1:123456789012:function:hello:$LATEST", ":function:", "a:b:c", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		fn, q := splitQualifier(in)
		if fn != in && fn+":"+q != in {
			t.Errorf("splitQualifier(%q) = %q, %q, which do not join to it", in, fn, q)
		}
		if got, err := updatable(in); err == nil && got != fn {
			t.Errorf("updatable(%q) = %q, want %q", in, got, fn)
		}
	})
}
