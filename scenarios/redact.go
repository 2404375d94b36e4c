package scenarios

import (
	"cmp"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Redactor masks secrets in text before it is printed or written to disk.
// It knows three kinds of secret: values registered with Add (every value a
// scenario took from the environment), shown as ${NAME}; values registered
// with AddLiteral (credentials written literally in the scenario), shown as
// REDACTED wherever they appear, even echoed back by a target; and
// well-known credential carriers, masked as REDACTED wherever they appear:
// query parameters such as sig or code in URLs, and headers such as
// Authorization.
//
// A nil *Redactor applies only the query and header rules. A Redactor is
// safe for concurrent use; Add is meant for construction time, Redact for
// every message after it.
type Redactor struct {
	mu       sync.RWMutex
	secrets  map[string]string // value → what replaces it: ${NAME} or REDACTED
	replacer *strings.Replacer // nil until a value of 4+ bytes is added
}

// minSecretLen is the shortest value replaced inside text: shorter values
// ("1", "on") would garble unrelated words. Such values still appear as
// ${NAME} in the redacted scenario, which is built from references.
const minSecretLen = 4

// Add registers the value of environment variable name as a secret.
func (r *Redactor) Add(name, secret string) { r.add(secret, "${"+name+"}", true) }

// AddLiteral registers a credential written literally in the scenario (a
// header value, an auth value, a ?code= parameter). A value also taken from
// the environment keeps its ${NAME}.
func (r *Redactor) AddLiteral(secret string) { r.add(secret, "REDACTED", false) }

func (r *Redactor) add(secret, replacement string, override bool) {
	if r == nil || secret == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.secrets == nil {
		r.secrets = map[string]string{}
	}
	// Also catch the secret as it appears inside an encoded URL.
	for _, v := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		if _, known := r.secrets[v]; override || !known {
			r.secrets[v] = replacement
		}
	}
	r.rebuild()
}

// literalSecretWords mark a header whose value is a credential, whatever
// its exact name (X-Api-Key, X-Auth-Token, Ocp-Apim-Subscription-Key …).
var literalSecretWords = []string{"auth", "key", "token", "secret", "password", "signature", "cookie", "credential"}

// AddLiterals registers the credentials a scenario writes literally: the
// values of credential headers (and, for an Authorization scheme, the
// credential after it), auth values, and sensitive query parameters of
// target URLs. Values made only of ${NAME} references were registered as
// they were resolved.
func (r *Redactor) AddLiterals(s *Scenario) {
	for _, t := range s.Targets {
		for name, v := range t.Headers {
			if isCredentialHeader(name) {
				r.addCredential(v)
			}
		}
		if t.Auth.Header != "" || t.Auth.Query != "" {
			r.addCredential(t.Auth.Value)
		}
		if u, err := url.Parse(t.URL); err == nil {
			for name, vs := range u.Query() {
				if slices.Contains(sensitiveParams, strings.ToLower(name)) {
					for _, v := range vs {
						r.AddLiteral(v)
					}
				}
			}
		}
	}
}

// addCredential registers a credential value, and the credential after an
// auth scheme ("Basic dXNlcjpwYXNz" → also "dXNlcjpwYXNz").
func (r *Redactor) addCredential(v string) {
	v = strings.TrimSpace(v)
	r.AddLiteral(v)
	if scheme, rest, ok := strings.Cut(v, " "); ok && isAuthScheme(scheme) {
		r.AddLiteral(strings.TrimSpace(rest))
	}
}

func isCredentialHeader(name string) bool {
	if isSensitiveHeader(name) {
		return true
	}
	lower := strings.ToLower(name)
	for _, w := range literalSecretWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// rebuild precomputes the replacer, longest values first so a secret that
// contains another is replaced whole.
func (r *Redactor) rebuild() {
	values := make([]string, 0, len(r.secrets))
	for v := range r.secrets {
		if len(v) >= minSecretLen {
			values = append(values, v)
		}
	}
	slices.SortFunc(values, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	pairs := make([]string, 0, 2*len(values))
	for _, v := range values {
		pairs = append(pairs, v, r.secrets[v])
	}
	r.replacer = nil
	if len(pairs) > 0 {
		r.replacer = strings.NewReplacer(pairs...)
	}
}

// sensitiveParams are query parameters that carry credentials: Azure
// Functions keys (code), SAS and SigV4 signatures, tokens and API keys.
var sensitiveParams = []string{"code", "sig", "signature", "x-amz-signature", "x-amz-security-token", "token", "access_token", "key", "api_key", "apikey"}

// sensitiveHeaders carry credentials in their values.
var sensitiveHeaders = []string{"Authorization", "X-Functions-Key", "X-Api-Key", "Cookie", "Proxy-Authorization", "X-Amz-Security-Token"}

var (
	paramRE = regexp.MustCompile(`(?i)([?&](?:` + strings.Join(quoteAll(sensitiveParams), "|") + `)=)([^&#\s"'<>]*)`)
	// headerRE matches "Name: value" and JSON "Name":"value". A
	// "Name=value" is a query parameter, which paramRE handles.
	headerRE = regexp.MustCompile(`(?i)\b(` + strings.Join(quoteAll(sensitiveHeaders), "|") + `)("?\s*:\s*"?)([^"\r\n]*)`)
	refRE    = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)
)

func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = regexp.QuoteMeta(w)
	}
	return out
}

// Redact returns s with every registered secret replaced by ${NAME},
// sensitive query parameter values and sensitive header values masked.
func (r *Redactor) Redact(s string) string {
	if r != nil {
		r.mu.RLock()
		rep := r.replacer
		r.mu.RUnlock()
		if rep != nil {
			s = rep.Replace(s)
		}
	}
	if strings.Contains(s, "=") {
		s = paramRE.ReplaceAllStringFunc(s, func(m string) string {
			sub := paramRE.FindStringSubmatch(m)
			return sub[1] + maskValue(sub[2])
		})
	}
	if strings.Contains(s, ":") {
		s = headerRE.ReplaceAllStringFunc(s, func(m string) string {
			sub := headerRE.FindStringSubmatch(m)
			return sub[1] + sub[2] + maskHeaderValue(sub[3])
		})
	}
	return s
}

// RedactHeaders returns a copy of h with secrets replaced and the values of
// sensitive headers masked. Names are kept as given.
func (r *Redactor) RedactHeaders(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for name, value := range h {
		value = r.replaceSecrets(value)
		if isSensitiveHeader(name) {
			value = maskHeaderValue(value)
		} else {
			value = r.Redact(value)
		}
		out[name] = value
	}
	return out
}

func (r *Redactor) replaceSecrets(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	rep := r.replacer
	r.mu.RUnlock()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}

func isSensitiveHeader(name string) bool {
	canon := http.CanonicalHeaderKey(name)
	for _, h := range sensitiveHeaders {
		if canon == http.CanonicalHeaderKey(h) {
			return true
		}
	}
	return false
}

// maskValue masks a credential unless it is already a bare ${NAME}
// reference, which reveals nothing.
func maskValue(v string) string {
	if v == "" || refRE.MatchString(v) && refRE.ReplaceAllString(v, "") == "" {
		return v
	}
	return "REDACTED"
}

// maskHeaderValue masks a credential header value but keeps its scheme
// ("Bearer REDACTED") and keeps values made only of ${NAME} references
// ("Bearer ${TOKEN}"), which reveal nothing.
func maskHeaderValue(v string) string {
	scheme, rest, hasScheme := strings.Cut(strings.TrimSpace(v), " ")
	if hasScheme && isAuthScheme(scheme) {
		return scheme + " " + maskValue(strings.TrimSpace(rest))
	}
	return maskValue(strings.TrimSpace(v))
}

func isAuthScheme(s string) bool {
	switch strings.ToLower(s) {
	case "bearer", "basic", "digest", "token", "aws4-hmac-sha256", "sharedkey", "negotiate":
		return true
	}
	return false
}
