package expfam

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// log2Pi is log(2π).
var log2Pi = math.Log(2 * math.Pi)

// gaussFinite reports whether x is neither NaN nor ±Inf.
func gaussFinite(x float64) bool { return x-x == 0 }

// gaussLenError reports a constructor argument whose length does not fit.
func gaussLenError(family, field string, got, want int) error {
	return fmt.Errorf("expfam: %s %s has length %d, want %d: %w", family, field, got, want, ErrLength)
}

// FixedGaussian is q = N(m, Σ) over θ ∈ ℝᴰ with a fixed diagonal covariance
// Σ = diag(v); only the mean is learnt.
//
// Its sufficient statistic is T(θ) = θ and its base measure is
// h(θ) = N(θ; 0, Σ), so
//
//	λ = Σ⁻¹m (length D),  μ = m,  A(λ) = ½λᵀΣλ.
//
// Because h is not constant, ∇_μH(q) = 0 (the entropy does not depend on m),
// not −λ; the rule then reads m ← m − ρΣ∇_mE_q[ℓ̄], which for Σ = I and the
// delta method is plain gradient descent with no shrinkage (corrections,
// point 1). Methods are not safe for concurrent use.
type FixedGaussian struct {
	lam  []float64 // λ = m / v, as set
	mean []float64 // m = v ⊙ λ
	vari []float64 // v, fixed
}

// NewFixedGaussian returns N(mean, diag(variance)). Every variance must be
// finite and > 0 and every mean finite; the slices are copied and the mean
// is stored as given (SetNatural then sets m = Σλ).
func NewFixedGaussian(mean, variance []float64) (*FixedGaussian, error) {
	const fam = "FixedGaussian"
	d := len(mean)
	if d == 0 {
		return nil, gaussLenError(fam, "mean", 0, 1)
	}
	if len(variance) != d {
		return nil, gaussLenError(fam, "variance", len(variance), d)
	}
	for i, v := range variance {
		if !(v > 0) || !gaussFinite(v) {
			return nil, &DomainError{Family: fam, Field: fmt.Sprintf("variance[%d]", i), Value: v, Reason: "want a finite value > 0"}
		}
	}
	lam := make([]float64, d)
	for i, m := range mean {
		if !gaussFinite(m) {
			return nil, &DomainError{Family: fam, Field: fmt.Sprintf("mean[%d]", i), Value: m, Reason: "not finite"}
		}
		lam[i] = m / variance[i]
		if !gaussFinite(lam[i]) {
			return nil, &DomainError{Family: fam, Field: fmt.Sprintf("natural[%d]", i), Value: lam[i], Reason: "mean/variance overflows"}
		}
	}
	return &FixedGaussian{lam: lam, mean: append([]float64(nil), mean...), vari: append([]float64(nil), variance...)}, nil
}

// Dim returns D.
func (q *FixedGaussian) Dim() int { return len(q.lam) }

// ParamDim returns D.
func (q *FixedGaussian) ParamDim() int { return len(q.lam) }

// Natural writes λ = Σ⁻¹m.
func (q *FixedGaussian) Natural(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	copy(dst, q.lam)
	return dst
}

// Expectation writes μ = m.
func (q *FixedGaussian) Expectation(dst []float64) []float64 { return q.Mean(dst) }

// EntropyGrad writes ∇_μH(q) = 0: the entropy of a fixed-covariance Gaussian
// does not depend on its mean.
func (q *FixedGaussian) EntropyGrad(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	clear(dst)
	return dst
}

// SetNatural sets λ, so m = Σλ. A non-finite λ or m gives a *DomainError
// and leaves q unchanged.
func (q *FixedGaussian) SetNatural(lam []float64) error {
	checkLen(len(lam), len(q.lam))
	for i, l := range lam {
		if !gaussFinite(l) {
			return &DomainError{Family: "FixedGaussian", Field: fmt.Sprintf("natural[%d]", i), Value: l, Reason: "not finite"}
		}
		if m := q.vari[i] * l; !gaussFinite(m) {
			return &DomainError{Family: "FixedGaussian", Field: fmt.Sprintf("mean[%d]", i), Value: m, Reason: "variance·λ overflows"}
		}
	}
	copy(q.lam, lam)
	for i, l := range lam {
		q.mean[i] = q.vari[i] * l
	}
	return nil
}

// Entropy returns H(q) = ½Σᵢ(1 + log 2π + log vᵢ).
func (q *FixedGaussian) Entropy() float64 {
	var h float64
	for _, v := range q.vari {
		h += math.Log(v)
	}
	return 0.5 * (float64(len(q.vari))*(1+log2Pi) + h)
}

// LogPartition returns A(λ) = ½λᵀΣλ = ½mᵀΣ⁻¹m, the log-partition function for
// the base measure N(θ; 0, Σ); ∇A(λ) = μ = m.
func (q *FixedGaussian) LogPartition() float64 {
	var a float64
	for i, l := range q.lam {
		a += l * q.mean[i]
	}
	return 0.5 * a
}

// LogProb returns log q(θ).
func (q *FixedGaussian) LogProb(theta []float64) float64 {
	checkLen(len(theta), len(q.mean))
	var lp float64
	for i, t := range theta {
		z := t - q.mean[i]
		lp -= 0.5 * (log2Pi + math.Log(q.vari[i]) + z*z/q.vari[i])
	}
	return lp
}

// Sample writes θ = m + √v ⊙ ε, ε ~ N(0, I), into dst.
func (q *FixedGaussian) Sample(dst []float64, rnd *rand.Rand) []float64 {
	dst = alloc(dst, len(q.mean))
	for i, m := range q.mean {
		dst[i] = m + math.Sqrt(q.vari[i])*rnd.NormFloat64()
	}
	return dst
}

// Mean writes m.
func (q *FixedGaussian) Mean(dst []float64) []float64 {
	dst = alloc(dst, len(q.mean))
	copy(dst, q.mean)
	return dst
}

// Variance writes the fixed variances v.
func (q *FixedGaussian) Variance(dst []float64) []float64 {
	dst = alloc(dst, len(q.vari))
	copy(dst, q.vari)
	return dst
}

// Layout returns NoHessian: the covariance is fixed, so curvature is unused.
func (q *FixedGaussian) Layout() HessianLayout { return NoHessian }

// MuGrad writes ∇_μE_q[f] = E_q[∇f] = g; h is ignored (pass nil).
func (q *FixedGaussian) MuGrad(dst, g, h []float64) []float64 {
	checkLen(len(g), len(q.mean))
	dst = alloc(dst, len(q.mean))
	copy(dst, g)
	return dst
}

// PrecisionMul writes Σ⁻¹v = v ⊘ variance.
func (q *FixedGaussian) PrecisionMul(dst, v []float64) []float64 {
	checkLen(len(v), len(q.vari))
	dst = alloc(dst, len(q.vari))
	for i, x := range v {
		dst[i] = x / q.vari[i]
	}
	return dst
}

// KL returns KL(q‖p) = ½Σᵢ[vq/vp − 1 − log(vq/vp) + (mp−mq)²/vp]. It panics with
// ErrLength if the dimensions differ.
func (q *FixedGaussian) KL(p *FixedGaussian) float64 {
	checkLen(len(p.mean), len(q.mean))
	var kl float64
	for i, vq := range q.vari {
		vp := p.vari[i]
		t := vq/vp - 1
		dm := p.mean[i] - q.mean[i]
		kl += t - math.Log1p(t) + dm*dm/vp
	}
	return 0.5 * kl
}

// Clone returns an independent copy.
func (q *FixedGaussian) Clone() Family {
	return &FixedGaussian{
		lam:  append([]float64(nil), q.lam...),
		mean: append([]float64(nil), q.mean...),
		vari: append([]float64(nil), q.vari...),
	}
}
