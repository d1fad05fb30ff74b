package expfam_test

// Tests added after mutation testing of the package: each pins down a
// behaviour that a single-point change of the code left undetected. Every
// expected value comes from a closed form, a quadrature or a direct
// re-computation written independently of the implementation.

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// TestMutantBernoulliKLSaturated pins KL(q‖p) where 2λ_q overflows: q is then
// a point mass at s = sign λ_q, so KL = −log p(s) = log(1 + e^{−2sλ_p}). A
// weight Sigmoid(∓2λ_q) that is exactly 0 must drop its term rather than
// give 0·∞ = NaN.
func TestMutantBernoulliKLSaturated(t *testing.T) {
	for _, tc := range []struct{ lq, lp float64 }{
		{math.MaxFloat64, 0},
		{1e308, 1.5},
		{-1e308, 0},
		{-math.MaxFloat64, -2},
		{-1e308, 0.75},
	} {
		q, err := expfam.NewBernoulliNatural([]float64{tc.lq})
		famMust(err)
		p, err := expfam.NewBernoulliNatural([]float64{tc.lp})
		famMust(err)
		s := math.Copysign(1, tc.lq)
		want := math.Log1p(math.Exp(-2 * s * tc.lp))
		famCheckClose(t, fmt.Sprintf("KL(λ=%g ‖ λ=%g)", tc.lq, tc.lp), q.KL(p), want, 1e-15*want)
	}
}

// TestMutantBernoulliFromExpectationDomain pins the open interval (−1, 1) of
// NaturalFromExpectation at both ends and beyond: μ = ±1 has no finite λ.
func TestMutantBernoulliFromExpectationDomain(t *testing.T) {
	q, err := expfam.NewBernoulliNatural([]float64{0, 0})
	famMust(err)
	for _, tc := range []struct {
		mu   []float64
		want string
	}{
		{[]float64{-1, 0}, "μ[0] = -1"},
		{[]float64{0.5, -1.5}, "μ[1] = -1.5"},
		{[]float64{math.Inf(-1), 0}, "μ[0] = -Inf"},
		{[]float64{0, math.NaN()}, "μ[1] = NaN"},
	} {
		_, err := q.NaturalFromExpectation(nil, tc.mu)
		famCheckErr(t, fmt.Sprintf("NaturalFromExpectation(%v)", tc.mu), err, tc.want)
		if err != nil && !errors.Is(err, expfam.ErrDomain) {
			t.Errorf("NaturalFromExpectation(%v): %v does not wrap ErrDomain", tc.mu, err)
		}
	}
	// Just inside the interval the map is atanh.
	lam, err := q.NaturalFromExpectation(nil, []float64{-0.999, 0.25})
	famMust(err)
	famCheckClose(t, "atanh(-0.999)", lam[0], 0.5*math.Log(0.001/1.999), 1e-13)
	famCheckClose(t, "atanh(0.25)", lam[1], 0.5*math.Log(1.25/0.75), 1e-15)
}

// TestMutantShapeSumLimits pins MaxShape where it bounds a sum or a shifted
// parameter: Beta refuses α+β > MaxShape even when α ≠ β, and NormalGamma
// accepts λ₂ = MaxShape (a = MaxShape + ½ rounds to MaxShape, inside
// (0, MaxShape]).
func TestMutantShapeSumLimits(t *testing.T) {
	for _, lam := range [][]float64{{0.9e300, 0.2e300}, {0.2e300, 0.9e300}} {
		b, err := expfam.NewBeta(2, 3)
		famMust(err)
		before := b.Natural(nil)
		err = b.SetNatural(lam)
		famCheckErr(t, fmt.Sprintf("Beta.SetNatural(%v)", lam), err, "Beta alpha+beta = ")
		if got := b.Natural(nil); got[0] != before[0] || got[1] != before[1] {
			t.Errorf("Beta.SetNatural(%v) changed λ to %v after an error", lam, got)
		}
		_, err = expfam.NewBeta(lam[0]+1, lam[1]+1)
		famCheckErr(t, fmt.Sprintf("NewBeta(%g, %g)", lam[0]+1, lam[1]+1), err, "alpha+beta")
	}
	// Inside, with α ≠ β (2β alone would exceed MaxShape).
	for _, ab := range [][2]float64{{1, 0.6e300}, {0.6e300, 1}} {
		if _, err := expfam.NewBeta(ab[0], ab[1]); err != nil {
			t.Errorf("NewBeta(%g, %g): %v", ab[0], ab[1], err)
		}
	}

	ng, err := expfam.NewNormalGamma(0, 1, 1, 1)
	famMust(err)
	if err := ng.SetNatural([]float64{0, -0.5, expfam.MaxShape, -1}); err != nil {
		t.Errorf("NormalGamma.SetNatural with λ₂ = MaxShape: %v", err)
	} else if _, _, a, _ := ng.Params(); a != expfam.MaxShape {
		t.Errorf("a = %g, want MaxShape", a)
	}
	famCheckErr(t, "NormalGamma.SetNatural(λ₂ = 1.5·MaxShape)",
		ng.SetNatural([]float64{0, -0.5, 1.5e300, -1}), "NormalGamma λ[2] (a−½) = 1.5e+300")
}

// TestMutantErrorFields pins which field an error names where a later check
// would also refuse the input: μ = 0 of a Dirichlet (also Σexp μ ≥ 1), a
// zero variance of a FixedGaussian (also an infinite natural parameter) and
// a NaN λ₀ of a NormalGamma (also a NaN rate b).
func TestMutantErrorFields(t *testing.T) {
	d, err := expfam.NewDirichlet([]float64{1, 2, 3})
	famMust(err)
	_, err = d.NaturalFromExpectation(nil, []float64{-2, 0, -1})
	famCheckErr(t, "Dirichlet.NaturalFromExpectation(μ₁ = 0)", err, "μ[1] (E log θ) = 0: must be finite and negative")
	_, err = expfam.NewFixedGaussian([]float64{1, 2}, []float64{1, 0})
	famCheckErr(t, "NewFixedGaussian(variance[1] = 0)", err, "variance[1] = 0")
	_, err = expfam.NewFixedGaussian([]float64{0}, []float64{0})
	famCheckErr(t, "NewFixedGaussian(0, 0)", err, "variance[0] = 0")
	ng, err := expfam.NewNormalGamma(0, 1, 1, 1)
	famMust(err)
	famCheckErr(t, "NormalGamma.SetNatural(λ₀ = NaN)", ng.SetNatural([]float64{math.NaN(), -0.5, 1, -1}), "λ[0] (κm) = NaN")
}

// TestMutantDiagGaussianLogPartition pins A(λ) of the diagonal Gaussian
// (an additive constant that gradient tests cannot see) against the textbook
// form Σᵢ[−λ₁ᵢ²/(4λ₂ᵢ) − ½log(−2λ₂ᵢ)] + ½D log 2π, and for D = 1 against
// log ∫ exp(λ₁θ + λ₂θ²) dθ by quadrature.
func TestMutantDiagGaussianLogPartition(t *testing.T) {
	for _, tc := range []struct{ mean, prec []float64 }{
		{[]float64{0}, []float64{1}},
		{[]float64{1.5}, []float64{0.2}},
		{[]float64{-3, 0.5}, []float64{4, 0.01}},
		{[]float64{2, -1, 0.25}, []float64{1e3, 2, 0.5}},
	} {
		q, err := expfam.NewDiagGaussian(tc.mean, tc.prec)
		famMust(err)
		lam := q.Natural(nil)
		d := len(tc.mean)
		want := 0.5 * float64(d) * math.Log(2*math.Pi)
		for i := range d {
			l1, l2 := lam[i], lam[d+i]
			want += -l1*l1/(4*l2) - 0.5*math.Log(-2*l2)
		}
		got := q.LogPartition()
		famCheckClose(t, fmt.Sprintf("A(m=%v, s=%v)", tc.mean, tc.prec), got, want, 1e-13*(1+math.Abs(want)))
		if d == 1 {
			m, sd := tc.mean[0], 1/math.Sqrt(tc.prec[0])
			// The integrand peaks at m with value e^{λ₁m + λ₂m²}; integrate
			// the ratio to it over m ± 12 sd.
			peak := lam[0]*m + lam[1]*m*m
			f := func(x float64) float64 { return math.Exp(lam[0]*x + lam[1]*x*x - peak) }
			integral := quad.Fixed(f, m-12*sd, m+12*sd, 200, nil, 0)
			famCheckClose(t, fmt.Sprintf("A(m=%v, s=%v) by quadrature", tc.mean, tc.prec), got, peak+math.Log(integral), 1e-10*(1+math.Abs(got)))
		}
	}
}

// TestMutantLengths pins that Natural, Expectation and EntropyGrad all have
// length Dim() for every family (with dst nil and with a dst of length Dim),
// and the values of the diagonal Gaussian's Expectation [m, 1/s + m²].
func TestMutantLengths(t *testing.T) {
	full, err := expfam.NewFullGaussian([]float64{1, -2}, mat.NewSymDense(2, []float64{2, 0.5, 0.5, 1}))
	famMust(err)
	mix, err := expfam.NewMixture([]float64{0.25, 0.75}, []*expfam.FullGaussian{full, full}, false)
	famMust(err)
	fixedMix, err := expfam.NewMixture([]float64{0.25, 0.75}, []*expfam.FullGaussian{full, full}, true)
	famMust(err)
	bern, err := expfam.NewBernoulli([]float64{0.2, 0.7, 0.5})
	famMust(err)
	beta, err := expfam.NewBeta(2, 3)
	famMust(err)
	cat, err := expfam.NewCategorical([]float64{0.2, 0.3, 0.5})
	famMust(err)
	dir, err := expfam.NewDirichlet([]float64{1, 2, 3, 4})
	famMust(err)
	gam, err := expfam.NewGamma(2, 3)
	famMust(err)
	ng, err := expfam.NewNormalGamma(1, 2, 3, 4)
	famMust(err)
	fixed, err := expfam.NewFixedGaussian([]float64{1, 2, 3}, []float64{1, 2, 3})
	famMust(err)
	diag, err := expfam.NewDiagGaussian([]float64{1.5, -2, 0}, []float64{2, 0.5, 4})
	famMust(err)
	for _, tc := range []struct {
		name string
		q    expfam.Family
		dim  int
	}{
		{"Bernoulli", bern, 3}, {"Beta", beta, 2}, {"Categorical", cat, 2},
		{"Dirichlet", dir, 4}, {"Gamma", gam, 2}, {"NormalGamma", ng, 4},
		{"FixedGaussian", fixed, 3}, {"DiagGaussian", diag, 6}, {"FullGaussian", full, 6},
		{"Mixture", mix, 1 + 2*6}, {"Mixture (fixed weights)", fixedMix, 2 * 6},
	} {
		if tc.q.Dim() != tc.dim {
			t.Errorf("%s: Dim() = %d, want %d", tc.name, tc.q.Dim(), tc.dim)
		}
		for what, f := range map[string]func([]float64) []float64{
			"Natural": tc.q.Natural, "Expectation": tc.q.Expectation, "EntropyGrad": tc.q.EntropyGrad,
		} {
			if got := len(f(nil)); got != tc.dim {
				t.Errorf("%s: len(%s(nil)) = %d, want %d", tc.name, what, got, tc.dim)
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s: %s(dst of length %d) panicked: %v", tc.name, what, tc.dim, r)
					}
				}()
				f(make([]float64, tc.dim))
			}()
		}
	}
	if w := fixedMix.WeightDim(); w != 0 {
		t.Errorf("fixed-weight Mixture: WeightDim() = %d, want 0", w)
	}
	if w := mix.WeightDim(); w != 1 {
		t.Errorf("Mixture: WeightDim() = %d, want 1", w)
	}
	mu := diag.Expectation(nil)
	for i, tc := range []struct{ m, s float64 }{{1.5, 2}, {-2, 0.5}, {0, 4}} {
		famCheckClose(t, fmt.Sprintf("DiagGaussian μ[%d]", i), mu[i], tc.m, 0)
		famCheckClose(t, fmt.Sprintf("DiagGaussian μ[%d]", 3+i), mu[3+i], 1/tc.s+tc.m*tc.m, 1e-15)
	}
}

// iblr1 is the improved rule (Lin, Schmidt & Khan 2020) for one Gaussian
// coordinate with precision s and mean m, given the direction entries
// d₁ = ĝ − Ĝm and d₂ = ½Ĝ: s′ = s + ρĜ + ½ρ²Ĝ²/s, m′ = m − ρĝ/s′; it
// returns λ′ = (s′m′, −½s′).
func iblr1(s, m, d1, d2, rho float64) (l1, l2 float64) {
	G := 2 * d2
	g := d1 + G*m
	sp := s + rho*G + 0.5*rho*rho*G*G/s
	mp := m - rho*g/sp
	return sp * mp, -0.5 * sp
}

// TestMutantDiagRetract pins the diagonal Gaussian's iBLR step on
// coordinates whose ½ρ²Ĝ²/s is exactly 1 (and others), against iblr1.
func TestMutantDiagRetract(t *testing.T) {
	for _, tc := range []struct {
		m, s, d []float64
		rho     float64
	}{
		// s = 2, ρĜ = 2: ½ρ²Ĝ²/s = 1.
		{[]float64{3, -1}, []float64{2, 5}, []float64{0.5, 0.25, 1, -0.5}, 1},
		// s = 8, ρ = ½, Ĝ = 8: ½·16/8 = 1.
		{[]float64{-2}, []float64{8}, []float64{1.5, 4}, 0.5},
		{[]float64{0.5, 4}, []float64{1, 0.1}, []float64{-0.3, 2, 0.7, -0.02}, 0.1},
	} {
		q, err := expfam.NewDiagGaussian(tc.m, tc.s)
		famMust(err)
		got, err := q.Retract(nil, tc.d, tc.rho)
		famMust(err)
		n := len(tc.m)
		for i := range n {
			l1, l2 := iblr1(tc.s[i], tc.m[i], tc.d[i], tc.d[n+i], tc.rho)
			famCheckClose(t, fmt.Sprintf("m=%v s=%v: λ₁′[%d]", tc.m, tc.s, i), got[i], l1, 1e-14*(1+math.Abs(l1)))
			famCheckClose(t, fmt.Sprintf("m=%v s=%v: λ₂′[%d]", tc.m, tc.s, i), got[n+i], l2, 1e-14*math.Abs(l2))
		}
	}
}

// mixture1D returns a mixture of one-dimensional Gaussians N(mᵢ, 1/sᵢ).
func mixture1D(t *testing.T, w, m, s []float64, fixed bool) *expfam.Mixture {
	t.Helper()
	comps := make([]*expfam.FullGaussian, len(m))
	for i := range m {
		c, err := expfam.NewFullGaussian([]float64{m[i]}, mat.NewSymDense(1, []float64{s[i]}))
		if err != nil {
			t.Fatal(err)
		}
		comps[i] = c
	}
	q, err := expfam.NewMixture(w, comps, fixed)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestMutantMixtureRetract pins Mixture.Retract for one-dimensional
// components: the weight block takes the plain step λ_π − ρd, and each
// component block (λ₁, λ₂) the iBLR step iblr1.
func TestMutantMixtureRetract(t *testing.T) {
	w := []float64{0.2, 0.3, 0.5}
	m := []float64{-1, 0.5, 2}
	s := []float64{2, 0.5, 8}
	for _, fixed := range []bool{false, true} {
		q := mixture1D(t, w, m, s, fixed)
		nw := q.WeightDim()
		dir := []float64{0.3, -0.4}[:nw]
		dir = append(dir, 0.5, 1, -0.2, 0.1, 1.5, 4)
		rho := 0.5
		got, err := q.Retract(nil, dir, rho)
		famMust(err)
		if len(got) != nw+6 {
			t.Fatalf("fixed=%v: len(Retract) = %d, want %d", fixed, len(got), nw+6)
		}
		for i := range nw {
			want := math.Log(w[i]/w[2]) - rho*dir[i]
			famCheckClose(t, fmt.Sprintf("fixed=%v: weight λ′[%d]", fixed, i), got[i], want, 1e-14)
		}
		for k := range 3 {
			l1, l2 := iblr1(s[k], m[k], dir[nw+2*k], dir[nw+2*k+1], rho)
			famCheckClose(t, fmt.Sprintf("fixed=%v: component %d λ₁′", fixed, k), got[nw+2*k], l1, 1e-13*(1+math.Abs(l1)))
			famCheckClose(t, fmt.Sprintf("fixed=%v: component %d λ₂′", fixed, k), got[nw+2*k+1], l2, 1e-13*math.Abs(l2))
		}
	}
}

// TestMutantMixtureEntropyGradWeights pins the weight block of the
// mixture's ∇_μH: with the delta method, −(log q(m_k) − log q(m_K)), with q
// the mixture density; with the responsibility approximation,
// H(q_k) − H(q_K), with H(N(m, 1/s)) = ½log(2πe/s).
func TestMutantMixtureEntropyGradWeights(t *testing.T) {
	w := []float64{0.2, 0.3, 0.5}
	m := []float64{-1, 0.5, 2}
	s := []float64{2, 0.5, 8}
	logq := func(x float64) float64 {
		var p float64
		for k := range w {
			p += w[k] * distuv.Normal{Mu: m[k], Sigma: 1 / math.Sqrt(s[k])}.Prob(x)
		}
		return math.Log(p)
	}
	q := mixture1D(t, w, m, s, false)
	got := q.EntropyGrad(nil)
	for k := range 2 {
		want := -(logq(m[k]) - logq(m[2]))
		famCheckClose(t, fmt.Sprintf("delta: ∇H weight[%d]", k), got[k], want, 1e-13*(1+math.Abs(want)))
	}
	q.Responsibility = true
	got = q.EntropyGrad(nil)
	h := func(s float64) float64 { return 0.5 * math.Log(2*math.Pi*math.E/s) }
	for k := range 2 {
		want := h(s[k]) - h(s[2])
		famCheckClose(t, fmt.Sprintf("responsibility: ∇H weight[%d]", k), got[k], want, 1e-13*(1+math.Abs(want)))
	}
}

// TestMutantMixtureWeightSum pins NewMixture's tolerance on Σπ = 1 at 1e-12.
func TestMutantMixtureWeightSum(t *testing.T) {
	c, err := expfam.NewFullGaussian([]float64{0}, mat.NewSymDense(1, []float64{1}))
	famMust(err)
	for _, tc := range []struct {
		w  []float64
		ok bool
	}{
		{[]float64{0.5, 0.5 + 5e-13}, true},
		{[]float64{0.5, 0.5 - 5e-13}, true},
		{[]float64{0.5, 0.5 + 5e-12}, false},
		{[]float64{0.5, 0.5 - 5e-12}, false},
	} {
		_, err := expfam.NewMixture(tc.w, []*expfam.FullGaussian{c, c}, false)
		if tc.ok && err != nil {
			t.Errorf("NewMixture(%v): %v", tc.w, err)
		}
		if !tc.ok {
			famCheckErr(t, fmt.Sprintf("NewMixture(%v)", tc.w), err, "sum of weights")
		}
	}
}

// TestMutantMixtureEntropyMC pins EntropyMC's standard error. For a mixture
// of two copies of N(m, σ²), −log q(θ) = ½log(2πσ²) + z²/2 with z standard
// normal, whose variance is ½, so SE = √(½/n); and H = ½log(2πeσ²).
func TestMutantMixtureEntropyMC(t *testing.T) {
	for _, s := range []float64{0.25, 4} {
		q := mixture1D(t, []float64{0.4, 0.6}, []float64{1, 1}, []float64{s, s}, false)
		const n = 10000
		h, se := q.EntropyMC(n, rand.New(rand.NewPCG(3, 4)))
		wantSE := math.Sqrt(0.5 / n)
		// The relative standard error of the SE estimate is about
		// ½√(3.5/0.25/n) ≈ 1.9%; allow 10%.
		famCheckClose(t, fmt.Sprintf("s=%g: standard error", s), se, wantSE, 0.1*wantSE)
		famCheckClose(t, fmt.Sprintf("s=%g: entropy", s), h, 0.5*math.Log(2*math.Pi*math.E/s), 5*wantSE)
	}
}

// TestMutantMixtureSetNaturalWeights pins the weight block of
// Mixture.SetNatural: logits λ_π give π = softmax([λ_π, 0]), seen through
// Weights, Expectation and LogProb (against the mixture density summed
// directly), and a non-finite logit is refused with q unchanged.
func TestMutantMixtureSetNaturalWeights(t *testing.T) {
	m := []float64{-1, 0.5, 2}
	s := []float64{2, 0.5, 8}
	q := mixture1D(t, []float64{0.2, 0.3, 0.5}, m, s, false)
	lam := q.Natural(nil)
	lam[0], lam[1] = math.Ln2, -1
	famMust(q.SetNatural(lam))
	z := 2 + math.Exp(-1) + 1
	want := []float64{2 / z, math.Exp(-1) / z, 1 / z}
	got := q.Weights(nil)
	mu := q.Expectation(nil)
	for k := range want {
		famCheckClose(t, fmt.Sprintf("π[%d]", k), got[k], want[k], 1e-15)
		if k < 2 {
			famCheckClose(t, fmt.Sprintf("μ_π[%d]", k), mu[k], want[k], 1e-15)
		}
	}
	for _, x := range []float64{-1, 0, 1.7} {
		var p float64
		for k := range want {
			p += want[k] * distuv.Normal{Mu: m[k], Sigma: 1 / math.Sqrt(s[k])}.Prob(x)
		}
		famCheckClose(t, fmt.Sprintf("log q(%g)", x), q.LogProb([]float64{x}), math.Log(p), 1e-14)
	}
	bad := append([]float64(nil), lam...)
	bad[1] = math.NaN()
	famCheckErr(t, "SetNatural(NaN logit)", q.SetNatural(bad), "weight natural[1] = NaN")
	if after := q.Natural(nil); after[0] != lam[0] || after[1] != lam[1] {
		t.Errorf("a refused SetNatural changed the logits to %v", after[:2])
	}
}

// TestMutantBetaLogProbSupport pins Beta.LogProb on and off the support:
// −Inf at θ = 0, θ = 1 and outside [0, 1], whatever the signs of α−1 and
// β−1, and gonum's distuv.Beta log density inside.
func TestMutantBetaLogProbSupport(t *testing.T) {
	for _, ab := range [][2]float64{{0.5, 0.5}, {1, 1}, {2, 0.3}, {0.3, 2}, {3, 4}} {
		q, err := expfam.NewBeta(ab[0], ab[1])
		famMust(err)
		for _, x := range []float64{0, 1, -0.5, 1.5, math.Inf(1), math.NaN()} {
			if lp := q.LogProb([]float64{x}); !math.IsInf(lp, -1) {
				t.Errorf("Beta(%g, %g).LogProb(%g) = %g, want -Inf", ab[0], ab[1], x, lp)
			}
		}
		ref := distuv.Beta{Alpha: ab[0], Beta: ab[1]}
		for _, x := range []float64{1e-3, 0.25, 0.5, 0.9} {
			want := ref.LogProb(x)
			famCheckClose(t, fmt.Sprintf("Beta(%g, %g).LogProb(%g)", ab[0], ab[1], x), q.LogProb([]float64{x}), want, 1e-13*(1+math.Abs(want)))
		}
	}
}

// TestMutantDiagMeanLimit pins the largest mean DiagGaussian.SetNatural
// accepts: |m| = |λ₁|/s = MaxFloat64/2 is inside, just above it is not.
func TestMutantDiagMeanLimit(t *testing.T) {
	q, err := expfam.NewDiagGaussian([]float64{0}, []float64{1})
	famMust(err)
	half := 0.5 * math.MaxFloat64
	for _, l1 := range []float64{half, -half} {
		if err := q.SetNatural([]float64{l1, -0.5}); err != nil {
			t.Errorf("SetNatural(λ₁ = %g, s = 1): %v", l1, err)
		} else if m := q.Mean(nil)[0]; m != l1 {
			t.Errorf("mean = %g, want %g", m, l1)
		}
	}
	famCheckErr(t, "SetNatural(λ₁ = 1.0000001·MaxFloat64/2, s = 1)",
		q.SetNatural([]float64{half * 1.0000001, -0.5}), "mean[0]")
}

// TestMutantFullBadEntryName pins which natural-parameter entry a
// FullGaussian error names when only one of λ₂[i,j], λ₂[j,i] is not finite:
// the flat index d + (row·d + col) and its (row, col).
func TestMutantFullBadEntryName(t *testing.T) {
	q, err := expfam.NewFullGaussian([]float64{0, 0, 0}, mat.NewSymDense(3, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}))
	famMust(err)
	for _, tc := range []struct {
		row, col int
		want     string
	}{
		{1, 0, "natural[6] (λ₂[1,0]) = +Inf"},
		{0, 2, "natural[5] (λ₂[0,2]) = +Inf"},
		{2, 1, "natural[10] (λ₂[2,1]) = +Inf"},
	} {
		lam := q.Natural(nil)
		lam[3+tc.row*3+tc.col] = math.Inf(1)
		famCheckErr(t, fmt.Sprintf("SetNatural(λ₂[%d,%d] = +Inf)", tc.row, tc.col), q.SetNatural(lam), tc.want)
	}
}

// TestMutantLengthErrors pins the Gaussian constructors' length errors: an
// empty mean or a nil precision gives an error wrapping ErrLength whose
// message states the length found and the length wanted.
func TestMutantLengthErrors(t *testing.T) {
	_, errFixed := expfam.NewFixedGaussian(nil, nil)
	_, errDiag := expfam.NewDiagGaussian([]float64{}, nil)
	_, errFull := expfam.NewFullGaussian([]float64{1, 2}, nil)
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errFixed, "expfam: FixedGaussian mean has length 0, want 1"},
		{errDiag, "expfam: DiagGaussian mean has length 0, want 1"},
		{errFull, "expfam: FullGaussian precision (nil) has length 0, want 2"},
	} {
		famCheckErr(t, tc.want, tc.err, tc.want)
		if tc.err != nil && !errors.Is(tc.err, expfam.ErrLength) {
			t.Errorf("%v does not wrap ErrLength", tc.err)
		}
	}
}
