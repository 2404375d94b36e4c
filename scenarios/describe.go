package scenarios

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Describe writes the resolved plan for a human: the scenario settings, the
// phases with their timing and expected requests, and per target the request
// settings and expected requests. It prints only the redacted scenario.
// Every target receives the whole schedule, so the expected count is the
// same for each; the total multiplies it by the number of targets.
func (p *Plan) Describe(w io.Writer) error {
	s := p.Redacted
	kind := s.Traffic.Arrivals
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)

	fmt.Fprintf(tw, "scenario\t%s\n", s.Name)
	if s.Description != "" {
		fmt.Fprintf(tw, "\t%s\n", s.Description)
	}
	fmt.Fprintf(tw, "source\t%s (sha256 %.12s)\n", p.Source, p.SHA256)
	fmt.Fprintf(tw, "interval\t%s\n", formatDuration(s.Interval))
	fmt.Fprintf(tw, "arrivals\t%s\n", kind)
	if s.HasSeed {
		fmt.Fprintf(tw, "seed\t%d\n", s.Seed)
	} else {
		fmt.Fprintf(tw, "seed\tchosen at run time and recorded in run.json\n")
	}
	fmt.Fprintf(tw, "cold starts\tdetect %s\n", s.ColdStart.Detect)
	if f := s.ColdStart.Force; f != nil {
		var forced []string
		for _, t := range s.Targets {
			if t.Kind == KindAWSLambda {
				forced = append(forced, t.Name)
			}
		}
		fmt.Fprintf(tw, "forced cold starts\t%d per target (%s) before the traffic, one at a time, each after a configuration change (%s), a phase of their own; the original configuration is restored after\n",
			f.Count, strings.Join(forced, ", "), f.Method)
	}
	if sw := s.Sweep; sw != nil {
		sizes := make([]string, len(sw.MemoryMB))
		for i, mb := range sw.MemoryMB {
			sizes[i] = fmt.Sprintf("%d", mb)
		}
		fmt.Fprintf(tw, "sweep\tthe whole schedule once per memory size (%s MB), the function set to each in turn and restored after: %d runs\n",
			strings.Join(sizes, ", "), len(sw.MemoryMB))
	}
	fmt.Fprintf(tw, "duration\t%s\n", formatDuration(p.Schedule.Duration()))
	if err := tw.Flush(); err != nil {
		return err
	}

	approx := ""
	if kind == Poisson {
		approx = "~" // Poisson counts vary around the mean
	}
	buf.WriteString("\n")
	tw = tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "#\tPHASE\tSHAPE\tSTART\tEND\tREQUESTS\n")
	for i, ph := range p.Schedule.Phases {
		spec := s.Traffic.Phases[i]
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s%d\n", i+1, ph.Name, describeShape(spec),
			formatDuration(ph.Start), formatDuration(ph.End), approx, p.Schedule.PhaseRequests(i, kind))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	perTarget := p.Schedule.ExpectedRequests(kind)
	buf.WriteString("\n")
	tw = tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "TARGET\tKIND\tMETHOD\tURL\tAUTH\tTIMEOUT\tMAX IN FLIGHT\tREQUESTS\n")
	for _, t := range s.Targets {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s%d\n", t.Name, t.Kind, t.Method, t.URL, authText(t.Auth),
			formatDuration(t.Timeout), t.MaxInFlight, approx, perTarget)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(&buf, "\ntotal: %s%d requests (%d per target × %d %s) over %s\n",
		approx, perTarget*int64(len(s.Targets)), perTarget, len(s.Targets), plural(len(s.Targets), "target", "targets"),
		formatDuration(p.Schedule.Duration()))
	if len(s.Thresholds) > 0 {
		buf.WriteString("\nthresholds (fnbench run exits 1 when one fails):\n")
		for _, th := range s.Thresholds {
			abort := ""
			if th.Abort {
				abort = "  (abort: ends the run once certainly lost)"
			}
			fmt.Fprintf(&buf, "  %s%s\n", th.Expr, abort)
		}
	}

	// The redacted scenario holds no secret; redacting the text again
	// guards against one reaching it some other way.
	_, err := io.WriteString(w, p.Redactor.Redact(buf.String()))
	return err
}

// describeShape writes a phase's shape with its parameters.
func describeShape(p PhaseSpec) string {
	d := func(v time.Duration) string { return formatDuration(v) }
	switch p.Shape {
	case "constant":
		return fmt.Sprintf("constant %s", p.Rate)
	case "ramp":
		return fmt.Sprintf("ramp %s → %s", p.Rate, p.To)
	case "steps":
		return fmt.Sprintf("steps %s → %s in %d stairs", p.Rate, p.To, p.Steps)
	case "spike":
		return fmt.Sprintf("spike %s, %s at %s for %s", p.Rate, p.Peak, d(p.At), d(p.Hold))
	case "sine":
		return fmt.Sprintf("sine %s ± %s every %s", p.Rate, p.Amplitude, d(p.Period))
	case "pause":
		return "pause"
	}
	return p.Shape
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// authText says how a target authenticates, without its secret.
func authText(a Auth) string {
	switch {
	case a.Type == "" || a.Type == AuthNone:
		return "none"
	case a.Header != "":
		return a.Type + " (" + a.Header + ")"
	case a.Query != "":
		return a.Type + " (?" + a.Query + "=)"
	}
	return a.Type
}
