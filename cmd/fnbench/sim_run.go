package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/scenarios"
)

// startSimFor starts the built-in simulator, in-process and on loopback,
// when a target names a sim:// endpoint; with none it starts nothing and
// returns nil. keepAliveScale multiplies the simulated keep-alives (0 or
// 1: as calibrated).
func startSimFor(ctx context.Context, plan *scenarios.Plan, keepAliveScale float64) (*sim.Sim, error) {
	profiles := simProfiles(plan)
	if len(profiles) == 0 {
		return nil, nil
	}
	cfg := sim.Config{Profiles: profiles, Listen: "127.0.0.1:0", KeepAliveScale: keepAliveScale}
	if plan.Scenario.HasSeed {
		cfg.Seed = uint64(plan.Scenario.Seed)
	}
	s, err := sim.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting the built-in simulator: %w", err)
	}
	if err := s.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("starting the built-in simulator: %w", err)
	}
	return s, nil
}

// simProfiles are the simulator profiles the plan's sim:// targets name
// (an http target's url, an aws-lambda target's endpoint), each once.
func simProfiles(plan *scenarios.Plan) []string {
	var profiles []string
	seen := map[string]bool{}
	for _, t := range plan.Scenario.Targets {
		for _, u := range []string{t.URL, t.Endpoint} {
			su, err := platform.ParseSimURL(u)
			if err != nil || seen[su.Profile] {
				continue
			}
			seen[su.Profile] = true
			profiles = append(profiles, su.Profile)
		}
	}
	return profiles
}

// checkSimProfiles fails a plan whose sim:// targets name a profile the
// built-in simulator does not have: bad input, found before anything runs.
func checkSimProfiles(plan *scenarios.Plan) error {
	known := sim.ProfileNames()
	for _, p := range simProfiles(plan) {
		if !slices.Contains(known, p) {
			return fmt.Errorf("sim://%s: the built-in simulator has no profile %q; its profiles are %s", p, p, strings.Join(known, ", "))
		}
	}
	return nil
}
