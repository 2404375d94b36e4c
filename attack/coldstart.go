package attack

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// Marker headers of fnbench's instrumented sample functions
// (fixtures/functions/coldmark).
const (
	headerMarkerCold     = "Fnbench-Cold"
	headerMarkerInstance = "Fnbench-Instance"
	headerMarkerInitMs   = "Fnbench-Init-Ms"
	headerMarkerDuration = "Fnbench-Duration-Ms"
	headerMarkerMemory   = "Fnbench-Memory-Mb"
	headerMarkerStart    = "Fnbench-Start-Ns"
)

// markers is what a response's marker headers said.
type markers struct {
	present  bool // a Fnbench-Cold header was there
	cold     bool
	instance string
	init     time.Duration
	// duration is the execution time up to the response, as the function
	// measured it, and memoryMB the memory its process used: what Azure
	// bills on (AzureBilling); timed says duration was reported, and
	// memoryMB is 0 when it was not.
	duration time.Duration
	timed    bool
	memoryMB int
	// startNs is when the execution began, Unix ns by the instance's clock
	// (0 when not reported): executions on one instance then line up
	// exactly, whatever the network did to their responses.
	startNs int64
}

// parseHeader reads one header if it is a marker, comparing names without
// regard to case and without allocating.
func (m *markers) parseHeader(name, value []byte) {
	switch {
	case equalFold(name, "fnbench-cold"):
		m.present = true
		m.cold = equalFold(value, "true")
	case equalFold(name, "fnbench-instance"):
		m.instance = string(value)
	case equalFold(name, "fnbench-init-ms"):
		if f, err := strconv.ParseFloat(string(value), 64); err == nil && f >= 0 && f < 1e9 {
			m.init = time.Duration(f * float64(time.Millisecond))
		}
	case equalFold(name, "fnbench-duration-ms"):
		if f, err := strconv.ParseFloat(string(value), 64); err == nil && f >= 0 && f < 1e9 {
			m.duration, m.timed = time.Duration(f*float64(time.Millisecond)), true
		}
	case equalFold(name, "fnbench-start-ns"):
		if n, err := strconv.ParseInt(string(value), 10, 64); err == nil && n > 0 {
			m.startNs = n
		}
	case equalFold(name, "fnbench-memory-mb"):
		if n, err := strconv.Atoi(string(value)); err == nil && n > 0 && n < 1<<20 {
			m.memoryMB = n
		}
	}
}

// parsePayload reads markers from the head of a JSON body: an Invoke API
// payload, {"cold":true,"instance":"…","init_ms":51.2} as the sample
// functions answer a direct invoke, or a proxy response whose "headers"
// object carries the marker headers (a function written for a function URL,
// invoked directly). Only top-level keys are read, in any order, and only
// from the head fnbench peeks (errBodyPeek): keys cut off are not seen. A
// body that is not a JSON object leaves m as it was.
func (m *markers) parsePayload(b []byte) {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return
	}
	var got markers
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		key, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			break // cut off mid-value: what was read still counts
		}
		switch key {
		case "cold":
			if c, ok := v.(bool); ok {
				got.present, got.cold = true, c
			}
		case "instance":
			if s, ok := v.(string); ok && len(s) <= 256 {
				got.instance = s
			}
		case "init_ms", "duration_ms", "memory_mb", "start_ns":
			if n, ok := v.(json.Number); ok {
				got.parseHeader([]byte("fnbench-"+strings.ReplaceAll(key, "_", "-")), []byte(n))
			}
		case "headers":
			if h, ok := v.(map[string]any); ok {
				for name, value := range h {
					if s, ok := value.(string); ok && len(s) <= 256 && len(name) > 8 && equalFold([]byte(name[:8]), "fnbench-") {
						got.parseHeader([]byte(name), []byte(s))
					}
				}
			}
		}
	}
	if got.present {
		*m = got
	}
}

// markersFromHeader reads the marker headers of a net/http response.
func markersFromHeader(h http.Header) markers {
	var m markers
	for _, name := range [...]string{headerMarkerCold, headerMarkerInstance, headerMarkerInitMs, headerMarkerDuration, headerMarkerMemory, headerMarkerStart} {
		if v := h.Get(name); v != "" {
			m.parseHeader([]byte(name), []byte(v))
		}
	}
	return m
}

// tagColdStart decides, once a request's latency is known, whether it was
// a cold start and on what evidence, and reads its REPORT line for billing.
// With detection auto each request takes the strongest evidence it has: a
// REPORT line decides alone (warm or cold) when there is one; else the
// markers; else nothing here, and the recorder may infer. With detection
// inferred the recorder infers from latency alone: a marker's instance id
// still names the instance (the scaling curve) but is not handed to the
// detector (result.latencyOnly), so that inference can be scored as
// latency only.
//
// A REPORT line with an Init Duration that the client did not wait for is
// a proactive init (docs/sources.md, "The Lambda REPORT line"): Lambda brought the
// environment up before the request arrived. It is not a cold start; its
// init is still billed. See readReport for how the wait is told.
func tagColdStart(res *result, detect string) {
	if res.logResult != "" {
		res.readReport()
	}
	if res.markers.instance != "" && detect != scenarios.DetectNone {
		res.instance = res.markers.instance
	}
	if res.outcome != rundir.IndexWarm {
		return
	}
	byReport := detect == scenarios.DetectAuto || detect == scenarios.DetectReport
	byMarker := detect == scenarios.DetectAuto || detect == scenarios.DetectMarker
	switch {
	case byReport && res.bill.ok:
		if res.bill.coldFor > 0 && time.Duration(res.latency) >= res.bill.coldFor {
			res.outcome, res.evidence, res.init = rundir.IndexCold, rundir.EvidenceIndexReport, res.bill.coldFor
		}
	case byMarker && res.markers.present:
		if res.markers.cold {
			res.outcome, res.evidence, res.init = rundir.IndexCold, rundir.EvidenceIndexMarker, res.markers.init
		}
	default:
		res.inferable = detect == scenarios.DetectAuto || detect == scenarios.DetectInferred
		res.latencyOnly = detect == scenarios.DetectInferred
	}
}

// bill is what a REPORT line says of one invocation.
type bill struct {
	ok        bool
	requestID string
	coldFor   time.Duration // init or restore the platform ran for it; 0 when warm
	rundir.Invocation
}

// readReport decodes X-Amz-Log-Result (base64 of the log's last 4 KB) and
// reads its REPORT line. A tail without one (cut off) is no evidence.
//
// Whether the client waited for the init is told from what it waited
// beyond the function's Duration, counted from the actual send (time spent
// waiting for a connection is the client's): a request that waited for its
// init waited at least the init on top of Duration, whatever the network.
// One that waited less did not wait for it: a proactive init. The error
// this leaves is one way only: a proactive init whose round trip was
// longer than the init itself is tagged cold.
func (res *result) readReport() {
	tail, err := base64.StdEncoding.DecodeString(res.logResult)
	res.logResult = ""
	if err != nil {
		return
	}
	r, ok, _ := ParseLambdaLog(tail) // a field it could not read is left out; the rest still counts
	if !ok {
		return
	}
	b := bill{ok: true, requestID: r.RequestID, Invocation: rundir.Invocation{
		Billed: r.BilledDuration, Duration: r.Duration, BilledRestore: r.BilledRestoreDuration,
		MemoryMB: r.MemorySizeMB, MaxMemoryUsedMB: r.MaxMemoryUsedMB, Status: r.Status}}
	if r.HasInit {
		b.Init = r.InitDuration
	}
	if r.Cold() {
		b.coldFor = r.ColdStartDuration()
		extra := time.Duration(res.latency-res.lag) - r.Duration
		if extra < b.coldFor && !r.InitError {
			b.Proactive, b.coldFor = true, 0
		}
	}
	res.bill = b
}
