package nn

import (
	"math"
	"testing"
)

// Internal tests written from mutation testing: they pin helpers whose
// boundaries no public call can reach with a test-sized network.

// TestMutantsFitsInt32 pins fitsInt32, which sends a stride-1 convolution
// whose offsets would overflow the kernels' int32 offsets to the im2col
// layer (the inputs needing it are gigabytes): a·b must be at most
// MaxInt32, and a negative factor never fits.
func TestMutantsFitsInt32(t *testing.T) {
	for _, tc := range []struct {
		a, b int
		want bool
	}{
		{0, 0, true},
		{5, 0, true},
		{1 << 20, 1 << 10, true},
		{math.MaxInt32/17 - 1, 17, true},
		{math.MaxInt32 / 17, 17, true},
		{math.MaxInt32/17 + 1, 17, false},
		{math.MaxInt32, 1, true},
		{1 << 30, 2, false},
		{1 << 27, 17, false},
		{1 << 31, 1, false},
		{-1, 3, false},
		{3, -1, false},
		{math.MaxInt64, 2, false},
	} {
		if got := fitsInt32(tc.a, tc.b); got != tc.want {
			t.Errorf("fitsInt32(%d, %d) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestMutantsNormalOrZeroBoundary pins normalOrZero's threshold: a
// probability below vec.Tiny (2⁻¹⁰⁰ in float32, 2⁻⁹⁹⁶ in float64) becomes 0,
// one equal to it or above is kept.
func TestMutantsNormalOrZeroBoundary(t *testing.T) {
	for _, tc := range []struct {
		v      float64
		want32 float32
		want64 float64
	}{
		{0x1p-100, 0x1p-100, 0x1p-100},
		{math.Nextafter(0x1p-100, 0), 0, math.Nextafter(0x1p-100, 0)},
		{0x1p-996, 0, 0x1p-996},
		{math.Nextafter(0x1p-996, 0), 0, 0},
		{0.25, 0.25, 0.25},
		{0, 0, 0},
	} {
		if got := normalOrZero[float32](tc.v); got != tc.want32 {
			t.Errorf("normalOrZero[float32](%g) = %g, want %g", tc.v, got, tc.want32)
		}
		if got := normalOrZero[float64](tc.v); got != tc.want64 {
			t.Errorf("normalOrZero[float64](%g) = %g, want %g", tc.v, got, tc.want64)
		}
	}
}
