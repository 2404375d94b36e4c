package scenarios

import (
	"fmt"
	"regexp"
	"strings"
)

// FunctionRef is a Lambda function reference taken apart: the forms the
// Invoke API accepts are a name (my-function), a name with a qualifier
// (my-function:live), a partial ARN (123456789012:function:my-function) and
// a full ARN (arn:aws:lambda:us-east-1:123456789012:function:my-function),
// each with an optional :qualifier.
type FunctionRef struct {
	Name      string
	Account   string
	Region    string // "" unless a full ARN
	Qualifier string
}

var (
	functionName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	qualifierRE  = regexp.MustCompile(`^(\$LATEST|[a-zA-Z0-9_-]{1,128})$`)
	accountRE    = regexp.MustCompile(`^\d{12}$`)
	regionRE     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
)

// ParseFunction takes a function reference apart, checking each piece
// against the Lambda API's patterns.
func ParseFunction(s string) (FunctionRef, error) {
	var r FunctionRef
	parts := strings.Split(s, ":")
	switch {
	case strings.HasPrefix(s, "arn:"):
		// arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
		if len(parts) < 7 || len(parts) > 8 || parts[2] != "lambda" || parts[5] != "function" {
			return r, fmt.Errorf("function %q is not a Lambda function ARN", s)
		}
		if !regionRE.MatchString(parts[3]) {
			return r, fmt.Errorf("function ARN %q has no valid region", s)
		}
		r.Region, r.Account, r.Name = parts[3], parts[4], parts[6]
		if len(parts) == 8 {
			r.Qualifier = parts[7]
		}
	case len(parts) >= 3 && parts[1] == "function":
		if len(parts) > 4 {
			return r, fmt.Errorf("function %q is not a partial ARN", s)
		}
		r.Account, r.Name = parts[0], parts[2]
		if len(parts) == 4 {
			r.Qualifier = parts[3]
		}
	case len(parts) <= 2:
		r.Name = parts[0]
		if len(parts) == 2 {
			r.Qualifier = parts[1]
		}
	default:
		return r, fmt.Errorf("function %q is not a name or ARN", s)
	}
	switch {
	case !functionName.MatchString(r.Name):
		return r, fmt.Errorf("function name %q is not valid: 1 to 64 letters, digits, '-' or '_'", r.Name)
	case r.Account != "" && !accountRE.MatchString(r.Account):
		return r, fmt.Errorf("account %q in function %q is not 12 digits", r.Account, s)
	case len(parts) > 1 && r.Qualifier == "" && !strings.HasPrefix(s, "arn:") && parts[1] != "function":
		return r, fmt.Errorf("function %q ends in an empty qualifier", s)
	case r.Qualifier != "" && !qualifierRE.MatchString(r.Qualifier):
		return r, fmt.Errorf("qualifier %q in function %q is not a version or alias", r.Qualifier, s)
	}
	return r, nil
}
