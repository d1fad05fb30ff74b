package expfam

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Bernoulli is a vector of D independent Bernoulli variables on {−1, +1},
// the family of binary weights (BayesBiNN, STE):
//
//	q(w) = ∏ⱼ exp(λⱼwⱼ − log(2 cosh λⱼ)),   p(wⱼ = +1) = sigmoid(2λⱼ).
//
// Layout: T(w) = w and λ ∈ ℝᴰ (the "latent weights"), so the base measure is
// h ≡ 1 (counting measure) and EntropyGrad is −λ. Then
// A(λ) = Σⱼ log(2 cosh λⱼ) and μ = tanh λ. The domain is every λⱼ finite.
// Everything is computed without overflow or 0·log 0 for any finite λ; in
// particular 1 − μⱼ² = sech²λⱼ comes from Variance, not from 1 − tanh².
type Bernoulli struct {
	lam []float64
}

// NewBernoulli returns the family with p(wⱼ = +1) = p[j]; every p[j] must lie
// in the open interval (0, 1). p is not retained.
func NewBernoulli(p []float64) (*Bernoulli, error) {
	lam := make([]float64, len(p))
	for j, pj := range p {
		if !(pj > 0 && pj < 1) {
			return nil, &DomainError{Family: "Bernoulli", Field: fmt.Sprintf("p[%d]", j), Value: pj, Reason: "must lie in (0, 1)"}
		}
		lam[j] = 0.5 * (math.Log(pj) - math.Log1p(-pj))
	}
	return &Bernoulli{lam: lam}, nil
}

// NewBernoulliNatural returns the family with natural parameter lam (the
// latent weights); every entry must be finite. lam is copied.
func NewBernoulliNatural(lam []float64) (*Bernoulli, error) {
	q := &Bernoulli{lam: make([]float64, len(lam))}
	if err := q.SetNatural(lam); err != nil {
		return nil, err
	}
	return q, nil
}

// Probs writes p(wⱼ = +1) = sigmoid(2λⱼ).
func (q *Bernoulli) Probs(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	for j, l := range q.lam {
		dst[j] = Sigmoid(2 * l)
	}
	return dst
}

// Variance writes Var wⱼ = 1 − μⱼ² = sech²λⱼ = 4e/(1+e)², e = exp(−2|λⱼ|),
// which is accurate where 1 − tanh²λⱼ rounds to 0.
func (q *Bernoulli) Variance(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	for j, l := range q.lam {
		e := math.Exp(-2 * math.Abs(l))
		dst[j] = 4 * e / ((1 + e) * (1 + e))
	}
	return dst
}

// Dim returns D.
func (q *Bernoulli) Dim() int { return len(q.lam) }

// ParamDim returns D: w ∈ {−1, +1}ᴰ.
func (q *Bernoulli) ParamDim() int { return len(q.lam) }

// Natural writes λ.
func (q *Bernoulli) Natural(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	copy(dst, q.lam)
	return dst
}

// Expectation writes μ = E w = tanh λ.
func (q *Bernoulli) Expectation(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	for j, l := range q.lam {
		dst[j] = math.Tanh(l)
	}
	return dst
}

// EntropyGrad writes ∇_μH(q) = −λ (h ≡ 1).
func (q *Bernoulli) EntropyGrad(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	for j, l := range q.lam {
		dst[j] = -l
	}
	return dst
}

// SetNatural sets λ; every entry must be finite, otherwise it returns a
// *DomainError and leaves q unchanged. len(lam) must be D.
func (q *Bernoulli) SetNatural(lam []float64) error {
	checkLen(len(lam), len(q.lam))
	for j, l := range lam {
		if err := famFinite("Bernoulli", fmt.Sprintf("λ[%d]", j), l); err != nil {
			return err
		}
	}
	copy(q.lam, lam)
	return nil
}

// LogPartition returns A(λ) = Σⱼ log(2 cosh λⱼ) = Σⱼ |λⱼ| + log1p(e^{−2|λⱼ|}).
func (q *Bernoulli) LogPartition() float64 {
	var s float64
	for _, l := range q.lam {
		a := math.Abs(l)
		s += a + math.Log1p(math.Exp(-2*a))
	}
	return s
}

// Entropy returns H(q) = Σⱼ log(2 cosh λⱼ) − λⱼ tanh λⱼ, evaluated as
// Σⱼ log1p(e) + |λⱼ|·2e/(1+e) with e = exp(−2|λⱼ|): no cancellation, and 0
// rather than NaN where e underflows.
func (q *Bernoulli) Entropy() float64 {
	var s float64
	for _, l := range q.lam {
		a := math.Abs(l)
		e := math.Exp(-2 * a)
		s += math.Log1p(e) + a*(2*e/(1+e))
	}
	return s
}

// KL returns KL(q ‖ p) = Σⱼ Σ_w q(w)(log q(w) − log p(w)) with
// log q(wⱼ = ±1) = −softplus(∓2λⱼ); it is exactly 0 when p has the same λ as
// q. p must have the same D.
func (q *Bernoulli) KL(p *Bernoulli) float64 {
	checkLen(len(p.lam), len(q.lam))
	var s float64
	for j, l := range q.lam {
		lp := p.lam[j]
		pi := Sigmoid(2 * l)
		pm := Sigmoid(-2 * l)
		// A weight that underflows to 0 drops its term (0·∞ would be NaN).
		if pi > 0 {
			s += pi * (Softplus(-2*lp) - Softplus(-2*l))
		}
		if pm > 0 {
			s += pm * (Softplus(2*lp) - Softplus(2*l))
		}
	}
	return s
}

// Sample writes one draw w ~ q into dst (length D), each entry −1 or +1.
func (q *Bernoulli) Sample(dst []float64, rnd *rand.Rand) []float64 {
	dst = alloc(dst, len(q.lam))
	for j, l := range q.lam {
		if rnd.Float64() < Sigmoid(2*l) {
			dst[j] = 1
		} else {
			dst[j] = -1
		}
	}
	return dst
}

// LogProb returns log q(w) = Σⱼ −softplus(−2λⱼwⱼ); it is −Inf unless every
// wⱼ is −1 or +1.
func (q *Bernoulli) LogProb(w []float64) float64 {
	checkLen(len(w), len(q.lam))
	var s float64
	for j, x := range w {
		if x != 1 && x != -1 {
			return math.Inf(-1)
		}
		s -= Softplus(-2 * q.lam[j] * x)
	}
	return s
}

// Clone returns an independent copy.
func (q *Bernoulli) Clone() Family {
	return &Bernoulli{lam: append([]float64(nil), q.lam...)}
}

// NaturalFromExpectation writes λ = atanh μ, without changing q. Every μⱼ must
// lie in (−1, 1); otherwise it returns a *DomainError. The map has
// dλ/dμ = cosh²λ, so it loses about 2|λ|/ln 10 digits.
func (q *Bernoulli) NaturalFromExpectation(dst, mu []float64) ([]float64, error) {
	checkLen(len(mu), len(q.lam))
	for j, m := range mu {
		if !(m > -1 && m < 1) {
			return nil, &DomainError{Family: "Bernoulli", Field: fmt.Sprintf("μ[%d]", j), Value: m, Reason: "must lie in (−1, 1)"}
		}
	}
	dst = alloc(dst, len(q.lam))
	for j, m := range mu {
		dst[j] = math.Atanh(m)
	}
	return dst, nil
}

// Sigmoid is the logistic function 1/(1+e^{−x}), computed without overflow;
// p(w = +1) of a Bernoulli with natural parameter λ is Sigmoid(2λ).
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Softplus is log(1+eˣ), computed without overflow.
func Softplus(x float64) float64 {
	return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}
