package nn

import (
	"math"
	"testing"
)

// TestSoftmaxNoSubnormal: a float32 probability below 2⁻¹⁰⁰ ≈ 7.9e-31
// (exp(−75) ≈ 2.7e-33, exp(−90) ≈ 8e-40, exp(−100) ≈ 4e-44) enters the
// gradient as 0; exp(−60) ≈ 8.8e-27 is kept; float64 keeps all.
func TestSoftmaxNoSubnormal(t *testing.T) {
	z := []float64{0, -60, -75, -90, -100}
	check := func(name string, got []float64, wantZero []bool) {
		t.Helper()
		for c, v := range got[1:] {
			if (v == 0) != wantZero[c] {
				t.Errorf("%s: dℓ/dz[%d] = %g, want zero: %v", name, c+1, v, wantZero[c])
			}
			if want := math.Exp(z[c+1]); v != 0 && math.Abs(v-want) > 1e-6*want {
				t.Errorf("%s: dℓ/dz[%d] = %g, want %g", name, c+1, v, want)
			}
		}
	}
	h32 := &softmaxCE[float32]{k: len(z)}
	h32.reserve(1)
	dy32 := make([]float32, len(z))
	z32 := []float32{0, -60, -75, -90, -100}
	h32.value(dy32, z32, Batch[float32]{Labels: []int{0}}, 1)
	got := make([]float64, len(z))
	for c, v := range dy32 {
		got[c] = float64(v)
	}
	check("float32", got, []bool{false, true, true, true})
	h64 := &softmaxCE[float64]{k: len(z)}
	h64.reserve(1)
	dy64 := make([]float64, len(z))
	h64.value(dy64, z, Batch[float64]{Labels: []int{0}}, 1)
	check("float64", dy64, []bool{false, false, false, false})
}
