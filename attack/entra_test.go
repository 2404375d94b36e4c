package attack_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// fakeCredential hands out numbered tokens that expire life after issue.
type fakeCredential struct {
	life   time.Duration
	n      atomic.Int64
	scopes sync.Map
}

func (c *fakeCredential) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	for _, s := range o.Scopes {
		c.scopes.Store(s, true)
	}
	n := c.n.Add(1)
	return azcore.AccessToken{Token: fmt.Sprintf("SENTINEL-entra-token-%d", n), ExpiresOn: time.Now().Add(c.life)}, nil
}

// An azure-entra target sends the credential's token for its scope as a
// bearer token, renews it before it expires without a request ever waiting,
// and the token reaches no file of the run.
func TestEntraBearerTokenRenewed(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := okServerWith(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Header.Get("Authorization")]++
		mu.Unlock()
		w.Write([]byte("ok"))
	})
	plan, err := scenarios.Parse("entra.yaml", []byte(`name: entra
seed: 1
targets:
  - {name: azure, url: `+srv.URL+`, auth: {type: azure-entra, scope: "api://fnbench-test/.default"}}
traffic:
  phases: [{shape: constant, rate: 100/s, duration: 1200ms}]
`), scenarios.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Renewal comes 5 minutes before expiry: a token living 5 min 400 ms is
	// renewed after about 400 ms.
	cred := &fakeCredential{life: 5*time.Minute + 400*time.Millisecond}
	targets, err := attack.TargetsFromPlan(context.Background(), plan, attack.Env{
		AzureCredential: func() (azcore.TokenCredential, error) { return cred, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer attack.CloseTargets(targets)
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := attack.Run(context.Background(), attack.Options{Plan: plan, Targets: targets, OutDir: dir, Tool: rundir.ToolInfo{Version: "test"}}); err != nil {
		t.Fatal(err)
	}
	row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
	if row.Warm != 120 {
		t.Errorf("%d ok of 120 (%v)", row.Warm, row.Classes)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 2 {
		t.Errorf("tokens seen %v: want the token renewed during the run", seen)
	}
	for h := range seen {
		if !strings.HasPrefix(h, "Bearer SENTINEL-entra-token-") {
			t.Errorf("Authorization %q", h)
		}
	}
	if _, ok := cred.scopes.Load("api://fnbench-test/.default"); !ok {
		t.Error("the token was not asked for the scenario's scope")
	}
	grepDir(t, dir, "SENTINEL-entra-token")
}
