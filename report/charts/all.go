package charts

// All is every chart for a report on the given series, in the order a
// page shows them: latency over time, where the time went over time (when
// any series recorded it), the percentile spectrum, cold starts, scaling,
// cost, then a comparison of each pair of series (indices into series:
// the baseline, then the candidate).
func All(series []Series, pairs [][2]int) []*Chart {
	if len(series) == 0 {
		return nil
	}
	cs := []*Chart{LatencyOverTime(series)}
	if Timed(series) {
		cs = append(cs, TimingOverTime(series))
	}
	cs = append(cs, Spectrum(series), ColdStarts(series), Scaling(series), Cost(series))
	for _, p := range pairs {
		cs = append(cs, Compare(series[p[0]], series[p[1]], p[0], p[1]))
	}
	return cs
}
