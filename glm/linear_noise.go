package glm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// LinearNoise is linear regression with a learnt noise precision τ = e^ρ.
// Its parameter is θ = (w, ρ), w ∈ ℝᴰ with ρ last, and
//
//	ℓ̄(θ) = Σᵢ [½e^ρ(yᵢ − xᵢᵀw)² − ½ρ] + ½Σⱼδⱼwⱼ² + ½δ_ρ(ρ − ρ₀)²,
//
// which is −log p(y, θ) up to constants: LikConst is ½N log 2π. The prior on
// ρ is N(ρ₀, 1/δ_ρ), a log-normal prior on τ.
//
// Under a Gaussian q over θ every expectation is closed-form: with the score
// s = xᵀw and ρ jointly Gaussian (means a, b; variances v, v_ρ; covariance
// c), E[e^ρ g(s)] = M·E[g(s′)] with M = exp(b + v_ρ/2) and s′ ~ N(a+c, v)
// (exponential tilting). So Moments is exact, with no quadrature and no
// sampling: writing r̃ = y − a − c,
//
//	E[ℓᵢ] = ½M(r̃² + v) − ½b,  E[∂_sℓᵢ] = −Mr̃,  E[∂_ρℓᵢ] = ½M(r̃² + v) − ½,
//	E[∂²_sℓᵢ] = M,  E[∂_s∂_ρℓᵢ] = −Mr̃,  E[∂²_ρℓᵢ] = ½M(r̃² + v).
type LinearNoise struct {
	X              *mat.Dense // N×D design
	Y              []float64  // targets
	PriorPrecision float64    // δ ≥ 0 of every wⱼ
	// PriorPrecisions, when set (length D), replaces PriorPrecision with one
	// δⱼ per weight. Set it with SetPriorPrecisions.
	PriorPrecisions []float64
	NoisePriorMean  float64 // ρ₀
	NoisePrecision0 float64 // δ_ρ > 0, the prior precision of ρ = log τ

	r, a, v, cv, e1, e2, g, h, m, blk []float64
	gr                                gram
}

// NewLinearNoise checks its inputs and returns the model.
func NewLinearNoise(x *mat.Dense, y []float64, priorPrecision, noisePriorMean, noisePriorPrecision float64) (*LinearNoise, error) {
	n, _ := x.Dims()
	if len(y) != n {
		return nil, fmt.Errorf("glm: %d targets for %d rows", len(y), n)
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("glm: target y[%d] = %g is not finite", i, v)
		}
	}
	if !(priorPrecision >= 0) || math.IsInf(priorPrecision, 0) {
		return nil, fmt.Errorf("glm: prior precision = %g: want a finite value ≥ 0", priorPrecision)
	}
	if math.IsNaN(noisePriorMean) || math.IsInf(noisePriorMean, 0) {
		return nil, fmt.Errorf("glm: noise prior mean = %g: want a finite value", noisePriorMean)
	}
	if !(noisePriorPrecision > 0) || math.IsInf(noisePriorPrecision, 0) {
		return nil, fmt.Errorf("glm: noise prior precision = %g: want a finite value > 0", noisePriorPrecision)
	}
	return &LinearNoise{X: x, Y: y, PriorPrecision: priorPrecision, NoisePriorMean: noisePriorMean, NoisePrecision0: noisePriorPrecision}, nil
}

// Dim is the number of parameters D+1.
func (m *LinearNoise) Dim() int { _, d := m.X.Dims(); return d + 1 }

// SetPriorPrecisions sets one prior precision δⱼ per weight (length D, a
// copy), each finite and ≥ 0; nil restores the scalar PriorPrecision.
func (m *LinearNoise) SetPriorPrecisions(p []float64) error {
	if p == nil {
		m.PriorPrecisions = nil
		return nil
	}
	if err := checkPrecisions(p, m.Dim()-1); err != nil {
		return err
	}
	m.PriorPrecisions = append([]float64(nil), p...)
	return nil
}

// Precisions writes the prior precisions of θ = (w, ρ) (length D+1).
func (m *LinearNoise) Precisions(dst []float64) []float64 {
	d := m.Dim()
	if dst == nil {
		dst = make([]float64, d)
	}
	fillPrecisions(dst[:d-1], m.PriorPrecision, m.PriorPrecisions, d-1)
	dst[d-1] = m.NoisePrecision0
	return dst
}

// LikConst is ½N log 2π: −log p(y|θ) = Σᵢℓᵢ(θ) + LikConst().
func (m *LinearNoise) LikConst() float64 {
	n, _ := m.X.Dims()
	return 0.5 * float64(n) * math.Log(2*math.Pi)
}

// residuals fills m.r with yᵢ − xᵢᵀw.
func (m *LinearNoise) residuals(theta []float64) {
	n, d := m.X.Dims()
	if len(theta) != d+1 {
		panic(ErrShape)
	}
	m.r = resize(m.r, n)
	mat.NewVecDense(n, m.r).MulVec(m.X, mat.NewVecDense(d, theta[:d]))
	for i := range m.r {
		m.r[i] = m.Y[i] - m.r[i]
	}
}

// Grad writes ∇ℓ̄(θ) into grad and returns ℓ̄(θ).
func (m *LinearNoise) Grad(grad, theta []float64) float64 {
	n, d := m.X.Dims()
	if len(grad) != d+1 {
		panic(ErrShape)
	}
	m.residuals(theta)
	rho := theta[d]
	tau := math.Exp(rho)
	var ss float64
	for _, r := range m.r {
		ss += r * r
	}
	for i := range m.r {
		m.r[i] *= -tau
	}
	mat.NewVecDense(d, grad[:d]).MulVec(m.X.T(), mat.NewVecDense(n, m.r))
	var reg float64
	for j := range d {
		dj := precisionAt(m.PriorPrecision, m.PriorPrecisions, j)
		grad[j] += dj * theta[j]
		reg += dj * theta[j] * theta[j]
	}
	dr := rho - m.NoisePriorMean
	grad[d] = 0.5*tau*ss - 0.5*float64(n) + m.NoisePrecision0*dr
	return 0.5*tau*ss - 0.5*float64(n)*rho + 0.5*reg + 0.5*m.NoisePrecision0*dr*dr
}

// Hess writes ∇²ℓ̄(θ), (D+1)×(D+1) row-major: e^ρXᵀX + diag(δ) in the w
// block, −e^ρXᵀr against ρ, and ½e^ρ‖r‖² + δ_ρ for ρ (r = y − Xw).
func (m *LinearNoise) Hess(hess, theta []float64) {
	n, d := m.X.Dims()
	if len(hess) != (d+1)*(d+1) {
		panic(ErrShape)
	}
	m.residuals(theta)
	tau := math.Exp(theta[d])
	m.e2 = resize(m.e2, n)
	var ss float64
	for i, r := range m.r {
		m.e2[i] = tau
		ss += r * r
	}
	m.fillHessian(hess, m.e2, ss*tau*0.5)
	// Cross terms: Σᵢ xᵢ(−τrᵢ).
	for i := range m.r {
		m.r[i] *= -tau
	}
	m.cross(hess, m.r)
}

// fillHessian writes Xᵀdiag(w)X + diag(δ) into the w block and rr + δ_ρ
// into the ρρ entry of the (D+1)×(D+1) hess.
func (m *LinearNoise) fillHessian(hess, w []float64, rr float64) {
	_, d := m.X.Dims()
	m.blk = resize(m.blk, d*d)
	m.gr.weighted(m.blk, m.X, w)
	for r := range d {
		copy(hess[r*(d+1):r*(d+1)+d], m.blk[r*d:(r+1)*d])
		hess[r*(d+1)+r] += precisionAt(m.PriorPrecision, m.PriorPrecisions, r)
	}
	hess[d*(d+1)+d] = rr + m.NoisePrecision0
}

// cross writes Xᵀc into the last row and column of hess.
func (m *LinearNoise) cross(hess, c []float64) {
	n, d := m.X.Dims()
	col := make([]float64, d)
	mat.NewVecDense(d, col).MulVec(m.X.T(), mat.NewVecDense(n, c))
	for j, v := range col {
		hess[j*(d+1)+d] = v
		hess[d*(d+1)+j] = v
	}
}

// Moments writes g = E_q[∇ℓ̄] and h = E_q[∇²ℓ̄] (full (D+1)×(D+1) or
// diagonal, as q.Layout() names), in closed form, and returns
// E_q[Σᵢℓᵢ] (the data term). g and h are the model's own buffers.
func (m *LinearNoise) Moments(q expfam.Gaussian) (loss float64, g, h []float64, err error) {
	n, d := m.X.Dims()
	if q.ParamDim() != d+1 {
		return 0, nil, nil, fmt.Errorf("glm: q has %d parameters, the model %d", q.ParamDim(), d+1)
	}
	layout := q.Layout()
	if layout != expfam.FullHessian && layout != expfam.DiagHessian {
		return 0, nil, nil, fmt.Errorf("glm: closed-form moments need a full or diagonal Gaussian, not %T", q)
	}
	cov, err := covarianceOf(q)
	if err != nil {
		return 0, nil, nil, err
	}
	m.m = q.Mean(resize(m.m, d+1))
	b := m.m[d]
	vr := cov.At(d, d)
	mm := math.Exp(b + 0.5*vr)
	// Score means, variances and covariances with ρ.
	m.a = resize(m.a, n)
	m.v = resize(m.v, n)
	m.cv = resize(m.cv, n)
	mat.NewVecDense(n, m.a).MulVec(m.X, mat.NewVecDense(d, m.m[:d]))
	sw := mat.NewSymDense(d, nil)
	cw := make([]float64, d)
	for i := range d {
		for j := i; j < d; j++ {
			sw.SetSym(i, j, cov.At(i, j))
		}
		cw[i] = cov.At(i, d)
	}
	mat.NewVecDense(n, m.cv).MulVec(m.X, mat.NewVecDense(d, cw))
	var xs mat.Dense
	xs.Mul(m.X, sw)
	for i := range n {
		m.v[i] = math.Max(0, mat.Dot(xs.RowView(i), m.X.RowView(i)))
	}
	m.r = resize(m.r, n)
	m.e2 = resize(m.e2, n)
	m.e1 = resize(m.e1, n)
	var sq float64 // Σ ½M(r̃² + v)
	for i := range n {
		rt := m.Y[i] - m.a[i] - m.cv[i]
		t := 0.5 * mm * (rt*rt + m.v[i])
		loss += t - 0.5*b
		sq += t
		m.e1[i] = -mm * rt
		m.e2[i] = mm
	}
	m.g = resize(m.g, d+1)
	mat.NewVecDense(d, m.g[:d]).MulVec(m.X.T(), mat.NewVecDense(n, m.e1))
	for j := range d {
		m.g[j] += precisionAt(m.PriorPrecision, m.PriorPrecisions, j) * m.m[j]
	}
	m.g[d] = sq - 0.5*float64(n) + m.NoisePrecision0*(b-m.NoisePriorMean)
	if layout == expfam.FullHessian {
		m.h = resize(m.h, (d+1)*(d+1))
		m.fillHessian(m.h, m.e2, sq)
		m.cross(m.h, m.e1)
	} else {
		m.h = resize(m.h, d+1)
		weightedDiag(m.h[:d], m.X, m.e2)
		for j := range d {
			m.h[j] += precisionAt(m.PriorPrecision, m.PriorPrecisions, j)
		}
		m.h[d] = sq + m.NoisePrecision0
	}
	return loss, m.g, m.h, nil
}

// Estimate writes ∇_μE_q[ℓ̄] in q's layout from Moments. It implements
// blr.Estimator; rnd is not used.
func (m *LinearNoise) Estimate(dst []float64, q expfam.Family, _ *rand.Rand) ([]float64, error) {
	gq, ok := q.(expfam.Gaussian)
	if !ok {
		return nil, fmt.Errorf("glm: closed-form moments need a Gaussian family, not %T", q)
	}
	_, g, h, err := m.Moments(gq)
	if err != nil {
		return nil, err
	}
	return gq.MuGrad(dst, g, h), nil
}

// PredictiveLogDensity writes log p(yᵢ|xᵢ) = log E_q[N(yᵢ; xᵢᵀw, e^{−ρ})]
// for each row of x under θ ~ N(mean, cov), θ = (w, ρ), and the predictive
// means xᵢᵀm_w. Given ρ, the score is Gaussian with mean a + (c/v_ρ)(ρ−b)
// and variance v − c²/v_ρ, so the density is a one-dimensional expectation
// over ρ, taken by Gauss–Hermite quadrature with 8, 16, … nodes until two
// rules agree to 1e-13 relative.
func PredictiveLogDensity(logp, mu []float64, x *mat.Dense, y, mean []float64, cov mat.Symmetric) ([]float64, []float64) {
	n, d := x.Dims()
	if len(mean) != d+1 || cov.SymmetricDim() != d+1 || len(y) != n {
		panic(ErrShape)
	}
	if logp == nil {
		logp = make([]float64, n)
	}
	if mu == nil {
		mu = make([]float64, n)
	}
	sw := mat.NewSymDense(d, nil)
	cw := make([]float64, d)
	for i := range d {
		for j := i; j < d; j++ {
			sw.SetSym(i, j, cov.At(i, j))
		}
		cw[i] = cov.At(i, d)
	}
	a, v := ScoreMoments(mu, nil, x, mean[:d], sw)
	c := make([]float64, n)
	mat.NewVecDense(n, c).MulVec(x, mat.NewVecDense(d, cw))
	b, vr := mean[d], cov.At(d, d)
	for i := range n {
		slope, cond := 0.0, v[i]
		if vr > 0 {
			slope = c[i] / vr
			cond = math.Max(0, v[i]-c[i]*slope)
		}
		// log N(y; a + slope(ρ−b), cond + e^{−ρ}) as a function of ρ; the
		// expectation of its exponential is taken relative to its value at
		// the mean, to stay in range.
		lf := func(rho float64) float64 {
			s2 := cond + math.Exp(-rho)
			r := y[i] - a[i] - slope*(rho-b)
			return -0.5*math.Log(2*math.Pi*s2) - 0.5*r*r/s2
		}
		ref := lf(b)
		f := func(rho float64) float64 { return math.Exp(lf(rho) - ref) }
		logp[i] = ref + math.Log(expectAdaptiveRel(f, b, vr, 1e-13))
	}
	return logp, a
}

// expectAdaptiveRel returns E[f(s)] for s ~ N(mean, variance) by the
// Gauss–Hermite rules of 8, 16, …, 1024 nodes, stopping when two successive
// rules agree within tol relative.
func expectAdaptiveRel(f func(float64) float64, mean, variance, tol float64) float64 {
	if !(variance > 0) {
		return f(mean)
	}
	sd := math.Sqrt(variance)
	var prev float64
	for k, r := range ghLevels() {
		var s float64
		for j, z := range r.z {
			s += r.w[j] * f(mean+sd*z)
		}
		if k > 0 && math.Abs(s-prev) <= tol*math.Abs(s) {
			return s
		}
		prev = s
	}
	return prev
}
