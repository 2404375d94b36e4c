// Package coldinfer infers cold starts from what any client sees of a
// target that does not cooperate: how long each response took, and the
// instance id where the platform shows one. It is fnbench's "inferred"
// evidence, for functions without the marker headers of the instrumented
// samples and without a Lambda REPORT line.
//
// What it owns: the decision, per successful response, whether the request
// waited for a new instance. What it does not own: sending, recording,
// the stronger kinds of evidence (attack/), summaries (analyze/). It is
// pure: no clock, no I/O, no goroutines.
//
// # How it is used
//
// One Detector per target. When a recording interval is complete (every
// request intended in it has finished), the recorder Pushes its
// successful responses in intended-send-time order, then calls Decide
// until it says there is nothing more; at the end of the run it calls
// Flush and drains Decide. Once the run is under way Decide answers for an
// interval as soon as it is pushed. At the start of a run it holds
// intervals back (at most 30) until the target has answered enough
// requests warm to compare with: a burst from zero may open with nothing
// but cold starts. Config.InstanceConcurrency is 1 for AWS Lambda; left at
// 0 the detector learns whether instances are shared (Azure Functions).
//
// Memory does not grow with the run: the warm reference is a fixed-size
// sketch (15 KiB), intervals are held only at the start, groups of slow
// responses only while a later response could still join them, and
// instance ids only while seen within the last hour. Push and Decide
// together cost about 17 ns per response, 50 ns with instance ids
// (BenchmarkDetector, 20,000 responses per interval).
//
// # Method
//
// Warm reference. Latencies of warm responses go into a log-bucketed
// histogram (3% resolution) that forgets with a half-life of one minute of
// active time, so an idle gap leaves it as it was. The first reference is
// the responses within 4 times the typical fast one, once the 20 fastest
// agree (the 16th within 3 times the 3rd); requests queued behind a
// starting instance spread out and do not. If later responses show a mode
// four times faster (the first reference was made of cold starts), it is
// made again from them, and Decide waits until 20 responses have agreed
// with the reference. Responses up to median + 4 (p90 - median) join it.
//
// Slow. A response is slow when its latency exceeds the warm median by 8
// times the p90's distance from the median (and by at least the median).
// The p90 rather than a higher quantile, because it barely moves when
// some responses that are not warm get into the reference.
//
// One request per instance (Lambda): a slow response is a cold start. The
// platform had to add an environment for it: an idle gap evicted the old
// ones, or the concurrency rose above them.
//
// Shared instances (Azure): while an instance starts, the requests that
// arrive join it or queue, and all come back together when it is ready;
// only the first sent started it. Slow responses are taken in send order.
// One joins the group of the slow response before it when it was sent
// before that group's first response came back and ends within 2 warm
// widths (p99 - p1) of the group's responses (and the group is not full,
// if Config.InstanceConcurrency says how many one instance takes).
// Otherwise, if it ends after a group began to end (give or take half the
// median's distance above the fastest warm responses) and at most p99 -
// median after its last response, it is a queued request let through by a
// slot that group freed. Otherwise it starts a group, and is cold. With
// InstanceConcurrency 0 instances count as shared unless, after five or
// more slow responses, fewer than half of them came back in groups of
// three or more ending within one warm width (on Lambda such groups form
// only by chance).
//
// Instance ids. Where responses carry one, a response is cold when it is
// the first from its instance and slower than the warm p99. A first
// sighting at warm latency is an instance from before the run, or one the
// platform started ahead of demand (Lambda's proactive init): no client
// waited for it, and the simulator's ground truth agrees.
//
// The number of requests in flight is not used. A gate that spared slow
// responses sent with no more requests in flight than a warm response
// just before also spared real cold starts (the client's count overstates
// the platform's concurrency by the requests in transit): recall fell by
// 1-4% on the Lambda profiles and 8% on Flex Python.
//
// # Known errors
//
//   - A warm response held up by something else is tagged: a handler's
//     own tail, a garbage-collection pause, a stall of the network or of
//     the load generator (on one-request-per-instance platforms every
//     response in the stall that exceeds the threshold, on shared ones
//     one per stall).
//   - A cold start shorter than the threshold is missed. On the
//     simulator's Flex profiles about 1% of INIT draws are that short;
//     on real platforms, a Go or Rust Lambda's 16-50 ms INIT behind tens
//     of milliseconds of internet jitter.
//   - On shared instances, two instances that become ready within a few
//     milliseconds of each other look like one: one cold start missed.
//   - The request tagged is the first sent of a group; when requests race
//     to the platform (new connections, a busy client) or the platform
//     lets a newcomer start an instance while older requests queue (the
//     simulator's Azure model does), the platform's first is a neighbour:
//     the count is right, the request is not.
//   - Nothing is tagged without warm responses to compare with (a run of
//     single requests after long idle gaps, every one cold).
//
// # Measured against the simulator
//
// TestInferredColdStartsMatchGroundTruth drives the built-in provider
// profiles (fixtures/sim, markers off, keep-alive compressed so that idle
// gaps evict) with a burst from zero, idle gaps, a spike from a low base
// and a ramp (on Azure, ten more bursts from zero), and scores the
// decisions against the simulator's ground truth. Latency only, 250 ms
// intervals; Lambda profiles over 16 runs, Azure over 8; the worst run in
// brackets:
//
//	profile                     cold starts  precision      recall
//	aws-go-hello, function URL          674  1.000 (1.00)   1.000 (1.00)
//	  same, 30% proactive init          250  1.000 (1.00)   1.000 (1.00)
//	aws-go-hello, Invoke API            627  1.000 (1.00)   1.000 (1.00)
//	aws-apigw-http, HTTP API            620  1.000 (1.00)   1.000 (1.00)
//	aws-apigw-http, REST API            620  1.000 (1.00)   1.000 (1.00)
//	aws-python-hello                    943  1.000 (1.00)   1.000 (1.00)
//	aws-java-snapstart                 1128  1.000 (1.00)   1.000 (1.00)
//	azure-consumption-node              222  0.991 (0.93)   0.964 (0.90)
//	azure-flex-python (1 per inst.)     291  0.997 (0.97)   0.990 (0.97)
//	azure-flex-python, flex-node (16)   187  0.963 (0.85)   0.963 (0.91)
//
// 100 ms and 1 s intervals give the same figures within 0.01. With
// instance ids every profile scores 0.989 or better. On Azure a run holds
// only 20 to 40 cold starts, so one or two misses take it under 0.95: 5 of
// 8 runs reached 0.95 on Consumption, 4 of 8 on Flex with Node.js.
//
// Responses the test machine itself held up by more than 10 ms beyond
// what the simulator says it served are left out of the score (they
// measure the machine); a run with more than 2% of them is run again.
package coldinfer
