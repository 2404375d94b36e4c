package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/internal/simenv"
	"github.com/fnbench/fnbench/scenarios"
)

// startSimFor starts the built-in simulator, in-process and on loopback,
// when a target names a sim:// endpoint, and returns the resolver for those
// URLs and the function that stops it. With no sim:// target it starts
// nothing. keepAliveScale multiplies the simulated keep-alives (0 or 1:
// as calibrated).
func startSimFor(ctx context.Context, plan *scenarios.Plan, keepAliveScale float64) (resolve func(string) (attack.SimEndpoint, error), stop func(), err error) {
	var profiles []string
	seen := map[string]bool{}
	for _, t := range plan.Scenario.Targets {
		rest, ok := strings.CutPrefix(t.URL, "sim://")
		if !ok {
			rest, ok = strings.CutPrefix(t.Endpoint, "sim://") // aws-lambda
		}
		if !ok {
			continue
		}
		profile, _, _ := strings.Cut(rest, "/")
		if !seen[profile] {
			seen[profile] = true
			profiles = append(profiles, profile)
		}
	}
	if len(profiles) == 0 {
		return nil, func() {}, nil
	}
	cfg := sim.Config{Profiles: profiles, Listen: "127.0.0.1:0", KeepAliveScale: keepAliveScale}
	if plan.Scenario.HasSeed {
		cfg.Seed = uint64(plan.Scenario.Seed)
	}
	s, err := sim.New(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("starting the built-in simulator: %w", err)
	}
	if err := s.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, nil, fmt.Errorf("starting the built-in simulator: %w", err)
	}
	return simenv.Resolver(s), func() { s.Close() }, nil
}
