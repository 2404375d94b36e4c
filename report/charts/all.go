package charts

// All is every chart for a report on the given series, in the order a
// page shows them: latency over time, the percentile spectrum, cold
// starts, scaling, cost, then a comparison of each further series with
// the first.
func All(series []Series) []*Chart {
	if len(series) == 0 {
		return nil
	}
	cs := []*Chart{LatencyOverTime(series), Spectrum(series), ColdStarts(series), Scaling(series), Cost(series)}
	for i := 1; i < len(series); i++ {
		cs = append(cs, Compare(series[0], series[i], 0, i))
	}
	return cs
}
