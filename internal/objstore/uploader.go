package objstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Uploader mirrors a run directory to a Store while the run writes it, in
// the layout of the package documentation. Its methods may be called from
// several goroutines (Run in one, Finish in another): syncs take turns.
type Uploader struct {
	st  Store
	dir string

	mu sync.Mutex
	// started is set once the store's prefix was found empty; refused
	// is the error of a prefix that was not, returned by every sync.
	started bool
	refused error
	appends map[string]*appendState
	wholes  map[string]*wholeState
}

// appendState is what was uploaded of an append-only file.
type appendState struct {
	file   os.FileInfo // the file offset counts in, to tell a replaced one
	gen    int         // its generation, from 1
	next   int         // the number of the generation's next part, from 1
	offset int64       // bytes uploaded, in parts 1 to next-1
}

// wholeState is what was uploaded of a file uploaded whole: the file
// (its identity, size and mtime when it was read) and its bytes' hash.
type wholeState struct {
	file os.FileInfo
	sum  [sha256.Size]byte
}

// requestTimeout bounds each request of a sync, so that one the network
// swallowed holds the syncs after it up for a minute, not for good.
const requestTimeout = time.Minute

// maxPartBytes bounds a part, so that the first sync of a large file
// does not hold it all in memory.
const maxPartBytes = 16 << 20

// NewUploader returns an Uploader of the run directory dir to st.
func NewUploader(st Store, dir string) *Uploader {
	return &Uploader{st: st, dir: dir, appends: map[string]*appendState{}, wholes: map[string]*wholeState{}}
}

// Sync uploads what changed in the directory since the last Sync: the
// bytes appended to append-only files, files uploaded whole whose content
// changed, and the removal of files. It reads each file only up to the
// size it had when Sync came to it. Hidden files (the writers' temporary
// files, named .run-*.json and the like) and sub-directories are left out.
// Sync stops at the first error; the next Sync takes up from there.
func (u *Uploader) Sync(ctx context.Context) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.sync(ctx)
}

// Run calls Sync every interval until ctx ends, and onErr (if not nil)
// with the error of a Sync that failed while ctx was live. It does not
// sync when ctx ends: the caller calls Finish, with a context of its own.
func (u *Uploader) Run(ctx context.Context, every time.Duration, onErr func(error)) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := u.Sync(ctx); err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
	}
}

// Finish syncs a last time, then writes the marker that tells Fetch the
// upload is whole.
func (u *Uploader) Finish(ctx context.Context) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.sync(ctx); err != nil {
		return err
	}
	return u.put(ctx, completeKey, nil)
}

func (u *Uploader) put(ctx context.Context, key string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	return u.st.Put(ctx, key, body)
}

func (u *Uploader) delete(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	return u.st.Delete(ctx, key)
}

func (u *Uploader) list(ctx context.Context, prefix string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	return u.st.List(ctx, prefix)
}

func (u *Uploader) sync(ctx context.Context) error {
	if err := u.start(ctx); err != nil {
		return err
	}
	entries, err := os.ReadDir(u.dir)
	if err != nil {
		return err
	}
	present := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || isMarker(name) {
			continue
		}
		present[name] = true
		if appendOnly(name) {
			err = u.syncAppended(ctx, name)
		} else {
			err = u.syncWhole(ctx, name)
		}
		if err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(u.wholes)) {
		if !present[name] {
			if err := u.delete(ctx, name); err != nil {
				return err
			}
			delete(u.wholes, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(u.appends)) {
		if !present[name] {
			if err := u.deleteParts(ctx, name); err != nil {
				return err
			}
			delete(u.appends, name)
		}
	}
	return nil
}

// start checks, once, that no file is at the store's prefix yet (markers
// may be): a second run's parts would mix with the first's.
func (u *Uploader) start(ctx context.Context) error {
	if u.started || u.refused != nil {
		return u.refused
	}
	all, err := u.list(ctx, "")
	if err != nil {
		return err
	}
	keys := slices.DeleteFunc(all, isMarker)
	if len(keys) > 0 {
		u.refused = fmt.Errorf("uploading %s to %s: %d objects are there already (%s …); upload each run to a prefix of its own",
			u.dir, u.st.Location(), len(keys), keys[0])
		return u.refused
	}
	u.started = true
	return nil
}

// syncAppended uploads the bytes appended to name since the last sync as
// the next part, or starts a new generation of a file that is no longer
// what was uploaded of it. Every generation has at least one part, empty
// for an empty file.
func (u *Uploader) syncAppended(ctx context.Context, name string) error {
	f, err := os.Open(filepath.Join(u.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // removed since ReadDir: the next sync sees to it
	} else if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	a := u.appends[name]
	switch {
	case a == nil:
		a = &appendState{gen: 1, next: 1}
		u.appends[name] = a
	case !os.SameFile(a.file, fi) || fi.Size() < a.offset:
		*a = appendState{gen: a.gen + 1, next: 1}
	}
	a.file = fi
	size := fi.Size() // the writer goes on appending: read no further
	for a.next == 1 || a.offset < size {
		buf := make([]byte, min(size-a.offset, maxPartBytes))
		if _, err := f.ReadAt(buf, a.offset); errors.Is(err, io.EOF) {
			return nil // truncated meanwhile: the next sync starts a generation
		} else if err != nil {
			return err
		}
		if err := u.put(ctx, partKey(name, a.gen, a.next), buf); err != nil {
			return err
		}
		a.offset += int64(len(buf))
		a.next++
	}
	return nil
}

// syncWhole uploads name whole if it was replaced or its size or mtime
// changed since the last sync, and its bytes did too. (A file replaced by
// rename is another file even when mtime's granularity hides the change.)
func (u *Uploader) syncWhole(ctx context.Context, name string) error {
	path := filepath.Join(u.dir, name)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	w := u.wholes[name]
	if w != nil && os.SameFile(w.file, fi) && w.file.Size() == fi.Size() && w.file.ModTime().Equal(fi.ModTime()) {
		return nil
	}
	body, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	if w == nil || w.sum != sum {
		if err := u.put(ctx, name, body); err != nil {
			return err
		}
	}
	// The size and mtime from before the read: a change after it shows at
	// the next sync.
	u.wholes[name] = &wholeState{file: fi, sum: sum}
	return nil
}

// deleteParts removes every part of every generation of the append-only
// file name.
func (u *Uploader) deleteParts(ctx context.Context, name string) error {
	keys, err := u.list(ctx, name+".")
	if err != nil {
		return err
	}
	for _, k := range keys {
		if n, _, _, ok := parsePartKey(k); ok && n == name {
			if err := u.delete(ctx, k); err != nil {
				return err
			}
		}
	}
	return nil
}
