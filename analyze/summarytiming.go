package analyze

import (
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// Timing is where a span's time went, from timing.hlog and the connection
// counters, as k6 splits it (http_req_connecting, http_req_tls_handshaking,
// http_req_waiting, http_req_receiving): what a connection's set-up cost,
// once per connection, beside what the target took to answer, per
// request. A slow platform shows in TTFB; a slow handshake in TLS (and in
// the latency of the requests on fresh connections); a client short of
// connections in WaitedForConn and schedule lag.
type Timing struct {
	Phase string `json:"phase"` // the run phase's name, "all" for the run
	// Per connection, in the interval its dial ended: name resolution
	// (only where a name was looked up), TCP connect, TLS handshake.
	DNS     *TimingStats `json:"dns"`
	Connect *TimingStats `json:"connect"`
	TLS     *TimingStats `json:"tls"`
	// Per request, by intended send time: request written → first byte
	// of the response, first → last byte.
	TTFB     *TimingStats `json:"ttfb"`
	Transfer *TimingStats `json:"transfer"`
	// Conns is what the connections did; nil when they were not counted.
	Conns *ConnStats `json:"connections"`
}

// Phases returns the statistics of every timing phase, indexed like
// rundir.TimingPhases (nil where none was recorded).
func (t *Timing) Phases() [len(rundir.TimingPhases)]*TimingStats {
	return [...]*TimingStats{t.DNS, t.Connect, t.TLS, t.TTFB, t.Transfer}
}

// TimingStats describes one timing phase over a span. Values are to HDR
// precision (3 significant digits); percentiles as hdr.Histogram's
// ValueAtPercentile reports them.
type TimingStats struct {
	Count int64         `json:"count"`
	Mean  time.Duration `json:"mean_ns"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
}

// ConnStats is what a target's connections did over a span.
type ConnStats struct {
	// Prewarmed connections were opened before time zero; Opened during
	// the run; DialErrors are dials that failed.
	Prewarmed  int64 `json:"prewarmed"`
	Opened     int64 `json:"opened"`
	DialErrors int64 `json:"dial_errors"`
	// MeanDial is the mean time of a successful dial (DNS, TCP and TLS
	// together), prewarmed ones included; 0 without any.
	MeanDial time.Duration `json:"mean_dial_ns"`
	Closed   int64         `json:"closed"`
	// Fresh requests were the first on their connection, Reused ones went
	// out on a connection that had carried one before (on HTTP/2, streams
	// sharing a connection); the rates are shares of the two together.
	Fresh      int64   `json:"fresh"`
	Reused     int64   `json:"reused"`
	FreshRate  float64 `json:"fresh_rate"`
	ReusedRate float64 `json:"reused_rate"`
	// WaitedForConn requests found no connection ready at their intended
	// time and waited for one (their wait is schedule lag); WaitedRate is
	// their share of the sent requests.
	WaitedForConn int64   `json:"waited_for_conn"`
	WaitedRate    float64 `json:"waited_rate"`
}

// timingOf summarises a span's timing histograms and connection counters.
func timingOf(phase string, hs *[len(rundir.TimingPhases)]*rundir.Hist, c *rundir.ConnCounts, sent int64) *Timing {
	var st [len(rundir.TimingPhases)]*TimingStats
	for i, h := range hs {
		st[i] = timingStats(distOf(h))
	}
	t := &Timing{Phase: phase, DNS: st[rundir.IndexDNS], Connect: st[rundir.IndexConnect], TLS: st[rundir.IndexTLS],
		TTFB: st[rundir.IndexTTFB], Transfer: st[rundir.IndexTransfer]}
	if c != nil {
		t.Conns = &ConnStats{Prewarmed: c.Prewarmed, Opened: c.Opened, DialErrors: c.DialErrors, Closed: c.Closed,
			Fresh: c.Fresh, Reused: c.Reused, FreshRate: ratio(c.Fresh, c.Fresh+c.Reused), ReusedRate: ratio(c.Reused, c.Fresh+c.Reused),
			WaitedForConn: c.WaitedForConn, WaitedRate: ratio(c.WaitedForConn, sent)}
		if dials := c.Prewarmed + c.Opened; dials > 0 {
			t.Conns.MeanDial = time.Duration(c.DialNs / dials)
		}
	}
	return t
}

// timingStats describes d; nil when it is empty.
func timingStats(d Dist) *TimingStats {
	if d.Count() == 0 {
		return nil
	}
	return &TimingStats{Count: d.Count(), Mean: d.Mean(), P50: d.Percentile(50), P90: d.Percentile(90),
		P99: d.Percentile(99), Max: d.Max()}
}
