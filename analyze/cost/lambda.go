package cost

import (
	"fmt"
	"math/big"
	"time"

	"github.com/fnbench/fnbench/internal/platform"
)

// kindNames label billed time in Lambda lines.
var kindNames = [nKinds]string{"compute", "init", "SnapStart restore"}

var kindParts = [nKinds]Part{PartCompute, PartInit, PartInit}

// billLambda applies AWS Lambda's price list (docs/sources.md, "AWS Lambda pricing").
func (t *Table) billLambda(b *Breakdown, cfg Config, w *work, o Options) error {
	lp := t.Lambda
	arch, _ := ParseArch(string(cfg.Arch))
	tiers, pcPrice, pcDuration := lp.Duration.X86_64, lp.ProvisionedConcurrency.X86_64, lp.ProvisionedDuration.X86_64
	if arch == ARM64 {
		tiers, pcPrice, pcDuration = lp.Duration.ARM64, lp.ProvisionedConcurrency.ARM64, lp.ProvisionedDuration.ARM64
	}
	pc := cfg.ProvisionedConcurrency > 0
	if pc || cfg.SnapStart {
		// Provisioned environments and the SnapStart cache are billed on
		// the configured memory.
		if err := checkLambdaMemory(cfg.MemoryMB); err != nil {
			return err
		}
	}
	free := o.FreeTier && !pc
	if o.FreeTier && pc {
		b.note("free tier not applied: it does not cover functions with provisioned concurrency (docs/sources.md, \"AWS Lambda pricing\")")
	}

	b.metered(newMeter(single(lp.Requests), 0, freeIf(free, lp.FreeRequests)), w.requests, "requests", nil, "requests", PartRequests)

	if pc {
		for k := range nKinds {
			b.flat(fmt.Sprintf("%s (%s, provisioned)", kindNames[k], arch), w.gbs[k], "GB-s", pcDuration, kindParts[k])
		}
		period, err := t.periodFor(b, w, "provisioned concurrency")
		if err != nil {
			return err
		}
		gbs := mul(ratInt(int64(cfg.ProvisionedConcurrency)), ratFrac(int64(cfg.MemoryMB), 1024), period)
		b.flat(fmt.Sprintf("provisioned concurrency (%s)", arch), gbs, "GB-s", pcPrice, PartCompute)
		b.note("provisioned concurrency: every request is taken as served by a provisioned environment, at the provisioned duration price without tiers; spill-over to on-demand is not modelled")
	} else {
		// One walk through the tiers for compute, then INIT, then restore:
		// they are one duration meter per account and architecture
		// (docs/sources.md, "AWS Lambda pricing").
		m := newMeter(tiers, o.Prior.LambdaGBSeconds, freeIf(free, lp.FreeGBSeconds))
		for k := range nKinds {
			b.metered(m, w.gbs[k], kindNames[k], []string{string(arch)}, "GB-s", kindParts[k])
		}
	}

	// Ephemeral storage above 512 MB, per GB-s of billed time (docs/sources.md,
	// "AWS Lambda pricing").
	if freeMB := lp.EphemeralFreeMB.Value.rat(); ratInt(int64(cfg.EphemeralMB)).Cmp(freeMB) > 0 {
		gb := quo(sub(ratInt(int64(cfg.EphemeralMB)), freeMB), ratInt(1024))
		b.flat(fmt.Sprintf("ephemeral storage (%d MB)", cfg.EphemeralMB), mul(gb, w.totalSec()), "GB-s", lp.EphemeralStorage, PartCompute)
	}

	if cfg.SnapStart {
		if !lp.SnapStartCache.USD.Known() {
			b.note("SnapStart cache: not charged; %s", lp.SnapStartCache.Source)
		} else {
			period, err := t.periodFor(b, w, "SnapStart cache")
			if err != nil {
				return err
			}
			b.flat("SnapStart cache", mul(ratFrac(int64(cfg.MemoryMB), 1024), period), "GB-s", lp.SnapStartCache, PartInit)
			b.note("SnapStart cache: billed as function memory × period, an assumption; no public source gives a basis")
		}
	}
	return nil
}

// initBilled reports whether Lambda billed INIT on the given day for the
// packaging: always from init_billed_from (2025-08-01), before that for all
// but ZIP functions on managed runtimes (docs/sources.md, "AWS Lambda pricing").
func (t *Table) initBilled(day time.Time, p Packaging) bool {
	if p != PackagingZip && p != "" {
		return true
	}
	from := t.Lambda.InitBilledFrom.Date
	return !day.Before(from)
}

// lambdaColdMs is what one cold start adds to a request's billed time: INIT
// by the day's rule, since 2025-08-01 as ceil(Duration + Init) less
// ceil(Duration); SnapStart's Billed Restore Duration, whole ms, always.
func lambdaColdMs(durationMs, initMs, restoreMs *big.Rat, initBilled bool) (initPart, restorePart *big.Rat) {
	initPart, restorePart = new(big.Rat), ceilRat(restoreMs)
	if initBilled && initMs.Sign() > 0 {
		initPart = sub(ceilRat(add(durationMs, initMs)), ceilRat(durationMs))
	}
	return initPart, restorePart
}

// checkLambdaMemory rejects a memory size Lambda does not offer
// (platform.LambdaMemoryOK). Its message groups the upper bound's
// thousands with a comma, as cost's other text writes megabytes.
func checkLambdaMemory(mb int) error {
	if platform.LambdaMemoryOK(mb) {
		return nil
	}
	lo, hi := platform.LambdaMinMemoryMB, platform.LambdaMaxMemoryMB
	return fmt.Errorf("cost: aws-lambda memory %d MB is outside %d–%d,%03d MB", mb, lo, hi/1000, hi%1000)
}
