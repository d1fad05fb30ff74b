package glm

import (
	"fmt"
	"math"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// Multinomial is L2-regularised multinomial (softmax) logistic regression
// with K classes and one weight vector per class,
//
//	ℓ̄(θ) = Σᵢ [log Σₖ exp(fᵢₖ) − fᵢ,yᵢ] + ½ Σⱼ δⱼθⱼ²,   fᵢₖ = xᵢᵀwₖ,
//
// with labels yᵢ ∈ {0, …, K−1}. θ stacks the class weights class by class:
// θ[k·D + j] = wₖⱼ (so with an intercept column last in X, each class's
// intercept is the last entry of its block).
//
// All K classes carry weights (the symmetric parameterisation): the
// likelihood is flat along adding one vector to every wₖ, and the Gaussian
// prior makes the posterior proper, so a multinomial model needs δⱼ > 0 for
// every coordinate. No class is singled out as a reference, so the prior
// treats all classes alike.
//
// Its Hessian is Σᵢ (diag pᵢ − pᵢpᵢᵀ) ⊗ xᵢxᵢᵀ + diag(δ), which is also its
// Gauss–Newton matrix.
type Multinomial struct {
	X              *mat.Dense // N×D design
	Y              []int      // labels in {0, …, K−1}
	K              int        // classes, ≥ 2
	PriorPrecision float64    // δ > 0, on the sum-of-losses scale
	// PriorPrecisions, when set (length K·D), replaces PriorPrecision with
	// one δⱼ per coordinate. Set it with SetPriorPrecisions.
	PriorPrecisions []float64

	f, p, w []float64
	g       gram
	blk     []float64
}

// MaxScoreEntries bounds N·K² for the multinomial model of N rows and K
// classes: its Hessian, SoftmaxMC and PredictSoftmaxSample hold a K×K
// matrix per row, 1 GiB at this size.
const MaxScoreEntries = 1 << 27

// checkScoreEntries refuses n rows of k classes whose K×K matrices per row
// would exceed MaxScoreEntries, naming the classes.
func checkScoreEntries(n, k int) error {
	if e := float64(n) * float64(k) * float64(k); e > MaxScoreEntries {
		return fmt.Errorf("glm: classes = %d: %d rows × %d² classes is more than the limit of %d entries (MaxScoreEntries) of the K×K matrix per row the multinomial model keeps", k, n, k, MaxScoreEntries)
	}
	return nil
}

// NewMultinomial checks its inputs and returns the model: classes ≥ 2,
// with N·classes² ≤ MaxScoreEntries for the N rows of x.
func NewMultinomial(x *mat.Dense, y []int, classes int, priorPrecision float64) (*Multinomial, error) {
	n, _ := x.Dims()
	if classes < 2 {
		return nil, fmt.Errorf("glm: classes = %d: want ≥ 2", classes)
	}
	if err := checkScoreEntries(n, classes); err != nil {
		return nil, err
	}
	if len(y) != n {
		return nil, fmt.Errorf("glm: %d labels for %d rows", len(y), n)
	}
	for i, v := range y {
		if v < 0 || v >= classes {
			return nil, fmt.Errorf("glm: label y[%d] = %d: want a class in [0, %d)", i, v, classes)
		}
	}
	if !(priorPrecision > 0) || math.IsInf(priorPrecision, 0) {
		return nil, fmt.Errorf("glm: prior precision = %g: want a finite value > 0 (the multinomial likelihood is flat along a common shift of the class weights)", priorPrecision)
	}
	return &Multinomial{X: x, Y: y, K: classes, PriorPrecision: priorPrecision}, nil
}

// Dim is the number of parameters K·D.
func (m *Multinomial) Dim() int { _, d := m.X.Dims(); return m.K * d }

// SetPriorPrecisions sets one prior precision δⱼ per coordinate (a copy of
// p), each finite and > 0; nil restores the scalar PriorPrecision.
func (m *Multinomial) SetPriorPrecisions(p []float64) error {
	if p == nil {
		m.PriorPrecisions = nil
		return nil
	}
	if err := checkPrecisions(p, m.Dim()); err != nil {
		return err
	}
	for j, v := range p {
		if v == 0 {
			return fmt.Errorf("glm: prior precision[%d] = 0: a multinomial model needs every δⱼ > 0", j)
		}
	}
	m.PriorPrecisions = append([]float64(nil), p...)
	return nil
}

// Precisions writes the prior precisions δⱼ (length K·D).
func (m *Multinomial) Precisions(dst []float64) []float64 {
	return fillPrecisions(dst, m.PriorPrecision, m.PriorPrecisions, m.Dim())
}

// probs fills m.f with the scores F = XWᵀ (N×K) and m.p with the softmax
// probabilities, and returns Σᵢ −log pᵢ,yᵢ.
func (m *Multinomial) probs(theta []float64) float64 {
	n, d := m.X.Dims()
	k := m.K
	if len(theta) != k*d {
		panic(ErrShape)
	}
	m.f = resize(m.f, n*k)
	m.p = resize(m.p, n*k)
	fm := mat.NewDense(n, k, m.f)
	fm.Mul(m.X, mat.NewDense(k, d, theta).T())
	var loss float64
	for i := range n {
		loss += softmaxNLL(m.p[i*k:(i+1)*k], m.f[i*k:(i+1)*k], m.Y[i])
	}
	return loss
}

// softmaxNLL writes softmax(f) into p and returns −log p[y], both computed
// with the maximum subtracted so that nothing overflows.
func softmaxNLL(p, f []float64, y int) float64 {
	return expfam.Softmax(p, f) - f[y]
}

// Grad writes ∇ℓ̄(θ) into grad and returns ℓ̄(θ).
func (m *Multinomial) Grad(grad, theta []float64) float64 {
	n, d := m.X.Dims()
	k := m.K
	if len(grad) != k*d {
		panic(ErrShape)
	}
	loss := m.probs(theta)
	// r = P − onehot(y), then the gradient block k is Σᵢ rᵢₖ xᵢ: G = RᵀX.
	for i := range n {
		m.p[i*k+m.Y[i]] -= 1
	}
	gm := mat.NewDense(k, d, grad)
	gm.Mul(mat.NewDense(n, k, m.p).T(), m.X)
	for i := range n {
		m.p[i*k+m.Y[i]] += 1
	}
	var r float64
	for j := range grad {
		dj := precisionAt(m.PriorPrecision, m.PriorPrecisions, j)
		grad[j] += dj * theta[j]
		r += dj * theta[j] * theta[j]
	}
	return loss + 0.5*r
}

// Hess writes ∇²ℓ̄(θ) = Σᵢ (diag pᵢ − pᵢpᵢᵀ) ⊗ xᵢxᵢᵀ + diag(δ), (K·D)×(K·D)
// row-major.
func (m *Multinomial) Hess(hess, theta []float64) {
	n, d := m.X.Dims()
	k := m.K
	if len(hess) != k*d*k*d {
		panic(ErrShape)
	}
	m.probs(theta)
	m.w = resize(m.w, n*k*k)
	for i := range n {
		p := m.p[i*k : (i+1)*k]
		w := m.w[i*k*k : (i+1)*k*k]
		for a := range k {
			for b := range k {
				w[a*k+b] = -p[a] * p[b]
			}
			w[a*k+a] += p[a]
		}
	}
	blockHessian(hess, m.X, m.w, k, &m.g, &m.blk)
	for j := range k * d {
		hess[j*k*d+j] += precisionAt(m.PriorPrecision, m.PriorPrecisions, j)
	}
}

// GaussNewton equals the Hessian for multinomial logistic regression.
func (m *Multinomial) GaussNewton(ggn, theta []float64) { m.Hess(ggn, theta) }

// blockHessian writes Σᵢ Wᵢ ⊗ xᵢxᵢᵀ into hess, (K·D)×(K·D) row-major, where
// w holds the K×K symmetric matrices Wᵢ one after another.
func blockHessian(hess []float64, x *mat.Dense, w []float64, k int, g *gram, blk *[]float64) {
	n, d := x.Dims()
	kd := k * d
	*blk = resize(*blk, d*d+n)
	tmp, wab := (*blk)[:d*d], (*blk)[d*d:]
	for a := range k {
		for b := a; b < k; b++ {
			for i := range n {
				wab[i] = w[i*k*k+a*k+b]
			}
			g.weighted(tmp, x, wab)
			for r := range d {
				for c := range d {
					v := tmp[r*d+c]
					hess[(a*d+r)*kd+b*d+c] = v
					hess[(b*d+c)*kd+a*d+r] = v
				}
			}
		}
	}
}

// Predict writes the softmax probabilities at θ, N×K row-major.
func (m *Multinomial) Predict(dst []float64, x *mat.Dense, theta []float64) []float64 {
	n, d := x.Dims()
	k := m.K
	if len(theta) != k*d {
		panic(ErrShape)
	}
	if dst == nil {
		dst = make([]float64, n*k)
	}
	if len(dst) != n*k {
		panic(ErrShape)
	}
	f := make([]float64, n*k)
	mat.NewDense(n, k, f).Mul(x, mat.NewDense(k, d, theta).T())
	for i := range n {
		softmaxNLL(dst[i*k:(i+1)*k], f[i*k:(i+1)*k], 0)
	}
	return dst
}
