package infer

import (
	"errors"
	"fmt"
	"math"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// GMM is a Gaussian mixture with diagonal covariances,
//
//	p(x) = Σₖ πₖ ∏_d N(x_d; μₖ_d, σ²ₖ_d).
type GMM struct {
	Weights   []float64   // π, length K, positive, summing to 1
	Means     [][]float64 // K×D
	Variances [][]float64 // K×D, positive
}

// Validate checks the mixture against data of dimension d (d ≤ 0: any) and
// returns K.
func (g GMM) Validate(d int) (int, error) {
	k := len(g.Weights)
	if k == 0 {
		return 0, inputErr("len(Weights)", 0, "want at least one component")
	}
	if len(g.Means) != k || len(g.Variances) != k {
		return 0, inputErr("len(Means), len(Variances)", fmt.Sprintf("%d, %d", len(g.Means), len(g.Variances)), fmt.Sprintf("want K = %d each", k))
	}
	if d <= 0 {
		d = len(g.Means[0])
	}
	var sum float64
	for c, w := range g.Weights {
		if err := checkPositive(fmt.Sprintf("Weights[%d]", c), w); err != nil {
			return 0, err
		}
		sum += w
		if len(g.Means[c]) != d || len(g.Variances[c]) != d {
			return 0, inputErr(fmt.Sprintf("len(Means[%d]), len(Variances[%d])", c, c), fmt.Sprintf("%d, %d", len(g.Means[c]), len(g.Variances[c])), fmt.Sprintf("want D = %d each", d))
		}
		for j := range d {
			if !finite(g.Means[c][j]) {
				return 0, inputErr(fmt.Sprintf("Means[%d][%d]", c, j), g.Means[c][j], "not finite")
			}
			if err := checkPositive(fmt.Sprintf("Variances[%d][%d]", c, j), g.Variances[c][j]); err != nil {
				return 0, err
			}
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		return 0, inputErr("sum(Weights)", sum, "want 1 within 1e-9")
	}
	return k, nil
}

// LogLikelihood returns Σᵢ log p(xᵢ).
func (g GMM) LogLikelihood(x [][]float64) (float64, error) {
	d, err := checkMatrix("x", x)
	if err != nil {
		return 0, err
	}
	k, err := g.Validate(d)
	if err != nil {
		return 0, err
	}
	lj := make([]float64, k)
	var ll float64
	for _, row := range x {
		for c := range k {
			lj[c] = math.Log(g.Weights[c])
			for j, v := range row {
				r := v - g.Means[c][j]
				lj[c] -= 0.5 * (math.Log(2*math.Pi*g.Variances[c][j]) + r*r/g.Variances[c][j])
			}
		}
		ll += floats.LogSumExp(lj)
	}
	return ll, nil
}

// EMVariant says which parameters EM learns and how far each M-step goes.
type EMVariant int

const (
	// MeansOnly learns the means; the variances and weights stay where they
	// started. EM's Q-function is then quadratic, so one delta-method step
	// with ρ = 1 (one Newton step) is the exact M-step.
	MeansOnly EMVariant = iota
	// Full learns the means, the log-variances and the K−1 logits of the
	// weights, and runs the rule on q(θ) until the Newton step is below
	// InnerTol: the converged Newton loop is the exact M-step, so the
	// iterates are classic EM's and the likelihood never decreases.
	Full
	// FullSingleStep takes one delta step (one Newton step on Q) per
	// iteration: a generalised EM that claims no monotonicity.
	FullSingleStep
)

// String is the variant's name.
func (v EMVariant) String() string {
	switch v {
	case MeansOnly:
		return "means-only"
	case Full:
		return "full (converged Newton M-step)"
	case FullSingleStep:
		return "full (single Newton step)"
	}
	return fmt.Sprintf("EMVariant(%d)", int(v))
}

// EM is expectation-maximisation for a diagonal Gaussian mixture written as
// the Bayesian learning rule on q(z)q(θ) (Khan & Rue 2023, §5.2):
//
//   - E-step: q(z) = ∏ᵢ q(zᵢ) (a Categoricals) takes one step with ρ = 1
//     and the delta method, q(zᵢ) ∝ exp(log p(xᵢ, zᵢ | θ = m)), which is the
//     exact posterior p(zᵢ | xᵢ, m);
//   - M-step: q(θ) is Gaussian and takes delta-method steps with ρ = 1 on
//     ℓ(θ) = Q(θ) = −E_{q(z)}[log p(x, z | θ)], each S′ = ∇²Q(m),
//     m′ = m − S′⁻¹∇Q(m): a Newton step on Q.
//
// θ is [μ (K·D)] for MeansOnly and [μ (K·D), log σ² (K·D), η (K−1)] with
// π = softmax(η, 0) otherwise. For the full model q(θ) = q(μ) q(log σ², η),
// two expfam.FullGaussian blocks updated in turn (μ first): the joint ∇²Q
// is indefinite whenever a mean moves by more than its component's spread
// (det of the (μ, log σ²) block ∝ σ̂² − δ²), so a joint Newton step can leave
// the Gaussian family, while each block's ∇²Q is positive definite. Since Q
// is quadratic in μ with a minimiser that does not depend on σ², the μ step
// is exact and the loop is Newton on (log σ², η). With MeansOnly there is
// only q(μ) and the step is the exact M-step.
//
// Every step is a blr.Rule step; the code here only computes
// log p(xᵢ, k | m) and Q's derivatives from the expected sufficient
// statistics. An EM is not safe for concurrent use.
type EM struct {
	// MaxInner caps the M-step's sweeps over the blocks for Full (default
	// 1000). Newton on a log-variance from far above its optimum overshoots
	// to about −σ²/σ̂² and climbs back by at most 1 a sweep, so a variance
	// that shrinks by a factor F takes about F sweeps; an M-step that has
	// not converged within MaxInner is an error wrapping ErrNotConverged.
	MaxInner int
	// InnerTol stops the M-step of Full when ‖Δm‖ ≤ InnerTol·(1+‖m‖)
	// (default 1e-14); the loop also stops when the step no longer shrinks
	// once it is below 1e-10·(1+‖m‖) (it has reached rounding).
	InnerTol float64

	x       []float64 // N×D row-major
	n, d, k int
	variant EMVariant

	qz         *Categoricals
	zRule      blr.Rule
	zSt        blr.State
	blocks     []*emBlock
	q          *gmmQ
	theta      []float64 // θ = the blocks' means, concatenated
	probs      []float64
	ll         float64
	lj         []float64
	consts     []float64 // per component: log π_k − ½Σ_d log(2πσ²)
	invVar     []float64 // K×D
	means      []float64 // K×D
	before     []float64
	iterations int
}

// emBlock is one Gaussian block of q(θ), over θ[lo:hi], with its rule.
type emBlock struct {
	q      *expfam.FullGaussian
	rule   blr.Rule
	st     blr.State
	lo, hi int
}

// EMInfo reports one EM iteration.
type EMInfo struct {
	// LogLik is log p(x | θ) at the θ the E-step used (before the M-step).
	LogLik float64
	// InnerSteps is the number of rule steps the M-step took.
	InnerSteps int
	// StepNorm is ‖Δm‖ of the M-step's last sweep over the blocks.
	StepNorm float64
}

// NewEM returns EM for the rows of x (N×D, finite) started at start.
func NewEM(x [][]float64, start GMM, variant EMVariant) (*EM, error) {
	d, err := checkMatrix("x", x)
	if err != nil {
		return nil, err
	}
	k, err := start.Validate(d)
	if err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	if k < 2 {
		return nil, inputErr("K", k, "want at least two components")
	}
	if variant < MeansOnly || variant > FullSingleStep {
		return nil, inputErr("variant", int(variant), "unknown EM variant")
	}
	n := len(x)
	e := &EM{x: make([]float64, 0, n*d), n: n, d: d, k: k, variant: variant}
	for _, row := range x {
		e.x = append(e.x, row...)
	}
	if e.qz, err = NewCategoricals(n, k); err != nil {
		return nil, err
	}
	q := &gmmQ{n: float64(n), k: k, d: d, full: variant != MeansOnly,
		r: make([]float64, k), a: make([]float64, k*d), b: make([]float64, k*d), ref: make([]float64, k*d),
		fixedVar: make([]float64, k*d), logW: make([]float64, k)}
	theta := make([]float64, q.dim())
	for c := range k {
		q.logW[c] = math.Log(start.Weights[c])
		for j := range d {
			theta[c*d+j] = start.Means[c][j]
			q.fixedVar[c*d+j] = start.Variances[c][j]
			if q.full {
				theta[k*d+c*d+j] = math.Log(start.Variances[c][j])
			}
		}
	}
	if q.full {
		for c := range k - 1 {
			theta[2*k*d+c] = q.logW[c] - q.logW[k-1]
		}
	}
	e.q, e.theta = q, theta
	q.g = make([]float64, len(theta))
	q.h = make([]float64, len(theta)*len(theta))
	cuts := []int{0, k * d}
	if q.full {
		cuts = append(cuts, len(theta))
	}
	for b := range len(cuts) - 1 {
		lo, hi := cuts[b], cuts[b+1]
		prec := mat.NewSymDense(hi-lo, nil)
		for i := range hi - lo {
			prec.SetSym(i, i, 1) // any start: with ρ = 1 a step sets S = ∇²Q
		}
		g, err := expfam.NewFullGaussian(theta[lo:hi], prec)
		if err != nil {
			return nil, err
		}
		model := &gmmBlock{q: q, theta: theta, lo: lo, hi: hi}
		e.blocks = append(e.blocks, &emBlock{q: g, lo: lo, hi: hi,
			rule: blr.Rule{Estimator: &blr.Delta{Model: model}, Rate: blr.Constant(1)}})
	}
	e.zRule = blr.Rule{Estimator: messages(e.logJoint), Rate: blr.Constant(1)}
	e.lj = make([]float64, k)
	e.consts = make([]float64, k)
	e.invVar = make([]float64, k*d)
	e.means = make([]float64, k*d)
	e.before = make([]float64, len(theta))
	return e, nil
}

// params reads μ, 1/σ² and the per-component constants from θ.
func (e *EM) params(theta []float64) {
	k, d := e.k, e.d
	copy(e.means, theta[:k*d])
	logW := e.q.logW
	if e.q.full {
		logWeights(logW, theta[2*k*d:])
	}
	for c := range k {
		e.consts[c] = logW[c]
		for j := range d {
			var v float64
			if e.q.full {
				v = theta[k*d+c*d+j]
				e.invVar[c*d+j] = math.Exp(-v)
			} else {
				v = math.Log(e.q.fixedVar[c*d+j])
				e.invVar[c*d+j] = 1 / e.q.fixedVar[c*d+j]
			}
			e.consts[c] -= 0.5 * (math.Log(2*math.Pi) + v)
		}
	}
}

// logWeights writes log π = η̃ − logsumexp(η̃) with η̃ = (η, 0).
func logWeights(dst, eta []float64) {
	k := len(dst)
	copy(dst, eta)
	dst[k-1] = 0
	lse := floats.LogSumExp(dst)
	for c := range dst {
		dst[c] -= lse
	}
}

// logJoint is the E-step's message: row i gets log p(xᵢ, k | m) − log
// p(xᵢ, K−1 | m) for k < K−1. It also leaves log p(x | m) in e.ll.
func (e *EM) logJoint(dst []float64) error {
	e.params(e.theta)
	k, d := e.k, e.d
	k1 := k - 1
	var ll float64
	for i := range e.n {
		xi := e.x[i*d : (i+1)*d]
		mx := math.Inf(-1)
		for c := range k {
			s := e.consts[c]
			mu := e.means[c*d : (c+1)*d]
			iv := e.invVar[c*d : (c+1)*d]
			for j, v := range xi {
				r := v - mu[j]
				s -= 0.5 * r * r * iv[j]
			}
			e.lj[c] = s
			mx = math.Max(mx, s)
		}
		var se float64
		for _, v := range e.lj {
			se += math.Exp(v - mx)
		}
		ll += mx + math.Log(se)
		last := e.lj[k1]
		out := dst[i*k1 : (i+1)*k1]
		for c := range out {
			out[c] = e.lj[c] - last
		}
	}
	e.ll = ll
	return nil
}

// Iterate runs one EM iteration: the E-step, then the M-step.
func (e *EM) Iterate() (EMInfo, error) {
	if _, err := e.zRule.Step(e.qz, &e.zSt, nil); err != nil {
		return EMInfo{}, fmt.Errorf("EM iteration %d, E-step: %w", e.iterations, err)
	}
	info := EMInfo{LogLik: e.ll}
	e.probs = e.qz.Probs(grow(e.probs, e.n*e.k))
	e.q.stats(e.x, e.probs, e.theta)
	for c, r := range e.q.r {
		if !(r > 0) {
			return info, fmt.Errorf("EM iteration %d: component %d has total responsibility %g: %w", e.iterations, c, r, ErrInput)
		}
	}
	sweeps := 1
	if e.variant == Full {
		sweeps = e.MaxInner
		if sweeps <= 0 {
			sweeps = defaultMaxInner
		}
	}
	tol := e.InnerTol
	if tol <= 0 {
		tol = 1e-14
	}
	prev := math.Inf(1)
	converged := e.variant != Full
	var scale float64
	for range sweeps {
		copy(e.before, e.theta)
		for _, b := range e.blocks {
			if _, err := b.rule.Step(b.q, &b.st, nil); err != nil {
				if errors.Is(err, expfam.ErrDomain) {
					err = fmt.Errorf("%w (∇²Q is not positive definite: a component's variance has collapsed to 0, or the Newton step left the domain)", err)
				}
				return info, fmt.Errorf("EM iteration %d, M-step %d: %w", e.iterations, info.InnerSteps, err)
			}
			info.InnerSteps++
			b.q.Mean(e.theta[b.lo:b.hi])
		}
		var step, norm float64
		for i, v := range e.theta {
			step += (v - e.before[i]) * (v - e.before[i])
			norm += v * v
		}
		step = math.Sqrt(step)
		scale = 1 + math.Sqrt(norm)
		info.StepNorm = step
		if step <= tol*scale || (step <= 1e-10*scale && step >= prev) {
			converged = true
			break
		}
		prev = step
	}
	e.iterations++
	if !converged {
		return info, fmt.Errorf("EM iteration %d: the M-step's Newton loop did not converge in %d sweeps (last step %.3g, tolerance %.3g): the parameters are where it stopped; raise MaxInner, or use FullSingleStep: %w",
			e.iterations-1, sweeps, info.StepNorm, tol*scale, ErrNotConverged)
	}
	return info, nil
}

// defaultMaxInner is EM.MaxInner's default.
const defaultMaxInner = 1000

// GMM returns the mixture at θ = m, the mean of q(θ).
func (e *EM) GMM() GMM {
	e.params(e.theta)
	g := GMM{Weights: make([]float64, e.k), Means: make([][]float64, e.k), Variances: make([][]float64, e.k)}
	for c := range e.k {
		g.Weights[c] = math.Exp(e.q.logW[c])
		g.Means[c] = append([]float64(nil), e.means[c*e.d:(c+1)*e.d]...)
		g.Variances[c] = make([]float64, e.d)
		for j := range e.d {
			g.Variances[c][j] = 1 / e.invVar[c*e.d+j]
		}
	}
	return g
}

// Theta returns θ = m, the mean of q(θ), in the layout documented on EM.
func (e *EM) Theta() []float64 { return append([]float64(nil), e.theta...) }

// Responsibilities returns q(zᵢ = k), N×K row-major (allocated if dst is nil).
func (e *EM) Responsibilities(dst []float64) []float64 { return e.qz.Probs(dst) }

// LogLikelihood returns log p(x | θ) at the current θ = m.
func (e *EM) LogLikelihood() float64 {
	tmp := make([]float64, e.qz.Dim())
	_ = e.logJoint(tmp)
	return e.ll
}

// gmmBlock is Q as a function of the block θ[lo:hi], the rest of θ held at
// the other blocks' means; it extracts its gradient and Hessian from Q's.
type gmmBlock struct {
	q      *gmmQ
	theta  []float64
	lo, hi int
}

// Grad implements blr.Gradienter.
func (b *gmmBlock) Grad(grad, x []float64) float64 {
	copy(b.theta[b.lo:b.hi], x)
	v := b.q.Grad(b.q.g, b.theta)
	copy(grad, b.q.g[b.lo:b.hi])
	return v
}

// Hess implements blr.Hessianer.
func (b *gmmBlock) Hess(hess, x []float64) {
	copy(b.theta[b.lo:b.hi], x)
	b.q.Hess(b.q.h, b.theta)
	p, n := len(b.theta), b.hi-b.lo
	for i := range n {
		copy(hess[i*n:(i+1)*n], b.q.h[(b.lo+i)*p+b.lo:(b.lo+i)*p+b.hi])
	}
}

// gmmQ is EM's Q-function, Q(θ) = −Σᵢ Σₖ rᵢₖ log(πₖ N(xᵢ; μₖ, σ²ₖ)), held by
// the expected sufficient statistics Rₖ = Σᵢ rᵢₖ, Aₖ = Σᵢ rᵢₖ(xᵢ − μ̃ₖ) and
// Bₖ = Σᵢ rᵢₖ(xᵢ − μ̃ₖ)² about the reference μ̃ (the means at the E-step),
// so that S1 = A − Rδ and S2 = B − 2δA + Rδ² (δ = μ − μ̃) have no
// cancellation. Per coordinate, with e = 1/σ²,
//
//	∂Q/∂μ = −S1·e,  ∂Q/∂v = ½R − ½S2·e,  ∂Q/∂ηⱼ = Nπⱼ − Rⱼ,
//	∂²Q/∂μ² = R·e,  ∂²Q/∂μ∂v = S1·e,  ∂²Q/∂v² = ½S2·e,  ∂²Q/∂η² = N(diag π − ππᵀ).
type gmmQ struct {
	n        float64
	k, d     int
	full     bool
	r        []float64 // R_k
	a, b     []float64 // A, B, K×D
	ref      []float64 // μ̃, K×D
	fixedVar []float64 // σ² when not learnt, K×D
	logW     []float64 // log π (fixed, or scratch when learnt)
	g, h     []float64 // scratch: full gradient and Hessian
}

func (q *gmmQ) dim() int {
	if q.full {
		return 2*q.k*q.d + q.k - 1
	}
	return q.k * q.d
}

// stats computes R, A, B from the responsibilities (N×K) about ref = μ.
func (q *gmmQ) stats(x, probs, theta []float64) {
	k, d := q.k, q.d
	copy(q.ref, theta[:k*d])
	clear(q.r)
	clear(q.a)
	clear(q.b)
	n := len(x) / d
	for i := range n {
		xi := x[i*d : (i+1)*d]
		for c := range k {
			r := probs[i*k+c]
			q.r[c] += r
			ref := q.ref[c*d : (c+1)*d]
			a := q.a[c*d : (c+1)*d]
			b := q.b[c*d : (c+1)*d]
			for j, v := range xi {
				t := v - ref[j]
				a[j] += r * t
				b[j] += r * t * t
			}
		}
	}
}

// moments returns S1, S2 and e = 1/σ² for coordinate (c, j) at θ.
func (q *gmmQ) moments(theta []float64, c, j int) (s1, s2, e, v float64) {
	i := c*q.d + j
	delta := theta[i] - q.ref[i]
	r := q.r[c]
	s1 = q.a[i] - r*delta
	s2 = q.b[i] - 2*delta*q.a[i] + r*delta*delta
	if q.full {
		v = theta[q.k*q.d+i]
		e = math.Exp(-v)
	} else {
		v = math.Log(q.fixedVar[i])
		e = 1 / q.fixedVar[i]
	}
	return s1, s2, e, v
}

// Grad implements blr.Gradienter: it writes ∇Q(θ) and returns Q(θ).
func (q *gmmQ) Grad(grad, theta []float64) float64 {
	k, d := q.k, q.d
	kd := k * d
	var val float64
	for c := range k {
		for j := range d {
			s1, s2, e, v := q.moments(theta, c, j)
			i := c*d + j
			grad[i] = -s1 * e
			val += 0.5*q.r[c]*(math.Log(2*math.Pi)+v) + 0.5*s2*e
			if q.full {
				grad[kd+i] = 0.5*q.r[c] - 0.5*s2*e
			}
		}
	}
	if q.full {
		logWeights(q.logW, theta[2*kd:])
	}
	for c := range k {
		val -= q.r[c] * q.logW[c]
		if q.full && c < k-1 {
			grad[2*kd+c] = q.n*math.Exp(q.logW[c]) - q.r[c]
		}
	}
	return val
}

// Hess implements blr.Hessianer: it writes ∇²Q(θ), row-major.
func (q *gmmQ) Hess(hess, theta []float64) {
	clear(hess)
	p := q.dim()
	k, d := q.k, q.d
	kd := k * d
	for c := range k {
		for j := range d {
			s1, s2, e, _ := q.moments(theta, c, j)
			i := c*d + j
			hess[i*p+i] = q.r[c] * e
			if q.full {
				iv := kd + i
				hess[i*p+iv] = s1 * e
				hess[iv*p+i] = s1 * e
				hess[iv*p+iv] = 0.5 * s2 * e
			}
		}
	}
	if !q.full {
		return
	}
	logWeights(q.logW, theta[2*kd:])
	for a := range k - 1 {
		pa := math.Exp(q.logW[a])
		for b := range k - 1 {
			pb := math.Exp(q.logW[b])
			h := -q.n * pa * pb
			if a == b {
				h += q.n * pa
			}
			hess[(2*kd+a)*p+2*kd+b] = h
		}
	}
}
