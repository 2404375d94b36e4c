package platform

import "testing"

func TestParseSimURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want SimURL
		bad  bool
	}{
		{in: "sim://aws-go-hello", want: SimURL{Profile: "aws-go-hello"}},
		{in: "sim://aws-go-hello/", want: SimURL{Profile: "aws-go-hello"}},
		{in: "sim://aws-go-hello/hello", want: SimURL{Profile: "aws-go-hello", Function: "hello"}},
		{in: "sim://aws-go-hello/hello/lambda-url", want: SimURL{Profile: "aws-go-hello", Function: "hello", Kind: "lambda-url"}},
		{in: "sim://", bad: true},
		{in: "sim://a/b/c/d", bad: true},
		{in: "sim://a//b", bad: true},
		{in: "http://a/b", bad: true},
	} {
		got, err := ParseSimURL(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("%s: error %v, want bad=%v", tc.in, err, tc.bad)
			continue
		}
		if !tc.bad && got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.in, got, tc.want)
		}
		if !tc.bad && got.String() != tc.want.String() {
			t.Errorf("%s: String %q", tc.in, got.String())
		}
	}
}

func FuzzParseSimURL(f *testing.F) {
	for _, s := range []string{"sim://p", "sim://p/f", "sim://p/f/k", "sim://", "sim:///x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseSimURL(s)
		if err != nil {
			return
		}
		again, err := ParseSimURL(u.String())
		if err != nil || again != u {
			t.Fatalf("%q parsed to %+v, which reads back as %+v (%v)", s, u, again, err)
		}
	})
}
