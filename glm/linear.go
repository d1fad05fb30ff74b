package glm

import (
	"fmt"
	"math"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// Linear is linear regression with Gaussian noise of known precision τ,
//
//	ℓ̄(θ) = Σᵢ ½τ(yᵢ − xᵢᵀθ)² + ½ δ ‖θ‖²   (constants dropped).
//
// Its likelihood is conjugate to a Gaussian q: E_q[Σᵢℓᵢ] is linear in
// μ = (m, S⁻¹+mmᵀ), so NaturalStats gives ∇_μ exactly.
type Linear struct {
	X              *mat.Dense // N×D design
	Y              []float64  // targets
	NoisePrecision float64    // τ > 0
	PriorPrecision float64    // δ ≥ 0
	// PriorPrecisions, when set (length D), replaces PriorPrecision with one
	// δⱼ per coordinate. Set it with SetPriorPrecisions, which checks it.
	PriorPrecisions []float64

	r []float64
	g gram
}

// NewLinear checks its inputs and returns the model.
func NewLinear(x *mat.Dense, y []float64, noisePrecision, priorPrecision float64) (*Linear, error) {
	n, _ := x.Dims()
	if len(y) != n {
		return nil, fmt.Errorf("glm: %d targets for %d rows", len(y), n)
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("glm: target y[%d] = %g is not finite", i, v)
		}
	}
	if !(noisePrecision > 0) || math.IsInf(noisePrecision, 0) {
		return nil, fmt.Errorf("glm: noise precision = %g: want a finite value > 0", noisePrecision)
	}
	if !(priorPrecision >= 0) || math.IsInf(priorPrecision, 0) {
		return nil, fmt.Errorf("glm: prior precision = %g: want a finite value ≥ 0", priorPrecision)
	}
	return &Linear{X: x, Y: y, NoisePrecision: noisePrecision, PriorPrecision: priorPrecision}, nil
}

// Dim is the number of parameters D.
func (m *Linear) Dim() int { _, d := m.X.Dims(); return d }

// SetPriorPrecisions sets one prior precision δⱼ per coordinate (a copy of
// p), each finite and ≥ 0; nil restores the scalar PriorPrecision.
func (m *Linear) SetPriorPrecisions(p []float64) error {
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
func (m *Linear) Design() *mat.Dense { return m.X }

// Precisions writes the prior precisions δⱼ. It implements ScoreModel.
func (m *Linear) Precisions(dst []float64) []float64 {
	return fillPrecisions(dst, m.PriorPrecision, m.PriorPrecisions, m.Dim())
}

// ScoreLoss returns f = ½τ(s−y)², f′ = τ(s−y) and f″ = τ for example i. It
// implements ScoreModel.
func (m *Linear) ScoreLoss(i int, s float64) (f, d1, d2 float64) {
	r := s - m.Y[i]
	return 0.5 * m.NoisePrecision * r * r, m.NoisePrecision * r, m.NoisePrecision
}

// LikConst is ½N log(2π/τ), the constant the loss drops: −log p(y|θ) =
// Σᵢℓᵢ(θ) + LikConst(). It implements ScoreModel.
func (m *Linear) LikConst() float64 {
	n, _ := m.X.Dims()
	return 0.5 * float64(n) * math.Log(2*math.Pi/m.NoisePrecision)
}

// Grad writes ∇ℓ̄(θ) into grad and returns ℓ̄(θ).
func (m *Linear) Grad(grad, theta []float64) float64 {
	n, d := m.X.Dims()
	if len(grad) != d || len(theta) != d {
		panic(ErrShape)
	}
	if len(m.r) != n {
		m.r = make([]float64, n)
	}
	rv := mat.NewVecDense(n, m.r)
	rv.MulVec(m.X, mat.NewVecDense(d, theta))
	var loss, reg float64
	for i := range n {
		m.r[i] = m.NoisePrecision * (m.r[i] - m.Y[i])
		loss += 0.5 * m.r[i] * m.r[i] / m.NoisePrecision
	}
	gv := mat.NewVecDense(d, grad)
	gv.MulVec(m.X.T(), rv)
	for j := range d {
		dj := precisionAt(m.PriorPrecision, m.PriorPrecisions, j)
		grad[j] += dj * theta[j]
		reg += dj * theta[j] * theta[j]
	}
	return loss + 0.5*reg
}

// Hess writes τXᵀX + δI, row-major D×D.
func (m *Linear) Hess(hess, _ []float64) {
	_, d := m.X.Dims()
	if len(hess) != d*d {
		panic(ErrShape)
	}
	n, _ := m.X.Dims()
	if len(m.r) != n {
		m.r = make([]float64, n)
	}
	for i := range m.r {
		m.r[i] = m.NoisePrecision
	}
	m.g.weighted(hess, m.X, m.r)
	for j := range d {
		hess[j*d+j] += precisionAt(m.PriorPrecision, m.PriorPrecisions, j)
	}
}

// NaturalStats writes Σᵢλ̃ᵢ = (τXᵀy, −½τXᵀX) in the layout of a full
// Gaussian q's λ; the prior term is not included (it is the rule's λ₀).
// It implements blr.ConjugateLikelihood.
func (m *Linear) NaturalStats(dst []float64, q any) ([]float64, error) {
	g, ok := q.(expfam.Gaussian)
	_, d := m.X.Dims()
	if !ok || g.Layout() != expfam.FullHessian {
		return nil, fmt.Errorf("glm: linear regression is conjugate to a full Gaussian, not %T", q)
	}
	if g.ParamDim() != d {
		return nil, fmt.Errorf("glm: q has %d parameters, the design %d columns", g.ParamDim(), d)
	}
	if dst == nil {
		dst = make([]float64, d+d*d)
	}
	n, _ := m.X.Dims()
	l1 := mat.NewVecDense(d, dst[:d])
	l1.MulVec(m.X.T(), mat.NewVecDense(n, m.Y))
	l1.ScaleVec(m.NoisePrecision, l1)
	l2 := mat.NewDense(d, d, dst[d:])
	l2.Mul(m.X.T(), m.X)
	l2.Scale(-0.5*m.NoisePrecision, l2)
	return dst, nil
}
