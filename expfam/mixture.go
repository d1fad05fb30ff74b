package expfam

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Componentwise is a family made of Gaussian components, whose λ is the
// concatenation [weight part, λ₁, …, λ_K]. Estimators fill each component's
// block with that component's ∇_μ (E_{q_k} expectations in the component's
// own layout) and the weight block with E_{q_k}[f] − E_{q_K}[f].
type Componentwise interface {
	Family
	// NumComponents is K.
	NumComponents() int
	// Component returns component k (not a copy: read, do not modify).
	Component(k int) Gaussian
	// WeightDim is the length of the weight block: K−1, or 0 when the
	// weights are fixed.
	WeightDim() int
}

// Mixture is a finite mixture of full Gaussians,
//
//	q(θ) = Σ_k π_k N(θ; m_k, S_k⁻¹).
//
// A mixture is not an exponential family, but the joint q(θ, z) is a
// conditional one (Lin, Khan & Schmidt, ICML 2019,
// https://arxiv.org/abs/1906.02914), and the natural gradient in its
// expectation parameters gives, for component k and weights,
//
//	S_k′ = S_k + ρ E_{q_k}[∇²ℓ + ∇²log q],  m_k′ = m_k − ρ S_k′⁻¹ E_{q_k}[∇ℓ + ∇log q],
//	λ_π,k′ = λ_π,k − ρ (E_{q_k}[ℓ + log q] − E_{q_K}[ℓ + log q]),
//
// where λ_π,k = log(π_k/π_K). That is the rule λ ← λ − ρ(∇_μE[ℓ] − ∇_μH)
// with component-wise coordinates: λ = [λ_π (K−1, absent with fixed
// weights), λ₁, …, λ_K], each λ_k a FullGaussian λ; Expectation returns
// [π_1..π_{K−1}, μ₁, …, μ_K] with μ_k = E_{q_k}[T]. The mean step uses the
// updated precision, so K = 1 is exactly the Gaussian rule.
//
// EntropyGrad gives −(E_{q_k}[∇log q], E_{q_k}[∇²log q]) through each
// component's MuGrad, with the expectations by the delta method at m_k;
// estimators that sample E_{q_k}[log q] instead implement
// blr.EntropyEstimator. With Responsibility set, the responsibility
// approximation replaces log q by log q_k near component k (∇log q(m_k) ≈ 0,
// ∇²log q ≈ −S_k): the entropy gradient is each Gaussian's own −λ_k and the
// rule becomes K independent Gaussian rules.
type Mixture struct {
	// Responsibility selects the responsibility approximation in EntropyGrad.
	Responsibility bool

	d      int
	fixed  bool
	logits []float64 // λ_π, length K−1 (stored even when fixed)
	comps  []*FullGaussian
	next   []*FullGaussian // scratch for transactional SetNatural
	lw     []float64       // scratch: log weights
	r, g   []float64       // scratch
	prec   *mat.SymDense   // scratch
	// scratch of EntropyGrad and GradHessLogProb, grown on first use
	diff, mk, em, eg, eh, lq []float64
}

// NewMixture returns the mixture of the given components with the given
// weights (each > 0, summing to 1 within 1e-12). Every component must be
// non-nil and of the same dimension. With fixedWeights the weights are not
// part of λ and never change. The components are copied.
func NewMixture(weights []float64, comps []*FullGaussian, fixedWeights bool) (*Mixture, error) {
	const fam = "Mixture"
	k := len(comps)
	if k == 0 {
		return nil, &DomainError{Family: fam, Field: "components", Value: 0, Reason: "want at least one"}
	}
	if len(weights) != k {
		return nil, &DomainError{Family: fam, Field: "weights (length)", Value: float64(len(weights)), Reason: fmt.Sprintf("want %d, one per component", k)}
	}
	var sum float64
	for i, w := range weights {
		if !(w > 0 && w <= 1) {
			return nil, &DomainError{Family: fam, Field: fmt.Sprintf("weights[%d]", i), Value: w, Reason: "outside the simplex: want 0 < w ≤ 1"}
		}
		sum += w
	}
	if math.Abs(sum-1) > 1e-12 {
		return nil, &DomainError{Family: fam, Field: "sum of weights", Value: sum, Reason: "outside the simplex: want 1"}
	}
	for i, c := range comps {
		if c == nil {
			return nil, &DomainError{Family: fam, Field: "nil component at index", Value: float64(i), Reason: "want a *FullGaussian"}
		}
	}
	d := comps[0].ParamDim()
	m := &Mixture{d: d, fixed: fixedWeights, logits: make([]float64, k-1)}
	for i, c := range comps {
		if c.ParamDim() != d {
			return nil, &DomainError{Family: fam, Field: fmt.Sprintf("components[%d]", i), Value: float64(d), Reason: "every component needs the same dimension"}
		}
		m.comps = append(m.comps, c.Clone().(*FullGaussian))
		m.next = append(m.next, c.Clone().(*FullGaussian))
	}
	for i := range k - 1 {
		m.logits[i] = math.Log(weights[i]) - math.Log(weights[k-1])
	}
	m.lw = make([]float64, k)
	m.r = make([]float64, k)
	m.g = make([]float64, d)
	return m, nil
}

// NumComponents is K.
func (q *Mixture) NumComponents() int { return len(q.comps) }

// Component returns component k.
func (q *Mixture) Component(k int) Gaussian { return q.comps[k] }

// WeightDim is K−1, or 0 with fixed weights.
func (q *Mixture) WeightDim() int {
	if q.fixed {
		return 0
	}
	return len(q.comps) - 1
}

// ParamDim is the dimension of θ.
func (q *Mixture) ParamDim() int { return q.d }

// Dim is the length of λ.
func (q *Mixture) Dim() int { return q.WeightDim() + len(q.comps)*(q.d+q.d*q.d) }

// Weights writes π into dst (length K).
func (q *Mixture) Weights(dst []float64) []float64 {
	dst = alloc(dst, len(q.comps))
	q.logWeights(dst)
	for i := range dst {
		dst[i] = math.Exp(dst[i])
	}
	return dst
}

// logWeights writes log π_k = λ_π,k − logsumexp([λ_π, 0]).
func (q *Mixture) logWeights(dst []float64) {
	k := len(q.comps)
	copy(dst, q.logits)
	dst[k-1] = 0
	lse := floats.LogSumExp(dst)
	for i := range dst {
		dst[i] -= lse
	}
}

// Natural writes λ = [λ_π, λ₁, …, λ_K].
func (q *Mixture) Natural(dst []float64) []float64 {
	dst = alloc(dst, q.Dim())
	w := q.WeightDim()
	copy(dst, q.logits[:w])
	q.eachBlock(dst[w:], func(c *FullGaussian, b []float64) { c.Natural(b) })
	return dst
}

// Expectation writes [π_1..π_{K−1}, μ₁, …, μ_K].
func (q *Mixture) Expectation(dst []float64) []float64 {
	dst = alloc(dst, q.Dim())
	w := q.WeightDim()
	if w > 0 {
		q.Weights(q.r)
		copy(dst, q.r[:w])
	}
	q.eachBlock(dst[w:], func(c *FullGaussian, b []float64) { c.Expectation(b) })
	return dst
}

func (q *Mixture) eachBlock(dst []float64, f func(c *FullGaussian, b []float64)) {
	n := q.d + q.d*q.d
	for k, c := range q.comps {
		f(c, dst[k*n:(k+1)*n])
	}
}

// SetNatural sets λ; if any component's block is outside the domain, or a
// weight parameter is not finite, q is unchanged.
func (q *Mixture) SetNatural(lam []float64) error {
	checkLen(len(lam), q.Dim())
	w := q.WeightDim()
	for i, v := range lam[:w] {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return &DomainError{Family: "Mixture", Field: fmt.Sprintf("weight natural[%d]", i), Value: v, Reason: "not finite"}
		}
	}
	n := q.d + q.d*q.d
	for k, c := range q.next {
		if err := c.SetNatural(lam[w+k*n : w+(k+1)*n]); err != nil {
			return fmt.Errorf("component %d: %w", k, err)
		}
	}
	copy(q.logits, lam[:w])
	q.comps, q.next = q.next, q.comps
	return nil
}

// Retract is the positivity-preserving (iBLR) update applied to each
// component's block; the weight block takes the plain step.
func (q *Mixture) Retract(dst, d []float64, rho float64) ([]float64, error) {
	checkLen(len(d), q.Dim())
	dst = alloc(dst, q.Dim())
	w := q.WeightDim()
	for i := range w {
		dst[i] = q.logits[i] - rho*d[i]
	}
	n := q.d + q.d*q.d
	for k, c := range q.comps {
		if _, err := c.Retract(dst[w+k*n:w+(k+1)*n], d[w+k*n:w+(k+1)*n], rho); err != nil {
			return nil, fmt.Errorf("component %d: %w", k, err)
		}
	}
	return dst, nil
}

// LogProb is log q(θ) = logsumexp_k(log π_k + log q_k(θ)).
func (q *Mixture) LogProb(theta []float64) float64 {
	q.logWeights(q.lw)
	for k, c := range q.comps {
		q.lw[k] += c.LogProb(theta)
	}
	return floats.LogSumExp(q.lw)
}

// Sample draws a component by its weight, then θ from it.
func (q *Mixture) Sample(dst []float64, rnd *rand.Rand) []float64 {
	q.Weights(q.r)
	u := rnd.Float64()
	k := len(q.comps) - 1
	for i, p := range q.r {
		if u < p {
			k = i
			break
		}
		u -= p
	}
	return q.comps[k].Sample(dst, rnd)
}

// GradHessLogProb writes ∇log q(θ) into grad (length D) and, when hess is
// non-nil, ∇²log q(θ) (D×D row-major) into hess, and returns log q(θ):
//
//	∇log q = Σ_k r_k g_k,  ∇²log q = Σ_k r_k (g_k g_kᵀ − S_k) − ∇log q ∇log qᵀ,
//
// with g_k = −S_k(θ − m_k) and responsibilities r_k = π_k q_k(θ)/q(θ).
func (q *Mixture) GradHessLogProb(grad, hess, theta []float64) float64 {
	d := q.d
	checkLen(len(grad), d)
	lp := q.LogProb(theta) // fills q.lw with log π_k q_k(θ)
	for k := range q.comps {
		q.r[k] = math.Exp(q.lw[k] - lp)
	}
	clear(grad)
	if hess != nil {
		checkLen(len(hess), d*d)
		clear(hess)
	}
	q.diff = growTo(q.diff, d)
	q.mk = growTo(q.mk, d)
	diff, gk := q.diff, q.g
	for k, c := range q.comps {
		m := c.Mean(q.mk)
		for i := range d {
			diff[i] = theta[i] - m[i]
		}
		c.PrecisionMul(gk, diff)
		for i := range d {
			gk[i] = -gk[i]
			grad[i] += q.r[k] * gk[i]
		}
		if hess != nil {
			q.prec = c.Precision(q.prec)
			for i := range d {
				for j := range d {
					hess[i*d+j] += q.r[k] * (gk[i]*gk[j] - q.prec.At(i, j))
				}
			}
		}
	}
	if hess != nil {
		for i := range d {
			for j := range d {
				hess[i*d+j] -= grad[i] * grad[j]
			}
		}
	}
	return lp
}

// EntropyGrad writes ∇_μH(q) in λ's layout, by the delta method at each
// component's mean (or, with Responsibility, each component's −λ_k).
func (q *Mixture) EntropyGrad(dst []float64) []float64 {
	dst = alloc(dst, q.Dim())
	w := q.WeightDim()
	if q.Responsibility {
		q.eachBlock(dst[w:], func(c *FullGaussian, b []float64) { c.EntropyGrad(b) })
		// E_{q_k}[log q_k] = −H(q_k).
		k := len(q.comps)
		for i := range w {
			dst[i] = -(q.comps[k-1].Entropy() - q.comps[i].Entropy())
		}
		return dst
	}
	d := q.d
	q.eg = growTo(q.eg, d)
	q.eh = growTo(q.eh, d*d)
	q.lq = growTo(q.lq, len(q.comps))
	g, h, lq := q.eg, q.eh, q.lq
	q.em = growTo(q.em, d) // GradHessLogProb uses q.mk
	m := q.em
	q.eachBlock(dst[w:], func(c *FullGaussian, b []float64) {
		c.Mean(m)
		q.GradHessLogProb(g, h, m)
		c.MuGrad(b, g, h)
		for i := range b {
			b[i] = -b[i]
		}
	})
	if w > 0 {
		for k, c := range q.comps {
			lq[k] = q.LogProb(c.Mean(m))
		}
		last := lq[len(lq)-1]
		for i := range w {
			dst[i] = -(lq[i] - last)
		}
	}
	return dst
}

// Entropy is H(q) estimated by Monte Carlo with 10⁴ draws from a fixed seed
// (a mixture's entropy has no closed form); EntropyMC gives the standard error.
func (q *Mixture) Entropy() float64 {
	h, _ := q.EntropyMC(10000, rand.New(rand.NewPCG(1, 2)))
	return h
}

// EntropyMC estimates H(q) = −E_q[log q] from n draws and returns the
// estimate and its standard error.
func (q *Mixture) EntropyMC(n int, rnd *rand.Rand) (h, se float64) {
	theta := make([]float64, q.d)
	var sum, sum2 float64
	for range n {
		q.Sample(theta, rnd)
		l := -q.LogProb(theta)
		sum += l
		sum2 += l * l
	}
	mean := sum / float64(n)
	v := sum2/float64(n) - mean*mean
	return mean, math.Sqrt(math.Max(v, 0) / float64(n))
}

// Clone returns an independent copy.
func (q *Mixture) Clone() Family {
	c := &Mixture{Responsibility: q.Responsibility, d: q.d, fixed: q.fixed, logits: append([]float64(nil), q.logits...)}
	for i := range q.comps {
		c.comps = append(c.comps, q.comps[i].Clone().(*FullGaussian))
		c.next = append(c.next, q.comps[i].Clone().(*FullGaussian))
	}
	c.lw = make([]float64, len(q.comps))
	c.r = make([]float64, len(q.comps))
	c.g = make([]float64, q.d)
	return c
}

// Covariances is a convenience: the components' covariances.
func (q *Mixture) Covariances() []*mat.SymDense {
	out := make([]*mat.SymDense, len(q.comps))
	for k, c := range q.comps {
		out[k] = c.Covariance(nil)
	}
	return out
}

// growTo returns b resized to n, reallocating only when its capacity is short.
func growTo(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}
