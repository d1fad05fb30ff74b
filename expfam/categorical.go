package expfam

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Categorical is the categorical family over the classes 0, …, K−1 with
// probabilities π, using the last class as the reference:
//
//	q(k) = πₖ,   λₖ = log(πₖ/π_{K−1}),  k < K−1.
//
// Layout: T(k) is the one-hot indicator of k without its last entry
// (length K−1) and λ ∈ ℝ^{K−1}, so the base measure is h ≡ 1 (counting
// measure) and EntropyGrad is −λ. Then A(λ) = log(1 + Σₖ e^{λₖ}) (computed by
// log-sum-exp) and μ = (π₀, …, π_{K−2}). The domain is every λₖ finite, K ≥ 2.
//
// θ is the class index held in a length-1 slice: Sample writes it as a
// float64 and LogProb reads it.
type Categorical struct {
	lam []float64
}

// NewCategorical returns the family with probabilities p (K = len(p) ≥ 2).
// Every p[k] must be positive and finite and the sum within 1e-9 of 1. p is
// not retained.
func NewCategorical(p []float64) (*Categorical, error) {
	if len(p) < 2 {
		return nil, &DomainError{Family: "Categorical", Field: "len(p)", Value: float64(len(p)), Reason: "must be at least 2"}
	}
	var s float64
	for k, pk := range p {
		if err := famPositive("Categorical", fmt.Sprintf("p[%d]", k), pk); err != nil {
			return nil, err
		}
		s += pk
	}
	if !(math.Abs(s-1) <= 1e-9) {
		return nil, &DomainError{Family: "Categorical", Field: "sum(p)", Value: s, Reason: "must be 1 within 1e-9"}
	}
	K := len(p)
	lam := make([]float64, K-1)
	last := math.Log(p[K-1])
	for k := range lam {
		lam[k] = math.Log(p[k]) - last
	}
	return &Categorical{lam: lam}, nil
}

// NewCategoricalNatural returns the family with logits lam relative to the
// last class (K = len(lam)+1 ≥ 2); every entry must be finite. lam is copied.
func NewCategoricalNatural(lam []float64) (*Categorical, error) {
	if len(lam) < 1 {
		return nil, &DomainError{Family: "Categorical", Field: "len(λ)", Value: float64(len(lam)), Reason: "must be at least 1 (K ≥ 2)"}
	}
	q := &Categorical{lam: make([]float64, len(lam))}
	if err := q.SetNatural(lam); err != nil {
		return nil, err
	}
	return q, nil
}

// K returns the number of classes.
func (q *Categorical) K() int { return len(q.lam) + 1 }

// Probs writes all K probabilities π.
func (q *Categorical) Probs(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam)+1)
	a := q.LogPartition()
	for k, l := range q.lam {
		dst[k] = math.Exp(l - a)
	}
	dst[len(q.lam)] = math.Exp(-a)
	return dst
}

// Dim returns K−1.
func (q *Categorical) Dim() int { return len(q.lam) }

// ParamDim returns 1: θ is a class index.
func (q *Categorical) ParamDim() int { return 1 }

// Natural writes λ.
func (q *Categorical) Natural(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	copy(dst, q.lam)
	return dst
}

// Expectation writes μ = (π₀, …, π_{K−2}).
func (q *Categorical) Expectation(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	a := q.LogPartition()
	for k, l := range q.lam {
		dst[k] = math.Exp(l - a)
	}
	return dst
}

// EntropyGrad writes ∇_μH(q) = −λ (h ≡ 1).
func (q *Categorical) EntropyGrad(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	for k, l := range q.lam {
		dst[k] = -l
	}
	return dst
}

// SetNatural sets λ; every entry must be finite, otherwise it returns a
// *DomainError and leaves q unchanged. len(lam) must be K−1.
func (q *Categorical) SetNatural(lam []float64) error {
	checkLen(len(lam), len(q.lam))
	for k, l := range lam {
		if err := famFinite("Categorical", fmt.Sprintf("λ[%d]", k), l); err != nil {
			return err
		}
	}
	copy(q.lam, lam)
	return nil
}

// LogPartition returns A(λ) = log(1 + Σₖ e^{λₖ}) by log-sum-exp over
// (0, λ₀, …, λ_{K−2}).
func (q *Categorical) LogPartition() float64 {
	m := 0.0
	for _, l := range q.lam {
		m = math.Max(m, l)
	}
	s := math.Exp(-m)
	for _, l := range q.lam {
		s += math.Exp(l - m)
	}
	return m + math.Log(s)
}

// Entropy returns H(q) = −Σₖ πₖ log πₖ with log πₖ = λₖ − A; an
// underflowed πₖ contributes 0 (even where λₖ − A overflows to −Inf, as for
// λ = (1e308, −1e308)), so H is finite for every λ in the domain.
func (q *Categorical) Entropy() float64 {
	a := q.LogPartition()
	h := 0.0
	if p := math.Exp(-a); p > 0 {
		h = p * a
	}
	for _, l := range q.lam {
		lp := l - a
		if p := math.Exp(lp); p > 0 {
			h -= p * lp
		}
	}
	return h
}

// KL returns KL(q ‖ p) = Σₖ πₖ(log πₖ − log πₖ′); it is exactly 0 when p has
// the same λ as q. Classes whose πₖ underflows contribute 0, so it is never
// NaN; it is +Inf where some πₖ′ underflows and πₖ does not. p must have
// the same K.
func (q *Categorical) KL(p *Categorical) float64 {
	checkLen(len(p.lam), len(q.lam))
	a, ap := q.LogPartition(), p.LogPartition()
	kl := 0.0
	if pk := math.Exp(-a); pk > 0 {
		kl = pk * (ap - a)
	}
	for k, l := range q.lam {
		if pk := math.Exp(l - a); pk > 0 {
			kl += pk * ((l - a) - (p.lam[k] - ap))
		}
	}
	return kl
}

// Sample writes one class index k ~ q into dst (length 1).
func (q *Categorical) Sample(dst []float64, rnd *rand.Rand) []float64 {
	dst = alloc(dst, 1)
	a := q.LogPartition()
	u := rnd.Float64()
	var c float64
	for k, l := range q.lam {
		c += math.Exp(l - a)
		if u < c {
			dst[0] = float64(k)
			return dst
		}
	}
	dst[0] = float64(len(q.lam))
	return dst
}

// LogProb returns log πₖ for θ = [k]; it is −Inf unless k is an integer in
// [0, K−1].
func (q *Categorical) LogProb(theta []float64) float64 {
	checkLen(len(theta), 1)
	x := theta[0]
	K := len(q.lam) + 1
	if !(x >= 0 && x <= float64(K-1)) || x != math.Trunc(x) {
		return math.Inf(-1)
	}
	a := q.LogPartition()
	if k := int(x); k < K-1 {
		return q.lam[k] - a
	}
	return -a
}

// Clone returns an independent copy.
func (q *Categorical) Clone() Family {
	return &Categorical{lam: append([]float64(nil), q.lam...)}
}

// NaturalFromExpectation writes λₖ = log μₖ − log(1 − Σⱼμⱼ), without
// changing q. Every μₖ must be positive with Σμ < 1; otherwise it returns a
// *DomainError.
func (q *Categorical) NaturalFromExpectation(dst, mu []float64) ([]float64, error) {
	checkLen(len(mu), len(q.lam))
	var s float64
	for k, m := range mu {
		if !(m > 0) || math.IsInf(m, 1) {
			return nil, &DomainError{Family: "Categorical", Field: fmt.Sprintf("μ[%d]", k), Value: m, Reason: "must be positive and finite"}
		}
		s += m
	}
	if !(s < 1) {
		return nil, &DomainError{Family: "Categorical", Field: "sum(μ)", Value: s, Reason: "must be below 1 (the last class needs positive mass)"}
	}
	dst = alloc(dst, len(q.lam))
	last := math.Log1p(-s)
	for k, m := range mu {
		dst[k] = math.Log(m) - last
	}
	return dst, nil
}

// Softmax writes softmax(f) into p (len(p) ≥ len(f)) and returns
// log Σ exp f, both computed with the maximum of f subtracted so that
// nothing overflows: −log p[y] is the returned value minus f[y].
func Softmax(p, f []float64) float64 {
	hi := math.Inf(-1)
	for _, v := range f {
		hi = math.Max(hi, v)
	}
	var z float64
	for c, v := range f {
		p[c] = math.Exp(v - hi)
		z += p[c]
	}
	for c := range f {
		p[c] /= z
	}
	return hi + math.Log(z)
}
