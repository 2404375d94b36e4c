package rundir

import (
	"fmt"
	"math"
	"math/bits"
)

// Geometry is an HDR histogram's bucket layout, as its encoding declares.
type Geometry struct {
	unitMagnitude      uint
	halfCountMagnitude uint
	halfCount          int32
	subBucketMask      int64
	CountsLen          int64
}

// RunGeometry is the Geometry of every histogram fnbench writes.
var RunGeometry = mustGeometry(LowestNanos, HighestNanos, SigFigs)

func mustGeometry(lowest, highest int64, sig int32) Geometry {
	g, err := NewGeometry(lowest, highest, sig)
	if err != nil {
		panic(err)
	}
	return g
}

// NewGeometry follows hdrhistogram-go's wireGeometry: the serialized
// Geometry exactly, a lowest value below 1 read as 1.
func NewGeometry(lowest, highest int64, sig int32) (Geometry, error) {
	if sig < 0 || sig > 5 {
		return Geometry{}, fmt.Errorf("significant digits must be between 0 and 5, got %d", sig)
	}
	lowest = max(lowest, 1)
	largestSingleUnit := 2 * math.Pow10(int(sig))
	half := max(int32(math.Ceil(math.Log2(largestSingleUnit))), 1) - 1
	unit := max(int32(math.Floor(math.Log2(float64(lowest)))), 0)
	if unit+half > 61 {
		return Geometry{}, fmt.Errorf("lowest value %d is too large for %d significant digits", lowest, sig)
	}
	subBucketCount := int64(1) << uint(half+1)
	g := Geometry{
		unitMagnitude:      uint(unit),
		halfCountMagnitude: uint(half),
		halfCount:          int32(subBucketCount / 2),
		subBucketMask:      (subBucketCount - 1) << uint(unit),
	}
	buckets := int64(1)
	for smallest := subBucketCount << uint(unit); smallest <= highest; smallest <<= 1 {
		if smallest > math.MaxInt64/2 {
			buckets++
			break
		}
		buckets++
	}
	g.CountsLen = (buckets + 1) * (subBucketCount / 2)
	return g, nil
}

// Bounds returns the lowest and highest value of the bucket at a flat
// counts index.
func (g *Geometry) Bounds(idx int32) (low, high int64) {
	b := int32(idx>>g.halfCountMagnitude) - 1
	sub := int64(idx&(g.halfCount-1)) + int64(g.halfCount)
	if b < 0 {
		sub -= int64(g.halfCount)
		b = 0
	}
	shift := uint(b) + g.unitMagnitude
	low = sub << shift
	size := int64(1) << shift
	if low > math.MaxInt64-size {
		return low, math.MaxInt64
	}
	return low, low + size - 1
}

// Index returns the flat counts index of a value.
func (g *Geometry) Index(v int64) int64 {
	pow2Ceiling := int64(64 - bits.LeadingZeros64(uint64(v|g.subBucketMask)))
	b := pow2Ceiling - int64(g.unitMagnitude) - int64(g.halfCountMagnitude+1)
	sub := v >> uint(b+int64(g.unitMagnitude))
	return (b+1)<<g.halfCountMagnitude + sub - int64(g.halfCount)
}
