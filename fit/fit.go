package fit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// Posterior is a fitted posterior: a Gaussian over θ (a point for MAP) with
// what the method reports about it.
type Posterior struct {
	// Options are the options used, with their defaults filled in.
	Options Options
	// Features is the number of feature columns (without the intercept).
	Features int
	// Classes is K for the classification models, 0 for regression.
	Classes int
	// Mean is the posterior mean (the MAP for MethodMAP), the intercept last
	// (of each class block for the multinomial model; for linear regression
	// with learnt noise, ρ = log τ follows the intercept).
	Mean []float64
	// Precision is the full precision matrix S of Laplace and VI, and for
	// MAP the Hessian at the MAP (MAP's predictive ignores it); nil for the
	// diagonal methods.
	Precision *mat.SymDense
	// PrecisionDiag is the diagonal precision of vi-diag, vogn and ivon; nil
	// otherwise.
	PrecisionDiag []float64
	// ELBO is the evidence lower bound of the posterior Gaussian,
	// E_q[log p(y|θ)] + E_q[log p(θ)] + H(q), in nats; HasELBO says whether
	// it applies (not for MAP). For the multinomial model it is a Monte
	// Carlo estimate with the training draws.
	ELBO    float64
	HasELBO bool
	// ELBOStdErr is the Monte Carlo standard error of the ELBO where it is
	// an average over draws of θ (the MLP); 0 otherwise.
	ELBOStdErr float64
	// LogEvidence is the Laplace approximation of log p(y) (MethodLaplace);
	// for linear regression with known noise it is exact. HasLogEvidence
	// says whether it applies.
	LogEvidence    float64
	HasLogEvidence bool
	// Iterations is the number of rule steps taken (for VI, after the
	// Laplace start; for vogn and ivon, the minibatch steps).
	Iterations int
	// Converged says whether a deterministic method met its tolerance
	// within MaxIter (always true for vogn and ivon, which run a fixed
	// number of epochs).
	Converged bool
	// Notes are remarks for the user (non-convergence, defaults taken).
	Notes []string

	prob *problem
}

// Fit fits the model to the table x (N rows of features, no intercept
// column: Fit adds it; the MLP has biases) and y (N labels or targets) with
// opt's method. Labels are 0/1 for ModelLogistic and class indices 0…K−1
// for ModelMultinomial and the classifying MLP. Invalid options give a
// *OptionError (see Options.Validate and the limits on Options), invalid
// data a *DataError; a model too large for the methods (more than MaxParams
// parameters of a GLM, MaxMLPParams weights of the MLP) is refused before
// it is built.
func Fit(x *mat.Dense, y []float64, opt Options) (*Posterior, error) {
	opt = opt.resolved()
	if err := opt.validate(); err != nil {
		return nil, err
	}
	p, err := newProblem(x, y, opt)
	if err != nil {
		return nil, err
	}
	_, feat := x.Dims()
	post := &Posterior{Options: opt, Features: feat, Classes: p.classes, prob: p}
	if p.mlp != nil {
		if err := p.fitMLP(post); err != nil {
			return nil, err
		}
		return post, nil
	}
	switch opt.Method {
	case MethodMAP, MethodLaplace:
		q, it, conv, err := p.newton(p.start(y))
		if err != nil {
			return nil, err
		}
		post.Iterations, post.Converged = it, conv
		post.setFull(q)
		if !conv {
			post.Notes = append(post.Notes, fmt.Sprintf("Newton did not reach ‖∇ℓ̄‖ ≤ %g·‖∇ℓ̄(θ₀)‖ in %d iterations", opt.Tol, opt.MaxIter))
		}
		if opt.Method == MethodLaplace {
			if err := post.laplaceEvidence(q); err != nil {
				return nil, err
			}
			if err := post.setELBO(q); err != nil {
				return nil, err
			}
		}
	case MethodVI, MethodVIDiag:
		q0, _, conv0, err := p.newton(p.start(y))
		if err != nil {
			return nil, err
		}
		if !conv0 {
			post.Notes = append(post.Notes, "the Laplace start did not converge")
		}
		var q expfam.Gaussian = q0
		if opt.Method == MethodVIDiag {
			mean := q0.Mean(nil)
			s := q0.Precision(nil)
			diag := make([]float64, len(mean))
			for j := range diag {
				diag[j] = s.At(j, j)
			}
			dq, err := expfam.NewDiagGaussian(mean, diag)
			if err != nil {
				return nil, fmt.Errorf("fit: starting vi-diag at the MAP: %w", err)
			}
			q = dq
		}
		it, conv, err := p.vi(q)
		if err != nil {
			return nil, err
		}
		post.Iterations, post.Converged = it, conv
		if !conv {
			post.Notes = append(post.Notes, fmt.Sprintf("VI did not reach a relative change of λ ≤ %g in %d iterations", opt.Tol, opt.MaxIter))
		}
		if fq, ok := q.(*expfam.FullGaussian); ok {
			post.setFull(fq)
		} else {
			post.setDiag(q.(*expfam.DiagGaussian))
		}
		if err := post.setELBO(q); err != nil {
			return nil, err
		}
	case MethodVOGN, MethodIVON:
		q, it, err := p.engine(y)
		if err != nil {
			return nil, err
		}
		post.Iterations, post.Converged = it, true
		post.setDiag(q)
		if err := post.setELBO(q); err != nil {
			return nil, err
		}
	}
	return post, nil
}

func (p *Posterior) setFull(q *expfam.FullGaussian) {
	p.Mean = q.Mean(nil)
	p.Precision = q.Precision(nil)
}

func (p *Posterior) setDiag(q *expfam.DiagGaussian) {
	p.Mean = q.Mean(nil)
	p.PrecisionDiag = q.Precision(nil)
}

// Gaussian returns the posterior as an expfam Gaussian (a full or diagonal
// one); for MethodMAP, the Laplace Gaussian N(MAP, H⁻¹).
func (p *Posterior) Gaussian() (expfam.Gaussian, error) {
	if p.Precision != nil {
		return expfam.NewFullGaussian(p.Mean, p.Precision)
	}
	return expfam.NewDiagGaussian(p.Mean, p.PrecisionDiag)
}

// Covariance returns the posterior covariance (diagonal for the diagonal
// methods).
func (p *Posterior) Covariance() (*mat.SymDense, error) {
	if p.Precision != nil {
		var ch mat.Cholesky
		if !ch.Factorize(p.Precision) {
			return nil, errors.New("fit: the posterior precision is not positive definite")
		}
		var c mat.SymDense
		if err := ch.InverseTo(&c); err != nil {
			// A mat.Condition error is a warning: the inverse is computed,
			// with a loss of accuracy.
			var cond mat.Condition
			if !errors.As(err, &cond) {
				return nil, fmt.Errorf("fit: inverting the posterior precision: %w", err)
			}
		}
		return &c, nil
	}
	c := mat.NewSymDense(len(p.PrecisionDiag), nil)
	for j, s := range p.PrecisionDiag {
		c.SetSym(j, j, 1/s)
	}
	return c, nil
}

// ---- Newton: the delta-method full-Gaussian rule ----

// newton runs the delta-method full-Gaussian rule with ρ = 1 (Newton's
// method), halving ρ for a step that fails or raises ℓ̄, until
// ‖∇ℓ̄(m)‖ ≤ Tol·‖∇ℓ̄(m₀)‖. It then takes one more ρ = 1 step from the
// converged mean, so that the precision is ∇²ℓ̄ at the mean the step started
// from (and the mean moves by a Newton correction of the order of the
// squared residual gradient). It returns the steps taken, that one
// included, and whether the tolerance was met.
func (p *problem) newton(m0 []float64) (*expfam.FullGaussian, int, bool, error) {
	d := p.dim
	model := &gradCache{newtonModel: p.model}
	g := make([]float64, d)
	loss := model.Grad(g, m0)
	g0 := norm(g)
	// Start at the prior's precision: a full step (ρ = 1) replaces it by
	// the Hessian, and a damped one mixes the two.
	s0 := mat.NewSymDense(d, nil)
	for j := range d {
		s0.SetSym(j, j, p.delta[j])
	}
	q, err := expfam.NewFullGaussian(m0, s0)
	if err != nil {
		return nil, 0, false, fmt.Errorf("fit: the start: %w", err)
	}
	rule := blr.Rule{Estimator: &blr.Delta{Model: model}}
	var st blr.State
	mean := make([]float64, d)
	g2 := make([]float64, d)
	conv := false
	it := 0
	for ; it <= p.opt.MaxIter; it++ {
		if norm(g) <= p.opt.Tol*g0 {
			conv = true
			break
		}
		if it == p.opt.MaxIter {
			break
		}
		accepted := false
		for rho := 1.0; rho >= 1.0/(1<<30); rho /= 2 {
			trial := q.Clone().(*expfam.FullGaussian)
			rule.Rate = blr.Constant(rho)
			if _, err := rule.Step(trial, &st, nil); err != nil {
				if errors.Is(err, expfam.ErrDomain) || errors.Is(err, blr.ErrNonFinite) {
					continue
				}
				return nil, it, false, err
			}
			newLoss := model.Grad(g2, trial.Mean(mean))
			if newLoss <= loss+1e-12*(1+math.Abs(loss)) {
				q, loss = trial, newLoss
				copy(g, g2)
				accepted = true
				break
			}
		}
		if !accepted {
			return nil, it, false, fmt.Errorf("fit: Newton cannot decrease the loss %g from iteration %d (gradient norm %g)", loss, it, norm(g))
		}
	}
	// One more full step from the converged mean: for Laplace it makes the
	// precision the Hessian at the mean it started from, and for both it
	// polishes the mean (Newton converges quadratically, so the step is of
	// the order of the squared residual).
	rule.Rate = blr.Constant(1)
	if _, err := rule.Step(q, &st, nil); err != nil {
		return nil, it, conv, fmt.Errorf("fit: the final Newton step at the MAP: %w", err)
	}
	return q, it + 1, conv, nil
}

// ---- VI: the rule with exact (or Monte Carlo) Gaussian expectations ----

// vi runs the positivity-preserving rule (iBLR) with the problem's
// expectations on q (full or diagonal Gaussian) until the natural parameter
// moves by at most Tol relative.
//
// It starts with ρ = 1 (a full step: for a full Gaussian with exact
// expectations a Newton-like step). A step is undone and retried with half
// the ρ when it leaves the domain, when the ELBO at the point it led to is
// lower than where it started (beyond rounding), or when the step length
// has grown five times in a row (an unstable mode: the diagonal family's
// mean step is a Jacobi iteration, which diverges for strongly correlated
// features at ρ = 1). The halved ρ also becomes a cap; below the cap ρ
// doubles again after 20 accepted steps, so that a short transient does
// not slow the whole run. Below ρ = 1/1024 every step is taken as it comes.
func (p *problem) vi(q expfam.Gaussian) (int, bool, error) {
	est := &viEstimator{m: p.moments}
	rule := blr.Rule{Estimator: est, PositivityPreserving: true}
	var st blr.State
	const minRho = 1.0 / 1024
	rho, rhoCap := 1.0, 1.0
	accepted, growing := 0, 0
	prevStep := math.Inf(1)
	var prev expfam.Family
	prevELBO := math.Inf(-1)
	lam := make([]float64, q.Dim())
	// What counts as the ELBO going down: rounding for exact expectations;
	// for Monte Carlo ones more, since the rule's fixed point (Ĥ = S, ĝ = 0
	// with the same draws) is not exactly the maximum of the sample-average
	// ELBO, so near convergence the estimate may drift down by about the
	// square of the Monte Carlo error.
	slack := 1e-12
	if p.multinomial != nil {
		slack = 1e-6
	}
	shorter := func() {
		rhoCap = rho / 2
		rho = rhoCap
		accepted, growing = 0, 0
		prevStep = math.Inf(1)
	}
	for it := 0; it < p.opt.MaxIter; it++ {
		snap := q.Clone()
		rule.Rate = blr.Constant(rho)
		est.evaluated = false
		info, err := rule.Step(q, &st, nil)
		if err != nil && (!est.evaluated || rho <= minRho) {
			return it, false, err
		}
		if err != nil {
			// The step left the domain or overflowed (q is unchanged):
			// retry it shorter.
			shorter()
			continue
		}
		elbo := p.elboFrom(est.loss, snap.(expfam.Gaussian))
		if prev != nil && rho > minRho && (elbo < prevELBO-slack*(1+math.Abs(prevELBO)) || growing >= 5) {
			// The previous step lowered the ELBO or the steps keep growing:
			// go back to where that step started and take it shorter.
			if err := q.SetNatural(prev.Natural(lam)); err != nil {
				return it, false, err
			}
			shorter()
			continue
		}
		rel := info.StepNorm / norm(snap.Natural(lam))
		if rel > prevStep {
			growing++
		} else {
			growing = 0
		}
		prevStep = rel
		accepted++
		if accepted%20 == 0 && rho < rhoCap {
			rho = math.Min(rhoCap, 2*rho)
		}
		prev, prevELBO = snap, elbo
		if rel <= p.opt.Tol {
			return it + 1, true, nil
		}
	}
	return p.opt.MaxIter, false, nil
}

// viEstimator is the blr.Estimator of vi: it calls the momenter, converts by
// q.MuGrad, and keeps the expected data loss of the q it was called at.
type viEstimator struct {
	m         momenter
	loss      float64
	evaluated bool
}

// Estimate implements blr.Estimator.
func (e *viEstimator) Estimate(dst []float64, q expfam.Family, _ *rand.Rand) ([]float64, error) {
	gq, ok := q.(expfam.Gaussian)
	if !ok {
		return nil, fmt.Errorf("fit: VI needs a Gaussian family, not %T", q)
	}
	loss, g, h, err := e.m.Moments(gq)
	if err != nil {
		return nil, err
	}
	e.loss, e.evaluated = loss, true
	return gq.MuGrad(dst, g, h), nil
}

func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// gradCache remembers the last gradient: Newton's acceptance test evaluates
// ∇ℓ̄ at the new mean, and the next step's delta method asks for it again.
type gradCache struct {
	newtonModel
	theta, grad []float64
	loss        float64
}

// Grad implements blr.Gradienter.
func (c *gradCache) Grad(grad, theta []float64) float64 {
	if c.theta != nil && slices.Equal(theta, c.theta) {
		copy(grad, c.grad)
		return c.loss
	}
	c.loss = c.newtonModel.Grad(grad, theta)
	c.theta = append(c.theta[:0], theta...)
	c.grad = append(c.grad[:0], grad...)
	return c.loss
}
