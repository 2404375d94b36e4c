package objstore

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseReadsBothSchemes(t *testing.T) {
	for _, c := range []struct {
		raw, canonical string
		want           Location
	}{
		{"s3://fnbench-runs", "s3://fnbench-runs", Location{Scheme: "s3", Bucket: "fnbench-runs"}},
		{"s3://fnbench-runs/", "s3://fnbench-runs", Location{Scheme: "s3", Bucket: "fnbench-runs"}},
		{"s3://b.example/team/run 1/", "s3://b.example/team/run 1", Location{Scheme: "s3", Bucket: "b.example", Prefix: "team/run 1"}},
		{"S3://abc/x", "s3://abc/x", Location{Scheme: "s3", Bucket: "abc", Prefix: "x"}},
		{"azblob://devstoreaccount1/runs", "azblob://devstoreaccount1/runs", Location{Scheme: "azblob", Account: "devstoreaccount1", Bucket: "runs"}},
		{"azblob://acct/run-s/2026/12/06//", "azblob://acct/run-s/2026/12/06", Location{Scheme: "azblob", Account: "acct", Bucket: "run-s", Prefix: "2026/12/06"}},
	} {
		got, err := Parse(c.raw)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", c.raw, got, err, c.want)
		}
		if s := got.String(); s != c.canonical {
			t.Errorf("Parse(%q).String() = %q, want %q", c.raw, s, c.canonical)
		}
	}
}

// A bad URL's error says what was expected and how to fix it, after the
// caller's flag.
func TestParseErrorsSayWhatToWrite(t *testing.T) {
	_, err := Parse("s3:/x")
	if got, want := fmt.Sprintf("--upload %v", err), `--upload "s3:/x": want s3://bucket/prefix or azblob://account/container/prefix`; got != want {
		t.Errorf("error = %s\nwant    %s", got, want)
	}
	for raw, hint := range map[string]string{
		"gs://bucket/x":                  `scheme "gs" is not supported`,
		"s3://":                          "no bucket",
		"s3://My_Bucket/x":               `bucket "My_Bucket" is not an S3 bucket name`,
		"s3://ab":                        `bucket "ab" is not an S3 bucket name`,
		"s3://bucket//x":                 "empty path segment",
		"s3://bucket/a/../b":             `prefix segment ".." is a relative path`,
		"s3://bucket/a?versionId=1":      "holds ?, # or \\",
		"s3://bucket/a\x00":              "control character",
		"s3://bucket/\xff":               "is not UTF-8",
		"azblob://acct":                  "no container",
		"azblob://Acct/runs":             `account "Acct" is not a storage account name`,
		"azblob://acct/run--s":           `container "run--s" is not a container name`,
		"azblob://acct/ru":               `container "ru" is not a container name`,
		"azblob://acct.blob.core/runs/x": `account "acct.blob.core"`,
	} {
		_, err := Parse(raw)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", raw)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, hint) || !strings.HasSuffix(msg, wantURL) || !strings.HasPrefix(msg, fmt.Sprintf("%q: ", raw)) {
			t.Errorf("Parse(%q): %s\nwant the URL, %q and the forms wanted", raw, msg, hint)
		}
	}
}

func TestJoinAppendsKeySegments(t *testing.T) {
	base := Location{Scheme: "s3", Bucket: "b"}
	for _, c := range []struct {
		loc  Location
		elem []string
		want string
	}{
		{base, []string{"run-1"}, "s3://b/run-1"},
		{base, []string{"", "/run-1/", "shard-01-of-04"}, "s3://b/run-1/shard-01-of-04"},
		{base.Join("team"), []string{"run-1", ""}, "s3://b/team/run-1"},
		{base.Join("team"), nil, "s3://b/team"},
	} {
		if got := c.loc.Join(c.elem...).String(); got != c.want {
			t.Errorf("%v.Join(%q) = %s, want %s", c.loc, c.elem, got, c.want)
		}
	}
}

func TestOpenRefusesAnUnknownScheme(t *testing.T) {
	if _, err := Open(t.Context(), Location{Scheme: "gs", Bucket: "b"}); err == nil || !strings.Contains(err.Error(), wantURL) {
		t.Errorf("Open of gs:// = %v, want an error saying what is wanted", err)
	}
}

func TestIsURLTellsStorageFromAPath(t *testing.T) {
	for s, want := range map[string]bool{
		"s3://b/p": true, "S3://b": true, "azblob://a/c": true,
		"s3:/x": true, "azblob:a/c": true, "gs://b": true, // for Parse to say what is wrong
		"runs/shard-01": false, "./s3:x": false, "/tmp/run": false, "C:\\runs": false, "": false,
	} {
		if got := IsURL(s); got != want {
			t.Errorf("IsURL(%q) = %v, want %v", s, got, want)
		}
	}
}
