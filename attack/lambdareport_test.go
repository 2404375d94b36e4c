package attack

import (
	"strings"
	"testing"
	"time"
)

func ms(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

// Every variant of the REPORT line in docs/sources.md ("The Lambda REPORT line").
func TestParseLambdaLog(t *testing.T) {
	for _, c := range []struct {
		name string
		tail string
		ok   bool
		want LambdaReport
		cold bool
	}{
		{
			name: "RIE example, field order of the emulator, trailing tab",
			tail: "START RequestId: d89264cd-a024-4433-bce9-0ecf57ec5f74 Version: $LATEST\nEND RequestId: d89264cd-a024-4433-bce9-0ecf57ec5f74\nREPORT RequestId: d89264cd-a024-4433-bce9-0ecf57ec5f74\tInit Duration: 0.21 ms\tDuration: 206.82 ms\tBilled Duration: 207 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t\n",
			ok:   true, cold: true,
			want: LambdaReport{RequestID: "d89264cd-a024-4433-bce9-0ecf57ec5f74", InitDuration: ms(0.21), HasInit: true, Duration: ms(206.82), BilledDuration: ms(207), MemorySizeMB: 3008, MaxMemoryUsedMB: 3008},
		},
		{
			name: "warm, AWS order",
			tail: "REPORT RequestId: 1\tDuration: 2.50 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t\n",
			ok:   true,
			want: LambdaReport{RequestID: "1", Duration: ms(2.5), BilledDuration: ms(3), MemorySizeMB: 128, MaxMemoryUsedMB: 20},
		},
		{
			name: "spaces instead of tabs, init last",
			tail: "REPORT RequestId: 2 Duration: 12.34 ms Billed Duration: 13 ms Memory Size: 512 MB Max Memory Used: 64 MB Init Duration: 51.23 ms",
			ok:   true, cold: true,
			want: LambdaReport{RequestID: "2", Duration: ms(12.34), BilledDuration: ms(13), MemorySizeMB: 512, MaxMemoryUsedMB: 64, InitDuration: ms(51.23), HasInit: true},
		},
		{
			name: "SnapStart restore",
			tail: "REPORT RequestId: 3\tDuration: 10.00 ms\tBilled Duration: 11 ms\tMemory Size: 1024 MB\tMax Memory Used: 150 MB\tRestore Duration: 350.15 ms\tBilled Restore Duration: 112 ms\t",
			ok:   true, cold: true,
			want: LambdaReport{RequestID: "3", Duration: ms(10), BilledDuration: ms(11), MemorySizeMB: 1024, MaxMemoryUsedMB: 150, RestoreDuration: ms(350.15), BilledRestoreDuration: ms(112), HasRestore: true},
		},
		{
			name: "timeout with error type, XRAY line after",
			tail: "REPORT RequestId: 4\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\tStatus: timeout\tError Type: Runtime.Timeout\t\nXRAY TraceId: 1-5e3b2f3c-aa\tSegmentId: 1\tSampled: true\t\n",
			ok:   true,
			want: LambdaReport{RequestID: "4", Duration: ms(3000), BilledDuration: ms(3000), MemorySizeMB: 128, MaxMemoryUsedMB: 30, Status: "timeout", ErrorType: "Runtime.Timeout"},
		},
		{
			name: "100 ms-era billing",
			tail: "REPORT RequestId: 5\tDuration: 1.23 ms\tBilled Duration: 100 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t",
			ok:   true,
			want: LambdaReport{RequestID: "5", Duration: ms(1.23), BilledDuration: ms(100), MemorySizeMB: 128, MaxMemoryUsedMB: 40},
		},
		{
			name: "failed init, INIT_REPORT before the REPORT",
			tail: "INIT_REPORT Init Duration: 9999.52 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError\nSTART RequestId: 6\nINIT_REPORT Init Duration: 120.00 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError\nREPORT RequestId: 6\tDuration: 121.00 ms\tBilled Duration: 121 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tStatus: error\tError Type: Runtime.ExitError\n",
			ok:   true, cold: true,
			want: LambdaReport{RequestID: "6", Duration: ms(121), BilledDuration: ms(121), MemorySizeMB: 128, MaxMemoryUsedMB: 20, Status: "error", ErrorType: "Runtime.ExitError", InitError: true, InitPhase: "invoke", InitReportTime: ms(120)},
		},
		{
			name: "truncated tail without REPORT is no evidence",
			tail: "2026-11-27T12:00:00Z\tsome log output\nEND RequestId: 7\nREPO",
			ok:   false,
		},
		{
			name: "empty tail",
			tail: "",
			ok:   false,
		},
		{
			name: "the last REPORT wins",
			tail: "REPORT RequestId: old\tDuration: 1.00 ms\tInit Duration: 5.00 ms\nREPORT RequestId: new\tDuration: 2.00 ms\tBilled Duration: 2 ms\n",
			ok:   true,
			want: LambdaReport{RequestID: "new", Duration: ms(2), BilledDuration: ms(2)},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok, err := ParseLambdaLog([]byte(c.tail))
			if err != nil {
				t.Fatal(err)
			}
			// The same line with text after its last value, and a field
			// fnbench does not know, reads the same (issue 13, fault 10).
			if c.ok {
				extra := strings.Replace(c.tail, "Billed Duration: ", "Future Field: 1 unit (note)\tBilled Duration: ", 1)
				extra = strings.Replace(extra, " MB", " MB (rounded up)", 1)
				again, ok2, err2 := ParseLambdaLog([]byte(extra))
				if err2 != nil || !ok2 || again != got {
					t.Errorf("with trailing text and an unknown field: ok %v, err %v\n got %+v\nwant %+v", ok2, err2, again, got)
				}
			}
			if ok != c.ok {
				t.Fatalf("ok = %v, want %v", ok, c.ok)
			}
			if got != c.want {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
			if got.Cold() != c.cold {
				t.Errorf("Cold() = %v, want %v", got.Cold(), c.cold)
			}
		})
	}
}

// A value that cannot be read is named in the error and left out; the line
// keeps every other field, as evidence and as billing (issue 13, fault 10).
func TestParseLambdaLogSkipsBadValues(t *testing.T) {
	for _, c := range []struct {
		field string
		want  LambdaReport
	}{
		{"Duration: fast ms", LambdaReport{RequestID: "1", BilledDuration: ms(3), InitDuration: ms(80), HasInit: true}},
		{"Memory Size: 1.5 GB", LambdaReport{RequestID: "1", BilledDuration: ms(3), InitDuration: ms(80), HasInit: true}},
		{"Duration: -3 ms", LambdaReport{RequestID: "1", BilledDuration: ms(3), InitDuration: ms(80), HasInit: true}},
	} {
		tail := "REPORT RequestId: 1\t" + c.field + "\tBilled Duration: 3 ms\tInit Duration: 80.00 ms\t"
		got, ok, err := ParseLambdaLog([]byte(tail))
		if !ok || err == nil || !strings.Contains(err.Error(), strings.SplitN(c.field, ":", 2)[0]) {
			t.Errorf("%q: ok %v, err %v; want ok and an error naming the field", tail, ok, err)
		}
		if got != c.want {
			t.Errorf("%q:\n got %+v\nwant %+v", tail, got, c.want)
		}
	}
}

// FuzzParseLambdaLog: no log tail makes the parser panic, and whatever it
// accepts reads back consistently.
func FuzzParseLambdaLog(f *testing.F) {
	for _, s := range []string{
		"REPORT RequestId: d89264cd-a024-4433-bce9-0ecf57ec5f74\tInit Duration: 0.21 ms\tDuration: 206.82 ms\tBilled Duration: 207 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t",
		"INIT_REPORT Init Duration: 9999.52 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError",
		"REPORT RequestId: 3 Duration: 10.00 ms Restore Duration: 350.15 ms Billed Restore Duration: 112 ms",
		"XRAY TraceId: 1-5e3b2f3c-aa\tSegmentId: 1",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, tail []byte) {
		r, ok, _ := ParseLambdaLog(tail)
		if ok && (r.Duration < 0 || r.InitDuration < 0 || r.MemorySizeMB < 0) {
			t.Fatalf("negative values: %+v", r)
		}
		if ok && !strings.Contains(string(tail), "REPORT ") {
			t.Fatal("ok without a REPORT line")
		}
	})
}
