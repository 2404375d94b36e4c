package coldinfer

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func readRun(t *testing.T, file string) []observed {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, _ := csv.NewReader(f).ReadAll()
	var out []observed
	for _, r := range recs[1:] {
		n := func(i int) int64 { v, _ := strconv.ParseInt(r[i], 10, 64); return v }
		cold := r[3] == "true"
		servedUs := n(5) + n(7)
		if cold {
			servedUs += n(6)
		}
		out = append(out, observed{
			sample:  Sample{At: time.Duration(n(0)) * time.Microsecond, Latency: time.Duration(n(1)) * time.Microsecond, Instance: r[8]},
			ok:      r[2] == "200",
			cold:    cold,
			excused: time.Duration(n(1)-servedUs)*time.Microsecond > overshootExcuse,
		})
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].sample.At < out[b].sample.At })
	return out
}

func TestScratchReplay(t *testing.T) {
	dir := os.Getenv("REPLAY")
	if dir == "" {
		t.Skip()
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	iv := 250 * time.Millisecond
	if v := os.Getenv("IV"); v != "" {
		iv, _ = time.ParseDuration(v)
	}
	tot := map[string]score{}
	var names []string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".csv")
		prof := name[:strings.LastIndex(name, "-")]
		if p := os.Getenv("ONLY"); p != "" && !strings.HasPrefix(prof, p) {
			continue
		}
		cfg := Config{}
		if !strings.HasPrefix(prof, "azure") {
			cfg.InstanceConcurrency = 1
		}
		sc := replay(readRun(t, f), cfg, iv, os.Getenv("IDS") != "")
		if os.Getenv("V") != "" {
			t.Logf("%s %v", name, sc)
			for _, m := range sc.misses {
				t.Log("   ", m)
			}
		}
		a, ok := tot[prof]
		if !ok {
			names = append(names, prof)
		}
		a.tp += sc.tp
		a.fp += sc.fp
		a.fn += sc.fn
		a.excused += sc.excused
		tot[prof] = a
	}
	sort.Strings(names)
	line := ""
	for _, n := range names {
		line += " " + n + ":" + strconv.Itoa(tot[n].fp) + "/" + strconv.Itoa(tot[n].fn) + "(" + strconv.Itoa(tot[n].tp) + ")"
	}
	t.Log("SUMMARY" + line)
}
