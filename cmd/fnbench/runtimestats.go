package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

// runtimeSample is one line of --runtime-stats.
type runtimeSample struct {
	At         float64 `json:"t_s"` // seconds since the file was opened
	Goroutines int     `json:"goroutines"`
	HeapMiB    float64 `json:"heap_inuse_mib"`
	LiveMiB    float64 `json:"heap_live_mib"` // the heap the last GC found live
	RSSMiB     float64 `json:"rss_mib"`       // 0 where /proc is not there
	FDs        int     `json:"fds"`           // -1 where /proc is not there
}

// writeRuntimeStats appends a runtimeSample to path now and every every,
// until the returned stop is called (which writes a last one).
func writeRuntimeStats(path string, every time.Duration) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	enc := json.NewEncoder(f)
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(live)
		enc.Encode(runtimeSample{At: time.Since(start).Seconds(), Goroutines: runtime.NumGoroutine(), //nolint:errcheck // best effort, for developers
			HeapMiB: float64(ms.HeapInuse) / (1 << 20), LiveMiB: float64(live[0].Value.Uint64()) / (1 << 20), RSSMiB: selfRSSMiB(), FDs: selfFDs()})
	}
	sample()
	stopTicking := tick(every, sample)
	return func() {
		stopTicking()
		sample()
		f.Close()
	}, nil
}

// tick calls f every every on a goroutine of its own until the returned
// stop is called; stop returns once f is no longer running.
func tick(every time.Duration, f func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				f()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// writeHeapProfiles writes a heap profile into dir every every, named by
// the minutes since it started, until the returned stop is called.
func writeHeapProfiles(dir string, every time.Duration) (stop func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// Sample every 4 KiB allocated, not 512 KiB: a slow leak of a few
	// hundred bytes an interval must show.
	runtime.MemProfileRate = 4096
	start := time.Now()
	write := func() {
		runtime.GC() // the profile then shows what the last collection found live
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("heap-%03d.pprof", int(time.Since(start)/time.Minute))))
		if err != nil {
			return
		}
		pprof.WriteHeapProfile(f) //nolint:errcheck // best effort, for developers
		f.Close()
	}
	return tick(every, write), nil
}

// selfRSSMiB reads VmRSS from /proc/self/status.
func selfRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:")); ok {
			kb, _ := strconv.ParseFloat(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 64)
			return kb / 1024
		}
	}
	return 0
}

// selfFDs counts the open descriptors in /proc/self/fd.
func selfFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries) - 1 // the directory's own
}
