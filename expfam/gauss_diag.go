package expfam

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// DiagGaussian is q = N(m, diag(s)⁻¹) over θ ∈ ℝᴰ with a learnt mean m and a
// learnt diagonal precision s.
//
// Its sufficient statistic is T(θ) = (θ, θ⊙θ) with a constant base measure,
// so in λ's layout (length 2D, first block then second)
//
//	λ = [s⊙m, −½s],  μ = [m, 1/s + m⊙m],  ∇_μH(q) = −λ,
//
// and A(λ) = Σᵢ(½sᵢmᵢ² − ½log sᵢ + ½log 2π). The domain is s > 0 with every
// entry finite. Methods are not safe for concurrent use.
type DiagGaussian struct {
	lam  []float64 // λ, as set (length 2D)
	mean []float64 // m = λ₁ / s
}

// NewDiagGaussian returns N(mean, diag(precision)⁻¹). Every precision must be
// finite and > 0 and every mean finite; the slices are copied and the mean
// is stored as given.
func NewDiagGaussian(mean, precision []float64) (*DiagGaussian, error) {
	const fam = "DiagGaussian"
	d := len(mean)
	if d == 0 {
		return nil, gaussLenError(fam, "mean", 0, 1)
	}
	if len(precision) != d {
		return nil, gaussLenError(fam, "precision", len(precision), d)
	}
	lam := make([]float64, 2*d)
	for i, s := range precision {
		if !(s > 0) || !gaussFinite(s) {
			return nil, &DomainError{Family: fam, Field: fmt.Sprintf("precision[%d]", i), Value: s, Reason: "want a finite value > 0"}
		}
		if !gaussFinite(mean[i]) {
			return nil, &DomainError{Family: fam, Field: fmt.Sprintf("mean[%d]", i), Value: mean[i], Reason: "not finite"}
		}
		lam[i] = s * mean[i]
		lam[d+i] = -0.5 * s
	}
	q := &DiagGaussian{lam: make([]float64, 2*d), mean: make([]float64, d)}
	if err := q.SetNatural(lam); err != nil {
		return nil, err
	}
	copy(q.mean, mean) // stored as given, not as (s·m)/s
	return q, nil
}

// Dim returns 2D.
func (q *DiagGaussian) Dim() int { return len(q.lam) }

// ParamDim returns D.
func (q *DiagGaussian) ParamDim() int { return len(q.mean) }

// Natural writes λ = [s⊙m, −½s].
func (q *DiagGaussian) Natural(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	copy(dst, q.lam)
	return dst
}

// Expectation writes μ = [m, 1/s + m⊙m].
func (q *DiagGaussian) Expectation(dst []float64) []float64 {
	d := len(q.mean)
	dst = alloc(dst, 2*d)
	for i, m := range q.mean {
		dst[i] = m
		dst[d+i] = -0.5/q.lam[d+i] + m*m
	}
	return dst
}

// EntropyGrad writes ∇_μH(q) = −λ (the base measure is constant).
func (q *DiagGaussian) EntropyGrad(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	for i, l := range q.lam {
		dst[i] = -l
	}
	return dst
}

// SetNatural sets λ = [s⊙m, −½s]. A non-finite entry, a precision s = −2λ₂
// that is not > 0 and finite, or a mean λ₁/s that overflows gives a
// *DomainError and leaves q unchanged.
func (q *DiagGaussian) SetNatural(lam []float64) error {
	const fam = "DiagGaussian"
	checkLen(len(lam), len(q.lam))
	d := len(q.mean)
	for i := range d {
		l1 := lam[i]
		if !gaussFinite(l1) {
			return &DomainError{Family: fam, Field: fmt.Sprintf("natural[%d]", i), Value: l1, Reason: "not finite"}
		}
		s := -2 * lam[d+i]
		if !(s > 0) || !gaussFinite(s) {
			return &DomainError{Family: fam, Field: fmt.Sprintf("precision[%d]", i), Value: s, Reason: "want a finite value > 0 (precision = −2λ₂)"}
		}
		// |m| = |λ₁|/s ≤ MaxFloat64/2, checked without a division.
		if !(math.Abs(l1) <= s*(0.5*math.MaxFloat64)) {
			return &DomainError{Family: fam, Field: fmt.Sprintf("mean[%d]", i), Value: l1 / s, Reason: "λ₁/precision overflows"}
		}
	}
	for i := range d {
		l1, l2 := lam[i], lam[d+i]
		q.lam[i], q.lam[d+i] = l1, l2
		q.mean[i] = l1 / (-2 * l2)
	}
	return nil
}

// Entropy returns H(q) = ½Σᵢ(1 + log 2π − log sᵢ).
func (q *DiagGaussian) Entropy() float64 {
	d := len(q.mean)
	var ld float64
	for _, l2 := range q.lam[d:] {
		ld += math.Log(-2 * l2)
	}
	return 0.5 * (float64(d)*(1+log2Pi) - ld)
}

// LogPartition returns A(λ) = Σᵢ(½sᵢmᵢ² − ½log sᵢ) + ½D log 2π, with ∇A(λ) = μ.
func (q *DiagGaussian) LogPartition() float64 {
	d := len(q.mean)
	var a float64
	for i, m := range q.mean {
		s := -2 * q.lam[d+i]
		a += q.lam[i]*m - math.Log(s)
	}
	return 0.5 * (a + float64(d)*log2Pi)
}

// LogProb returns log q(θ).
func (q *DiagGaussian) LogProb(theta []float64) float64 {
	d := len(q.mean)
	checkLen(len(theta), d)
	var lp float64
	for i, t := range theta {
		s := -2 * q.lam[d+i]
		z := t - q.mean[i]
		lp += math.Log(s) - log2Pi - s*z*z
	}
	return 0.5 * lp
}

// Sample writes θ = m + ε ⊘ √s, ε ~ N(0, I), into dst.
func (q *DiagGaussian) Sample(dst []float64, rnd *rand.Rand) []float64 {
	d := len(q.mean)
	dst = alloc(dst, d)
	for i, m := range q.mean {
		dst[i] = m + rnd.NormFloat64()/math.Sqrt(-2*q.lam[d+i])
	}
	return dst
}

// Mean writes m.
func (q *DiagGaussian) Mean(dst []float64) []float64 {
	dst = alloc(dst, len(q.mean))
	copy(dst, q.mean)
	return dst
}

// Precision writes s.
func (q *DiagGaussian) Precision(dst []float64) []float64 {
	d := len(q.mean)
	dst = alloc(dst, d)
	for i, l2 := range q.lam[d:] {
		dst[i] = -2 * l2
	}
	return dst
}

// Variance writes 1/s.
func (q *DiagGaussian) Variance(dst []float64) []float64 {
	d := len(q.mean)
	dst = alloc(dst, d)
	for i, l2 := range q.lam[d:] {
		dst[i] = -0.5 / l2
	}
	return dst
}

// Layout returns DiagHessian.
func (q *DiagGaussian) Layout() HessianLayout { return DiagHessian }

// MuGrad writes ∇_μE_q[f] = [g − h⊙m, ½h] (Bonnet and Price), given
// g = E_q[∇f] and h = E_q[diag ∇²f], both of length D.
func (q *DiagGaussian) MuGrad(dst, g, h []float64) []float64 {
	d := len(q.mean)
	checkLen(len(g), d)
	checkLen(len(h), d)
	dst = alloc(dst, 2*d)
	for i, m := range q.mean {
		dst[i] = g[i] - h[i]*m
		dst[d+i] = 0.5 * h[i]
	}
	return dst
}

// PrecisionMul writes s⊙v.
func (q *DiagGaussian) PrecisionMul(dst, v []float64) []float64 {
	d := len(q.mean)
	checkLen(len(v), d)
	dst = alloc(dst, d)
	for i, x := range v {
		dst[i] = -2 * q.lam[d+i] * x
	}
	return dst
}

// Retract implements Retractor: the improved rule (iBLR) of Lin, Schmidt &
// Khan (2020) for a diagonal Gaussian.
//
// The plain direction is d = ∇_μE_q[ℓ̄] + λ, so by MuGrad d = [ĝ − Ĝ⊙m, ½Ĝ]
// with Ĝ = Ĥ − s; Retract reads Ĝ = 2d₂ and ĝ = d₁ + Ĝ⊙m from it and writes
//
//	s′ = s + ρĜ + ½ρ²Ĝ²/s,   λ₁′ = s′⊙m − ρĝ,   λ₂′ = −½s′,
//
// so that the new mean is m′ = m − ρĝ/s′ (the mean step uses the updated
// precision). The precision is evaluated as s′ = ½s + ½|s+ρĜ|·|1+r| with
// r = ρĜ/s, which is s(1+(1+r)²)/2 (corrections, point 18), falling back to
// ½s + ½((s+ρĜ)/√s)² when r itself overflows; no intermediate overflows
// unless s′ does, and s′ ≥ s/2 holds in floating point for every finite Ĝ.
// λ₁′ is evaluated as λ₁ − ρd₁ + ½ρĜr⊙m (= s′⊙m − ρĝ), so that with Ĝ = 0
// Retract returns exactly the plain step λ − ρd. A precision or λ₁′ that is
// not finite gives a *DomainError. Besides the plain rule's fixed points, iBLR
// also stops where Ĥ = (1 − 2/ρ)s < 0.
func (q *DiagGaussian) Retract(dst, d []float64, rho float64) ([]float64, error) {
	n := len(q.mean)
	checkLen(len(d), 2*n)
	dst = alloc(dst, 2*n)
	for i, m := range q.mean {
		s := -2 * q.lam[n+i]
		x := rho * (2 * d[n+i]) // ρĜ
		u := s + x              // s(1+r)
		r := x / s
		w := 1 + r
		var half, k float64 // ½(s+ρĜ)²/s and ½ρ²Ĝ²/s
		if gaussFinite(w) {
			half = (0.5 * math.Abs(u)) * math.Abs(w)
			k = (0.5 * x) * r
		} else {
			rs := math.Sqrt(s)
			t := u / rs
			half = 0.5 * t * t
			t = x / rs
			k = 0.5 * t * t
		}
		s2 := 0.5*s + half
		if !(s2 <= math.MaxFloat64) {
			return nil, &DomainError{Family: "DiagGaussian", Field: fmt.Sprintf("precision[%d]", i), Value: s2, Reason: "the iBLR update overflows"}
		}
		l1 := q.lam[i] - rho*d[i]
		if k != 0 {
			l1 += k * m
		}
		if !gaussFinite(l1) {
			return nil, &DomainError{Family: "DiagGaussian", Field: fmt.Sprintf("natural[%d]", i), Value: l1, Reason: "the iBLR update is not finite"}
		}
		dst[i] = l1
		dst[n+i] = -0.5 * s2
	}
	return dst, nil
}

// KL returns KL(q‖p) = ½Σᵢ[sp/sq − 1 − log(sp/sq) + sp(mp−mq)²]. It panics
// with ErrLength if the dimensions differ.
func (q *DiagGaussian) KL(p *DiagGaussian) float64 {
	d := len(q.mean)
	checkLen(len(p.mean), d)
	var kl float64
	for i, mq := range q.mean {
		sq, sp := -2*q.lam[d+i], -2*p.lam[d+i]
		t := sp/sq - 1
		dm := p.mean[i] - mq
		kl += t - math.Log1p(t) + sp*dm*dm
	}
	return 0.5 * kl
}

// Clone returns an independent copy.
func (q *DiagGaussian) Clone() Family {
	return &DiagGaussian{
		lam:  append([]float64(nil), q.lam...),
		mean: append([]float64(nil), q.mean...),
	}
}
