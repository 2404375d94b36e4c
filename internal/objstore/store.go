package objstore

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Store reads and writes the objects under one Location's prefix. Keys are
// relative to that prefix, with / separating segments. Errors say what was
// being done and where, carry no secret, and match fs.ErrNotExist for a
// missing object and the context's error when ctx ended. A Store is safe
// for concurrent use.
type Store interface {
	// Location is where the Store's objects are.
	Location() Location
	// Put writes the object key, replacing any object of that key.
	Put(ctx context.Context, key string, body []byte) error
	// Get reads the object key whole.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes the object key; a missing one is not an error.
	Delete(ctx context.Context, key string) error
	// List returns every key that begins with prefix (a string prefix,
	// not a path segment: "a" lists "a/x" and "ab"), sorted, reading
	// as many pages as the service splits them into.
	List(ctx context.Context, prefix string) ([]string, error)
	// ServerTime is the time the Date header of the service's last
	// response stated, with the local time that response arrived; both
	// are zero before the first response. The Date header has a
	// resolution of one second.
	ServerTime() (server, local time.Time)
}

// Open returns the Store of loc, with the credentials and endpoint the
// environment gives (see the package documentation). It contacts the
// service only to find an S3 bucket's region when none is configured.
func Open(ctx context.Context, loc Location) (Store, error) {
	switch loc.Scheme {
	case SchemeS3:
		return openS3(ctx, loc)
	case SchemeAzblob:
		return openBlob(loc)
	}
	return nil, fmt.Errorf("opening %q: scheme %q is not supported; %s", loc.String(), loc.Scheme, wantURL)
}

// serverClock keeps the Date of a service's last response.
type serverClock struct {
	mu            sync.Mutex
	server, local time.Time
}

func (c *serverClock) observe(resp *http.Response) {
	local := time.Now()
	server, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return
	}
	c.mu.Lock()
	c.server, c.local = server, local
	c.mu.Unlock()
}

// ServerTime implements Store.ServerTime for the stores that embed it.
func (c *serverClock) ServerTime() (server, local time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.server, c.local
}
