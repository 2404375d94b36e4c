package cost

import (
	"fmt"
	"math/big"
	"strings"
)

// Part is one of the five parts a cost per request splits into.
type Part string

// The parts of a cost. Compute includes provisioned and always-ready
// capacity, ephemeral storage and Premium instance-hours; Init includes
// SnapStart restore; Database includes event routing.
const (
	PartRequests Part = "requests"
	PartCompute  Part = "compute"
	PartInit     Part = "init"
	PartGateway  Part = "gateway"
	PartDatabase Part = "database"
)

// Line is one item of a bill: Quantity Units at UnitPriceUSD each, USD in
// all (exactly Quantity × UnitPriceUSD). Its JSON shape is the contract of
// `fnbench cost --format json`.
type Line struct {
	Item         string  `json:"item"`
	Quantity     Decimal `json:"quantity"`
	Unit         string  `json:"unit"`
	UnitPriceUSD Decimal `json:"unit_price_usd"`
	USD          Decimal `json:"usd"`
	// Part says which part of the cost the line belongs to; Source is the
	// table's source for its price. Neither is in the JSON line.
	Part   Part   `json:"-"`
	Source string `json:"-"`
}

// Breakdown is a priced bill for some usage: its lines, the total and the
// cost per million requests, overall and by part.
type Breakdown struct {
	Provider Provider `json:"provider"`
	Target   string   `json:"target"` // what was priced, for people
	Pricing  TableRef `json:"pricing"`
	// Basis says what the bill rests on (see Basis). Estimate is true for
	// BasisEstimate and BasisRange: anything but measured billing or a
	// configuration's exact price.
	Basis    Basis   `json:"basis"`
	Estimate bool    `json:"estimate"`
	FreeTier bool    `json:"free_tier"` // false: marginal cost
	Requests Decimal `json:"requests"`

	Lines         []Line  `json:"breakdown"`
	TotalUSD      Decimal `json:"total_usd"`
	PerMillionUSD Decimal `json:"per_million_usd"`
	// PerMillionByPart splits PerMillionUSD into its parts.
	PerMillionByPart Parts `json:"per_million_by_part_usd"`
	// Notes say what was assumed or left out, and why.
	Notes []string `json:"notes,omitempty"`
	// High is the upper end of a range (BasisRange): the same usage priced
	// at the least favourable of what the evidence allows. The bill itself
	// is then the lower end.
	High *Breakdown `json:"high,omitempty"`
}

// Basis is what a bill rests on.
type Basis string

// The bases of a bill, strongest first.
const (
	// BasisBilling: the platform's own billing, measured per request
	// (Lambda REPORT lines). Exact.
	BasisBilling Basis = "billing"
	// BasisMarkers: computed by the provider's published rules from what
	// the function itself reported per execution (its instance, execution
	// time and memory: the Fnbench-* markers).
	BasisMarkers Basis = "markers"
	// BasisCalculated: the price of a configuration given by the user,
	// exact for those inputs.
	BasisCalculated Basis = "calculated"
	// BasisEstimate: an estimate, usually an upper bound: the provider's
	// rules applied to client-side timing, which includes the network, or
	// to a calculator's inputs that bill overlapping requests once each.
	BasisEstimate Basis = "estimate"
	// BasisRange: the evidence does not decide the bill; it lies between
	// this bill and High.
	BasisRange Basis = "range"
)

// Label is the basis as a report says it: "measured", "estimate" or
// "range", with what it rests on.
func (b Basis) Label() string {
	switch b {
	case BasisBilling:
		return "measured billing (REPORT lines)"
	case BasisMarkers:
		return "measured: the provider's rules applied to what the function reported of each execution"
	case BasisCalculated:
		return "calculated from the given configuration"
	case BasisRange:
		return "range"
	}
	return "estimate"
}

// Short is the basis in one word for a table cell: "", "estimate" or
// "range"; empty when the figure is measured or calculated.
func (b Basis) Short() string {
	switch b {
	case BasisEstimate, BasisRange:
		return string(b)
	}
	return ""
}

// Parts is an amount per Part.
type Parts struct {
	Requests Decimal `json:"requests"`
	Compute  Decimal `json:"compute"`
	Init     Decimal `json:"init"`
	Gateway  Decimal `json:"gateway"`
	Database Decimal `json:"database"`
}

func (p *Parts) addTo(part Part, usd *big.Rat) {
	slot := map[Part]*Decimal{PartRequests: &p.Requests, PartCompute: &p.Compute, PartInit: &p.Init, PartGateway: &p.Gateway, PartDatabase: &p.Database}[part]
	*slot = dec(add(slot.rat(), usd))
}

// PerMillionText is the cost per million requests for people: "$1.21",
// or "$0.46–$3.31" for a range.
func (b *Breakdown) PerMillionText() string {
	s := "$" + b.PerMillionUSD.Fixed(2)
	if b.High != nil {
		s += "–$" + b.High.PerMillionUSD.Fixed(2)
	}
	return s
}

// TotalText is the total for people, as PerMillionText.
func (b *Breakdown) TotalText() string {
	s := "$" + b.TotalUSD.Fixed(2)
	if b.High != nil {
		s += "–$" + b.High.TotalUSD.Fixed(2)
	}
	return s
}

// Part returns the total of one part.
func (b *Breakdown) Part(part Part) Decimal {
	s := new(big.Rat)
	for _, l := range b.Lines {
		if l.Part == part {
			s.Add(s, l.USD.rat())
		}
	}
	return dec(s)
}

func (b *Breakdown) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, n := range b.Notes {
		if n == msg {
			return
		}
	}
	b.Notes = append(b.Notes, msg)
}

// line appends a line of qty units at price USD per per units.
func (b *Breakdown) line(item string, qty *big.Rat, unit string, usd Decimal, per int64, part Part, source string) {
	q := quo(qty, ratInt(per))
	b.Lines = append(b.Lines, Line{
		Item: item, Quantity: dec(q), Unit: unitName(unit, per),
		UnitPriceUSD: usd, USD: dec(mul(q, usd.rat())), Part: part, Source: source,
	})
}

// flat bills qty at one price; a zero quantity adds no line.
func (b *Breakdown) flat(item string, qty *big.Rat, unit string, p Price, part Part) {
	if qty.Sign() == 0 {
		return
	}
	if !p.USD.Known() {
		b.note("%s: no price in the table, not charged (%s)", item, p.Source)
		return
	}
	b.line(item, qty, unit, p.USD, p.Per, part, p.Source)
}

// metered bills qty through a meter, one line per tier touched. Lines are
// named item (qualifiers, tier N) when the price has tiers, and item
// (qualifiers, free tier) for the free allowance.
func (b *Breakdown) metered(m *meter, qty *big.Rat, item string, quals []string, unit string, part Part) {
	if qty.Sign() == 0 {
		return
	}
	for _, s := range m.take(qty) {
		t := m.tiers[s.tier]
		q := append([]string(nil), quals...)
		switch {
		case s.free:
			q = append(q, "free tier")
		case len(m.tiers) > 1:
			q = append(q, fmt.Sprintf("tier %d", s.tier+1))
		}
		name := item
		if len(q) > 0 {
			name += " (" + strings.Join(q, ", ") + ")"
		}
		price, source := t.USD, t.Source
		if s.free {
			price, source = Decimal{}, "free tier"
		}
		b.line(name, s.qty, unit, price, t.Per, part, source)
	}
}

// finish totals the lines.
func (b *Breakdown) finish() {
	total := new(big.Rat)
	var parts Parts
	perM := quo(ratInt(1_000_000), b.Requests.rat())
	for _, l := range b.Lines {
		total.Add(total, l.USD.rat())
		parts.addTo(l.Part, mul(l.USD.rat(), perM))
	}
	b.TotalUSD = dec(total)
	b.PerMillionUSD = dec(mul(total, perM))
	b.PerMillionByPart = parts
	if b.Requests.Sign() == 0 {
		b.note("no requests: the cost per million is left at 0")
	}
}

func unitName(unit string, per int64) string {
	switch per {
	case 1:
		return unit
	case 1_000_000:
		return "1M " + unit
	case 1_000:
		return "1K " + unit
	}
	return fmt.Sprintf("%d %s", per, unit)
}

// Text renders the bill as an aligned table: a header naming what was
// priced and with which table, one row per line, the total, the cost per
// million requests and its parts, then the notes. Amounts are rounded to
// 6 decimals here and only here.
func (b *Breakdown) Text() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: %s requests\n", b.Target, b.Requests.Human())
	fmt.Fprintf(&sb, "prices: %s\n", b.Pricing)
	if b.FreeTier {
		sb.WriteString("free tier applied\n")
	} else {
		sb.WriteString("marginal cost (no free tier)\n")
	}
	switch b.Basis {
	case BasisEstimate:
		sb.WriteString("ESTIMATE: not measured billing; the notes say what it rests on\n")
	case BasisRange:
		fmt.Fprintf(&sb, "RANGE: $%s to $%s (per million $%s to $%s); the evidence does not decide between them (see the notes)\n",
			b.TotalUSD.Fixed(2), b.High.TotalUSD.Fixed(2), b.PerMillionUSD.Fixed(2), b.High.PerMillionUSD.Fixed(2))
	}
	sb.WriteString("\n")
	if b.High != nil {
		sb.WriteString("lower end:\n")
	}
	b.writeLines(&sb)
	if b.High != nil {
		sb.WriteString("\nupper end:\n")
		b.High.writeLines(&sb)
	}
	p := b.PerMillionByPart
	fmt.Fprintf(&sb, "per million by part: requests %s, compute %s, init %s, gateway %s, database %s\n",
		p.Requests.Fixed(6), p.Compute.Fixed(6), p.Init.Fixed(6), p.Gateway.Fixed(6), p.Database.Fixed(6))
	if len(b.Notes) > 0 {
		sb.WriteString("\nnotes:\n")
		for _, n := range b.Notes {
			sb.WriteString("- " + n + "\n")
		}
	}
	return sb.String()
}

// writeLines writes the bill's lines, total and cost per million as an
// aligned table. Quantities are rounded for people (Decimal.Human); unit
// prices are exact; amounts are rounded to 6 decimals.
func (b *Breakdown) writeLines(sb *strings.Builder) {
	rows := [][]string{{"item", "quantity", "unit", "unit price USD", "USD"}}
	for _, l := range b.Lines {
		rows = append(rows, []string{l.Item, l.Quantity.Human(), l.Unit, l.UnitPriceUSD.String(), l.USD.Fixed(6)})
	}
	rows = append(rows,
		[]string{"total", "", "", "", b.TotalUSD.Fixed(6)},
		[]string{"per million requests", "", "", "", b.PerMillionUSD.Fixed(6)})
	writeAligned(sb, rows, []bool{false, true, false, true, true})
}

// writeAligned writes rows as columns two spaces apart, right-aligned
// where right says.
func writeAligned(sb *strings.Builder, rows [][]string, right []bool) {
	width := make([]int, len(right))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i > 0 {
				line.WriteString("  ")
			}
			if right[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		sb.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}
