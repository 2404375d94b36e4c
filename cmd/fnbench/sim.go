package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/fixtures/sim"
)

// simStarted is the document `fnbench sim` prints once it is serving.
type simStarted struct {
	URL       string         `json:"url"`
	Endpoints []sim.Endpoint `json:"endpoints"`
}

func newSimCmd() *cobra.Command {
	var (
		configFile string
		listen     string
		truthFile  string
		profiles   []string
		seed       uint64
		timeScale  float64
		cpuProfile string
	)
	cmd := &cobra.Command{
		Use:   "sim [--config FILE] [--listen 127.0.0.1:0] [--truth FILE]",
		Short: "Start the local simulated serverless platform",
		Long: `Start the local simulator of AWS Lambda, API Gateway and Azure Functions.
It prints its endpoints as one JSON document on stdout, then serves until
interrupted (SIGINT or SIGTERM). It listens on loopback only unless --listen
says otherwise. Built-in profiles: ` + fmt.Sprint(sim.ProfileNames()),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var fc sim.FileConfig
			if configFile != "" {
				var err error
				if fc, err = sim.LoadConfigFile(configFile); err != nil {
					return usageError(err)
				}
			}
			f := cmd.Flags()
			if f.Changed("listen") || fc.Listen == "" {
				fc.Listen = listen
			}
			if f.Changed("truth") {
				fc.Truth = truthFile
			}
			if f.Changed("profile") {
				fc.Profiles = profiles
			}
			if f.Changed("seed") {
				fc.Seed = seed
			}
			if f.Changed("time-scale") {
				fc.TimeScale = timeScale
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			if cpuProfile != "" {
				pf, err := os.Create(cpuProfile)
				if err != nil {
					return usageError(err)
				}
				defer pf.Close()
				pprof.StartCPUProfile(pf)
				defer pprof.StopCPUProfile()
			}
			return serveSim(ctx, fc, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&configFile, "config", "", "simulator config file (YAML: listen, seed, time_scale, profiles, profile_files, credentials, truth)")
	f.StringVar(&listen, "listen", sim.DefaultListen, "address to listen on")
	f.StringVar(&truthFile, "truth", "", "write ground truth of every invocation to this file as JSON lines")
	f.StringSliceVar(&profiles, "profile", nil, "serve only these built-in profiles (repeatable; default all)")
	f.Uint64Var(&seed, "seed", 1, "seed for every random draw")
	f.Float64Var(&timeScale, "time-scale", 1, "multiply every simulated duration (0.001 turns 10 min into 600 ms)")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a Go CPU profile to this file (for fnbench's developers)")
	f.MarkHidden("cpuprofile")
	return cmd
}

// serveSim runs the simulator until ctx is done.
func serveSim(ctx context.Context, fc sim.FileConfig, stdout, stderr io.Writer) error {
	cfg := fc.Config()
	if fc.Truth != "" {
		f, err := os.Create(fc.Truth)
		if err != nil {
			return usageError(fmt.Errorf("truth file: %w", err))
		}
		defer f.Close()
		cfg.TruthWriter = f
	}
	s, err := sim.New(cfg)
	if err != nil {
		return usageError(err)
	}
	if err := s.Start(context.Background()); err != nil {
		return runError(err)
	}
	defer s.Close()
	if host, _, err := net.SplitHostPort(cfg.Listen); err == nil {
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			fmt.Fprintf(stderr, "fnbench sim: warning: listening on %s, reachable beyond this machine\n", cfg.Listen)
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(simStarted{URL: s.URL(), Endpoints: s.Endpoints()}); err != nil {
		return runError(err)
	}
	if fl, ok := stdout.(interface{ Sync() error }); ok {
		fl.Sync() //nolint:errcheck // a terminal or pipe cannot be synced; that is fine
	}
	fmt.Fprintf(stderr, "fnbench sim: serving %d endpoints at %s; interrupt to stop\n", len(s.Endpoints()), s.URL())
	<-ctx.Done()
	if err := s.Close(); err != nil {
		return runError(err)
	}
	return nil
}
