package platform

import (
	"fmt"
	"regexp"
	"time"
)

// Azure Functions' billing rules (docs/sources.md, "Azure Functions
// pricing"), applied where fnbench computes what Azure bills from what a
// function reported: the recorder during a run and the cost model.

// Consumption bills each execution's time rounded up to 1 ms, at least
// 100 ms, at the memory the process used, rounded up to 128 MB, from 128 MB
// to 1,536 MB.
const (
	ConsumptionMinExecution = 100 * time.Millisecond
	ConsumptionMemoryStepMB = 128
	ConsumptionMaxMemoryMB  = 1536
)

// Flex Consumption bills an instance's execution periods: the spans in
// which it runs at least one execution (overlapping executions count
// once). A period is billed for at least 1,000 ms, then in 100 ms steps.
const (
	FlexMinPeriod  = time.Second
	FlexPeriodStep = 100 * time.Millisecond
)

// ConsumptionBilled is the billed time of one Consumption execution that
// ran for d.
func ConsumptionBilled(d time.Duration) time.Duration {
	return max((d+time.Millisecond-1)/time.Millisecond*time.Millisecond, ConsumptionMinExecution)
}

// ConsumptionMemoryMB is the memory Consumption bills for a process that
// used usedMB: rounded up to 128 MB, within 128–1,536 MB.
func ConsumptionMemoryMB(usedMB int) int {
	mb := (usedMB + ConsumptionMemoryStepMB - 1) / ConsumptionMemoryStepMB * ConsumptionMemoryStepMB
	return min(max(mb, ConsumptionMemoryStepMB), ConsumptionMaxMemoryMB)
}

// FlexPeriodBilled is the billed time of one Flex execution period that
// lasted d.
func FlexPeriodBilled(d time.Duration) time.Duration {
	return max((d+FlexPeriodStep-1)/FlexPeriodStep*FlexPeriodStep, FlexMinPeriod)
}

// AzureSiteID matches an Azure app's resource id:
// /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Web/sites/<app>.
var AzureSiteID = regexp.MustCompile(`^/subscriptions/[^/\s]+/resourceGroups/[^/\s]+/providers/Microsoft\.Web/sites/[^/\s]+$`)

// CheckAzureSiteID reports whether id names an app, with a message that
// says what the form is and where to find it.
func CheckAzureSiteID(id string) error {
	if !AzureSiteID.MatchString(id) {
		return fmt.Errorf("%q is not an app's resource id; write /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Web/sites/<app> (az functionapp show --query id)", id)
	}
	return nil
}
