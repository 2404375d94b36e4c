package objstore

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// memStore is a Store in memory, for the tests of what Fetch makes of
// objects no Uploader would write.
type memStore struct {
	mu   sync.Mutex
	objs map[string][]byte
}

func newMemStore(objs map[string]string) *memStore {
	m := &memStore{objs: map[string][]byte{}}
	for k, v := range objs {
		m.objs[k] = []byte(v)
	}
	return m
}

func (m *memStore) Location() Location { return Location{Scheme: SchemeS3, Bucket: "mem"} }

func (m *memStore) Put(_ context.Context, key string, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objs[key] = slices.Clone(body)
	return nil
}

func (m *memStore) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objs[key]
	if !ok {
		return nil, fmt.Errorf("%s: %w", key, fs.ErrNotExist)
	}
	return b, nil
}

func (m *memStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objs, key)
	return nil
}

func (m *memStore) List(_ context.Context, prefix string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keys []string
	for _, k := range slices.Sorted(maps.Keys(m.objs)) {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

func (m *memStore) ServerTime() (server, local time.Time) { return time.Time{}, time.Time{} }

// countingStore counts the Puts made through it.
type countingStore struct {
	Store
	mu   sync.Mutex
	puts []string
}

func (c *countingStore) Put(ctx context.Context, key string, body []byte) error {
	c.mu.Lock()
	c.puts = append(c.puts, key)
	c.mu.Unlock()
	return c.Store.Put(ctx, key, body)
}

func (c *countingStore) takePuts() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.puts
	c.puts = nil
	return p
}

// writeFile writes body to dir/name.
func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// appendFile appends body to dir/name, as the recorder does each interval.
func appendFile(t *testing.T, dir, name, body string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(body); err != nil {
		t.Fatal(err)
	}
}

// replaceFile replaces dir/name by rename, as run.json is.
func replaceFile(t *testing.T, dir, name, body string) {
	t.Helper()
	writeFile(t, dir, ".tmp-"+name, body)
	if err := os.Rename(filepath.Join(dir, ".tmp-"+name), filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// runFiles reads the files Fetch rebuilds of dir: its regular files of
// the top level that are not hidden.
func runFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[e.Name()] = string(b)
		}
	}
	return files
}

// sameFiles fails the test unless got and want hold the same files, byte
// for byte.
func sameFiles(t *testing.T, got, want map[string]string) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[name]; !ok {
			t.Errorf("%s is missing", name)
		} else if g != want[name] {
			t.Errorf("%s = %q, want %q", name, g, want[name])
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is there, and should not be", name)
		}
	}
}

// fetchFiles fetches st into a new directory and reads it back.
func fetchFiles(t *testing.T, st Store) (files map[string]string, complete bool) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "fetched")
	complete, err := Fetch(t.Context(), st, dir)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return runFiles(t, dir), complete
}
