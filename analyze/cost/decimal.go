package cost

import (
	"fmt"
	"math/big"
	"strings"
)

// Decimal is an exact rational number: a price in USD, a quantity, or an
// amount. Money is computed exactly and rounded only when printed, so a sum
// of a million line items is still right to the cent.
//
// The zero value is 0. A Decimal is immutable; copies share nothing that
// changes. In a Table, a value the file gives as null is unknown: Known
// reports false for it (no public source gives the figure).
type Decimal struct{ r *big.Rat }

// maxDigits caps the decimals printed; every price in docs/sources.md needs at most
// 10, and quantities in GB-s at most 13 (MB-ms / 1,024,000).
const maxDigits = 15

// Known reports whether the value is set: false only for a table value given
// as null.
func (d Decimal) Known() bool { return d.r != nil }

// Float64 is the nearest float64, for charts and comparisons; never for sums.
func (d Decimal) Float64() float64 {
	if d.r == nil {
		return 0
	}
	f, _ := d.r.Float64()
	return f
}

// Rat returns a copy of the exact value.
func (d Decimal) Rat() *big.Rat { return new(big.Rat).Set(d.rat()) }

// Sign is -1, 0 or +1.
func (d Decimal) Sign() int { return d.rat().Sign() }

// Cmp compares d and e: -1, 0 or +1.
func (d Decimal) Cmp(e Decimal) int { return d.rat().Cmp(e.rat()) }

func (d Decimal) rat() *big.Rat {
	if d.r == nil {
		return new(big.Rat)
	}
	return d.r
}

// dec wraps r; r must not be changed afterwards.
func dec(r *big.Rat) Decimal { return Decimal{r} }

// String prints the exact decimal when it has at most 15 decimals, and the
// value rounded to 15 decimals otherwise, without trailing zeros.
func (d Decimal) String() string {
	r := d.rat()
	return trimZeros(r.FloatString(min(exactDigits(r), maxDigits)))
}

// Fixed prints the value rounded to places decimals (halves away from zero).
func (d Decimal) Fixed(places int) string {
	s := d.rat().FloatString(places)
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-")
	}
	return s
}

// Human prints the value for people: rounded to 2 decimals (at least 4
// significant digits below 1), trailing zeros dropped, thousands grouped
// with commas: 89528.30188679245283 → "89,528.3". JSON keeps String's
// exact digits.
func (d Decimal) Human() string {
	r := d.rat()
	places := 2
	if a := new(big.Rat).Abs(r); a.Sign() > 0 && a.Cmp(big.NewRat(1, 1)) < 0 {
		for places = 4; places < maxDigits && a.Cmp(big.NewRat(1, pow10(places-3))) < 0; places++ {
		}
	}
	s := trimZeros(r.FloatString(places))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasDot := strings.Cut(s, ".")
	var g strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			g.WriteByte(',')
		}
		g.WriteRune(c)
	}
	out := g.String()
	if hasDot {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Human2 is an amount in dollars for people: "$1,234.56", cents rounded,
// thousands grouped.
func (d Decimal) Human2() string {
	r, _ := parseDecimal(d.Fixed(2))
	s := dec(r).Human()
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i == 2 {
		s += "0"
	} else if i < 0 {
		s += ".00"
	}
	if strings.HasPrefix(s, "-") {
		return "-$" + s[1:]
	}
	return "$" + s
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// Cents is the amount rounded to whole cents (halves away from zero).
func (d Decimal) Cents() int64 {
	c := new(big.Rat).Mul(d.rat(), big.NewRat(100, 1))
	return roundRat(c).Int64()
}

// MarshalJSON writes the value as a JSON number (String's digits).
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalJSON reads a plain JSON number such as 0.0000133334 (no exponent).
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*d = Decimal{}
		return nil
	}
	r, ok := parseDecimal(s)
	if !ok {
		return fmt.Errorf("cost: %q is not a plain decimal number", s)
	}
	*d = dec(r)
	return nil
}

// parseDecimal reads [-]digits[.digits] with at most 40 characters. The
// bound and the missing exponent keep a hostile file from asking big.Rat
// for a number with a billion digits.
func parseDecimal(s string) (*big.Rat, bool) {
	if len(s) == 0 || len(s) > 40 {
		return nil, false
	}
	body := strings.TrimPrefix(s, "-")
	intPart, frac, hasDot := strings.Cut(body, ".")
	if intPart == "" || (hasDot && frac == "") || !allDigits(intPart) || !allDigits(frac) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// exactDigits is the number of decimals r needs to print exactly, or
// maxDigits+1 when its expansion does not terminate.
func exactDigits(r *big.Rat) int {
	den := new(big.Int).Set(r.Denom())
	var twos, fives int
	two, five, zero := big.NewInt(2), big.NewInt(5), new(big.Int)
	m := new(big.Int)
	for den.Cmp(big.NewInt(1)) != 0 {
		switch {
		case m.Mod(den, two).Cmp(zero) == 0:
			den.Quo(den, two)
			twos++
		case m.Mod(den, five).Cmp(zero) == 0:
			den.Quo(den, five)
			fives++
		default:
			return maxDigits + 1
		}
		if twos > maxDigits && fives > maxDigits {
			return maxDigits + 1
		}
	}
	return max(twos, fives)
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		return "0"
	}
	return s
}

// Exact rational helpers. Each returns a new value and never changes its
// arguments.

func ratInt(n int64) *big.Rat { return new(big.Rat).SetInt64(n) }

func ratFrac(a, b int64) *big.Rat { return big.NewRat(a, b) }

// ratFloat converts a user-given float64 through its shortest decimal form,
// so 0.01 is exactly 1/100 and not the binary float nearest to it.
func ratFloat(f float64) *big.Rat {
	r, ok := new(big.Rat).SetString(fmt.Sprintf("%v", f))
	if !ok { // NaN or Inf: callers validate inputs before this
		return new(big.Rat)
	}
	return r
}

func add(xs ...*big.Rat) *big.Rat {
	s := new(big.Rat)
	for _, x := range xs {
		s.Add(s, x)
	}
	return s
}

func sub(a, b *big.Rat) *big.Rat { return new(big.Rat).Sub(a, b) }

func mul(xs ...*big.Rat) *big.Rat {
	p := big.NewRat(1, 1)
	for _, x := range xs {
		p.Mul(p, x)
	}
	return p
}

// quo is a/b, or 0 when b is 0.
func quo(a, b *big.Rat) *big.Rat {
	if b.Sign() == 0 {
		return new(big.Rat)
	}
	return new(big.Rat).Quo(a, b)
}

func minRat(a, b *big.Rat) *big.Rat {
	if a.Cmp(b) <= 0 {
		return new(big.Rat).Set(a)
	}
	return new(big.Rat).Set(b)
}

func maxRat(a, b *big.Rat) *big.Rat {
	if a.Cmp(b) >= 0 {
		return new(big.Rat).Set(a)
	}
	return new(big.Rat).Set(b)
}

// ceilRat is the smallest integer not below r.
func ceilRat(r *big.Rat) *big.Rat {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return new(big.Rat).SetInt(q)
}

// ceilTo rounds r up to a multiple of step (step > 0).
func ceilTo(r, step *big.Rat) *big.Rat { return mul(ceilRat(quo(r, step)), step) }

// roundRat rounds to the nearest integer, halves away from zero.
func roundRat(r *big.Rat) *big.Int {
	half := big.NewRat(1, 2)
	if r.Sign() < 0 {
		x := new(big.Rat).Neg(r)
		i := roundRat(x)
		return i.Neg(i)
	}
	x := add(r, half)
	return new(big.Int).Quo(x.Num(), x.Denom())
}
