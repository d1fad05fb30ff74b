package nn

import (
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// TestGradientFD checks the gradient that Loss writes against central finite
// differences of Loss (gonum diff/fd, step 1e-6) for every layer kind, both
// losses and every mode: max |g − fd|/max(1, |fd|) ≤ 1e-6.
func TestGradientFD(t *testing.T) {
	for _, c := range netCases() {
		t.Run(c.name, func(t *testing.T) {
			n, params, b := c.setup(t, 1)
			grad := make([]float64, len(params))
			if _, err := n.Loss(grad, params, b); err != nil {
				t.Fatal(err)
			}
			f := func(p []float64) float64 {
				l, err := n.Loss(nil, p, b)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			want := fd.Gradient(nil, f, params, &fd.Settings{Formula: fd.Central, Step: 1e-6})
			d, i := maxRelDiff(grad, want)
			t.Logf("%d parameters, max rel. diff. %.2g", len(params), d)
			if d > 1e-6 {
				t.Errorf("grad[%d] = %.10g, finite differences %.10g (rel. diff. %.2g > 1e-6)", i, grad[i], want[i], d)
			}
		})
	}
}
