package cost

// billCloudRun applies Google Cloud Run's request-based billing
// (docs/sources.md, "Google Cloud Run"): vCPU-seconds and GiB-seconds of
// billed time, rounded up to 100 ms (in w), plus requests, each with its
// monthly free allowance.
func (t *Table) billCloudRun(b *Breakdown, cfg Config, w *work, o Options) {
	cr := t.CloudRun
	sec := w.totalSec()
	b.metered(newMeter(single(cr.Requests), 0, freeIf(o.FreeTier, cr.FreeRequests)), w.requests, "requests", nil, "requests", PartRequests)
	b.metered(newMeter(single(cr.VCPUSecond), 0, freeIf(o.FreeTier, cr.FreeVCPUSeconds)), mul(ratFloat(vcpuOf(cfg)), sec), "CPU", nil, "vCPU-s", PartCompute)
	b.metered(newMeter(single(cr.GiBSecond), 0, freeIf(o.FreeTier, cr.FreeGiBSeconds)), add(w.gbs[:]...), "memory", nil, "GiB-s", PartCompute)
	b.note("gcp-cloud-run: billed time summed per request; an instance serving requests at once is billed once for the overlap, so this is an upper bound")
}
