package expfam_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
)

// The likelihoods satisfy the root package's interface.
var (
	_ blr.ConjugateLikelihood = expfam.BernoulliObs{}
	_ blr.ConjugateLikelihood = expfam.PoissonObs{}
	_ blr.ConjugateLikelihood = expfam.NormalObs{}
	_ blr.ConjugateLikelihood = expfam.CategoricalObs{}
)

type conjCase struct {
	name  string
	prior expfam.Family
	// start draws a random member of the family to start the rule from.
	start func(r *rand.Rand) expfam.Family
	// batch is the likelihood of all observations; one(i) of the i-th alone.
	batch blr.ConjugateLikelihood
	n     int
	one   func(i int) blr.ConjugateLikelihood
	// posterior is the exact posterior, from the textbook formula.
	posterior expfam.Family
}

func conjMust[T any](v T, err error) T {
	famMust(err)
	return v
}

func conjCases() []conjCase {
	r := rand.New(rand.NewPCG(61, 62))

	// Beta–Bernoulli: Beta(a₀ + Σy, b₀ + N − Σy).
	y := make([]float64, 30)
	var sy float64
	for i := range y {
		if r.Float64() < 0.3 {
			y[i] = 1
		}
		sy += y[i]
	}
	const a0, b0 = 2.0, 3.0
	bern := conjCase{
		name:  "Beta-Bernoulli",
		prior: conjMust(expfam.NewBeta(a0, b0)),
		start: func(r *rand.Rand) expfam.Family {
			return conjMust(expfam.NewBeta(famLogUniform(r, 0.1, 100), famLogUniform(r, 0.1, 100)))
		},
		batch:     expfam.BernoulliObs{Y: y},
		n:         len(y),
		one:       func(i int) blr.ConjugateLikelihood { return expfam.BernoulliObs{Y: y[i : i+1]} },
		posterior: conjMust(expfam.NewBeta(a0+sy, b0+float64(len(y))-sy)),
	}

	// Gamma–Poisson: Gamma(a₀ + Σy, b₀ + N) on the rate.
	counts := make([]float64, 25)
	var sc float64
	for i := range counts {
		counts[i] = float64(r.IntN(9))
		sc += counts[i]
	}
	const ga0, gb0 = 1.5, 0.5
	pois := conjCase{
		name:  "Gamma-Poisson",
		prior: conjMust(expfam.NewGamma(ga0, gb0)),
		start: func(r *rand.Rand) expfam.Family {
			return conjMust(expfam.NewGamma(famLogUniform(r, 0.1, 100), famLogUniform(r, 0.1, 10)))
		},
		batch:     expfam.PoissonObs{Y: counts},
		n:         len(counts),
		one:       func(i int) blr.ConjugateLikelihood { return expfam.PoissonObs{Y: counts[i : i+1]} },
		posterior: conjMust(expfam.NewGamma(ga0+sc, gb0+float64(len(counts)))),
	}

	// Normal-Gamma–normal: κ_N = κ₀ + N, m_N = (κ₀m₀ + N x̄)/κ_N,
	// a_N = a₀ + N/2, b_N = b₀ + ½Σ(xᵢ − x̄)² + κ₀N(x̄ − m₀)²/(2κ_N).
	x := make([]float64, 20)
	var sx float64
	for i := range x {
		x[i] = 1.5 + 0.7*r.NormFloat64()
		sx += x[i]
	}
	nx := float64(len(x))
	xbar := sx / nx
	var ss float64
	for _, xi := range x {
		ss += (xi - xbar) * (xi - xbar)
	}
	const m0, k0, na0, nb0 = 0.5, 2.0, 3.0, 1.0
	kN := k0 + nx
	norm := conjCase{
		name:  "NormalGamma-Normal",
		prior: conjMust(expfam.NewNormalGamma(m0, k0, na0, nb0)),
		start: func(r *rand.Rand) expfam.Family {
			m, k, a, b := normalGammaRandom(r)
			return conjMust(expfam.NewNormalGamma(m, k, a, math.Min(b, 10)))
		},
		batch: expfam.NormalObs{X: x},
		n:     len(x),
		one:   func(i int) blr.ConjugateLikelihood { return expfam.NormalObs{X: x[i : i+1]} },
		posterior: conjMust(expfam.NewNormalGamma((k0*m0+nx*xbar)/kN, kN, na0+nx/2,
			nb0+ss/2+k0*nx*(xbar-m0)*(xbar-m0)/(2*kN))),
	}

	// Dirichlet–categorical: Dirichlet(α₀ + counts).
	alpha0 := []float64{1, 0.5, 2, 1.5}
	labels := make([]int, 40)
	tally := make([]float64, len(alpha0))
	for i := range labels {
		labels[i] = r.IntN(len(alpha0))
		tally[labels[i]]++
	}
	post := make([]float64, len(alpha0))
	for k := range post {
		post[k] = alpha0[k] + tally[k]
	}
	cat := conjCase{
		name:  "Dirichlet-Categorical",
		prior: conjMust(expfam.NewDirichlet(alpha0)),
		start: func(r *rand.Rand) expfam.Family {
			a := make([]float64, len(alpha0))
			for k := range a {
				a[k] = famLogUniform(r, 0.1, 100)
			}
			return conjMust(expfam.NewDirichlet(a))
		},
		batch: expfam.CategoricalObs{Counts: tally},
		n:     len(labels),
		one: func(i int) blr.ConjugateLikelihood {
			c := make([]float64, len(alpha0))
			c[labels[i]] = 1
			return expfam.CategoricalObs{Counts: c}
		},
		posterior: conjMust(expfam.NewDirichlet(post)),
	}
	return []conjCase{bern, pois, norm, cat}
}

// conjDev is maxᵢ |got_i − want_i| / max(1, |want_i|) over the natural
// parameters.
func conjDev(got, want expfam.Family) float64 {
	g, w := got.Natural(nil), want.Natural(nil)
	var d float64
	for i := range g {
		d = math.Max(d, math.Abs(g[i]-w[i])/math.Max(1, math.Abs(w[i])))
	}
	return d
}

// TestConjugateOneStep checks that one step of the rule with ρ = 1, the prior
// λ₀ and blr.Exact gives the exact posterior from any of 10 random starts,
// within 1e-12 (relative, per natural parameter).
func TestConjugateOneStep(t *testing.T) {
	for _, c := range conjCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(71, 72))
			rule := blr.Rule{Prior: c.prior, Estimator: blr.Exact{Likelihood: c.batch}, Rate: blr.Constant(1)}
			var worst float64
			for s := range 10 {
				q := c.start(r)
				if _, err := rule.Step(q, &blr.State{}, nil); err != nil {
					t.Fatalf("start %d: %v", s, err)
				}
				d := conjDev(q, c.posterior)
				worst = math.Max(worst, d)
				if !(d <= 1e-12) {
					t.Errorf("start %d: λ = %v, want %v (deviation %.3g)", s, q.Natural(nil), c.posterior.Natural(nil), d)
				}
			}
			t.Logf("max deviation %.3g", worst)
		})
	}
}

// TestConjugateSequential checks that N steps with ρ = 1, one observation
// each and the previous posterior as the prior, end at the batch posterior
// within 1e-12, from 3 random starts.
func TestConjugateSequential(t *testing.T) {
	for _, c := range conjCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(81, 82))
			var worst float64
			for s := range 3 {
				q := c.start(r)
				prior := c.prior
				for i := range c.n {
					rule := blr.Rule{Prior: prior, Estimator: blr.Exact{Likelihood: c.one(i)}, Rate: blr.Constant(1)}
					if _, err := rule.Step(q, &blr.State{}, nil); err != nil {
						t.Fatalf("start %d, observation %d: %v", s, i, err)
					}
					prior = q.Clone()
				}
				d := conjDev(q, c.posterior)
				worst = math.Max(worst, d)
				if !(d <= 1e-12) {
					t.Errorf("start %d: λ = %v, want %v (deviation %.3g)", s, q.Natural(nil), c.posterior.Natural(nil), d)
				}
			}
			t.Logf("max deviation %.3g", worst)
		})
	}
}

// TestConjugateValidation checks that invalid observations give an
// *ObservationError naming field, index and value, that a wrong family gives
// ErrNotConjugate, and that the rule then leaves q unchanged.
func TestConjugateValidation(t *testing.T) {
	beta := conjMust(expfam.NewBeta(2, 3))
	gam := conjMust(expfam.NewGamma(2, 3))
	ng := conjMust(expfam.NewNormalGamma(0, 1, 2, 3))
	dir := conjMust(expfam.NewDirichlet([]float64{1, 2, 3}))
	for _, tc := range []struct {
		lik  blr.ConjugateLikelihood
		q    expfam.Family
		want string // "" for ErrNotConjugate
	}{
		{expfam.BernoulliObs{Y: []float64{1, 0, math.NaN()}}, beta, "BernoulliObs Y[2] = NaN"},
		{expfam.BernoulliObs{Y: []float64{-1}}, beta, "BernoulliObs Y[0] = -1"},
		{expfam.BernoulliObs{Y: []float64{0, 2}}, beta, "BernoulliObs Y[1] = 2"},
		{expfam.BernoulliObs{Y: []float64{1}}, gam, ""},
		{expfam.PoissonObs{Y: []float64{3, -2}}, gam, "PoissonObs Y[1] = -2"},
		{expfam.PoissonObs{Y: []float64{math.NaN()}}, gam, "PoissonObs Y[0] = NaN"},
		{expfam.PoissonObs{Y: []float64{math.Inf(1)}}, gam, "PoissonObs Y[0] = +Inf"},
		{expfam.PoissonObs{Y: []float64{1}}, beta, ""},
		{expfam.NormalObs{X: []float64{0, math.Inf(-1)}}, ng, "NormalObs X[1] = -Inf"},
		{expfam.NormalObs{X: []float64{1e200, 1e200}}, ng, "NormalObs sum(X²) = +Inf"},
		{expfam.NormalObs{X: []float64{1}}, gam, ""},
		{expfam.CategoricalObs{Counts: []float64{1, math.NaN(), 0}}, dir, "CategoricalObs Counts[1] = NaN"},
		{expfam.CategoricalObs{Counts: []float64{1, 2, -0.5}}, dir, "CategoricalObs Counts[2] = -0.5"},
		{expfam.CategoricalObs{Counts: []float64{1, 2}}, dir, "CategoricalObs len(Counts) = 2"},
		{expfam.CategoricalObs{Counts: []float64{1, 2}}, beta, ""},
	} {
		name := fmt.Sprintf("%T on %T", tc.lik, tc.q)
		dst := []float64{7, 7, 7, 7}[:tc.q.Dim()]
		_, err := tc.lik.NaturalStats(dst, tc.q)
		switch {
		case tc.want == "":
			if !errors.Is(err, expfam.ErrNotConjugate) {
				t.Errorf("%s: %v, want ErrNotConjugate", name, err)
			}
		default:
			var oe *expfam.ObservationError
			if !errors.Is(err, expfam.ErrObservation) || !errors.As(err, &oe) {
				t.Errorf("%s: %v, want an *ObservationError", name, err)
			}
			famCheckErr(t, name, err, tc.want)
		}
		for i, v := range dst {
			if v != 7 {
				t.Errorf("%s: dst[%d] changed to %g on error", name, i, v)
			}
		}
		// Through the rule: the error propagates and q is unchanged.
		before := tc.q.Natural(nil)
		rule := blr.Rule{Estimator: blr.Exact{Likelihood: tc.lik}, Rate: blr.Constant(1), Prior: tc.q.Clone()}
		if _, err := rule.Step(tc.q, &blr.State{}, nil); err == nil {
			t.Errorf("%s: the rule accepted the step", name)
		}
		for i, v := range tc.q.Natural(nil) {
			if math.Float64bits(v) != math.Float64bits(before[i]) {
				t.Errorf("%s: λ[%d] changed", name, i)
			}
		}
	}
	// Empty data is valid: the posterior is the prior.
	got, err := expfam.BernoulliObs{}.NaturalStats(nil, beta)
	if err != nil || got[0] != 0 || got[1] != 0 {
		t.Errorf("empty BernoulliObs: %v, %v", got, err)
	}
}
