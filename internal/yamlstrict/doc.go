// Package yamlstrict reads the YAML files fnbench takes from users, scenario
// files and pricing overrides, strictly and at a bounded cost. It owns what
// every such format shares:
//
//   - Read: exactly one document, with yaml.v3's syntax errors placed at
//     their line and its panics on hostile input turned into errors;
//   - Walk: alias following, merge keys (<<) and duplicate keys, under one
//     budget of MaxNodes values and MaxDepth levels, so that a billion-laughs
//     file, a merge-key bomb or an alias that contains itself is refused
//     with a positioned error instead of eating memory or the stack;
//   - Error, Errors and List: problems as "file:line:col: message; hint",
//     every one a file has (at most MaxErrors), sorted by position;
//   - Describe and IsNull, for "expected X, got Y" messages.
//
// It does not know any format: which keys exist, what a value means and how
// a problem is put to the user in the format's words belong to the package
// that owns the format (scenarios, analyze/cost), which walks the nodes
// itself and reports through a Fail.
package yamlstrict
