package cost

import "math/big"

// meter walks billed quantities through a tier list the way a monthly bill
// does: from the account's position in the month, through a free allowance
// at the start of the month (if any), then tier by tier. Successive takes
// continue where the last one stopped, so compute, then INIT, then restore
// share one walk and every line keeps an exact unit price.
type meter struct {
	tiers Tiers
	pos   *big.Rat // quantity already used this month, in the tiers' unit
	free  *big.Rat // [0, free) costs nothing; nil for none
}

func newMeter(tiers Tiers, prior int64, free *big.Rat) *meter {
	return &meter{tiers: tiers, pos: ratInt(prior), free: free}
}

// single is a one-tier list for a flat price.
func single(p Price) Tiers {
	return Tiers{{USD: p.USD, Per: p.Per, Source: p.Source}}
}

// segment is a run of quantity billed at one tier, or free.
type segment struct {
	qty  *big.Rat
	tier int
	free bool
}

// take consumes q (≥ 0) and returns its segments in order.
func (m *meter) take(q *big.Rat) []segment {
	var out []segment
	left := new(big.Rat).Set(q)
	for left.Sign() > 0 {
		tier := len(m.tiers) - 1
		for i, t := range m.tiers {
			if !t.UpTo.Known() || m.pos.Cmp(t.UpTo.rat()) < 0 {
				tier = i
				break
			}
		}
		var end *big.Rat // where this segment stops at the latest; nil: never
		if t := m.tiers[tier]; t.UpTo.Known() && m.pos.Cmp(t.UpTo.rat()) < 0 {
			end = t.UpTo.rat() // else a bounded last tier: Parse refuses it, but never loop
		}
		free := m.free != nil && m.pos.Cmp(m.free) < 0
		if free && (end == nil || m.free.Cmp(end) < 0) {
			end = m.free
		}
		chunk := left
		if end != nil {
			chunk = minRat(left, sub(end, m.pos))
		}
		if n := len(out); n > 0 && out[n-1].tier == tier && out[n-1].free == free {
			out[n-1].qty = add(out[n-1].qty, chunk)
		} else {
			out = append(out, segment{qty: new(big.Rat).Set(chunk), tier: tier, free: free})
		}
		m.pos = add(m.pos, chunk)
		left = sub(left, chunk)
	}
	return out
}
