package objstore

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// fetchWorkers bounds the downloads Fetch has in flight: a shard synced
// every second for an hour leaves thousands of small parts.
const fetchWorkers = 8

// Fetch rebuilds in dir the run directory an Uploader mirrored to st
// (the objects directly under st's prefix; keys with a further / belong to
// other directories). complete tells whether the upload was finished;
// without it, the files are what a killed or still running shard had
// uploaded, a prefix of every append-only file. Fetch creates dir if need
// be and replaces files of the same names in it.
func Fetch(ctx context.Context, st Store, dir string) (complete bool, err error) {
	keys, err := st.List(ctx, "")
	if err != nil {
		return false, err
	}
	type generation struct {
		gen   int
		parts map[int]string // part number → key
	}
	appended := map[string]*generation{}
	var wholes []string
	for _, k := range keys {
		switch name, gen, n, ok := parsePartKey(k); {
		case k == "" || strings.Contains(k, "/"):
			// Another directory's, or a folder marker.
		case k == completeKey:
			complete = true
		case isMarker(k):
		case !ok:
			wholes = append(wholes, k)
		default:
			g := appended[name]
			if g == nil || gen > g.gen {
				g = &generation{gen: gen, parts: map[int]string{}}
				appended[name] = g
			}
			if gen == g.gen {
				g.parts[n] = k
			}
		}
	}
	files := map[string][]string{} // file name → its keys, in order
	for _, name := range wholes {
		files[name] = []string{name}
	}
	for name, g := range appended {
		keys := make([]string, len(g.parts))
		for n := 1; n <= len(g.parts); n++ {
			if keys[n-1] = g.parts[n]; keys[n-1] == "" {
				return false, fmt.Errorf("fetching %s from %s: part %d of its generation %d is missing; the upload is damaged",
					name, st.Location(), n, g.gen)
			}
		}
		files[name] = keys
	}
	for name := range files {
		if err := localName(name); err != nil {
			return false, fmt.Errorf("fetching from %s: %w", st.Location(), err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		bodies, err := getAll(ctx, st, files[name])
		if err != nil {
			return false, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), slices.Concat(bodies...), 0o644); err != nil {
			return false, err
		}
	}
	return complete, nil
}

// getAll downloads keys, fetchWorkers at a time. It stops at the first
// error, and returns it.
func getAll(ctx context.Context, st Store, keys []string) ([][]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bodies := make([][]byte, len(keys))
	var (
		mu       sync.Mutex
		firstErr error
	)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(fetchWorkers, len(keys)) {
		wg.Go(func() {
			for i := range next {
				b, err := st.Get(ctx, keys[i])
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
				}
				bodies[i] = b
			}
		})
	}
	for i := range keys {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = fmt.Errorf("downloading from %s: %w", st.Location(), ctx.Err())
	}
	return bodies, firstErr
}

// ListDirs returns the distinct first segments of the keys under st's
// prefix that have more than one, sorted: the run directories mirrored
// below it, such as shard-01-of-04.
func ListDirs(ctx context.Context, st Store) ([]string, error) {
	keys, err := st.List(ctx, "")
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, k := range keys {
		if d, _, ok := strings.Cut(k, "/"); ok && d != "" {
			dirs = append(dirs, d)
		}
	}
	slices.Sort(dirs)
	return slices.Compact(dirs), nil
}
