package lambdactl

import (
	"errors"
	"fmt"
	"strings"
)

// splitQualifier splits a function as the Lambda API accepts it — a name,
// a partial ARN (123456789012:function:name) or a full ARN, each
// optionally ending in :version or :alias — into the unqualified function
// (in the same form) and the qualifier.
func splitQualifier(function string) (unqualified, qualifier string) {
	const sep = ":function:"
	head, name := "", function
	if i := strings.Index(function, sep); i >= 0 {
		head, name = function[:i+len(sep)], function[i+len(sep):]
	}
	name, qualifier, _ = strings.Cut(name, ":")
	return head + name, qualifier
}

// updatable returns the function a configuration update applies to: the
// unqualified one. Any other qualifier than $LATEST is refused, because an
// alias or version would go on running the old configuration.
func updatable(function string) (string, error) {
	if function == "" {
		return "", errors.New("no function named")
	}
	fn, q := splitQualifier(function)
	if q != "" && q != "$LATEST" {
		return "", fmt.Errorf("%s names version or alias %q, but configuration updates apply only to $LATEST "+
			"(an alias pointing at a published version never sees them): name the function without :%s and invoke $LATEST", function, q, q)
	}
	return fn, nil
}
