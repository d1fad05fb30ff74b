package infer

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/floats"
)

// GMMPrior is the conjugate prior of a Bayesian Gaussian mixture with
// diagonal precisions: π ~ Dirichlet(Alpha, …, Alpha) and, for each component
// k and coordinate d independently, (μₖ_d, τₖ_d) ~ NormalGamma(M0, Kappa0,
// A0, B0), i.e. τ ~ Gamma(A0, B0) (shape, rate) and μ | τ ~ N(M0, (Kappa0·τ)⁻¹).
// Alpha, Kappa0, A0 and B0 must be positive, A0 at most expfam.MaxShape,
// and K·Alpha within expfam.Dirichlet's range. M0 must lie in
// [−MaxAbsX, MaxAbsX] and, like every component's starting mean m, be
// small enough for the Normal-Gamma law's natural parameters to hold the
// rate: Kappa0·m²/2 below about 2⁵²·B0 (beyond it −B0 − Kappa0·m²/2 rounds
// to −Kappa0·m²/2 and B0 is lost).
type GMMPrior struct {
	Alpha, M0, Kappa0, A0, B0 float64
}

// MaxAbsX bounds the magnitude of the data of NewBayesGMM and
// NewBayesGMMAt and of GMMPrior.M0, so that squares and sums of squares
// stay finite.
const MaxAbsX = 1e100

func (p GMMPrior) check() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"Alpha", p.Alpha}, {"Kappa0", p.Kappa0}, {"A0", p.A0}, {"B0", p.B0}} {
		if err := checkPositive("prior "+f.name, f.v); err != nil {
			return err
		}
	}
	if p.A0 > expfam.MaxShape {
		return inputErr("prior A0", p.A0, fmt.Sprintf("want at most %g (expfam.MaxShape)", float64(expfam.MaxShape)))
	}
	if !(math.Abs(p.M0) <= MaxAbsX) {
		return inputErr("prior M0", p.M0, fmt.Sprintf("want a value in [−%g, %g] (MaxAbsX)", MaxAbsX, MaxAbsX))
	}
	return p.checkMean("prior M0", p.M0, "the prior's mean")
}

// checkMean returns an *InputError on field unless NormalGamma(m, Kappa0,
// A0, B0) can be held in natural parameters (see GMMPrior): a mean m that
// is too large for the prior's Kappa0 and B0.
func (p GMMPrior) checkMean(field string, m float64, role string) error {
	if _, err := expfam.NewNormalGamma(m, p.Kappa0, p.A0, p.B0); err != nil {
		return inputErr(field, m, fmt.Sprintf("too large as %s for the prior's Kappa0 = %g and B0 = %g: "+
			"the Normal-Gamma law's natural parameters would lose the rate B0 (Kappa0·m²/2 must stay below about 2⁵²·B0); rescale the data or raise B0",
			role, p.Kappa0, p.B0))
	}
	return nil
}

// checkMagnitude returns an *InputError for the first entry of x (named
// field[i][j]) beyond MaxAbsX.
func checkMagnitude(field string, x [][]float64) error {
	for i, row := range x {
		for j, v := range row {
			if !(math.Abs(v) <= MaxAbsX) {
				return inputErr(fmt.Sprintf("%s[%d][%d]", field, i, j), v, fmt.Sprintf("want a value in [−%g, %g] (MaxAbsX)", MaxAbsX, MaxAbsX))
			}
		}
	}
	return nil
}

// BayesGMM is stochastic variational inference (Hoffman, Blei, Wang &
// Paisley, JMLR 2013) for a Bayesian Gaussian mixture, written as the
// Bayesian learning rule on the mean-field q = q(π) ∏ₖ_d q(μₖ_d, τₖ_d) ∏ᵢ q(zᵢ):
//
//   - local: for the minibatch B, q(z_B) (a Categoricals) takes one step with
//     ρ = 1, q(zᵢ = k) ∝ exp(E log πₖ + Σ_d E log N(xᵢ_d; μₖ_d, τₖ_d⁻¹));
//   - global: q(π) (expfam.Dirichlet) and each q(μₖ_d, τₖ_d)
//     (expfam.NormalGamma) take one step of the rule with the prior λ₀ in
//     their family, the estimate −(N/M)Σ_{i∈B} E_{q(zᵢ)}[λ̃ᵢ] and ρ_t from
//     the schedule: λ ← (1−ρ_t)λ + ρ_t(λ₀ + (N/M)Σ_{i∈B} E[λ̃ᵢ]).
//
// With the full batch and ρ = 1 this is batch coordinate-ascent VB. A
// BayesGMM is not safe for concurrent use.
type BayesGMM struct {
	x       []float64 // N×D
	n, d, k int
	prior   GMMPrior

	pi    *expfam.Dirichlet
	comps []*expfam.NormalGamma // K×D

	piRule    blr.Rule
	piSt      blr.State
	compRules []blr.Rule
	compSt    []blr.State

	local     *Categoricals
	localRule blr.Rule
	localSt   blr.State

	batch  []int
	probs  []float64
	elogpi []float64
	ng     []float64 // K×D×4: E τμ, E τμ², E log τ, E τ
	lj     []float64
}

// SVIInfo reports one step of stochastic variational inference.
type SVIInfo struct {
	Rate      float64 // ρ_t of the global step
	BatchSize int
	// LocalIters is the mean number of local iterations per example
	// (1 for the mixture, the inner loop's length for LDA).
	LocalIters float64
}

// NewBayesGMM returns SVI for the rows of x (N×D, finite) with k ≥ 2
// components under prior, global steps ρ_t from rate (use
// blr.RobbinsMonro; blr.Constant(1) with the full batch is batch VB). The
// components start at NormalGamma(xᵢ, Kappa0, A0, B0) about k distinct
// rows drawn with rnd, and q(π) at the prior.
func NewBayesGMM(x [][]float64, k int, prior GMMPrior, rate blr.Schedule, rnd *rand.Rand) (*BayesGMM, error) {
	if _, err := checkMatrix("x", x); err != nil {
		return nil, err
	}
	if err := checkMagnitude("x", x); err != nil {
		return nil, err
	}
	if k < 2 {
		return nil, inputErr("K", k, "want at least two components")
	}
	if len(x) < k {
		return nil, inputErr("N", len(x), fmt.Sprintf("want at least K = %d rows", k))
	}
	if err := prior.check(); err != nil {
		return nil, err
	}
	if rate == nil {
		return nil, inputErr("rate", nil, "required (e.g. blr.RobbinsMonro)")
	}
	if rnd == nil {
		return nil, inputErr("rnd", nil, "required to place the components")
	}
	starts := rnd.Perm(len(x))[:k]
	init := make([][]float64, k)
	for c, i := range starts {
		init[c] = x[i]
		for j, v := range x[i] {
			if err := prior.checkMean(fmt.Sprintf("x[%d][%d]", i, j), v, fmt.Sprintf("the starting mean of component %d (row %d drawn with rnd)", c, i)); err != nil {
				return nil, err
			}
		}
	}
	return NewBayesGMMAt(x, init, prior, rate)
}

// NewBayesGMMAt is NewBayesGMM with the component means started at the rows
// of means (K×D): q(μₖ_d, τₖ_d) = NormalGamma(means[k][d], Kappa0, A0, B0).
func NewBayesGMMAt(x [][]float64, means [][]float64, prior GMMPrior, rate blr.Schedule) (*BayesGMM, error) {
	d, err := checkMatrix("x", x)
	if err != nil {
		return nil, err
	}
	if err := checkMagnitude("x", x); err != nil {
		return nil, err
	}
	k := len(means)
	if k < 2 {
		return nil, inputErr("K", k, "want at least two components")
	}
	if _, err := checkMatrix("means", means); err != nil {
		return nil, err
	}
	if err := checkMagnitude("means", means); err != nil {
		return nil, err
	}
	if len(means[0]) != d {
		return nil, inputErr("len(means[0])", len(means[0]), fmt.Sprintf("want D = %d", d))
	}
	if err := prior.check(); err != nil {
		return nil, err
	}
	if rate == nil {
		return nil, inputErr("rate", nil, "required (e.g. blr.RobbinsMonro)")
	}
	g := &BayesGMM{n: len(x), d: d, k: k, prior: prior}
	for _, row := range x {
		g.x = append(g.x, row...)
	}
	alpha := make([]float64, k)
	for c := range alpha {
		alpha[c] = prior.Alpha
	}
	if g.pi, err = expfam.NewDirichlet(alpha); err != nil {
		return nil, concentrationErr("prior Alpha", prior.Alpha, "of every component in q(π)'s Dirichlet", err)
	}
	piPrior := g.pi.Clone().(*expfam.Dirichlet)
	g.piRule = blr.Rule{Prior: piPrior, Estimator: messages(g.piMessage), Rate: rate}
	ngPrior, err := expfam.NewNormalGamma(prior.M0, prior.Kappa0, prior.A0, prior.B0)
	if err != nil {
		return nil, err // prior.check built it already
	}
	for c := range k {
		for j := range d {
			if err := prior.checkMean(fmt.Sprintf("means[%d][%d]", c, j), means[c][j], fmt.Sprintf("the starting mean of component %d", c)); err != nil {
				return nil, err
			}
			q, err := expfam.NewNormalGamma(means[c][j], prior.Kappa0, prior.A0, prior.B0)
			if err != nil {
				return nil, err
			}
			g.comps = append(g.comps, q)
			idx := c*d + j
			g.compRules = append(g.compRules, blr.Rule{Prior: ngPrior,
				Estimator: messages(func(dst []float64) error { return g.compMessage(dst, idx) }), Rate: rate})
		}
	}
	g.compSt = make([]blr.State, k*d)
	if g.local, err = NewCategoricals(1, k); err != nil {
		return nil, err
	}
	g.localRule = blr.Rule{Estimator: messages(g.localMessage), Rate: blr.Constant(1)}
	g.elogpi = make([]float64, k)
	g.ng = make([]float64, k*d*4)
	g.lj = make([]float64, k)
	return g, nil
}

// expectations caches E log π and the Normal-Gamma expectations.
func (g *BayesGMM) expectations() {
	g.pi.Expectation(g.elogpi)
	for i, q := range g.comps {
		q.Expectation(g.ng[i*4 : i*4+4])
	}
}

// logJoint writes lj[k] = E log πₖ + Σ_d E log N(x_d; μₖ_d, τₖ_d⁻¹) for the
// row xi, with E log N = x·Eτμ − ½Eτμ² + ½E log τ − ½x²Eτ − ½log 2π.
func (g *BayesGMM) logJoint(lj, xi []float64) {
	d := g.d
	for c := range g.k {
		s := g.elogpi[c] - 0.5*float64(d)*math.Log(2*math.Pi)
		for j, v := range xi {
			e := g.ng[(c*d+j)*4 : (c*d+j)*4+4]
			s += v*e[0] - 0.5*e[1] + 0.5*e[2] - 0.5*v*v*e[3]
		}
		lj[c] = s
	}
}

func (g *BayesGMM) localMessage(dst []float64) error {
	k1 := g.k - 1
	for b, i := range g.batch {
		g.logJoint(g.lj, g.x[i*g.d:(i+1)*g.d])
		out := dst[b*k1 : (b+1)*k1]
		for c := range out {
			out[c] = g.lj[c] - g.lj[k1]
		}
	}
	return nil
}

// scale is N/M.
func (g *BayesGMM) scale() float64 { return float64(g.n) / float64(len(g.batch)) }

func (g *BayesGMM) piMessage(dst []float64) error {
	s := g.scale()
	for b := range g.batch {
		for c := range g.k {
			dst[c] += s * g.probs[b*g.k+c]
		}
	}
	return nil
}

// compMessage writes (N/M)Σᵢ rᵢₖ(x, −½, ½, −½x²) for component idx = k·D+d,
// the Normal-Gamma natural statistics of one observation.
func (g *BayesGMM) compMessage(dst []float64, idx int) error {
	c, j := idx/g.d, idx%g.d
	var r, rx, rxx float64
	for b, i := range g.batch {
		p := g.probs[b*g.k+c]
		v := g.x[i*g.d+j]
		r += p
		rx += p * v
		rxx += p * v * v
	}
	s := g.scale()
	dst[0] = s * rx
	dst[1] = -0.5 * s * r
	dst[2] = 0.5 * s * r
	dst[3] = -0.5 * s * rxx
	return nil
}

// Step runs one SVI step on the minibatch of row indices batch (each in
// [0, N), repeats allowed).
func (g *BayesGMM) Step(batch []int) (SVIInfo, error) {
	if len(batch) == 0 {
		return SVIInfo{}, inputErr("len(batch)", 0, "want at least one row")
	}
	for b, i := range batch {
		if i < 0 || i >= g.n {
			return SVIInfo{}, inputErr(fmt.Sprintf("batch[%d]", b), i, fmt.Sprintf("want a row in [0, %d)", g.n))
		}
	}
	g.batch = batch
	g.expectations()
	g.local.reshape(len(batch))
	if _, err := g.localRule.Step(g.local, &g.localSt, nil); err != nil {
		return SVIInfo{}, fmt.Errorf("local step: %w", err)
	}
	g.probs = g.local.Probs(grow(g.probs, len(batch)*g.k))
	info, err := g.piRule.Step(g.pi, &g.piSt, nil)
	if err != nil {
		return SVIInfo{}, fmt.Errorf("global step, q(π): %w", err)
	}
	for i, q := range g.comps {
		if _, err := g.compRules[i].Step(q, &g.compSt[i], nil); err != nil {
			return SVIInfo{}, fmt.Errorf("global step, q(μ, τ) of component %d, coordinate %d: %w", i/g.d, i%g.d, err)
		}
	}
	return SVIInfo{Rate: info.Rate, BatchSize: len(batch), LocalIters: 1}, nil
}

// ELBO returns the evidence lower bound at the current global factors with
// every q(zᵢ) at its optimum:
//
//	Σᵢ log Σₖ exp(E log πₖ + Σ_d E log N(xᵢ_d; μₖ_d, τₖ_d⁻¹)) − KL(q(π)‖p(π)) − Σₖ_d KL(q(μ, τ)‖p).
func (g *BayesGMM) ELBO() float64 {
	prior := g.prior
	g.expectations()
	var elbo float64
	for i := range g.n {
		g.logJoint(g.lj, g.x[i*g.d:(i+1)*g.d])
		elbo += floats.LogSumExp(g.lj)
	}
	alpha := make([]float64, g.k)
	for c := range alpha {
		alpha[c] = prior.Alpha
	}
	piPrior, _ := expfam.NewDirichlet(alpha)
	elbo -= g.pi.KL(piPrior)
	ngPrior, _ := expfam.NewNormalGamma(prior.M0, prior.Kappa0, prior.A0, prior.B0)
	for _, q := range g.comps {
		elbo -= q.KL(ngPrior)
	}
	return elbo
}

// Weights returns E_q[π].
func (g *BayesGMM) Weights() []float64 {
	a := g.pi.Alpha(nil)
	s := floats.Sum(a)
	for c := range a {
		a[c] /= s
	}
	return a
}

// Component returns q(μₖ_d, τₖ_d).
func (g *BayesGMM) Component(k, d int) *expfam.NormalGamma { return g.comps[k*g.d+d] }
