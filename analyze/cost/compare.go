package cost

import (
	"fmt"
	"math/big"
	"strings"
)

// Comparison prices one workload on several providers side by side
// (`fnbench cost --provider a,b,c`): per provider the marginal bill, the
// bill with the free tier, the cost per million, the monthly bill at a rate
// and the cheapest configuration of that provider for the workload.
type Comparison struct {
	Pricing  TableRef        `json:"pricing"`
	RPS      float64         `json:"rps,omitempty"`
	Rows     []ComparisonRow `json:"comparison"`
	Bills    []*Breakdown    `json:"bills"` // the marginal bills, one per provider, as a single-provider call prints them
	Cheapest *ComparisonRow  `json:"cheapest,omitempty"`
	Notes    []string        `json:"notes,omitempty"`
	monthly  map[int]*Breakdown
}

// ComparisonRow is one provider's line of a Comparison. Amounts of a range
// (Basis range) are its lower end, with High… its upper.
type ComparisonRow struct {
	Provider      Provider `json:"provider"`
	Configuration string   `json:"configuration"`
	Basis         Basis    `json:"basis"`
	MarginalUSD   Decimal  `json:"marginal_usd"`
	FreeTierUSD   Decimal  `json:"free_tier_usd"`
	PerMillionUSD Decimal  `json:"per_million_usd"`
	// HighMarginalUSD, HighFreeTierUSD and HighPerMillionUSD are a
	// range's upper end.
	HighMarginalUSD   *Decimal `json:"high_marginal_usd,omitempty"`
	HighFreeTierUSD   *Decimal `json:"high_free_tier_usd,omitempty"`
	HighPerMillionUSD *Decimal `json:"high_per_million_usd,omitempty"`
	// MonthlyUSD is the month at the comparison's rate, free tier applied;
	// absent without a rate.
	MonthlyUSD     *Decimal `json:"monthly_usd,omitempty"`
	HighMonthlyUSD *Decimal `json:"high_monthly_usd,omitempty"`
	// Cheapest is the provider's cheapest configuration for the workload
	// and its cost per million, when it is not the one priced.
	Cheapest           string   `json:"cheapest_configuration,omitempty"`
	CheapestPerMillion *Decimal `json:"cheapest_per_million_usd,omitempty"`
}

// Compare prices w on each provider. w's memory is each provider's
// memory: Lambda's configured memory, Consumption's memory used (a range
// when not given), Flex's instance memory (the smallest Flex size that
// holds it, unless w.InstanceMemoryMB says), Cloud Run's limit; Premium
// bills its plan. Fields that do not apply to a provider are left out of
// its bill. rps, when positive, adds the monthly bill at that mean rate.
func (t *Table) Compare(w Calculator, providers []Provider, rps float64) (*Comparison, error) {
	c := &Comparison{Pricing: t.Ref(), RPS: rps, monthly: map[int]*Breakdown{}}
	var best *big.Rat
	for i, p := range providers {
		calc, how, err := t.forProvider(w, p, "")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		marginal, err := t.Calculate(calc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		calc.FreeTier = true
		free, err := t.Calculate(calc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		calc.FreeTier = false
		marginal.Target = string(p) + ": " + marginal.Target
		row := ComparisonRow{Provider: p, Configuration: how, Basis: marginal.Basis,
			MarginalUSD: marginal.TotalUSD, FreeTierUSD: free.TotalUSD, PerMillionUSD: marginal.PerMillionUSD}
		if h := marginal.High; h != nil {
			row.HighMarginalUSD, row.HighPerMillionUSD = &h.TotalUSD, &h.PerMillionUSD
		}
		if h := free.High; h != nil {
			row.HighFreeTierUSD = &h.TotalUSD
		}
		if rps > 0 {
			m := calc
			m.FreeTier, m.Hours = true, 0
			m.Requests = 0
			m.RPS = rps
			if p != AzureFlex {
				m.RPS = 0
				m.Requests = roundRat(mul(ratFloat(rps), t.HoursPerMonth.Value.rat(), ratInt(3600))).Int64()
			}
			mb, err := t.Calculate(m)
			if err != nil {
				return nil, fmt.Errorf("%s, a month at %v/s: %w", p, rps, err)
			}
			c.monthly[i] = mb
			row.MonthlyUSD = &mb.TotalUSD
			if mb.High != nil {
				row.HighMonthlyUSD = &mb.High.TotalUSD
			}
		}
		if alt, altHow := t.cheaper(w, p, calc, marginal); alt != nil {
			row.Cheapest, row.CheapestPerMillion = altHow, &alt.PerMillionUSD
		}
		c.Rows = append(c.Rows, row)
		c.Bills = append(c.Bills, marginal)
		// The cheapest provider, judged at the upper end of a range.
		at := marginal.PerMillionUSD.rat()
		if marginal.High != nil {
			at = marginal.High.PerMillionUSD.rat()
		}
		if best == nil || at.Cmp(best) < 0 {
			best, c.Cheapest = at, &c.Rows[len(c.Rows)-1]
		}
	}
	if c.Cheapest != nil {
		// c.Rows may have grown since: point at the final slice.
		for i := range c.Rows {
			if c.Rows[i].Provider == c.Cheapest.Provider {
				c.Cheapest = &c.Rows[i]
			}
		}
	}
	return c, nil
}

// forProvider is w as provider p bills it, and the configuration in words.
// arch, when set, overrides Lambda's architecture.
func (t *Table) forProvider(w Calculator, p Provider, arch Arch) (Calculator, string, error) {
	c := Calculator{
		Provider: p, DurationMs: w.DurationMs, Requests: w.Requests, InitMs: w.InitMs, ColdRate: w.ColdRate,
		Gateway: w.Gateway, RequestBytes: w.RequestBytes, Hours: w.Hours, PerRequest: w.PerRequest, Date: w.Date,
		NewAccount: w.NewAccount,
	}
	switch p {
	case AWSLambda:
		c.Arch, c.MemoryMB, c.Packaging, c.EphemeralMB, c.ProvisionedConcurrency, c.RestoreMs, c.SnapStart =
			w.Arch, w.MemoryMB, w.Packaging, w.EphemeralMB, w.ProvisionedConcurrency, w.RestoreMs, w.SnapStart
		if arch != "" {
			c.Arch = arch
		}
		if c.MemoryMB == 0 {
			return c, "", fmt.Errorf("give the memory (--memory-mb): Lambda bills its configured memory")
		}
		a, _ := ParseArch(string(c.Arch))
		return c, fmt.Sprintf("%s, %d MB", a, c.MemoryMB), nil
	case AzureConsumption:
		c.MemoryMB = w.MemoryMB
		if c.MemoryMB == 0 {
			return c, "memory used unknown (128–1,536 MB)", nil
		}
		return c, fmt.Sprintf("%d MB used", c.MemoryMB), nil
	case AzureFlex:
		c.InstanceMemoryMB, c.AlwaysReady, c.RPS, c.BusyInstances, c.PerInstanceConcurrency, c.Language =
			w.InstanceMemoryMB, w.AlwaysReady, w.RPS, w.BusyInstances, w.PerInstanceConcurrency, w.Language
		if c.InstanceMemoryMB == 0 {
			c.InstanceMemoryMB = t.flexSizeFor(w.MemoryMB)
		}
		if c.InstanceMemoryMB == 0 {
			return c, "", fmt.Errorf("%d MB is more than the largest Flex instance", w.MemoryMB)
		}
		return c, fmt.Sprintf("%d MB instances", c.InstanceMemoryMB), nil
	case AzurePremium:
		c.Instances, c.PremiumPlan = w.Instances, w.PremiumPlan
		return c, fmt.Sprintf("%d × %s", max(c.Instances, 1), premiumPlanName(Config{PremiumPlan: c.PremiumPlan})), nil
	case CloudRun:
		c.MemoryMB, c.VCPU = w.MemoryMB, w.VCPU
		if c.MemoryMB == 0 {
			return c, "", fmt.Errorf("give the memory limit (--memory-mb)")
		}
		return c, fmt.Sprintf("%v vCPU, %d MB", vcpuOf(Config{VCPU: c.VCPU}), c.MemoryMB), nil
	}
	return c, "", fmt.Errorf("provider %q is not known", p)
}

// flexSizeFor is the smallest Flex instance memory that holds mb (the
// smallest of all when mb is 0), or 0 when none does.
func (t *Table) flexSizeFor(mb int) int {
	best := 0
	for _, q := range t.Azure.Flex.InstanceMemoryMB {
		size := int(q.Value.Float64())
		if size >= mb && (best == 0 || size < best) {
			best = size
		}
	}
	return best
}

// cheaper looks for a configuration of provider p that bills the workload
// for less than the one priced: Lambda's other architecture. It returns
// nil when the priced one is the cheapest fnbench knows.
func (t *Table) cheaper(w Calculator, p Provider, priced Calculator, bill *Breakdown) (*Breakdown, string) {
	if p != AWSLambda {
		return nil, ""
	}
	given, _ := ParseArch(string(priced.Arch))
	other := ARM64
	if given == ARM64 {
		other = X86_64
	}
	c, how, err := t.forProvider(w, p, other)
	if err != nil {
		return nil, ""
	}
	alt, err := t.Calculate(c)
	if err != nil || alt.PerMillionUSD.Cmp(bill.PerMillionUSD) >= 0 {
		return nil, ""
	}
	return alt, how
}

// Text renders the comparison as an aligned table, a line naming the
// cheapest, and each provider's notes.
func (c *Comparison) Text() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "prices: %s\n\n", c.Pricing)
	rows := c.cells()
	right := make([]bool, len(rows[0]))
	for i := 2; i < len(right); i++ {
		right[i] = true
	}
	writeAligned(&sb, rows, right)
	c.writeFooter(&sb, "- ")
	return sb.String()
}

// Markdown renders the comparison as a Markdown table.
func (c *Comparison) Markdown() string {
	var sb strings.Builder
	rows := c.cells()
	for i, r := range rows {
		sb.WriteString("| " + strings.Join(r, " | ") + " |\n")
		if i == 0 {
			seps := make([]string, len(r))
			for k := range seps {
				seps[k] = "---:"
				if k < 2 {
					seps[k] = "---"
				}
			}
			sb.WriteString("| " + strings.Join(seps, " | ") + " |\n")
		}
	}
	fmt.Fprintf(&sb, "\nPrices: %s.\n", c.Pricing)
	c.writeFooter(&sb, "- ")
	return sb.String()
}

// CSV renders the comparison as comma-separated values with exact
// amounts, one row per provider.
func (c *Comparison) CSV() string {
	var sb strings.Builder
	sb.WriteString("provider,configuration,basis,marginal_usd,high_marginal_usd,free_tier_usd,high_free_tier_usd,per_million_usd,high_per_million_usd,monthly_usd,high_monthly_usd,cheapest_configuration,cheapest_per_million_usd\n")
	opt := func(d *Decimal) string {
		if d == nil {
			return ""
		}
		return d.String()
	}
	for _, r := range c.Rows {
		fields := []string{string(r.Provider), r.Configuration, string(r.Basis), r.MarginalUSD.String(), opt(r.HighMarginalUSD),
			r.FreeTierUSD.String(), opt(r.HighFreeTierUSD), r.PerMillionUSD.String(), opt(r.HighPerMillionUSD), opt(r.MonthlyUSD), opt(r.HighMonthlyUSD),
			r.Cheapest, opt(r.CheapestPerMillion)}
		for i, f := range fields {
			if strings.ContainsAny(f, ",\"\n") {
				fields[i] = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
		}
		sb.WriteString(strings.Join(fields, ",") + "\n")
	}
	return sb.String()
}

// cells is the table for people: a header and one row per provider,
// amounts rounded to cents (a range as low–high).
func (c *Comparison) cells() [][]string {
	head := []string{"provider", "configuration", "marginal USD", "with free tier USD", "USD per 1M"}
	if c.RPS > 0 {
		head = append(head, fmt.Sprintf("month at %s/s USD", trimRate(c.RPS)))
	}
	head = append(head, "cheapest configuration")
	rows := [][]string{head}
	money := func(lo Decimal, hi *Decimal) string {
		s := lo.Human2()
		if hi != nil {
			s += "–" + hi.Human2()
		}
		return s
	}
	for _, r := range c.Rows {
		name := string(r.Provider)
		if s := r.Basis.Short(); s != "" {
			name += " (" + s + ")"
		}
		row := []string{name, r.Configuration, money(r.MarginalUSD, r.HighMarginalUSD), money(r.FreeTierUSD, r.HighFreeTierUSD), money(r.PerMillionUSD, r.HighPerMillionUSD)}
		if c.RPS > 0 {
			row = append(row, money(*r.MonthlyUSD, r.HighMonthlyUSD))
		}
		cheapest := "as priced"
		if r.Cheapest != "" {
			cheapest = fmt.Sprintf("%s: %s per 1M", r.Cheapest, r.CheapestPerMillion.Human2())
		}
		rows = append(rows, append(row, cheapest))
	}
	return rows
}

// writeFooter writes the cheapest provider and each bill's notes.
func (c *Comparison) writeFooter(sb *strings.Builder, bullet string) {
	if ch := c.Cheapest; ch != nil && len(c.Rows) > 1 {
		fmt.Fprintf(sb, "\ncheapest for this workload: %s (%s), %s per million requests", ch.Provider, ch.Configuration, ch.PerMillionUSD.Human2())
		if ch.HighPerMillionUSD != nil {
			fmt.Fprintf(sb, " to %s (a range: judged at its upper end)", ch.HighPerMillionUSD.Human2())
		}
		sb.WriteString("\n")
	}
	for i, b := range c.Bills {
		notes := b.Notes
		if m := c.monthly[i]; m != nil {
			notes = append([]string(nil), notes...)
			for _, n := range m.Notes {
				notes = append(notes, fmt.Sprintf("month at %s/s: %s", trimRate(c.RPS), n))
			}
		}
		if len(notes) == 0 {
			continue
		}
		fmt.Fprintf(sb, "\n%s:\n", c.Rows[i].Provider)
		seen := map[string]bool{}
		for _, n := range notes {
			if !seen[n] {
				seen[n] = true
				sb.WriteString(bullet + n + "\n")
			}
		}
	}
}

func trimRate(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", f), "0"), ".")
}
