package table

import (
	"fmt"
	"math"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/glm"
	"gonum.org/v1/gonum/mat"
)

func init() {
	register(Row{
		Name: "Gradient descent", Family: "Gaussian (fixed covariance I)", Approximation: "delta method",
		Reference: "gradient descent θ ← θ − α∇ℓ̄(θ)", Kind: Exact, Metric: Rel, Tolerance: 1e-12,
		Check: checkGD,
	})
	register(Row{
		Name: "SGD", Family: "Gaussian (fixed covariance I)", Approximation: "delta method, minibatch gradient (N/M)Σ∇ℓᵢ",
		Reference: "SGD on the mean loss, step α = ρN", Kind: Exact, Metric: Rel, Tolerance: 1e-12,
		Check: checkSGD,
	})
	register(Row{
		Name: "Newton's method", Family: "Gaussian (full)", Approximation: "delta method, ρ = 1",
		Reference: "Newton/IRLS on L2 logistic regression; one step on a quadratic", Kind: Exact, Metric: Rel, Tolerance: 1e-10,
		Check: checkNewton,
	})
	register(Row{
		Name: "Online Newton", Family: "Gaussian (full)", Approximation: "delta method, ρ < 1",
		Reference: "damped Newton with a Hessian average S ← (1−ρ)S + ρ∇²ℓ̄", Kind: Exact, Metric: Rel, Tolerance: 1e-10,
		Check: checkOnlineNewton,
	})
	register(Row{
		Name: "Laplace's method", Family: "Gaussian (full)", Approximation: "delta method, fixed point (ρ = 0.5)",
		Reference: "MAP by Newton and the Hessian at the MAP", Kind: Exact, Metric: Rel, Tolerance: 1e-8,
		Check: checkLaplace,
	})
	register(Row{
		Name: "Conjugate Bayes", Family: "Gaussian (full); exponential families", Approximation: "exact expectations, ρ = 1",
		Reference: "closed-form posterior; recursive least squares", Kind: Exact, Metric: Rel, Tolerance: 1e-10,
		Check: checkConjugate,
	})
	register(Row{
		Name: "iBLR (full Gaussian)", Family: "Gaussian (full)", Approximation: "delta method, positivity-preserving update",
		Reference: "the plain rule's fixed point (MAP, Hessian)", Kind: Exact, Metric: Rel, Tolerance: 1e-8,
		Check: checkIBLR,
	})
}

// checkGD runs the rule with a fixed-covariance Gaussian (Σ = I) and the
// delta method beside plain gradient descent on L2 logistic regression.
func checkGD() (float64, error) {
	x, y := logisticData(200, 4, 1)
	model, err := glm.NewLogistic(x, y, 1)
	if err != nil {
		return 0, err
	}
	d := model.Dim()
	const alpha, steps = 0.01, 50
	m0 := make([]float64, d)
	for j := range m0 {
		m0[j] = 0.5 - 0.2*float64(j) // start away from zero: shrinkage would show
	}
	q, err := expfam.NewFixedGaussian(m0, ones(d))
	if err != nil {
		return 0, err
	}
	rule := blr.Rule{Estimator: &blr.Delta{Model: model}, Rate: blr.Constant(alpha)}
	var st blr.State
	theta := append([]float64(nil), m0...)
	g := make([]float64, d)
	var dev float64
	for range steps {
		if _, err := rule.Step(q, &st, nil); err != nil {
			return 0, err
		}
		model.Grad(g, theta)
		for j := range theta {
			theta[j] -= alpha * g[j]
		}
		dev = math.Max(dev, relDev(q.Mean(nil), theta))
	}
	return dev, nil
}

// checkSGD compares the rule on minibatch estimates of the sum-scale loss
// with SGD on the mean loss over the same minibatches.
func checkSGD() (float64, error) {
	const n, batch, steps, alpha, delta = 240, 16, 60, 0.05, 1.0
	x, y := logisticData(n, 4, 2)
	_, d := x.Dims()
	m0 := make([]float64, d)
	for j := range m0 {
		m0[j] = 0.3 * float64(j+1)
	}
	q, err := expfam.NewFixedGaussian(m0, ones(d))
	if err != nil {
		return 0, err
	}
	theta := append([]float64(nil), m0...)
	var st blr.State
	g := make([]float64, d)
	var dev float64
	for t := range steps {
		lo := (t * batch) % n
		xb := x.Slice(lo, lo+batch, 0, d).(*mat.Dense)
		yb := y[lo : lo+batch]
		// The rule's estimate of ∇ℓ̄ on the sum scale: (N/M)Σ_{i∈B}∇ℓᵢ + δθ.
		mb, err := glm.NewLogistic(xb, yb, 0)
		if err != nil {
			return 0, err
		}
		est := &minibatch{model: mb, scale: float64(n) / batch, prior: delta}
		rule := blr.Rule{Estimator: &blr.Delta{Model: est}, Rate: blr.Constant(alpha / n)}
		if _, err := rule.Step(q, &st, nil); err != nil {
			return 0, err
		}
		// Plain SGD on the mean loss (1/N)ℓ̄: (1/M)Σ∇ℓᵢ + (δ/N)θ.
		mb.Grad(g, theta)
		for j := range theta {
			theta[j] -= alpha * (g[j]/batch + delta/n*theta[j])
		}
		dev = math.Max(dev, relDev(q.Mean(nil), theta))
	}
	return dev, nil
}

// minibatch is the sum-scale minibatch gradient (N/M)Σ_{i∈B}∇ℓᵢ + δθ.
type minibatch struct {
	model *glm.Logistic
	scale float64
	prior float64
}

func (m *minibatch) Grad(grad, theta []float64) float64 {
	l := m.model.Grad(grad, theta)
	var r float64
	for j := range grad {
		grad[j] = m.scale*grad[j] + m.prior*theta[j]
		r += theta[j] * theta[j]
	}
	return m.scale*l + 0.5*m.prior*r
}

// newtonRun runs the full-Gaussian delta rule for steps steps and, beside it,
// plain damped Newton with the Hessian average S ← (1−ρ)S + ρ∇²ℓ̄(m),
// m ← m − ρS⁻¹∇ℓ̄(m); it returns the largest relative deviation of the means
// and precisions, and the rule's final q.
func newtonRun(model interface {
	blr.Gradienter
	blr.Hessianer
}, d int, rho float64, steps int, ibl bool) (float64, *expfam.FullGaussian, error) {
	m0 := make([]float64, d)
	q, err := expfam.NewFullGaussian(m0, identity(d, 1))
	if err != nil {
		return 0, nil, err
	}
	rule := blr.Rule{Estimator: &blr.Delta{Model: model}, Rate: blr.Constant(rho), PositivityPreserving: ibl}
	var st blr.State
	m := append([]float64(nil), m0...)
	s := identity(d, 1)
	sd := mat.NewDense(d, d, nil)
	sd.Copy(s)
	g := make([]float64, d)
	h := make([]float64, d*d)
	var dev float64
	for range steps {
		if _, err := rule.Step(q, &st, nil); err != nil {
			return 0, nil, err
		}
		if ibl {
			continue
		}
		model.Grad(g, m)
		model.Hess(h, m)
		for i := range h {
			sd.RawMatrix().Data[i] = (1-rho)*sd.RawMatrix().Data[i] + rho*h[i]
		}
		next, err := newtonStep(m, g, sd.RawMatrix().Data, rho)
		if err != nil {
			return 0, nil, err
		}
		m = next
		dev = math.Max(dev, relDev(q.Mean(nil), m))
		dev = math.Max(dev, relDev(precisionOf(q.Natural(nil), d), sd.RawMatrix().Data))
	}
	return dev, q, nil
}

func checkNewton() (float64, error) {
	x, y := logisticData(300, 5, 3)
	model, err := glm.NewLogistic(x, y, 1)
	if err != nil {
		return 0, err
	}
	dev, _, err := newtonRun(model, model.Dim(), 1, 12, false)
	if err != nil {
		return 0, err
	}
	// A quadratic converges in one step: linear regression, from any start.
	xl, yl := linearData(50, 4, 2, 4)
	lin, err := glm.NewLinear(xl, yl, 2, 0.5)
	if err != nil {
		return 0, err
	}
	d := lin.Dim()
	start := make([]float64, d)
	for j := range start {
		start[j] = float64(j) - 1.5
	}
	q, err := expfam.NewFullGaussian(start, identity(d, 3))
	if err != nil {
		return 0, err
	}
	rule := blr.Rule{Estimator: &blr.Delta{Model: lin}, Rate: blr.Constant(1)}
	if _, err := rule.Step(q, new(blr.State), nil); err != nil {
		return 0, err
	}
	mstar, hstar, err := linearPosterior(xl, yl, 2, 0.5)
	if err != nil {
		return 0, err
	}
	dev = math.Max(dev, relDev(q.Mean(nil), mstar))
	dev = math.Max(dev, relDev(precisionOf(q.Natural(nil), d), hstar))
	return dev, nil
}

func checkOnlineNewton() (float64, error) {
	x, y := logisticData(300, 5, 5)
	model, err := glm.NewLogistic(x, y, 2)
	if err != nil {
		return 0, err
	}
	dev, _, err := newtonRun(model, model.Dim(), 0.3, 25, false)
	return dev, err
}

// mapNewton runs plain Newton to ‖step‖ < 1e-13 and returns the MAP and the
// Hessian there.
func mapNewton(model interface {
	blr.Gradienter
	blr.Hessianer
}, d int) ([]float64, []float64, error) {
	m := make([]float64, d)
	g := make([]float64, d)
	h := make([]float64, d*d)
	for it := 0; it < 100; it++ {
		model.Grad(g, m)
		model.Hess(h, m)
		next, err := newtonStep(m, g, h, 1)
		if err != nil {
			return nil, nil, err
		}
		var step float64
		for j := range m {
			step = math.Max(step, math.Abs(next[j]-m[j]))
		}
		m = next
		if step < 1e-13 {
			break
		}
	}
	model.Hess(h, m)
	return m, h, nil
}

// checkLaplace runs the delta-method full-Gaussian rule with ρ = 0.5 to its
// fixed point and compares it with the MAP and the Hessian at the MAP.
func checkLaplace() (float64, error) {
	x, y := logisticData(300, 5, 6)
	model, err := glm.NewLogistic(x, y, 1)
	if err != nil {
		return 0, err
	}
	d := model.Dim()
	_, q, err := newtonRun(model, d, 0.5, 80, false)
	if err != nil {
		return 0, err
	}
	mstar, hstar, err := mapNewton(model, d)
	if err != nil {
		return 0, err
	}
	return math.Max(relDev(q.Mean(nil), mstar), relDev(precisionOf(q.Natural(nil), d), hstar)), nil
}

// linearPosterior is the closed-form posterior of Bayesian linear
// regression: S = τXᵀX + δI, m = S⁻¹τXᵀy, solved by Cholesky.
func linearPosterior(x *mat.Dense, y []float64, tau, delta float64) ([]float64, []float64, error) {
	_, d := x.Dims()
	var xtx mat.SymDense
	xtx.SymOuterK(tau, x.T())
	for j := range d {
		xtx.SetSym(j, j, xtx.At(j, j)+delta)
	}
	var xty mat.VecDense
	n, _ := x.Dims()
	xty.MulVec(x.T(), mat.NewVecDense(n, y))
	xty.ScaleVec(tau, &xty)
	var ch mat.Cholesky
	if !ch.Factorize(&xtx) {
		return nil, nil, fmt.Errorf("posterior precision not positive definite")
	}
	var m mat.VecDense
	if err := ch.SolveVecTo(&m, &xty); err != nil {
		return nil, nil, err
	}
	h := make([]float64, d*d)
	for i := range d {
		for j := range d {
			h[i*d+j] = xtx.At(i, j)
		}
	}
	return m.RawVector().Data, h, nil
}

// checkConjugate: one ρ = 1 step from any start gives the exact posterior;
// one step per observation equals recursive least squares.
func checkConjugate() (float64, error) {
	const tau, delta = 4.0, 0.5
	x, y := linearData(40, 3, tau, 7)
	n, d := x.Dims()
	lik, err := glm.NewLinear(x, y, tau, delta)
	if err != nil {
		return 0, err
	}
	prior, err := expfam.NewFullGaussian(make([]float64, d), identity(d, delta))
	if err != nil {
		return 0, err
	}
	mstar, hstar, err := linearPosterior(x, y, tau, delta)
	if err != nil {
		return 0, err
	}
	var dev float64
	for _, start := range [][]float64{{0, 0, 0}, {5, -3, 2}, {-100, 40, 1e3}} {
		q, err := expfam.NewFullGaussian(start, identity(d, 7))
		if err != nil {
			return 0, err
		}
		rule := blr.Rule{Prior: prior, Estimator: blr.Exact{Likelihood: lik}, Rate: blr.Constant(1)}
		if _, err := rule.Step(q, new(blr.State), nil); err != nil {
			return 0, err
		}
		dev = math.Max(dev, relDev(q.Mean(nil), mstar))
		dev = math.Max(dev, relDev(precisionOf(q.Natural(nil), d), hstar))
	}
	// Recursive least squares (the Kalman measurement update) beside a
	// sequence of ρ = 1 rule steps, one observation each, the posterior
	// becoming the prior.
	q := prior.Clone().(*expfam.FullGaussian)
	mr := make([]float64, d)
	p := mat.NewDense(d, d, nil)
	for j := range d {
		p.Set(j, j, 1/delta)
	}
	for i := range n {
		xi := x.Slice(i, i+1, 0, d).(*mat.Dense)
		obs, err := glm.NewLinear(xi, y[i:i+1], tau, 0)
		if err != nil {
			return 0, err
		}
		rule := blr.Rule{Prior: q.Clone(), Estimator: blr.Exact{Likelihood: obs}, Rate: blr.Constant(1)}
		if _, err := rule.Step(q, new(blr.State), nil); err != nil {
			return 0, err
		}
		// RLS: k = Px/(1/τ + xᵀPx), m ← m + k(y − xᵀm), P ← P − k xᵀP.
		row := x.RawRowView(i)
		px := make([]float64, d)
		var xpx, pred float64
		for a := range d {
			for b := range d {
				px[a] += p.At(a, b) * row[b]
			}
			xpx += row[a] * px[a]
			pred += row[a] * mr[a]
		}
		den := 1/tau + xpx
		for a := range d {
			k := px[a] / den
			mr[a] += k * (y[i] - pred)
			for b := range d {
				p.Set(a, b, p.At(a, b)-k*px[b])
			}
		}
		dev = math.Max(dev, relDev(q.Mean(nil), mr))
	}
	dev = math.Max(dev, relDev(q.Mean(nil), mstar))
	if extra := conjugateExtra; extra != nil {
		e, err := extra()
		if err != nil {
			return 0, err
		}
		dev = math.Max(dev, e)
	}
	return dev, nil
}

// conjugateExtra, when set by another file, adds the non-Gaussian conjugate
// pairs (Beta–Bernoulli, Gamma–Poisson, …) to the Conjugate Bayes row.
var conjugateExtra func() (float64, error)

// checkIBLR: from a positive-definite precision and an indefinite Hessian
// the plain rule leaves the domain and iBLR does not; on logistic regression
// iBLR reaches the plain rule's fixed point.
func checkIBLR() (float64, error) {
	s0 := mat.NewSymDense(2, []float64{2, .3, .3, 1})
	hInd := []float64{-3, 1, 1, .5}
	model := constQuad{g: []float64{0.1, -0.2}, h: hInd}
	plain, err := expfam.NewFullGaussian([]float64{0, 0}, s0)
	if err != nil {
		return 0, err
	}
	ib := plain.Clone().(*expfam.FullGaussian)
	rule := blr.Rule{Estimator: &blr.Delta{Model: model}, Rate: blr.Constant(0.9)}
	if _, err := rule.Step(plain, new(blr.State), nil); err == nil {
		return 0, fmt.Errorf("the plain rule kept an indefinite precision in the domain")
	}
	rule.PositivityPreserving = true
	if _, err := rule.Step(ib, new(blr.State), nil); err != nil {
		return 0, fmt.Errorf("iBLR left the domain: %w", err)
	}
	x, y := logisticData(300, 5, 8)
	lr, err := glm.NewLogistic(x, y, 1)
	if err != nil {
		return 0, err
	}
	d := lr.Dim()
	_, q, err := newtonRun(lr, d, 0.5, 80, true)
	if err != nil {
		return 0, err
	}
	mstar, hstar, err := mapNewton(lr, d)
	if err != nil {
		return 0, err
	}
	return math.Max(relDev(q.Mean(nil), mstar), relDev(precisionOf(q.Natural(nil), d), hstar)), nil
}

// constQuad has a constant gradient and Hessian.
type constQuad struct{ g, h []float64 }

func (c constQuad) Grad(grad, _ []float64) float64 { copy(grad, c.g); return 0 }
func (c constQuad) Hess(hess, _ []float64)         { copy(hess, c.h) }

func ones(d int) []float64 {
	v := make([]float64, d)
	for i := range v {
		v[i] = 1
	}
	return v
}
