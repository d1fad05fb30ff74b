package demo

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
)

// TestFlatSmoothingClosedForm checks the closed-form Gaussian smoothing and
// its gradient against quadrature and finite differences.
func TestFlatSmoothingClosedForm(t *testing.T) {
	f := DefaultFlat
	for _, c := range []struct{ m, v float64 }{{-1, 0.01}, {-0.9, 0.1}, {0.5, 0.5}, {2, 1}} {
		sd := math.Sqrt(c.v)
		integrand := func(x float64) float64 {
			return f.Loss(x) * math.Exp(-(x-c.m)*(x-c.m)/(2*c.v)) / (sd * math.Sqrt(2*math.Pi))
		}
		want := quad.Fixed(integrand, c.m-14*sd, c.m+14*sd, 4000, nil, 0)
		if got := f.Smoothed(c.m, c.v); math.Abs(got-want) > 1e-9 {
			t.Errorf("Smoothed(%g, %g) = %.12g, quadrature %.12g", c.m, c.v, got, want)
		}
		const h = 1e-6
		fdGrad := (f.Smoothed(c.m+h, c.v) - f.Smoothed(c.m-h, c.v)) / (2 * h)
		if got := f.SmoothedGrad(c.m, c.v); math.Abs(got-fdGrad) > 1e-6 {
			t.Errorf("SmoothedGrad(%g, %g) = %g, finite differences %g", c.m, c.v, got, fdGrad)
		}
	}
}

// TestBayesPrefersFlat: gradient descent stays in the basin it starts in;
// the rule with a fixed variance of 0.2 or more moves to the flat minimum.
func TestBayesPrefersFlat(t *testing.T) {
	res, err := FlatSweep(DefaultFlat, []float64{0, 0.01, 0.2, 0.5}, []float64{-1.02, 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		sharp := math.Abs(r.Mean+1) < 0.2
		flat := math.Abs(r.Mean-2) < 0.05
		switch {
		case r.Start == 1 && !flat:
			t.Errorf("variance %g from %g: mean %g, want the flat minimum 2", r.Variance, r.Start, r.Mean)
		case r.Start < 0 && r.Variance <= 0.01 && !sharp:
			t.Errorf("variance %g from %g: mean %g, want to stay in the sharp basin near −1", r.Variance, r.Start, r.Mean)
		case r.Start < 0 && r.Variance >= 0.2 && !flat:
			t.Errorf("variance %g from %g: mean %g, want the flat minimum 2", r.Variance, r.Start, r.Mean)
		}
	}
}
