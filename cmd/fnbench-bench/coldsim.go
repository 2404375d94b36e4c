package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fnbench/fnbench/fixtures/sim"
)

// The overloaded-simulator cell (issue 12: "with the simulator overloaded
// (detection auto), no more than 1% of responses are tagged cold beyond
// ground truth"). `fnbench run` keeps the simulator it starts for sim://
// URLs to itself, ground truth included, so the simulator runs as `fnbench
// sim --truth` in a process of its own and fnbench reaches the function
// URL over plain HTTP: the same simulator, the same wire.
const (
	coldProfile  = "aws-go-hello"
	coldFunction = "hello-plain" // no Fnbench-Cold markers: detection is on its own
	coldKind     = "lambda-url"
)

// coldCheck is the cell's result: fnbench's run, and the simulator's truth
// about the same requests.
type coldCheck struct {
	m         measurement
	duration  time.Duration // of the sending
	tagged    int64         // responses fnbench tagged cold
	trueCold  int64         // invocations the simulator started a new environment for
	replies   int64         // responses fnbench received
	throttled int64         // invocations the simulator throttled
}

// excess is the share of responses tagged cold beyond the true ones.
func (c *coldCheck) excess() float64 {
	if c.replies == 0 {
		return 0
	}
	return float64(c.tagged-c.trueCold) / float64(c.replies)
}

func simArgs(truthFile string) []string {
	args := []string{"sim", "--profile", coldProfile, "--seed", "1"}
	if truthFile != "" {
		args = append(args, "--truth", truthFile)
	}
	return args
}

// runColdCheck starts the simulator, drives its marker-less function with
// fnbench at rate for dur with detection auto, then scores the tags
// against the truth the simulator wrote.
func (r *runner) runColdCheck(rate float64, dur time.Duration) (*coldCheck, error) {
	truthFile := filepath.Join(r.tools.work, "sim-truth.jsonl")
	srv, err := startSim(r.tools, truthFile)
	if err != nil {
		return nil, err
	}
	c := cell{proto: protoHTTP, rate: rate, arrivals: uniform}
	s := r.tools.spec(c, srv)
	s.Duration, s.Detect = dur.String(), "auto"
	m := r.measure(c, toolFnbench, srv, s)
	if err := stopSim(srv); err != nil {
		return nil, err
	}
	if m.failed != "" {
		return nil, fmt.Errorf("fnbench against the simulator: %s", m.failed)
	}
	cc := &coldCheck{m: m, duration: dur, tagged: m.sched.cold, replies: m.sched.replies}
	if err := countTruth(truthFile, cc); err != nil {
		return nil, err
	}
	return cc, nil
}

// startSim runs `fnbench sim` and finds the function URL in the endpoints
// it prints.
func startSim(ts *toolset, truthFile string) (*server, error) {
	return startSimFunction(ts, truthFile, coldFunction)
}

// startSimFunction starts `fnbench sim` with coldProfile, keeping its truth
// in truthFile (none when ""), and returns the function URL of function.
func startSimFunction(ts *toolset, truthFile, function string) (*server, error) {
	cmd := exec.Command(ts.fnbench, simArgs(truthFile)...)
	log, err := os.Create(filepath.Join(ts.work, "sim.log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	srv := &server{name: "fnbench sim " + coldProfile + "/" + function, proto: protoHTTP, cmd: cmd}
	var started struct {
		Endpoints []sim.Endpoint `json:"endpoints"`
	}
	if err := json.NewDecoder(out).Decode(&started); err != nil {
		srv.stop()
		return nil, fmt.Errorf("fnbench sim printed no endpoints (see sim.log in the work directory): %v", err)
	}
	for _, e := range started.Endpoints {
		if e.Function == function && e.Kind == coldKind {
			srv.url = e.URL
			return srv, nil
		}
	}
	srv.stop()
	return nil, fmt.Errorf("fnbench sim serves no %s endpoint of %s/%s; the profile changed", coldKind, coldProfile, function)
}

// stopSim interrupts the simulator, which flushes its truth file as it
// exits.
func stopSim(srv *server) error {
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	if err := srv.cmd.Wait(); err != nil {
		return fmt.Errorf("fnbench sim did not stop cleanly (see sim.log in the work directory): %w", err)
	}
	return nil
}

// countTruth reads the simulator's ground truth, one sim.Invocation a
// line.
func countTruth(file string, cc *coldCheck) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var inv sim.Invocation
		if err := json.Unmarshal(sc.Bytes(), &inv); err != nil {
			return fmt.Errorf("%s:%d: %v", file, n, err)
		}
		if inv.Cold {
			cc.trueCold++
		}
		if inv.Throttled {
			cc.throttled++
		}
	}
	return sc.Err()
}
