package blr_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/internal/table"
)

// TestGumbelPoint checks the relaxed weight and BayesBiNN's factor s
// against the plain formulas where those are accurate, and for finiteness
// where they are 0/0 (corrections.md, point 5).
func TestGumbelPoint(t *testing.T) {
	plain := func(lam, delta, tau, eps float64) (float64, float64) {
		w := math.Tanh((lam + delta) / tau)
		mu := math.Tanh(lam)
		return w, (1 - w*w + eps) / (tau * (1 - mu*mu + eps))
	}
	sech2 := func(x float64) float64 { c := math.Cosh(x); return 1 / (c * c) }
	tests := []struct {
		name                  string
		lam, delta, tau, eps  float64
		wantW, wantS, relTolS float64
	}{
		{"moderate, exact form", 0.3, 0.2, 1, 0, math.NaN(), math.NaN(), 1e-13},
		{"moderate, τ = 0.1", -0.4, 0.35, 0.1, 0, math.NaN(), math.NaN(), 1e-12},
		{"moderate, ε form", 0.7, -0.1, 0.5, 1e-10, math.NaN(), math.NaN(), 1e-13},
		// At λ = 19, 1 − tanh²λ is 0 in float64; sech²λ is 1.3e-16.
		{"λ = 19, τ = 1", 19, -18.5, 1, 0, math.Tanh(0.5), sech2(0.5) / sech2(19), 1e-12},
		// Published τ = ε = 1e-10 at λ = 10: 1−w² = 0, s = 1/(sech²λ + ε).
		{"published λ = 10", 10, 0.3, 1e-10, 1e-10, 1, 1e-10 / (1e-10 * (sech2(10) + 1e-10)), 1e-12},
		{"published λ = 30", 30, -1, 1e-10, 1e-10, 1, 1 / (1e-10 * (4*math.Exp(-60) + 1e-10)) * 1e-10, 1e-12},
		{"published λ = 0", 0, 2, 1e-10, 1e-10, 1, 1e-10 / (1e-10 * (1 + 1e-10)), 1e-12},
		// The exact relaxed form at τ = 1e-10 is 0 away from λ + δ = 0.
		{"exact form, τ = 1e-10", 10, 0.3, 1e-10, 0, 1, 0, 0},
		{"exact form, λ = −400", -400, 1, 0.5, 0, -1, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, s := blr.GumbelPoint(tc.lam, tc.delta, tc.tau, tc.eps)
			if math.IsNaN(w) || math.IsNaN(s) || math.IsInf(s, 0) {
				t.Fatalf("w = %g, s = %g", w, s)
			}
			ww, ws := tc.wantW, tc.wantS
			if math.IsNaN(ww) {
				ww, ws = plain(tc.lam, tc.delta, tc.tau, tc.eps)
			}
			if math.Abs(w-ww) > 1e-15 {
				t.Errorf("w = %.17g, want %.17g", w, ww)
			}
			if d := math.Abs(s - ws); d > tc.relTolS*math.Abs(ws) {
				t.Errorf("s = %.17g, want %.17g (rel %g)", s, ws, d/math.Abs(ws))
			}
		})
	}
}

// TestGumbelMatchesRelaxed: the Gumbel estimator (ε = 0) is unbiased for
// the relaxed objective's exact gradient, by quadrature, at τ = 1, 0.3,
// 0.1 and two λ, within 4.5 standard errors (S = 4000/τ).
func TestGumbelMatchesRelaxed(t *testing.T) {
	lams := [][2]float64{{0.2, 0.5}, {-0.6, 1.1}}
	if testing.Short() {
		lams = lams[:1]
	}
	for li, lam := range lams {
		for ti, tau := range table.BayesBiNNTemperatures {
			mean, se, want, err := table.GumbelVsRelaxed(lam, tau, int(4000/tau), uint64(1000+10*li+ti))
			if err != nil {
				t.Fatal(err)
			}
			for j := range 2 {
				if z := math.Abs(mean[j]-want[j]) / se[j]; !(z < 4.5) {
					t.Errorf("λ %v τ %g coordinate %d: mean %.5f, exact relaxed %.5f, %.1f SE", lam, tau, j, mean[j], want[j], z)
				}
			}
		}
	}
}

// TestRelaxedBiasFalls: the relaxed gradient tends to the exact discrete
// ∇_μE_q[ℓ] as τ → 0 (its bias is O(τ)): from τ = 0.1 to 0.03 it falls at
// least by half, and from 0.3 to 0.1 it falls, at several λ.
func TestRelaxedBiasFalls(t *testing.T) {
	lams := [][2]float64{{0.2, 0.5}, {0.4, -0.7}, {1, -0.3}, {-1.5, 0.1}}
	if testing.Short() {
		lams = lams[:2]
	}
	bias := func(lam [2]float64, tau float64) float64 {
		g, ex := table.RelaxedGradQuad(lam, tau), table.DiscreteGrad(lam)
		return math.Max(math.Abs(g[0]-ex[0]), math.Abs(g[1]-ex[1]))
	}
	for _, lam := range lams {
		b3, b1, b03 := bias(lam, 0.3), bias(lam, 0.1), bias(lam, 0.03)
		if !(b1 < b3 && b03 < 0.5*b1) {
			t.Errorf("λ %v: bias %.3g (τ=.3), %.3g (τ=.1), %.3g (τ=.03) does not fall", lam, b3, b1, b03)
		}
	}
}

// TestExactEstimator: BinaryExact's estimate is ½(E[ℓ|wⱼ=+1] −
// E[ℓ|wⱼ=−1]), and stays finite where q puts almost no mass on a state.
func TestExactEstimator(t *testing.T) {
	oracle := blr.OracleFunc[float64](func(theta, grad, _ []float64, _ blr.CurvatureKind) (float64, error) {
		l, g := table.GumbelLoss(theta)
		grad[0], grad[1] = g[0], g[1]
		return l, nil
	})
	for _, lam := range [][2]float64{{0.2, 0.5}, {3, -2}, {40, -0.5}} {
		b, err := blr.NewBinary([]float64{lam[0], lam[1]}, blr.BinaryOptions{DataSize: 1, LR: 0.1, Estimator: blr.BinaryExact, Samples: 1})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := b.Estimate(nil, oracle, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Conditional expectations written out for d = 2.
		p2 := (1 + math.Tanh(lam[1])) / 2
		p1 := (1 + math.Tanh(lam[0])) / 2
		l := func(a, b float64) float64 { v, _ := table.GumbelLoss([]float64{a, b}); return v }
		want := [2]float64{
			0.5 * (p2*l(1, 1) + (1-p2)*l(1, -1) - p2*l(-1, 1) - (1-p2)*l(-1, -1)),
			0.5 * (p1*l(1, 1) + (1-p1)*l(-1, 1) - p1*l(1, -1) - (1-p1)*l(-1, -1)),
		}
		for j := range 2 {
			if math.Abs(got[j]-want[j]) > 1e-14 {
				t.Errorf("λ %v: ĝ[%d] = %.17g, want %.17g", lam, j, got[j], want[j])
			}
		}
	}
}

// TestBayesBiNNSmallTemperature: at the published τ = 1e-10 the exact
// relaxed estimator (ε = 0) learns nothing — λ only shrinks toward the
// prior, λ_T = (1−ρ)^T λ₀ — while the published ε form learns.
func TestBayesBiNNSmallTemperature(t *testing.T) {
	const steps, rho = 30, 0.1
	p := table.NewProblem(80, 3, 80, steps, 12)
	lam0 := []float64{0.5, -0.2, 0.3, 0.1}
	loss := func(w []float64) float64 { return p.Eval(1, w, make([]float64, len(w)), nil, nil) }
	for _, c := range []struct {
		name string
		eps  float64
	}{{"exact relaxed", blr.Off}, {"published", 0}} {
		t.Run(c.name, func(t *testing.T) {
			b, err := blr.BayesBiNN(slices.Clone(lam0), blr.BinaryConfig{DataSize: 80, LR: rho, Eps: c.eps, InitScale: blr.Off})
			if err != nil {
				t.Fatal(err)
			}
			start := loss(b.Mode(nil))
			if _, err := table.RunBinary(b, p, steps, rand.New(rand.NewPCG(1, 2))); err != nil {
				t.Fatal(err)
			}
			if c.eps == blr.Off {
				for j, l := range b.Latent() {
					want := math.Pow(1-rho, steps) * lam0[j]
					if math.Abs(l-want) > 1e-14 {
						t.Errorf("λ[%d] = %g, want %g: the gradient term should vanish", j, l, want)
					}
				}
				return
			}
			if end := loss(b.Mode(nil)); !(end < start) {
				t.Errorf("loss of the mode network %g → %g: did not learn", start, end)
			}
		})
	}
}
