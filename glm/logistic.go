package glm

import (
	"errors"
	"fmt"
	"math"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// ErrShape is the panic value for slices of the wrong length in the
// low-level Grad and Hess calls (a programmer error).
var ErrShape = errors.New("glm: slice length does not match the model")

// Logistic is L2-regularised binary logistic regression,
//
//	ℓ̄(θ) = Σᵢ log(1 + exp(−zᵢ xᵢᵀθ)) + ½ δ ‖θ‖²,   zᵢ = 2yᵢ − 1,
//
// with labels yᵢ ∈ {0, 1}. Its Gauss-Newton matrix equals its Hessian.
type Logistic struct {
	X              *mat.Dense // N×D design
	Y              []float64  // labels in {0, 1}
	PriorPrecision float64    // δ ≥ 0, on the sum-of-losses scale
	// PriorPrecisions, when set (length D), replaces PriorPrecision with one
	// δⱼ per coordinate, e.g. a different precision for the intercept. Set
	// it with SetPriorPrecisions, which checks it.
	PriorPrecisions []float64

	s, w []float64
	g    gram
}

// NewLogistic checks its inputs and returns the model.
func NewLogistic(x *mat.Dense, y []float64, priorPrecision float64) (*Logistic, error) {
	n, _ := x.Dims()
	if len(y) != n {
		return nil, fmt.Errorf("glm: %d labels for %d rows", len(y), n)
	}
	for i, v := range y {
		if v != 0 && v != 1 {
			return nil, fmt.Errorf("glm: label y[%d] = %g: want 0 or 1", i, v)
		}
	}
	if !(priorPrecision >= 0) || math.IsInf(priorPrecision, 0) {
		return nil, fmt.Errorf("glm: prior precision = %g: want a finite value ≥ 0", priorPrecision)
	}
	return &Logistic{X: x, Y: y, PriorPrecision: priorPrecision}, nil
}

// Dim is the number of parameters D.
func (m *Logistic) Dim() int { _, d := m.X.Dims(); return d }

// SetPriorPrecisions sets one prior precision δⱼ per coordinate (a copy of
// p), each finite and ≥ 0; nil restores the scalar PriorPrecision.
func (m *Logistic) SetPriorPrecisions(p []float64) error {
	if p == nil {
		m.PriorPrecisions = nil
		return nil
	}
	if err := checkPrecisions(p, m.Dim()); err != nil {
		return err
	}
	m.PriorPrecisions = append([]float64(nil), p...)
	return nil
}

// Design returns X. It implements ScoreModel.
func (m *Logistic) Design() *mat.Dense { return m.X }

// Precisions writes the prior precisions δⱼ. It implements ScoreModel.
func (m *Logistic) Precisions(dst []float64) []float64 {
	return fillPrecisions(dst, m.PriorPrecision, m.PriorPrecisions, m.Dim())
}

// ScoreLoss returns f = log(1+exp(−zs)), f′ = σ(s) − y and f″ = σ(s)(1−σ(s))
// for example i (z = 2y−1). It implements ScoreModel.
func (m *Logistic) ScoreLoss(i int, s float64) (f, d1, d2 float64) {
	y := m.Y[i]
	// One exponential serves both: e = exp(−|s|), σ(s) and
	// log(1+exp(−zs)) = max(−zs, 0) + log1p(e).
	e := math.Exp(-math.Abs(s))
	p := 1 / (1 + e)
	if s < 0 {
		p = e / (1 + e)
	}
	f = math.Log1p(e)
	if zs := (2*y - 1) * s; zs < 0 {
		f -= zs
	}
	return f, p - y, p * (1 - p)
}

// LikConst is 0: the loss is the full negative log-likelihood. It
// implements ScoreModel.
func (m *Logistic) LikConst() float64 { return 0 }

func (m *Logistic) scores(theta []float64) []float64 {
	n, d := m.X.Dims()
	if len(theta) != d {
		panic(ErrShape)
	}
	if len(m.s) != n {
		m.s = make([]float64, n)
		m.w = make([]float64, n)
	}
	sv := mat.NewVecDense(n, m.s)
	sv.MulVec(m.X, mat.NewVecDense(d, theta))
	return m.s
}

// Grad writes ∇ℓ̄(θ) into grad and returns ℓ̄(θ).
func (m *Logistic) Grad(grad, theta []float64) float64 {
	n, d := m.X.Dims()
	if len(grad) != d {
		panic(ErrShape)
	}
	s := m.scores(theta)
	var loss float64
	for i := range n {
		z := 2*m.Y[i] - 1
		loss += expfam.Softplus(-z * s[i])
		// dℓ/ds = σ(s) − y
		m.w[i] = expfam.Sigmoid(s[i]) - m.Y[i]
	}
	gv := mat.NewVecDense(d, grad)
	gv.MulVec(m.X.T(), mat.NewVecDense(n, m.w))
	var r float64
	for j := range d {
		dj := precisionAt(m.PriorPrecision, m.PriorPrecisions, j)
		grad[j] += dj * theta[j]
		r += dj * theta[j] * theta[j]
	}
	return loss + 0.5*r
}

// Hess writes ∇²ℓ̄(θ) = XᵀWX + δI, W = diag(σ(s)(1−σ(s))), row-major D×D.
func (m *Logistic) Hess(hess, theta []float64) {
	n, d := m.X.Dims()
	if len(hess) != d*d {
		panic(ErrShape)
	}
	s := m.scores(theta)
	for i := range n {
		p := expfam.Sigmoid(s[i])
		m.w[i] = p * (1 - p)
	}
	m.g.weighted(hess, m.X, m.w)
	for j := range d {
		hess[j*d+j] += precisionAt(m.PriorPrecision, m.PriorPrecisions, j)
	}
}

// GaussNewton equals the Hessian for logistic regression.
func (m *Logistic) GaussNewton(ggn, theta []float64) { m.Hess(ggn, theta) }

// Predict writes the probabilities σ(xᵢᵀθ) of the positive class.
func (m *Logistic) Predict(dst []float64, x *mat.Dense, theta []float64) []float64 {
	n, d := x.Dims()
	if len(theta) != d {
		panic(ErrShape)
	}
	if dst == nil {
		dst = make([]float64, n)
	}
	v := mat.NewVecDense(n, dst)
	v.MulVec(x, mat.NewVecDense(d, theta))
	for i := range dst {
		dst[i] = expfam.Sigmoid(dst[i])
	}
	return dst
}
