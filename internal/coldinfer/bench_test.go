package coldinfer

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkDetector measures the cost per sample of Push and Decide on
// 1-second intervals of 20,000 responses (fnbench's target rate), one in a
// thousand a cold start.
func BenchmarkDetector(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ids  bool
	}{
		{"lambda", Config{InstanceConcurrency: 1}, false},
		{"shared", Config{}, false},
		{"instance-ids", Config{}, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const perInterval = 20000
			st := newStream()
			ivs := make([]Interval, 16)
			for n := range ivs {
				iv := Interval{Start: time.Duration(n) * time.Second, End: time.Duration(n+1) * time.Second}
				for k := range perInterval {
					s := Sample{At: iv.Start + time.Duration(k)*time.Second/perInterval, Latency: st.warm()}
					if k%1000 == 500 {
						s.Latency += st.init()
					}
					if tc.ids {
						s.Instance = "i" + strconv.Itoa(k%200)
					}
					iv.Samples = append(iv.Samples, s)
				}
				ivs = append(ivs[:n], iv)
			}
			d := New(tc.cfg)
			// Warm up: a reference, as in the middle of a run.
			for _, iv := range ivs[:2] {
				d.Push(iv)
				for {
					if _, ok := d.Decide(); !ok {
						break
					}
				}
			}
			b.ResetTimer()
			shift := 2 * time.Second
			for i := range b.N {
				b.StopTimer()
				iv := ivs[i%len(ivs)]
				// Intervals must move forward in time.
				off := shift + time.Duration(i)*time.Second - iv.Start
				moved := Interval{Start: iv.Start + off, End: iv.End + off, Samples: make([]Sample, len(iv.Samples))}
				for k, s := range iv.Samples {
					s.At += off
					moved.Samples[k] = s
				}
				b.StartTimer()
				d.Push(moved)
				for {
					if _, ok := d.Decide(); !ok {
						break
					}
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perInterval), "ns/sample")
		})
	}
}
