// Package kube runs one fnbench scenario as a Kubernetes Indexed Job: one
// pod per shard, all starting their share of one schedule at a common
// instant (fnbench run --shard i/n --start-at), each uploading its run
// directory to object storage for fnbench merge to combine.
//
// It owns the Job and the ConfigMap that carries the scenario file: their
// shape (Build, Manifest), their life on a cluster (Submit, Follow,
// Cleanup) and the connection to it (Client). It does not own the
// scenario, the schedule or the upload: the pods run fnbench itself, which
// parses the scenario and writes and uploads the run directory; nor does it
// collect the shards' results, which is fnbench merge's job.
//
// A distributed run is identified by its run id: the Job and the ConfigMap
// are both named JobName(runID), and everything the run creates carries the
// label RunLabel=runID, which Follow and Cleanup select on.
//
// The Job never retries a shard (backoffLimit 0, restartPolicy Never): a
// shard started again would send its arrivals after the common start, on a
// schedule shifted from everyone else's, and its results would blend two
// attempts. A failed shard fails the run; run it again.
//
// Indexed Jobs are documented at
// https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode.
package kube
