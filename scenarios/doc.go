// Package scenarios owns the scenario file: its YAML format, strict decoding
// with file:line:col errors, `${ENV}` secret resolution and redaction,
// `--set path=value` overrides, the JSON Schema editors validate against, and
// the traffic it describes as pure rate-schedule maths.
//
// The flow is Load (or Parse) → Plan. A Plan holds the decoded Scenario with
// secrets resolved (for the attack engine only), the same Scenario redacted
// (safe to print or to write into run.json), the Schedule of phases, and the
// Redactor that masks secrets in any later message.
//
// A Schedule is maths, not time: Shape gives the offered rate of one phase,
// its integral (the expected request count) and the inverse of that integral;
// ArrivalGen turns a Schedule into the intended send times of an open-model
// run, uniform or Poisson. Nothing here sleeps, reads a clock or opens a
// socket; pacing the arrivals in real time is the job of package attack.
//
// Threshold expressions (threshold.go) are part of the scenario language:
// this package parses them, with positioned errors; package analyze judges
// them on a run. The package does not send requests, detect cold starts or
// evaluate thresholds; the reserved section cost is rejected until the
// package that owns it arrives.
package scenarios
