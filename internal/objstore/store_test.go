package objstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// storeTests are what every Store, and the Uploader and Fetch over it,
// must do. Each test opens stores with open, each at a prefix of its own
// under the backend's location.
var storeTests = []struct {
	name string
	run  func(t *testing.T, open func(t *testing.T, sub string) Store)
}{
	{"FetchRebuildsWhatFinishUploaded", testFetchRebuildsWhatFinishUploaded},
	{"KilledShardLeavesAPrefixOfEveryFile", testKilledShardLeavesAPrefix},
	{"ShrunkOrReplacedFileStartsANewGeneration", testNewGeneration},
	{"SyncUploadsOnlyWhatChanged", testSyncUploadsOnlyWhatChanged},
	{"RunAndFinishTakeTurns", testRunAndFinishTakeTurns},
	{"UploaderRefusesAPrefixInUse", testUploaderRefusesAPrefixInUse},
	{"ListPagesThroughEveryKeyOfItsPrefixOnly", testListPages},
	{"MissingObjectIsNotExist", testMissingObject},
	{"ServerTimeIsTheLastResponsesDate", testServerTime},
}

// runStoreTests runs storeTests against the backend at base.
func runStoreTests(t *testing.T, base Location) {
	for _, tc := range storeTests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, func(t *testing.T, sub string) Store {
				t.Helper()
				st, err := Open(t.Context(), base.Join(tc.name, sub))
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				return st
			})
		})
	}
}

func testFetchRebuildsWhatFinishUploaded(t *testing.T, open func(*testing.T, string) Store) {
	st := open(t, "shard-01-of-02")
	dir := t.TempDir()
	writeFile(t, dir, "run.json", `{"state":"running"}`)
	writeFile(t, dir, "original-config.json", `{"rate":"10/s"}`)
	writeFile(t, dir, "latency.hlog", "#[StartTime: 0]\n0.0,1.0,10.0,HISTFAAAA")
	writeFile(t, dir, "intervals.jsonl", `{"start_ns":0}`+"\n")
	writeFile(t, dir, "events.jsonl", "") // created empty at the start
	writeFile(t, dir, "pending.log", "#file intervals.jsonl\n{}\n")
	writeFile(t, dir, "timing.hlog", "a file removed later, of two generations\n")
	writeFile(t, dir, ".run-123.json", "a writer's temporary file")
	if err := os.Mkdir(filepath.Join(dir, "profiles"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "profiles"), "heap.pprof", "not uploaded")

	// As a shard does, to prove the store writable before the run.
	if err := st.Put(t.Context(), StartedKey, []byte("2026-12-06T00:00:00Z\n")); err != nil {
		t.Fatal(err)
	}
	u := NewUploader(st, dir)
	if err := u.Sync(t.Context()); err != nil {
		t.Fatalf("first Sync: %v", err)
	}
	// The torn last line of latency.hlog is completed by the next part.
	appendFile(t, dir, "latency.hlog", "AA==\n1.0,1.0,12.0,HISTFBBBB==\n")
	appendFile(t, dir, "intervals.jsonl", `{"start_ns":1000000000}`+"\n")
	replaceFile(t, dir, "pending.log", "#file intervals.jsonl\n{}\n{}\n")
	writeFile(t, dir, "timing.hlog", "two\n")
	if err := u.Sync(t.Context()); err != nil {
		t.Fatalf("second Sync: %v", err)
	}
	replaceFile(t, dir, "run.json", `{"state":"done"}`)
	writeFile(t, dir, "merge.json", `{"shards":2}`)
	for _, name := range []string{"pending.log", "timing.hlog"} { // pending.log: as at the run's end
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := u.Finish(t.Context()); err != nil {
		t.Fatalf("Finish: %v", err)
	}

	got, complete := fetchFiles(t, st)
	if !complete {
		t.Error("Fetch after Finish: complete = false")
	}
	sameFiles(t, got, runFiles(t, dir))
	keys, err := st.List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"_started", "_complete", "latency.hlog.part-000001", "latency.hlog.part-000002", "events.jsonl.part-000001", "run.json"} {
		if !slices.Contains(keys, want) {
			t.Errorf("no object %s among %q", want, keys)
		}
	}
	for _, k := range keys {
		if strings.HasPrefix(k, ".") || strings.HasPrefix(k, "profiles") || strings.HasPrefix(k, "pending.log") || strings.HasPrefix(k, "timing.hlog") {
			t.Errorf("object %s was uploaded (hidden, sub-directory or removed file)", k)
		}
	}
}

func testKilledShardLeavesAPrefix(t *testing.T, open func(*testing.T, string) Store) {
	st := open(t, "shard-02-of-02")
	dir := t.TempDir()
	writeFile(t, dir, "run.json", `{"state":"running"}`)
	writeFile(t, dir, "intervals.jsonl", "{\"i\":0}\n{\"i\":1}\n{\"i\"")
	u := NewUploader(st, dir)
	if err := u.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	synced := runFiles(t, dir)
	// Written after the last sync, then killed: never uploaded.
	appendFile(t, dir, "intervals.jsonl", ":2}\n")

	got, complete := fetchFiles(t, st)
	if complete {
		t.Error("Fetch without Finish: complete = true")
	}
	sameFiles(t, got, synced)
}

func testNewGeneration(t *testing.T, open func(*testing.T, string) Store) {
	st := open(t, "shard")
	dir := t.TempDir()
	u := NewUploader(st, dir)
	sync := func() {
		t.Helper()
		if err := u.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, dir, "lag.hlog", "generation one, long\n")
	sync()
	appendFile(t, dir, "lag.hlog", "more\n")
	sync()
	writeFile(t, dir, "lag.hlog", "two\n") // truncated in place
	sync()
	appendFile(t, dir, "lag.hlog", "two, more\n")
	sync()
	if got, _ := fetchFiles(t, st); got["lag.hlog"] != "two\ntwo, more\n" {
		t.Errorf("after truncation lag.hlog = %q, want generation 2's bytes", got["lag.hlog"])
	}
	replaceFile(t, dir, "lag.hlog", "two\ntwo, more\nthree, a longer file in place of the other\n")
	sync()
	if got, _ := fetchFiles(t, st); got["lag.hlog"] != "two\ntwo, more\nthree, a longer file in place of the other\n" {
		t.Errorf("after replacement lag.hlog = %q, want generation 3's bytes", got["lag.hlog"])
	}
	writeFile(t, dir, "lag.hlog", "")
	sync()
	if got, _ := fetchFiles(t, st); got["lag.hlog"] != "" {
		t.Errorf("after truncation to nothing lag.hlog = %q, want it empty", got["lag.hlog"])
	}
	keys, err := st.List(t.Context(), "lag.hlog")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"lag.hlog.g2.part-000001", "lag.hlog.g2.part-000002", "lag.hlog.g3.part-000001", "lag.hlog.g4.part-000001", "lag.hlog.part-000001", "lag.hlog.part-000002"}
	if !slices.Equal(keys, want) {
		t.Errorf("objects = %q, want %q", keys, want)
	}
}

func testSyncUploadsOnlyWhatChanged(t *testing.T, open func(*testing.T, string) Store) {
	st := &countingStore{Store: open(t, "shard")}
	dir := t.TempDir()
	writeFile(t, dir, "run.json", `{"state":"running"}`)
	writeFile(t, dir, "timing.hlog", "a\n")
	u := NewUploader(st, dir)
	steps := []struct {
		change func()
		want   []string
	}{
		{func() {}, []string{"run.json", "timing.hlog.part-000001"}},
		{func() {}, nil},
		{func() { // new mtime, same bytes
			later := time.Now().Add(time.Minute)
			if err := os.Chtimes(filepath.Join(dir, "run.json"), later, later); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{func() { appendFile(t, dir, "timing.hlog", "b\n") }, []string{"timing.hlog.part-000002"}},
		{func() { replaceFile(t, dir, "run.json", `{"state":"done!!"}`) }, []string{"run.json"}},
	}
	for i, s := range steps {
		s.change()
		if err := u.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := st.takePuts(); !slices.Equal(got, s.want) {
			t.Errorf("sync %d uploaded %q, want %q", i+1, got, s.want)
		}
	}
}

func testRunAndFinishTakeTurns(t *testing.T, open func(*testing.T, string) Store) {
	st := open(t, "shard")
	dir := t.TempDir()
	writeFile(t, dir, "events.jsonl", "")
	u := NewUploader(st, dir)
	var errs []error
	var mu sync.Mutex
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		u.Run(ctx, time.Millisecond, func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
	}()
	// Append until Run has uploaded a few parts, whatever the machine's pace.
	for i := 0; ; i++ {
		appendFile(t, dir, "events.jsonl", fmt.Sprintf("{\"n\":%d}\n", i))
		keys, err := st.List(t.Context(), "events.jsonl.part-000003")
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	appendFile(t, dir, "events.jsonl", "{\"last\":true}\n")
	finished := make(chan error)
	go func() { finished <- u.Finish(t.Context()) }() // may overlap Run's last sync
	if err := <-finished; err != nil {
		t.Fatalf("Finish: %v", err)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Errorf("Run reported %v", errs)
	}
	got, complete := fetchFiles(t, st)
	if !complete {
		t.Error("complete = false after Finish")
	}
	sameFiles(t, got, runFiles(t, dir))
}

func testUploaderRefusesAPrefixInUse(t *testing.T, open func(*testing.T, string) Store) {
	st := open(t, "shard")
	if err := st.Put(t.Context(), "run.json", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "run.json", `{"state":"running"}`)
	u := NewUploader(st, dir)
	for range 2 {
		err := u.Sync(t.Context())
		if err == nil || !strings.Contains(err.Error(), "upload each run to a prefix of its own") || !strings.Contains(err.Error(), st.Location().String()) {
			t.Fatalf("Sync to a prefix in use: %v, want a refusal naming %s", err, st.Location())
		}
	}
	if b, err := st.Get(t.Context(), "run.json"); err != nil || string(b) != "{}" {
		t.Errorf("the object there = %q, %v; want it left alone", b, err)
	}
}

func testListPages(t *testing.T, open func(*testing.T, string) Store) {
	st := open(t, "p")
	switch s := st.(type) {
	case *s3Store:
		s.pageSize = 7
	case *blobStore:
		s.pageSize = 7
	}
	// A sibling prefix that a string prefix without / would take in.
	sibling := open(t, "p2")
	if err := sibling.Put(t.Context(), "shard-99/run.json", nil); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 40 {
		k := fmt.Sprintf("shard-%02d-of-40/run.json", i+1)
		want = append(want, k)
		if err := st.Put(t.Context(), k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("List = %q,\nwant %q", got, want)
	}
	if got, err := st.List(t.Context(), "shard-1"); err != nil || len(got) != 10 || got[0] != "shard-10-of-40/run.json" {
		t.Errorf(`List("shard-1") = %q, %v; want shard-10 to shard-19`, got, err)
	}
	dirs, err := ListDirs(t.Context(), st)
	if err != nil || len(dirs) != 40 || dirs[0] != "shard-01-of-40" || dirs[39] != "shard-40-of-40" {
		t.Errorf("ListDirs = %q, %v; want shard-01-of-40 to shard-40-of-40", dirs, err)
	}
	if b, err := st.Get(t.Context(), want[7]); err != nil || string(b) != want[7] {
		t.Errorf("Get(%s) = %q, %v", want[7], b, err)
	}
}

func testMissingObject(t *testing.T, open func(*testing.T, string) Store) {
	st := open(t, "empty")
	_, err := st.Get(t.Context(), "run.json")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Get of a missing object: %v, want fs.ErrNotExist", err)
	}
	if err == nil || !strings.Contains(err.Error(), "downloading run.json from "+st.Location().String()) {
		t.Errorf("error %q does not say what was being done where", err)
	}
	if err := st.Delete(t.Context(), "run.json"); err != nil {
		t.Errorf("Delete of a missing object: %v", err)
	}
	if keys, err := st.List(t.Context(), ""); err != nil || len(keys) != 0 {
		t.Errorf("List of an empty prefix = %q, %v", keys, err)
	}
}

func testServerTime(t *testing.T, open func(*testing.T, string) Store) {
	st := open(t, "clock")
	if server, local := st.ServerTime(); !server.IsZero() || !local.IsZero() {
		t.Errorf("ServerTime before any request = %v, %v; want zero", server, local)
	}
	before := time.Now()
	if err := st.Put(t.Context(), "x", []byte("x")); err != nil {
		t.Fatal(err)
	}
	server, local := st.ServerTime()
	if local.Before(before) || local.After(time.Now()) {
		t.Errorf("local time %v is not within the request (%v on)", local, before)
	}
	// One machine: the offset is the Date header's truncation to seconds.
	if d := local.Sub(server); d < 0 || d > 2*time.Second {
		t.Errorf("server time %v is %v before local %v; want 0 to 1 s", server, d, local)
	}
}

// Fetch refuses what no Uploader writes: a generation with a gap, and a
// key that is not the name of a file.
func TestFetchRefusesADamagedUpload(t *testing.T) {
	for name, objs := range map[string]map[string]string{
		"missing part":  {"latency.hlog.part-000001": "a", "latency.hlog.part-000003": "c"},
		"not a name":    {"..": "x"},
		"missing first": {"intervals.jsonl.g2.part-000002": "b"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Fetch(t.Context(), newMemStore(objs), filepath.Join(dir, "run"))
			if err == nil {
				t.Fatalf("Fetch of %q succeeded", objs)
			}
			t.Log(err)
		})
	}
}

// Fetch rebuilds the directory of the keys directly under the prefix:
// those of sub-directories (other shards) and folder markers are not its.
func TestFetchLeavesOtherDirectoriesOut(t *testing.T) {
	got, complete := fetchFiles(t, newMemStore(map[string]string{
		"shard-01/run.json":        "other",
		"shard-01/":                "",
		"run.json":                 "{}",
		"events.jsonl.part-000002": "b\n",
		"events.jsonl.part-000001": "a\n",
		"_complete":                "",
		"_started":                 "2026-12-06T00:00:00Z\n",
	}))
	if !complete {
		t.Error("complete = false with _complete")
	}
	sameFiles(t, got, map[string]string{"run.json": "{}", "events.jsonl": "a\nb\n"})
}

func TestPartKeysRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name   string
		gen, n int
		key    string
	}{
		{"latency.hlog", 1, 1, "latency.hlog.part-000001"},
		{"intervals.jsonl", 2, 12, "intervals.jsonl.g2.part-000012"},
		{"x.g2.hlog", 3, 1234567, "x.g2.hlog.g3.part-1234567"},
	} {
		key := partKey(c.name, c.gen, c.n)
		if key != c.key {
			t.Errorf("partKey(%q, %d, %d) = %q, want %q", c.name, c.gen, c.n, key, c.key)
		}
		if name, gen, n, ok := parsePartKey(key); !ok || name != c.name || gen != c.gen || n != c.n {
			t.Errorf("parsePartKey(%q) = %q, %d, %d, %v", key, name, gen, n, ok)
		}
	}
	for _, key := range []string{"run.json", "pending.log", "run.json.part-000001", "latency.hlog.g1.part-000001", "latency.hlog.part-000000", "latency.hlog.part-"} {
		if _, _, _, ok := parsePartKey(key); ok {
			t.Errorf("parsePartKey(%q) took it for a part", key)
		}
	}
}
