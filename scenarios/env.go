package scenarios

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// envResolver replaces ${NAME} references in string values with environment
// variables and registers every value taken from the environment as a
// secret.
//
// Syntax: ${NAME} is the variable NAME; ${NAME:-default} falls back to
// default when NAME is unset or empty; $${ is a literal ${. NAME is a shell
// variable name ([A-Za-z_][A-Za-z0-9_]*).
type envResolver struct {
	lookup   func(string) (string, bool)
	redactor *Redactor
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expand resolves the references in the scalar n. It returns the resolved
// value and the template (references kept as ${NAME}, escapes resolved), or
// ok=false after reporting an error at n.
func (r *envResolver) expand(n *yaml.Node, d *decoder) (value, template string, ok bool) {
	s := n.Value
	if !strings.Contains(s, "${") {
		return s, s, true
	}
	var val, tpl strings.Builder
	ok = true
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			val.WriteString(s)
			tpl.WriteString(s)
			break
		}
		if i > 0 && s[i-1] == '$' { // $${ is a literal ${
			val.WriteString(s[:i-1] + "${")
			tpl.WriteString(s[:i-1] + "${")
			s = s[i+2:]
			continue
		}
		val.WriteString(s[:i])
		tpl.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			d.fail(n, fmt.Sprintf("unterminated ${ in %q", n.Value), "close it with } or write $${ for a literal ${")
			return "", "", false
		}
		ref := s[i+2 : i+end]
		s = s[i+end+1:]
		name, def, hasDef := strings.Cut(ref, ":-")
		if !envNameRE.MatchString(name) {
			d.fail(n, fmt.Sprintf("${%s} is not a valid variable reference", ref), "use ${NAME} or ${NAME:-default} with NAME made of letters, digits and _ (write $${ for a literal ${)")
			ok = false
			continue
		}
		tpl.WriteString("${" + name + "}")
		v, found := r.lookup(name)
		switch {
		case found && v != "":
			r.redactor.Add(name, v)
			val.WriteString(v)
		case hasDef:
			val.WriteString(def)
		case found:
			// Set but empty, without a default: the empty string.
		default:
			d.fail(n, fmt.Sprintf("environment variable %s is not set", name), fmt.Sprintf("export %s=… or write ${%s:-default}", name, name))
			ok = false
		}
	}
	return val.String(), tpl.String(), ok
}
