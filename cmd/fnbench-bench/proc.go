package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is what a tool's process cost, from the kernel's own accounting
// (wait4's rusage): exact, with no sampling to miss a peak.
type usage struct {
	cpu       time.Duration // user + system
	peakRSSMB float64       // 10^6 bytes, as issue 12 states its budget
	wall      time.Duration
}

// runMeasured runs cmd to the end and returns its usage; with rss, it
// also samples the resident set while cmd runs. An exit status in okExits
// is a measurement, not an error (fnbench exits 1 when its default checks
// fail, which is what an overloaded cell is for).
func runMeasured(cmd *exec.Cmd, rss *rssSamples, okExits ...int) (usage, error) {
	start := time.Now()
	err := cmd.Start()
	if err == nil {
		stop := rss.sample(cmd.Process.Pid)
		err = cmd.Wait()
		stop()
	}
	u := usage{wall: time.Since(start)}
	if cmd.ProcessState == nil {
		return u, err
	}
	u.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		u.peakRSSMB = float64(ru.Maxrss) * 1024 / 1e6 // Maxrss is KiB on Linux
	}
	if ee, ok := err.(*exec.ExitError); ok {
		for _, code := range okExits {
			if ee.ExitCode() == code {
				return u, nil
			}
		}
	}
	return u, err
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// processCPU reads a live process's user+system CPU from /proc; zero if it
// cannot.
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which may hold spaces: state is
	// the first, utime the 12th and stime the 13th.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	user, _ := strconv.ParseInt(f[11], 10, 64)
	sys, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(user+sys) * time.Second / clockTicks
}

// machineBusy is the CPU time every core of the machine has spent busy
// (user, nice, system, irq, softirq and steal in /proc/stat) since boot.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if err != nil || len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	f = f[1:]
	var ticks int64
	for _, i := range []int{0, 1, 2, 5, 6, 7} { // user nice system (idle iowait) irq softirq steal
		if i < len(f) {
			n, _ := strconv.ParseInt(f[i], 10, 64)
			ticks += n
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// machine describes the computer the figures were taken on.
type machine struct {
	CPU    string
	Cores  int
	Kernel string
	MemGiB float64
}

func readMachine() machine {
	m := machine{CPU: "unknown CPU", Cores: runtime.NumCPU(), Kernel: "unknown kernel"}
	if v, ok := procField("/proc/cpuinfo", "model name"); ok {
		m.CPU = v
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if kb, ok := procKB("/proc/meminfo", "MemTotal"); ok {
		m.MemGiB = kb / (1 << 20)
	}
	return m
}

// procField returns the value of the first "key: value" line of a /proc
// file.
func procField(file, key string) (string, bool) {
	f, err := os.Open(file)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// procKB reads a "key: N kB" line of a /proc file.
func procKB(file, key string) (float64, bool) {
	v, ok := procField(file, key)
	if !ok {
		return 0, false
	}
	kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64)
	return kb, err == nil
}
