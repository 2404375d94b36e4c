package objstore

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// The object layout of a mirrored run directory, written by Uploader and
// read by Fetch (the package documentation shows it).

// Keys that begin with markerPrefix are markers about an upload, not files
// of its run directory: Uploader neither uploads a file so named nor
// counts such keys as a previous run's, and Fetch does not download them.
const markerPrefix = "_"

// completeKey is the marker Uploader.Finish writes after the last sync: a
// run directory without it was still being written, or its writer was
// killed.
const completeKey = markerPrefix + "complete"

// StartedKey is the marker a shard writes before its first sync, to prove
// the store writable and learn its clock (Store.ServerTime) before the
// run begins.
const StartedKey = markerPrefix + "started"

func isMarker(key string) bool { return strings.HasPrefix(key, markerPrefix) }

// appendOnly tells the files uploaded as parts: the run directory's
// HdrHistogram logs and JSON-lines files, which only grow between syncs.
func appendOnly(name string) bool {
	return strings.HasSuffix(name, ".hlog") || strings.HasSuffix(name, ".jsonl")
}

// partKey is the key of part n (from 1) of generation gen (from 1) of the
// append-only file name.
func partKey(name string, gen, n int) string {
	if gen > 1 {
		name += ".g" + strconv.Itoa(gen)
	}
	return fmt.Sprintf("%s.part-%06d", name, n)
}

var partRE = regexp.MustCompile(`^(.+?)(?:\.g([0-9]+))?\.part-([0-9]+)$`)

// parsePartKey reads a key partKey made; ok is false for any other key.
func parsePartKey(key string) (name string, gen, n int, ok bool) {
	m := partRE.FindStringSubmatch(key)
	if m == nil || !appendOnly(m[1]) {
		return "", 0, 0, false
	}
	gen = 1
	if m[2] != "" {
		var err error
		if gen, err = strconv.Atoi(m[2]); err != nil || gen < 2 {
			return "", 0, 0, false
		}
	}
	n, err := strconv.Atoi(m[3])
	if err != nil || n < 1 {
		return "", 0, 0, false
	}
	return m[1], gen, n, true
}

// localName checks that name, taken from a key, names a file directly in
// a directory: a store is outside input.
func localName(name string) error {
	if !filepath.IsLocal(name) || filepath.Base(name) != name || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("object %q is not the name of a file in a run directory", name)
	}
	return nil
}
