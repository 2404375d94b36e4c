package attack_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
)

// The simulator's log tails read back through fnbench's REPORT parser: the
// first invocation of a new environment is cold with its Init Duration, the
// next is warm, and the billed duration follows INIT billing.
func TestParseSimulatorLogTail(t *testing.T) {
	s := simtest.Start(t, "trivial")
	e, err := s.ResolveEndpoint("sim://trivial/noop/lambda-invoke")
	if err != nil {
		t.Fatal(err)
	}
	invoke := func() attack.LambdaReport {
		req, _ := http.NewRequest("POST", e.URL, strings.NewReader("{}"))
		req.Header.Set("X-Amz-Log-Type", "Tail")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		tail, err := base64.StdEncoding.DecodeString(resp.Header.Get("X-Amz-Log-Result"))
		if err != nil {
			t.Fatal(err)
		}
		r, ok, err := attack.ParseLambdaLog(tail)
		if err != nil || !ok {
			t.Fatalf("ok %v, err %v, tail:\n%s", ok, err, tail)
		}
		return r
	}
	first, second := invoke(), invoke()
	if !first.Cold() || second.Cold() {
		t.Errorf("cold %v then %v; want cold then warm", first.Cold(), second.Cold())
	}
	if first.MemorySizeMB != 128 || first.RequestID == "" || first.RequestID == second.RequestID {
		t.Errorf("first %+v, second %+v", first, second)
	}
	if first.BilledDuration < first.Duration+first.InitDuration {
		t.Errorf("billed %s < duration %s + init %s: INIT is billed since 2025-08-01", first.BilledDuration, first.Duration, first.InitDuration)
	}
}
