package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/fnbench/fnbench/attack/campaign"
	"github.com/fnbench/fnbench/internal/clock"
	"github.com/fnbench/fnbench/internal/objstore"
	"github.com/fnbench/fnbench/internal/rundir"
)

// parseStartAt reads --start-at: an RFC 3339 instant, "" for none.
func parseStartAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--start-at %q: want an RFC 3339 instant such as 2026-12-06T10:00:00Z (date -u -d '+2 min' +%%Y-%%m-%%dT%%H:%%M:%%SZ prints one)", s)
	}
	return t, nil
}

// runIDPattern is what --run-id may be: it names objects in a bucket and a
// Kubernetes Job (fnbench-<id>), so a DNS label's characters.
var runIDPattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,53}[a-z0-9])?$`)

// distributedRunID is the run id every shard of a run that starts at
// startAt derives alike: the scenario's name, made a DNS label, and the
// instant to the second.
func distributedRunID(scenario string, startAt time.Time) string {
	var b strings.Builder
	for _, r := range strings.ToLower(scenario) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 39 {
		name = strings.TrimRight(name[:39], "-")
	}
	if name == "" {
		name = "run"
	}
	return name + "-" + startAt.UTC().Format("20060102-150405")
}

func checkRunID(id string) error {
	if !runIDPattern.MatchString(id) {
		return fmt.Errorf("--run-id %q: want lower-case letters, digits and '-', starting and ending with a letter or digit, at most 55 characters (it names the Kubernetes Job fnbench-<id>)", id)
	}
	return nil
}

// clockInfo is what fnbench knows of this machine's clock, for run.json:
// the kernel's NTP discipline, or that every shard reads this same clock.
func clockInfo(source string) rundir.ClockInfo {
	s := clock.Read()
	c := rundir.ClockInfo{OffsetSource: s.Source()}
	if s.Known {
		synced := s.Synchronized
		c.Synchronized = &synced
	}
	if c.OffsetSource == rundir.ClockNTP {
		c.OffsetNs, c.OffsetErrorNs = int64(s.Offset), int64(s.EstError)
	}
	if source == rundir.ClockSameHost {
		c.OffsetSource, c.OffsetNs, c.OffsetErrorNs = rundir.ClockSameHost, 0, 0
	}
	return c
}

// shardDir is a shard's directory under its run's upload prefix:
// shard-I-of-N, I zero-padded to N's width so that names sort in order.
func shardDir(s rundir.ShardInfo) string {
	n := max(s.Count, 1)
	w := len(fmt.Sprint(n))
	return fmt.Sprintf("shard-%0*d-of-%d", w, s.Index+1, n)
}

// upload mirrors a run directory to object storage while the run writes
// it: a sync every interval, so a shard killed mid-run loses at most the
// interval under way, and a last sync with a completion mark at the end.
type upload struct {
	loc    objstore.Location
	up     *objstore.Uploader
	stop   context.CancelFunc
	done   sync.WaitGroup
	stderr io.Writer
}

// startUpload opens --upload's store for this shard (URL/<run-id>/shard-I-of-N),
// proves it writable before anything is sent, records where it goes and the
// store's clock in opt, and starts mirroring opt.OutDir. Nil without --upload.
func startUpload(ctx context.Context, f runFlags, opt *campaign.Options, stderr io.Writer) (*upload, error) {
	if f.upload == "" {
		return nil, nil
	}
	loc, err := objstore.Parse(f.upload)
	if err != nil {
		return nil, usageError(fmt.Errorf("--upload: %w", err))
	}
	if opt.Plan.Scenario.Sweep != nil {
		return nil, usageError(errors.New("--upload mirrors one run directory, and a sweep writes one per memory size: run each size, or leave --upload out"))
	}
	loc = loc.Join(opt.RunID, shardDir(opt.Shard))
	st, err := objstore.Open(ctx, loc)
	if err != nil {
		return nil, runError(err)
	}
	// A store that refuses this shard's first object would lose the whole
	// run: find out before sending anything.
	if err := st.Put(ctx, objstore.StartedKey, []byte(time.Now().UTC().Format(time.RFC3339Nano)+"\n")); err != nil {
		return nil, runError(fmt.Errorf("--upload %s: %w", loc, err))
	}
	if server, local := st.ServerTime(); !server.IsZero() {
		off := int64(local.Sub(server))
		opt.Clock.StorageOffsetNs = &off
		if d := time.Duration(off); d > 2*time.Second || d < -2*time.Second {
			fmt.Fprintf(stderr, "fnbench: warning: this machine's clock is %s off the storage service's: shards of one run may start that far apart; synchronize the clock (NTP)\n", d.Round(time.Second))
		}
	}
	opt.Upload = loc.String()
	fmt.Fprintf(stderr, "fnbench: uploading the run directory to %s\n", loc)
	u := &upload{loc: loc, up: objstore.NewUploader(st, opt.OutDir), stderr: stderr}
	every := max(opt.Plan.Scenario.Interval, time.Second)
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	u.stop = stop
	u.done.Add(1)
	go func() {
		defer u.done.Done()
		var warned bool
		u.up.Run(runCtx, every, func(err error) {
			if errors.Is(err, os.ErrNotExist) || warned {
				return // the run directory is not made yet; or said once
			}
			warned = true
			fmt.Fprintf(stderr, "fnbench: warning: uploading to %s: %v (retrying every %s; the run directory on this machine is whole)\n", loc, err, every)
		})
	}()
	return u, nil
}

// finish stops the periodic syncs and uploads the rest of the run
// directory, with its completion mark: even after Ctrl-C, within a minute.
func (u *upload) finish() error {
	if u == nil {
		return nil
	}
	u.stop()
	u.done.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := u.up.Finish(ctx); err != nil {
		return runError(fmt.Errorf("uploading the run directory to %s: %w; the run directory on this machine is whole", u.loc, err))
	}
	fmt.Fprintf(u.stderr, "fnbench: uploaded the run directory to %s\n", u.loc)
	return nil
}
