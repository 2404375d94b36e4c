package azurectl

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
)

// Against the simulator's Resource Manager: a forced cold start sets the
// nonce and leaves every other setting as it was (the storage key
// included), restore takes the nonce away again, and the site says the
// Flex instance memory.
func TestForceColdAndRestoreAgainstTheSimulator(t *testing.T) {
	s := simtest.StartConfig(t, sim.Config{Profiles: []string{"azure-flex-python"}})
	c, err := New(StaticToken(sim.DefaultARMToken), s.ARMEndpoint())
	if err != nil {
		t.Fatal(err)
	}
	id := sim.ARMResourceID("azure-flex-python", "flex-node")
	ctx := context.Background()
	before := s.AppSettings("azure-flex-python", "flex-node")
	site, err := c.Site(ctx, id)
	if err != nil || site.State != "Running" || site.SKU != "FlexConsumption" || site.InstanceMemoryMB != 2048 {
		t.Fatalf("site %+v, %v", site, err)
	}
	if err := c.ForceCold(ctx, id, "run-1"); err != nil {
		t.Fatal(err)
	}
	during := s.AppSettings("azure-flex-python", "flex-node")
	if during[NonceSetting] != "run-1" || !strings.Contains(during["AzureWebJobsStorage"], sim.SimStorageKey) {
		t.Errorf("settings while forced: nonce %q, storage kept %v", during[NonceSetting], strings.Contains(during["AzureWebJobsStorage"], sim.SimStorageKey))
	}
	if v, ok, err := c.Nonce(ctx, id); err != nil || !ok || v != "run-1" {
		t.Errorf("Nonce = %q %v %v", v, ok, err)
	}
	if err := c.Restore(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	if after := s.AppSettings("azure-flex-python", "flex-node"); !maps.Equal(before, after) {
		t.Errorf("settings after restore differ:\nbefore %v\nafter  %v", before, after)
	}
	if err := c.Restart(ctx, id); err != nil {
		t.Fatal(err)
	}
	bad, _ := New(StaticToken("wrong"), s.ARMEndpoint())
	if _, err := bad.Site(ctx, id); !errors.Is(err, ErrNotPermitted) || strings.Contains(err.Error(), "wrong") {
		t.Errorf("a wrong token: %v", err)
	}
	if _, err := c.Site(ctx, sim.ARMResourceID("azure-flex-python", "nosuch")); err == nil || !strings.Contains(err.Error(), "ResourceNotFound") {
		t.Errorf("an unknown app: %v", err)
	}
}

func TestEndpointChecks(t *testing.T) {
	if _, err := New(StaticToken("t"), "http://management.example.com"); err == nil {
		t.Error("a plain-http endpoint that is not loopback was accepted")
	}
	if _, err := New(StaticToken("t"), "management.azure.com"); err == nil {
		t.Error("an endpoint without a scheme was accepted")
	}
}
