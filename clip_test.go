package blr_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr"
)

// TestClipRadius: with ClipRadius r, each entry s of the preconditioned step
// becomes clip(s, ±r) before the step size scales it (α(h₀+δ) for IVON, α
// for VOGN): one step on a linear loss with two huge slopes and one tiny
// one moves the mean by exactly scale·r on the first two and as far as
// without clipping on the third.
func TestClipRadius(t *testing.T) {
	a, b := []float64{0, 0, 0}, []float64{1e3, -1e3, 1e-6}
	const n, p0, lr, h0, r = 100.0, 1.0, 0.1, 0.5, 0.25
	for _, tc := range []struct {
		name  string
		cfg   blr.Config
		scale float64
	}{
		{"ivon", blr.Config{DataSize: n, PriorPrecision: p0, LR: lr, HessInit: h0, Curvature: blr.CurvExactDiag}, lr * (h0 + p0/n)},
		{"vogn", blr.Config{DataSize: n, PriorPrecision: p0, LR: lr, HessInit: h0}, lr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step := func(clip float64) []float64 {
				cfg := tc.cfg
				cfg.ClipRadius = clip
				d, err := blr.New(tc.name, make([]float64, len(b)), cfg)
				if err != nil {
					t.Fatal(err)
				}
				rnd := blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(3, 4))}
				if _, err := d.Step(quadOracle[float64](a, b), rnd); err != nil {
					t.Fatal(err)
				}
				return d.Mean()
			}
			free, clipped := step(0), step(r)
			for j, f := range free {
				want := math.Copysign(math.Min(math.Abs(f), tc.scale*r), f)
				if j < 2 && !(math.Abs(f) > 10*tc.scale*r) {
					t.Fatalf("m[%d] = %g without clipping: the test needs a step far beyond the radius", j, f)
				}
				if math.Abs(clipped[j]-want) > 1e-15*math.Max(1, math.Abs(want)) {
					t.Errorf("m[%d] = %.17g with ClipRadius %g, want %.17g (unclipped %g)", j, clipped[j], r, want, f)
				}
			}
		})
	}
}
