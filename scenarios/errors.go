package scenarios

import (
	"strings"

	"github.com/fnbench/fnbench/internal/yamlstrict"
)

// Error is one problem with a scenario, positioned in its source. File is the
// scenario path as given, or "--set PATH" for a command-line override; Line
// and Col are 1-based. Hint says how to fix it and may be empty. It prints as
// "file:line:col: msg; hint"; a value error that has no position yet (from
// ParseRate or ParseDuration) prints as "msg; hint".
type Error = yamlstrict.Error

// Errors is every problem Parse found, sorted by position (the scenario file
// first, then --set overrides in the order given), at most 20 of them;
// Dropped counts the ones left out. Its Error method prints one error per
// line.
type Errors = yamlstrict.Errors

// closest returns the candidate nearest to word by edit distance when it is
// close enough to be a plausible typo, or "".
func closest(word string, candidates []string) string {
	best, bestDist := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(word), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(1, min(len(word), len(best))/3)
	if bestDist <= limit || (bestDist <= 2 && len(word) > 3) {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
