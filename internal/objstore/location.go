package objstore

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The URL schemes a Location may have.
const (
	SchemeS3     = "s3"
	SchemeAzblob = "azblob"
)

// wantURL is how every URL error ends: the forms Parse takes.
const wantURL = "want s3://bucket/prefix or azblob://account/container/prefix"

// Location is a parsed object-storage URL.
type Location struct {
	Scheme  string // SchemeS3 or SchemeAzblob
	Bucket  string // the S3 bucket, or the Azure container
	Account string // the Azure storage account; "" for S3
	Prefix  string // key prefix without leading or trailing slash; may be ""
}

var (
	// S3's rules for bucket names (Amazon S3 User Guide, "General purpose
	// bucket naming rules"), less the rarer ones S3 itself enforces.
	s3BucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	// Azure's rules for account and container names (Azure Storage docs,
	// "Naming and referencing containers, blobs, and metadata").
	azAccountRE   = regexp.MustCompile(`^[a-z0-9]{3,24}$`)
	azContainerRE = regexp.MustCompile(`^[a-z0-9](?:-?[a-z0-9])*$`)
)

// IsURL tells whether s, a command-line argument, names object storage
// rather than a local path: it begins with s3: or azblob:, or holds ://.
// Parse then reads it, or says what is wrong with it ("s3:/x", "gs://b").
// A local directory of such a name can be given as ./s3:name.
func IsURL(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	return ok && (strings.EqualFold(scheme, SchemeS3) || strings.EqualFold(scheme, SchemeAzblob)) || strings.Contains(s, "://")
}

// Parse reads s3://bucket[/prefix] or azblob://account/container[/prefix].
// Trailing slashes are dropped. Its errors begin with the quoted URL, so a
// caller names its flag before it: fmt.Errorf("--upload %w", err).
func Parse(raw string) (Location, error) {
	fail := func(format string, args ...any) (Location, error) {
		why := fmt.Sprintf(format, args...)
		if why != "" {
			why += "; "
		}
		return Location{}, fmt.Errorf("%q: %s%s", raw, why, wantURL)
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return fail("")
	}
	scheme = strings.ToLower(scheme)
	if scheme != SchemeS3 && scheme != SchemeAzblob {
		return fail("scheme %q is not supported", scheme)
	}
	rest = strings.TrimRight(rest, "/")
	if rest == "" {
		return fail("no bucket")
	}
	segs := strings.Split(rest, "/")
	for _, s := range segs {
		if s == "" {
			return fail("empty path segment (//)")
		}
	}
	loc := Location{Scheme: scheme}
	switch scheme {
	case SchemeS3:
		loc.Bucket, segs = segs[0], segs[1:]
		if !s3BucketRE.MatchString(loc.Bucket) {
			return fail("bucket %q is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)", loc.Bucket)
		}
	case SchemeAzblob:
		if len(segs) < 2 {
			return fail("no container")
		}
		loc.Account, loc.Bucket, segs = segs[0], segs[1], segs[2:]
		if !azAccountRE.MatchString(loc.Account) {
			return fail("account %q is not a storage account name (3 to 24 lowercase letters and digits)", loc.Account)
		}
		if len(loc.Bucket) < 3 || len(loc.Bucket) > 63 || !azContainerRE.MatchString(loc.Bucket) {
			return fail("container %q is not a container name (3 to 63 lowercase letters, digits and single hyphens)", loc.Bucket)
		}
	}
	for _, s := range segs {
		if why := badSegment(s); why != "" {
			return fail("prefix segment %q %s", s, why)
		}
	}
	loc.Prefix = strings.Join(segs, "/")
	return loc, nil
}

// badSegment says why s cannot be a segment of a key prefix, or "".
// Services normalize . and .. in URL paths, and ? and # would end the path.
func badSegment(s string) string {
	switch {
	case s == "." || s == "..":
		return "is a relative path"
	case !utf8.ValidString(s):
		return "is not UTF-8"
	case strings.ContainsAny(s, "?#\\"):
		return "holds ?, # or \\"
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "holds a control character"
	}
	return ""
}

// String is the canonical URL of l; Parse reads it back to l.
func (l Location) String() string {
	var b strings.Builder
	b.WriteString(l.Scheme + "://")
	if l.Account != "" {
		b.WriteString(l.Account + "/")
	}
	b.WriteString(l.Bucket)
	if l.Prefix != "" {
		b.WriteString("/" + l.Prefix)
	}
	return b.String()
}

// Join returns l with the key segments elem appended to its prefix, as
// path.Join would; empty elements are left out.
func (l Location) Join(elem ...string) Location {
	segs := make([]string, 0, len(elem)+1)
	for _, e := range append([]string{l.Prefix}, elem...) {
		if e = strings.Trim(e, "/"); e != "" {
			segs = append(segs, e)
		}
	}
	l.Prefix = strings.Join(segs, "/")
	return l
}

// key is the object key of k, a key relative to l's prefix.
func (l Location) key(k string) string {
	if l.Prefix == "" {
		return k
	}
	return l.Prefix + "/" + k
}

// rel is the key relative to l's prefix of the object key full, which
// lies under it.
func (l Location) rel(full string) string {
	if l.Prefix == "" {
		return full
	}
	return strings.TrimPrefix(full, l.Prefix+"/")
}
