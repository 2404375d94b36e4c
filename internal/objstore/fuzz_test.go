package objstore

import "testing"

// An --upload URL or a merge argument comes from the user: Parse never
// panics, what it accepts IsURL takes for a URL, and it prints as a URL
// Parse reads back the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"s3://fnbench-runs/team/run-1", "s3://b.example/", "S3://abc", "s3:/x",
		"azblob://devstoreaccount1/runs/2026/12/06", "azblob://acct", "azblob://acct/run--s", "gs://b",
		"s3://bucket//x", "s3://bucket/a/../b", "s3://bucket/a?x=1", "s3://bucket/\xff", "://", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		loc, err := Parse(raw)
		if err != nil {
			return
		}
		if !IsURL(raw) {
			t.Fatalf("Parse(%q) succeeded, but IsURL says it is a path", raw)
		}
		again, err := Parse(loc.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, whose String %q does not parse: %v", raw, loc, loc.String(), err)
		}
		if again != loc {
			t.Fatalf("Parse(%q) = %+v, but Parse(%q) = %+v", raw, loc, loc.String(), again)
		}
		if again.String() != loc.String() {
			t.Fatalf("String of %+v is not stable: %q, %q", loc, loc.String(), again.String())
		}
	})
}
