package attack

import (
	"net/http"
	"strconv"
	"time"

	"github.com/fnbench/fnbench/scenarios"
)

// Evidence kinds for a cold start, strongest first (DESIGN.md, "Measurement
// rules"): the Lambda REPORT line, the markers of an instrumented function,
// or inference. No evidence means not cold.
const (
	EvidenceReport   = "report"
	EvidenceMarker   = "marker"
	EvidenceInferred = "inferred"
)

// Evidences lists the evidence kinds in a fixed order; results index into it.
var Evidences = [...]string{EvidenceReport, EvidenceMarker, EvidenceInferred}

const evidenceIndexMarker = 1

// Marker headers of fnbench's instrumented sample functions
// (fixtures/functions/coldmark).
const (
	headerMarkerCold     = "Fnbench-Cold"
	headerMarkerInstance = "Fnbench-Instance"
	headerMarkerInitMs   = "Fnbench-Init-Ms"
)

// markers is what a response's marker headers said.
type markers struct {
	present  bool // a Fnbench-Cold header was there
	cold     bool
	instance string
	init     time.Duration
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
	}
}

// markersFromHeader reads the marker headers of a net/http response.
func markersFromHeader(h http.Header) markers {
	var m markers
	for _, name := range [...]string{headerMarkerCold, headerMarkerInstance, headerMarkerInitMs} {
		if v := h.Get(name); v != "" {
			m.parseHeader([]byte(name), []byte(v))
		}
	}
	return m
}

// applyMarkers tags a successful response as cold when its markers say so
// and the target's detection mode accepts marker evidence. It records the
// instance either way.
func applyMarkers(res *result, m markers, detect string) {
	if detect == scenarios.DetectNone || !m.present {
		return
	}
	res.instance = m.instance
	if m.cold && res.outcome == outcomeIndexWarm {
		res.outcome = outcomeIndexCold
		res.evidence = evidenceIndexMarker
		res.init = m.init
	}
}
