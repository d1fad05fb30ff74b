package expfam

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// TestFixedGaussianNoShrinkage: with ∇_μH = 0 the generic update
// λ ← λ − ρ(MuGrad(g) − EntropyGrad) is m ← m − ρΣg; for Σ = I it is plain
// gradient descent, bit for bit, with no weight decay (corrections, point 1).
func TestFixedGaussianNoShrinkage(t *testing.T) {
	cases := []struct {
		name     string
		variance []float64
		exact    bool
	}{
		{"identity", []float64{1, 1, 1}, true},
		{"diagonal", []float64{0.5, 2, 3}, false},
	}
	r := rand.New(rand.NewPCG(21, 22))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k := range 100 {
				m := uniform(r, 3, -3, 3)
				g := uniform(r, 3, -3, 3)
				rho := r.Float64()
				q, err := NewFixedGaussian(m, c.variance)
				if err != nil {
					t.Fatal(err)
				}
				m = q.Mean(nil)
				lam := q.Natural(nil)
				est := q.MuGrad(nil, g, nil)
				ent := q.EntropyGrad(nil)
				for i := range lam {
					lam[i] -= rho * (est[i] - ent[i])
				}
				if err := q.SetNatural(lam); err != nil {
					t.Fatal(err)
				}
				got := q.Mean(nil)
				for i := range m {
					want := m[i] - rho*c.variance[i]*g[i]
					if c.exact && got[i] != m[i]-rho*g[i] {
						t.Fatalf("#%d: m′[%d] = %.17g, gradient descent gives %.17g", k, i, got[i], m[i]-rho*g[i])
					}
					if math.Abs(got[i]-want) > 1e-14*math.Max(1, math.Abs(want)) {
						t.Fatalf("#%d: m′[%d] = %.17g, want m − ρΣg = %.17g", k, i, got[i], want)
					}
				}
			}
		})
	}
}

func TestNewFixedGaussianRejects(t *testing.T) {
	cases := []struct {
		name           string
		mean, variance []float64
		want           error
	}{
		{"empty", nil, nil, ErrLength},
		{"length", []float64{0, 0}, []float64{1}, ErrLength},
		{"zero variance", []float64{0}, []float64{0}, ErrDomain},
		{"negative variance", []float64{0}, []float64{-1}, ErrDomain},
		{"NaN variance", []float64{0}, []float64{math.NaN()}, ErrDomain},
		{"Inf variance", []float64{0}, []float64{math.Inf(1)}, ErrDomain},
		{"NaN mean", []float64{math.NaN()}, []float64{1}, ErrDomain},
		{"mean/variance overflows", []float64{1e300}, []float64{1e-300}, ErrDomain},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := NewFixedGaussian(c.mean, c.variance)
			if !errors.Is(err, c.want) || q != nil {
				t.Fatalf("NewFixedGaussian(%v, %v) = %v, %v; want an error wrapping %v", c.mean, c.variance, q, err, c.want)
			}
		})
	}
}
