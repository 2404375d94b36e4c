package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// JUnit writes the sanity checks of every target as JUnit XML: one test
// suite per run, one test case per target and check, so a CI page lists
// them. Thresholds will add their own test cases.
func JUnit(w io.Writer, runs []Run) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		SystemOut string   `xml:"system-out,omitempty"`
	}
	type property struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	type suite struct {
		Name       string     `xml:"name,attr"`
		Tests      int        `xml:"tests,attr"`
		Failures   int        `xml:"failures,attr"`
		Timestamp  string     `xml:"timestamp,attr"`
		Time       string     `xml:"time,attr"`
		Properties []property `xml:"properties>property"`
		Cases      []testcase `xml:"testcase"`
	}
	type suites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Name     string   `xml:"name,attr"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []suite  `xml:"testsuite"`
	}
	doc := suites{Name: "fnbench"}
	series := Series(runs)
	for _, r := range runs {
		run := r.Summary.Run
		info := &run.Info
		var dur time.Duration
		if !info.EndTime.IsZero() {
			dur = info.EndTime.Sub(info.StartTime)
		}
		su := suite{
			Name: r.Label, Timestamp: info.StartTime.UTC().Format("2006-01-02T15:04:05"), Time: seconds(dur),
			Properties: []property{
				{"scenario", scenarioOf(r.Summary)}, {"run_dir", run.Dir}, {"status", run.Status},
				{"fnbench_version", info.Tool.Version}, {"scenario_sha256", info.ScenarioFile.SHA256},
			},
		}
		for _, s := range series {
			if s.Summary != r.Summary {
				continue
			}
			ts := &r.Summary.Tables[s.Target]
			for _, c := range SanityChecks(run, ts) {
				tc := testcase{Name: c.Name, Classname: "fnbench." + s.Name, Time: "0", SystemOut: c.Detail}
				if !c.Passed {
					tc.Failure = &failure{Message: c.Name + ": " + c.Detail, Text: c.Detail}
					tc.SystemOut = ""
					su.Failures++
				}
				su.Cases = append(su.Cases, tc)
				su.Tests++
			}
		}
		doc.Tests += su.Tests
		doc.Failures += su.Failures
		doc.Suites = append(doc.Suites, su)
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
