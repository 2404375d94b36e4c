package platform

import (
	"fmt"
	"strings"
)

// SimScheme is the URL scheme of the built-in simulator's endpoints.
const SimScheme = "sim"

// SimURL is a parsed sim:// URL: sim://<profile>[/<function>[/<kind>]].
// A target's url names an endpoint (profile and function, kind optional);
// an aws-lambda target's endpoint names only a profile.
type SimURL struct {
	Profile  string
	Function string // "" for a profile alone
	Kind     string // lambda-url, lambda-invoke, apigw-http, apigw-rest, azure-http; "" for the function's first
}

// IsSimURL reports whether s uses the sim:// scheme.
func IsSimURL(s string) bool { return strings.HasPrefix(s, SimScheme+"://") }

// ParseSimURL parses sim://<profile>[/<function>[/<kind>]]. Its errors say
// what form was expected.
func ParseSimURL(s string) (SimURL, error) {
	rest, ok := strings.CutPrefix(s, SimScheme+"://")
	if !ok {
		return SimURL{}, fmt.Errorf("%q is not a simulator URL; want sim://<profile>/<function>", s)
	}
	rest = strings.Trim(rest, "/")
	parts := strings.Split(rest, "/")
	if rest == "" || len(parts) > 3 || strings.Contains(rest, "//") {
		return SimURL{}, fmt.Errorf("%q: want sim://<profile>, sim://<profile>/<function> or sim://<profile>/<function>/<kind>", s)
	}
	u := SimURL{Profile: parts[0]}
	if len(parts) > 1 {
		u.Function = parts[1]
	}
	if len(parts) > 2 {
		u.Kind = parts[2]
	}
	return u, nil
}

// String writes the URL back in its canonical form.
func (u SimURL) String() string {
	s := SimScheme + "://" + u.Profile
	if u.Function != "" {
		s += "/" + u.Function
		if u.Kind != "" {
			s += "/" + u.Kind
		}
	}
	return s
}
