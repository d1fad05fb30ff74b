//go:build amd64 && !purego

package randn

import (
	"math"
	"testing"
)

// TestBandConstants pins the kernels' band constants to their definitions:
// the Taylor coefficients 1/5!, 1/4!, 1/3!, 1/2!, 1/1! of exp, the remainder
// bound K = e^0.75/6!, and the slack 1 ∓ 10⁻¹²; and checks the bracket they
// promise, P(s) ≤ eˢ ≤ P(s) + K·s⁶, against math.Exp on a grid of s in
// (0, 0.75].
func TestBandConstants(t *testing.T) {
	want := [8]float64{1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2, 1, math.Exp(0.75) / 720, 1 - 1e-12, 1 + 1e-12}
	for i := range want {
		if math.Abs(band[i]-want[i]) > 1e-16*math.Abs(want[i]) {
			t.Errorf("band[%d] = %.17g, want %.17g", i, band[i], want[i])
		}
	}
	for k := 1; k <= 750; k++ {
		s := float64(k) / 1000
		p := ((((band[0]*s+band[1])*s+band[2])*s+band[3])*s+band[4])*s + band[4]
		e := math.Exp(s)
		s6 := s * s * s * s * s * s
		if !(p <= e*(1+1e-15) && e <= (p+band[5]*s6)*(1+1e-15)) {
			t.Fatalf("s = %g: P(s) = %.17g, exp(s) = %.17g, P + K s⁶ = %.17g", s, p, e, p+band[5]*s6)
		}
	}
}
