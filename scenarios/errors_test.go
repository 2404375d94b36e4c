package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/internal/yamlstrict"
)

// base is a valid scenario the error cases edit; keep its line numbers
// stable, the expected positions depend on them.
const base = `name: errs
targets:
  - name: aws
    url: http://127.0.0.1:8080/hello
traffic:
  phases:
    - {shape: constant, rate: 10/s, duration: 30s}
`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		sets []string
		env  map[string]string
		want string
	}{
		{
			name: "unknown key with suggestion",
			src:  strings.Replace(base, "rate: 10/s", "rat: 10/s", 1),
			want: `scenario.yaml:7:7: shape "constant" needs "rate"; constant takes name, shape, rate, duration` + "\n" +
				`scenario.yaml:7:25: unknown key "rat" in traffic.phases[0]; did you mean "rate"?`,
		},
		{
			name: "unknown key without a close one lists the keys",
			src:  base + "colour: blue\n",
			want: `scenario.yaml:8:1: unknown key "colour" in the scenario; valid keys: name, description, seed, interval, defaults, targets, traffic, cold_start, sweep, thresholds`,
		},
		{
			name: "list where a mapping is expected",
			src:  strings.Replace(base, "traffic:\n", "defaults: [1]\ntraffic:\n", 1),
			want: `scenario.yaml:5:11: expected a mapping (key: value) for defaults, got a list`,
		},
		{
			name: "string where a number is expected",
			src:  base + "seed: forty-two\n",
			want: `scenario.yaml:8:7: expected a whole number for seed, got the string "forty-two"`,
		},
		{
			name: "bad rate unit",
			src:  strings.Replace(base, "10/s", "10/m", 1),
			want: `scenario.yaml:7:31: rate "10/m" has unknown unit "m"; use /s, /min or /h (for example 10/min)`,
		},
		{
			name: "rate without unit",
			src:  strings.Replace(base, "10/s", "50", 1),
			want: `scenario.yaml:7:31: rate "50" has no unit; use 50/s`,
		},
		{
			name: "bare number duration",
			src:  strings.Replace(base, "30s", "30", 1),
			want: `scenario.yaml:7:47: duration "30" has no unit; use 30s`,
		},
		{
			name: "negative duration",
			src:  strings.Replace(base, "30s", "-5s", 1),
			want: `scenario.yaml:7:47: duration "-5s" is negative; durations are 0 or more`,
		},
		{
			name: "interval out of range",
			src:  base + "interval: 10ms\n",
			want: `scenario.yaml:8:11: interval 10ms is below the minimum of 100ms`,
		},
		{
			name: "unknown detection mode",
			src:  base + "cold_start:\n  detect: infered\n",
			want: `scenario.yaml:9:11: unknown detect "infered"; did you mean "inferred"?`,
		},
		{
			name: "forced cold starts without a lambda target",
			src:  base + "cold_start:\n  force: {count: 20}\n",
			want: `scenario.yaml:9:10: cold_start.force needs an aws-lambda target or an Azure Functions target with azure_resource_id; forcing a cold start changes the function's configuration; add a target with kind: aws-lambda, or an Azure app's azure_resource_id, or remove force`,
		},
		{
			name: "forced cold starts on an Azure app without its resource id",
			src:  strings.Replace(base, "http://127.0.0.1:8080/hello", "https://app.azurewebsites.net/api/hello", 1) + "cold_start:\n  force: {count: 20}\n",
			want: `scenario.yaml:4:10: cold_start.force cannot reach target "aws": forcing a cold start on Azure Functions changes the app through Resource Manager, which needs the app's resource id; add azure_resource_id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Web/sites/<app> to the target (az functionapp show --query id)` + "\n" +
				`scenario.yaml:9:10: cold_start.force needs an aws-lambda target or an Azure Functions target with azure_resource_id; forcing a cold start changes the function's configuration; add a target with kind: aws-lambda, or an Azure app's azure_resource_id, or remove force`,
		},
		{
			name: "a malformed Azure resource id",
			src:  strings.Replace(base, "    url: http://127.0.0.1:8080/hello", "    url: http://127.0.0.1:8080/hello\n    azure_resource_id: /sites/app", 1),
			want: `scenario.yaml:5:24: azure_resource_id "/sites/app" is not an app's resource id; write /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Web/sites/<app> (az functionapp show --query id); copy the id from the portal (the app's JSON view) or from az functionapp show --query id`,
		},
		{
			name: "sweep sizes out of range and repeated",
			src:  strings.Replace(base, "    url: http://127.0.0.1:8080/hello", "    kind: aws-lambda\n    function: hello", 1) + "sweep: {memory_mb: [64, 256, 256]}\n",
			want: `scenario.yaml:9:21: memory size 64 MB is outside Lambda's range; use 128 to 10240 MB` + "\n" +
				`scenario.yaml:9:30: memory size 256 MB is listed twice; list each size once`,
		},
		{
			name: "forced cold starts on a published version",
			src:  strings.Replace(base, "    url: http://127.0.0.1:8080/hello", "    kind: aws-lambda\n    function: hello\n    qualifier: live", 1) + "cold_start:\n  force: {count: 5}\n",
			want: `scenario.yaml:6:16: cold_start.force cannot reach target "aws" at qualifier "live": it updates the function's configuration, which only $LATEST takes; remove the qualifier (and any :live at the end of the function) so the target invokes $LATEST, or remove cold_start.force`,
		},
		{
			name: "a sweep on a version in the ARN",
			src:  strings.Replace(base, "    url: http://127.0.0.1:8080/hello", "    kind: aws-lambda\n    function: arn:aws:lambda:eu-west-1:123456789012:function:hello:1", 1) + "sweep: {memory_mb: [256, 512]}\n",
			want: `scenario.yaml:5:15: sweep cannot reach target "aws" at qualifier "1": it updates the function's configuration, which only $LATEST takes; remove the qualifier (and any :1 at the end of the function) so the target invokes $LATEST, or remove sweep`,
		},
		{
			name: "a ca_file that holds no certificate",
			src:  strings.Replace(base, "    url: http://127.0.0.1:8080/hello", "    url: https://127.0.0.1:8080/hello\n    tls: {ca_file: testdata/body.json}", 1),
			want: `scenario.yaml:5:20: ca_file "testdata/body.json" holds no PEM certificate; give a file of -----BEGIN CERTIFICATE----- blocks, such as the CA's certificate`,
		},
		{
			name: "a port out of range",
			src:  strings.Replace(base, "127.0.0.1:8080", "127.0.0.1:99999", 1),
			want: `scenario.yaml:4:10: url "http://127.0.0.1:99999/hello" has port 99999; a port is 1 to 65535`,
		},
		{
			name: "reserved cost",
			src:  base + "cost: {}\n",
			want: `scenario.yaml:8:1: section "cost" is not supported yet (it arrives with the cost model); remove it`,
		},
		{
			name: "threshold with a bad unit, the column at the bad token",
			src:  base + "thresholds:\n  - p99 < 5xs\n  - \"error_rate < 150%\"\n",
			want: `scenario.yaml:9:11: threshold "p99 < 5xs": "5xs" is not a duration; write it like 500ms or 2s` + "\n" +
				`scenario.yaml:10:19: threshold "error_rate < 150%": "150%" is not a percentage from 0 to 100; write it like 1% or 0.01`,
		},
		{
			name: "threshold scoped to an unknown target and phase",
			src:  base + "thresholds:\n  - {expr: \"target=aw phase=nope p99 < 1s\", abort: true}\n",
			want: `scenario.yaml:9:12: threshold "target=aw phase=nope p99 < 1s" names no target "aw"; did you mean "aws"?` + "\n" +
				`scenario.yaml:9:12: threshold "target=aw phase=nope p99 < 1s" names no phase "nope"; the phases are phase-1`,
		},
		{
			name: "threshold mapping without expr",
			src:  base + "thresholds:\n  - {abort: true}\n",
			want: `scenario.yaml:9:5: thresholds[0] has no "expr"; add expr: (The threshold expression, for example "p99 < 500ms")`,
		},
		{
			name: "missing env variable",
			src:  strings.Replace(base, "    url:", "    headers: {Authorization: \"Bearer ${TOKEN}\"}\n    url:", 1),
			want: `scenario.yaml:4:30: environment variable TOKEN is not set; export TOKEN=… or write ${TOKEN:-default}`,
		},
		{
			name: "duplicate target names",
			src:  strings.Replace(base, "traffic:", "  - name: aws\n    url: http://127.0.0.1:8081/\ntraffic:", 1),
			want: `scenario.yaml:5:11: duplicate target name "aws"; the first is at line 3 column 11; target names must be unique`,
		},
		{
			name: "duplicate key",
			src:  base + "name: again\n",
			want: `scenario.yaml:8:1: duplicate key "name"; it is already set at line 1 column 1; remove one of them`,
		},
		{
			name: "key of another shape",
			src:  strings.Replace(base, "rate: 10/s,", "rate: 10/s, to: 20/s,", 1),
			want: `scenario.yaml:7:37: key "to" is not used by shape "constant"; constant takes name, shape, rate, duration`,
		},
		{
			name: "unknown shape",
			src:  strings.Replace(base, "constant", "constnt", 1),
			want: `scenario.yaml:7:15: unknown shape "constnt"; did you mean "constant"?`,
		},
		{
			name: "aws-lambda target with a url",
			src:  strings.Replace(base, "    url:", "    kind: aws-lambda\n    url:", 1),
			want: `scenario.yaml:4:11: aws-lambda target aws has no function; add function: my-function (a name, ARN or partial ARN)` + "\n" +
				`scenario.yaml:5:5: url is not a key of aws-lambda targets; an aws-lambda target calls the Invoke API by function name; use function: (or kind: http to call a function URL)`,
		},
		{
			name: "http target with lambda keys",
			src:  strings.Replace(base, "    url:", "    qualifier: live\n    url:", 1),
			want: `scenario.yaml:4:5: qualifier is a key of aws-lambda targets; this target is http; add kind: aws-lambda to invoke a function through the Lambda API, or remove qualifier`,
		},
		{
			name: "function ARN with a bad region",
			src:  strings.Replace(base, "    url: http://127.0.0.1:8080/hello", "    kind: aws-lambda\n    function: arn:aws:lambda:moon:123456789012:function:f", 1),
			want: `scenario.yaml:5:15: function ARN "arn:aws:lambda:moon:123456789012:function:f" has no valid region; use a function name (my-function), a partial ARN (123456789012:function:my-function) or a full ARN`,
		},
		{
			name: "missing required section",
			src:  "name: errs\ntargets:\n  - {name: a, url: http://127.0.0.1/}\n",
			want: `scenario.yaml:1:1: the scenario has no "traffic"; add traffic: (The offered load: how arrivals are spaced and the phases of the rate schedule)`,
		},
		{
			name: "bad url scheme",
			src:  strings.Replace(base, "http://127.0.0.1:8080/hello", "ftp://example.com/x", 1),
			want: `scenario.yaml:4:10: url "ftp://example.com/x" has unsupported scheme "ftp"; use http, https or sim (sim://<profile>/<function>)`,
		},
		{
			name: "sine amplitude above rate",
			src:  strings.Replace(base, "{shape: constant, rate: 10/s, duration: 30s}", "{shape: sine, rate: 10/s, amplitude: 20/s, period: 10s, duration: 30s}", 1),
			want: `scenario.yaml:7:44: amplitude 20/s is above rate 10/s, so the rate would go below 0; use amplitude: 10/s or less`,
		},
		{
			name: "spike past the end of the phase",
			src:  strings.Replace(base, "{shape: constant, rate: 10/s, duration: 30s}", "{shape: spike, rate: 1/s, peak: 9/s, at: 25s, hold: 10s, duration: 30s}", 1),
			want: `scenario.yaml:7:59: spike at 25s holding 10s ends after the phase's 30s; use hold: 5s or less`,
		},
		{
			name: "yaml syntax error",
			src:  "name: x\ntargets: [\n",
			want: `scenario.yaml:2:1: invalid YAML: did not find expected node content; check the indentation and quoting on this line and the one before`,
		},
		{
			name: "bad --set path",
			src:  base,
			sets: []string{"targets.gcp.url=http://x/"},
			want: `--set targets.gcp.url:1:1: targets has no entry named "gcp"; valid names: aws`,
		},
		{
			name: "bad --set value",
			src:  base,
			sets: []string{"targets[0].url=ftp://x/"},
			want: `--set targets[0].url:1:1: url "ftp://x/" has unsupported scheme "ftp"; use http, https or sim (sim://<profile>/<function>)`,
		},
		{
			name: "--set index out of range",
			src:  base,
			sets: []string{"traffic.phases[3].rate=1/s"},
			want: `--set traffic.phases[3].rate:1:1: traffic.phases has 1 entries, so it has no entry [3]; use an index from 0 to 0`,
		},
		{
			name: "--set creating an unknown key",
			src:  base,
			sets: []string{"defaults.tiemout=5s"},
			want: `--set defaults.tiemout:1:1: unknown key "tiemout" in defaults; did you mean "timeout"?`,
		},
		{
			name: "empty file",
			src:  "",
			want: `scenario.yaml:1:1: the scenario file is empty; a scenario needs name, targets and traffic; see fnbench schema or scenarios/examples`,
		},
		{
			name: "two documents",
			src:  base + "---\nname: second\n",
			want: `scenario.yaml:8:1: the file holds more than one YAML document; a scenario file is one document; remove the --- separator and what follows it`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("scenario.yaml", []byte(tt.src), LoadOptions{Sets: tt.sets, LookupEnv: envOf(tt.env)})
			var errs *Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse error = %v (%T), want *Errors", err, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("errors:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestParseCollectsAllErrorsSorted(t *testing.T) {
	src := "name: Bad Name\nseed: x\ntargets:\n  - {name: a, url: 'ftp://x'}\ntraffic:\n  phases:\n    - {shape: ramp, rate: 0/s, to: 0/s, duration: 1}\n"
	_, err := Parse("s.yaml", []byte(src), LoadOptions{LookupEnv: noEnv})
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want *Errors, got %v", err)
	}
	if len(errs.List) < 5 {
		t.Fatalf("want at least 5 errors, got:\n%v", err)
	}
	for i := 1; i < len(errs.List); i++ {
		a, b := errs.List[i-1], errs.List[i]
		if a.Line > b.Line || a.Line == b.Line && a.Col > b.Col {
			t.Errorf("errors not sorted by position:\n%v", err)
		}
	}
}

func TestParseCapsErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(base)
	for i := range 30 {
		b.WriteString("unknown" + strings.Repeat("x", i) + ": 1\n")
	}
	_, err := Parse("s.yaml", []byte(b.String()), LoadOptions{LookupEnv: noEnv})
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want *Errors, got %v", err)
	}
	if len(errs.List) != yamlstrict.MaxErrors || errs.Dropped != 10 {
		t.Errorf("got %d errors, %d dropped; want %d and 10", len(errs.List), errs.Dropped, yamlstrict.MaxErrors)
	}
}

func TestBillionLaughsIsRejected(t *testing.T) {
	// Merge keys over lists of aliases: each level multiplies the keys the
	// decoder would enumerate by ten, 10^9 at the top.
	var b strings.Builder
	b.WriteString("x0: &x0 {k: 1}\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "x%d: &x%d {<<: [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*x%d", i-1)
		}
		b.WriteString("]}\n")
	}
	b.WriteString("<<: *x9\n")
	_, err := Parse("s.yaml", []byte(b.String()), LoadOptions{LookupEnv: noEnv})
	if err == nil || !strings.Contains(err.Error(), "expands to more than 100000 values") {
		t.Fatalf("want the node budget error, got %v", err)
	}
}

func TestSelfReferentialAliasIsRejected(t *testing.T) {
	for _, src := range []string{
		"a: &a [*a]\ntargets: *a\n",
		"defaults: &d {<<: *d}\n",
	} {
		if _, err := Parse("s.yaml", []byte(src), LoadOptions{LookupEnv: noEnv}); err == nil {
			t.Errorf("%q: want an error", src)
		}
	}
}
