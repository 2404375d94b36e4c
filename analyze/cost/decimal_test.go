package cost

import (
	"encoding/json"
	"math/big"
	"testing"
)

func TestDecimalFormatting(t *testing.T) {
	for _, tc := range []struct {
		r           *big.Rat
		str, fixed6 string
		cents       int64
	}{
		{big.NewRat(750003, 250000), "3.000012", "3.000012", 300},
		{big.NewRat(1, 3), "0.333333333333333", "0.333333", 33},
		{big.NewRat(129, 5000000), "0.0000258", "0.000026", 0},
		{big.NewRat(5, 1000), "0.005", "0.005000", 1}, // half a cent rounds away from zero
		{new(big.Rat), "0", "0.000000", 0},
		{big.NewRat(-1, 10_000_000), "-0.0000001", "0.000000", 0},
	} {
		d := dec(tc.r)
		if d.String() != tc.str || d.Fixed(6) != tc.fixed6 || d.Cents() != tc.cents {
			t.Errorf("%v: String %q Fixed(6) %q Cents %d; want %q %q %d", tc.r, d, d.Fixed(6), d.Cents(), tc.str, tc.fixed6, tc.cents)
		}
	}
	if (Decimal{}).String() != "0" || (Decimal{}).Known() {
		t.Error("zero Decimal")
	}
}

func TestDecimalJSON(t *testing.T) {
	in := dec(big.NewRat(1, 30_000_000)) // 3.33…e-8: not exact in 15 places
	b, err := json.Marshal(struct{ X Decimal }{in})
	if err != nil || string(b) != `{"X":0.000000033333333}` {
		t.Fatalf("marshal: %s %v", b, err)
	}
	var out struct{ X Decimal }
	if err := json.Unmarshal([]byte(`{"X":0.0000133334}`), &out); err != nil || out.X.String() != "0.0000133334" {
		t.Errorf("unmarshal: %v %v", out.X, err)
	}
	if err := json.Unmarshal([]byte(`{"X":1e999999999}`), &out); err == nil {
		t.Error("an exponent was accepted")
	}
}

func TestHumanRoundsAndGroups(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"89528.30188679245283", "89,528.3"},
		{"3000000", "3,000,000"},
		{"0.144", "0.144"},
		{"0.000123456", "0.0001235"},
		{"1234.005", "1,234.01"},
		{"-2500.5", "-2,500.5"},
		{"0", "0"},
		{"999.999", "1,000"},
	} {
		r, _ := parseDecimal(c.in)
		if got := dec(r).Human(); got != c.want {
			t.Errorf("Human(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}
