package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/fnbench/fnbench/analyze"
)

// JUnit writes the checks of every run as JUnit XML, so that a CI page
// lists them: one test suite per run, one test case per check result
// (Run.Checks) — a threshold on a target, or a check of the whole run.
func JUnit(w io.Writer, runs []Run) error {
	var suites []junitSuite
	for _, r := range runs {
		run := r.Summary.Run
		info := &run.Info
		var dur time.Duration
		if !info.EndTime.IsZero() {
			dur = info.EndTime.Sub(info.StartTime)
		}
		su := junitSuite{
			Name: r.Label, Timestamp: info.StartTime.UTC().Format("2006-01-02T15:04:05"), Time: seconds(dur),
			Properties: &junitProperties{[]junitProperty{
				{"scenario", scenarioOf(r.Summary)}, {"run_dir", run.Dir}, {"status", run.Status},
				{"fnbench_version", info.Tool.Version}, {"scenario_sha256", info.ScenarioFile.SHA256},
			}},
		}
		if r.Checks != nil {
			su.addChecks(r.Checks)
		}
		suites = append(suites, su)
	}
	return writeJUnit(w, suites)
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr,omitempty"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Skipped    int              `xml:"skipped,attr,omitempty"`
	Timestamp  string           `xml:"timestamp,attr,omitempty"`
	Time       string           `xml:"time,attr,omitempty"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Cases      []junitCase      `xml:"testcase"`
}

type junitProperties struct {
	Property []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// junitMessage is a failure or a skip: a one-line message, and the detail.
type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func (tc *junitCase) fail(message, text string) { tc.Failure = &junitMessage{message, text} }
func (tc *junitCase) skip(message, text string) { tc.Skipped = &junitMessage{message, text} }

func (su *junitSuite) add(tc junitCase) {
	su.Cases = append(su.Cases, tc)
	su.Tests++
	switch {
	case tc.Failure != nil:
		su.Failures++
	case tc.Skipped != nil:
		su.Skipped++
	}
}

// addChecks adds a test case per check result: a failure fails; an
// inconclusive one fails too, unless the report lets inconclusive results
// pass, when it is skipped.
func (su *junitSuite) addChecks(rep *analyze.CheckReport) {
	for i := range rep.Results {
		r := &rep.Results[i]
		tc := junitCase{Name: r.Expr, Classname: "fnbench", Time: "0"}
		if r.Target != "" {
			tc.Classname += "." + r.Target
		}
		what := checkSentence(r)
		message := r.Expr
		if r.Target != "" {
			message += " on " + r.Target
		}
		message += ": " + what
		if r.Verdict == analyze.Inconclusive {
			message = "inconclusive: " + message
		}
		switch {
		case r.Verdict == analyze.Pass:
			tc.SystemOut = what
		case r.Verdict == analyze.Inconclusive && rep.InconclusivePasses:
			tc.skip(message, what)
		default:
			tc.fail(message, what)
		}
		su.add(tc)
	}
}

// writeJUnit writes test suites as one JUnit XML document.
func writeJUnit(w io.Writer, suites []junitSuite) error {
	doc := junitSuites{Name: "fnbench", Suites: suites}
	for _, su := range suites {
		doc.Tests += su.Tests
		doc.Failures += su.Failures
		doc.Skipped += su.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
