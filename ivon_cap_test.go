package blr_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr"
)

// TestIVONStrongPriorCap: IVON's rescaled step α(h₀+δ) makes its first
// steps SGD steps that pull m towards the prior by α·δ of the way, which
// diverges once α·δ > 2; α is capped at 1/δ. On the quadratic ½aθ² − bθ
// per example with a strong prior (α·δ = 17 and 167) the mean reaches
// b/(a+δ) and h stays near a (it used to climb to 4·10³ and 1.4·10⁵, the
// size that made the steps stable again).
func TestIVONStrongPriorCap(t *testing.T) {
	const n, a, b = 6.0, 0.2, 0.1
	oracle := blr.OracleFunc[float64](func(th, g, _ []float64, _ blr.CurvatureKind) (float64, error) {
		loss := 0.0
		for j, x := range th {
			g[j] = a*x - b
			loss += a*x*x/2 - b*x
		}
		return loss, nil
	})
	run := func(p0, lr float64) (m, h float64) {
		d, err := blr.IVON([]float64{0.5, -0.3, 0.2}, blr.Config{DataSize: n, PriorPrecision: p0, LR: lr, HessInit: 0.5, Steps: 2000})
		if err != nil {
			t.Fatal(err)
		}
		rnd := blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(1, 2))}
		for range 2000 {
			if _, err := d.Step(oracle, rnd); err != nil {
				t.Fatalf("P₀ = %g: %v", p0, err)
			}
		}
		return d.Mean()[0], d.Hessian()[0]
	}
	for _, p0 := range []float64{1e3, 1e4} {
		m, h := run(p0, 0.1)
		want := b / (a + p0/n)
		if math.Abs(m-want) > 0.02*want || !(h < 5) {
			t.Errorf("P₀ = %g: m = %g (want %g), h = %g (want near a = %g)", p0, m, want, h, a)
		}
	}
}
