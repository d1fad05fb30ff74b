package fit

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestIVONStrongPrior: where the prior dominates a small table, IVON's
// posterior mean is the MAP's (both ≈ the prior's pull against the data's
// gradient). IVON's rescaled step α(h₀+δ) used to make its first steps SGD
// steps that diverged once α·δ > 2: at P₀ = 10³ on these six rows it
// returned means near 10²⁵², at 10⁴ a non-finite step.
func TestIVONStrongPrior(t *testing.T) {
	x := mat.NewDense(6, 2, []float64{0.1, 0.2, 0.3, -0.1, -0.2, 0.5, 0.7, 0.1, 0.2, 0.2, 0.9, 0.4})
	y := []float64{0, 1, 0, 1, 0, 1}
	for _, p0 := range []float64{1e3, 1e4, 1e6} {
		get := func(m Method) []float64 {
			post, err := Fit(x, y, Options{Model: ModelLogistic, Method: m, PriorPrecision: p0})
			if err != nil {
				t.Fatalf("P₀ = %g, %s: %v", p0, m, err)
			}
			return post.Mean
		}
		ivon, mapm := get(MethodIVON), get(MethodMAP)
		scale := 0.0
		for _, v := range mapm {
			scale = math.Max(scale, math.Abs(v))
		}
		for j := range mapm {
			if d := math.Abs(ivon[j] - mapm[j]); !(d <= 0.02*scale) {
				t.Errorf("P₀ = %g: IVON mean[%d] = %g, MAP %g", p0, j, ivon[j], mapm[j])
			}
		}
	}
}
