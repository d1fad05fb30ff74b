package expfam

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/internal/special"
	"gonum.org/v1/gonum/stat/distuv"
)

// Beta is the Beta family over θ ∈ (0, 1),
//
//	q(θ) = θ^(α−1) (1−θ)^(β−1) / B(α, β).
//
// Layout: T(θ) = (log θ, log(1−θ)) and λ = (α−1, β−1), so the base measure is
// h ≡ 1 and EntropyGrad is −λ. Then A(λ) = log B(α, β) and
// μ = (ψ(α) − ψ(α+β), ψ(β) − ψ(α+β)). The domain is α > 0, β > 0 with
// α+β ≤ MaxShape.
//
// The zero value is Beta(1, 1), the uniform law.
type Beta struct {
	lam [2]float64
}

// NewBeta returns Beta(a, b). Both must be positive, large enough that
// a−1 and b−1 do not round to −1 (above 2⁻⁵⁴ ≈ 5.6e-17), and a+b at most
// MaxShape; otherwise it returns a *DomainError.
func NewBeta(a, b float64) (*Beta, error) {
	if err := famShape("Beta", "alpha", a); err != nil {
		return nil, err
	}
	if err := famShape("Beta", "beta", b); err != nil {
		return nil, err
	}
	q := &Beta{}
	if err := q.SetNatural([]float64{a - 1, b - 1}); err != nil {
		return nil, err
	}
	return q, nil
}

// Params returns α and β.
func (q *Beta) Params() (alpha, beta float64) { return q.lam[0] + 1, q.lam[1] + 1 }

// Dim returns 2.
func (q *Beta) Dim() int { return 2 }

// ParamDim returns 1: θ is a scalar.
func (q *Beta) ParamDim() int { return 1 }

// Natural writes λ = (α−1, β−1).
func (q *Beta) Natural(dst []float64) []float64 {
	dst = alloc(dst, 2)
	copy(dst, q.lam[:])
	return dst
}

// Expectation writes μ = (E log θ, E log(1−θ)) = (ψ(α) − ψ(α+β), ψ(β) − ψ(α+β)).
func (q *Beta) Expectation(dst []float64) []float64 {
	dst = alloc(dst, 2)
	a, b := q.Params()
	psi := special.Digamma(a + b)
	dst[0] = special.Digamma(a) - psi
	dst[1] = special.Digamma(b) - psi
	return dst
}

// EntropyGrad writes ∇_μH(q) = −λ (h ≡ 1).
func (q *Beta) EntropyGrad(dst []float64) []float64 {
	dst = alloc(dst, 2)
	dst[0], dst[1] = -q.lam[0], -q.lam[1]
	return dst
}

// SetNatural sets λ; it needs both entries in (−1, MaxShape] (α, β > 0),
// with α+β ≤ MaxShape. Otherwise it returns a *DomainError and leaves q
// unchanged.
func (q *Beta) SetNatural(lam []float64) error {
	checkLen(len(lam), 2)
	if err := famShapeNatural("Beta", "λ[0] (alpha−1)", lam[0]); err != nil {
		return err
	}
	if err := famShapeNatural("Beta", "λ[1] (beta−1)", lam[1]); err != nil {
		return err
	}
	if s := lam[0] + lam[1] + 2; s > MaxShape {
		return &DomainError{Family: "Beta", Field: "alpha+beta", Value: s, Reason: fmt.Sprintf("must be at most %g (MaxShape)", float64(MaxShape))}
	}
	q.lam = [2]float64{lam[0], lam[1]}
	return nil
}

// LogPartition returns A(λ) = log B(α, β) = log Γ(α) + log Γ(β) − log Γ(α+β).
func (q *Beta) LogPartition() float64 {
	a, b := q.Params()
	return famLgamma(a) + famLgamma(b) - famLgamma(a+b)
}

// Entropy returns H(q) = log B(α, β) − (α−1)ψ(α) − (β−1)ψ(β) + (α+β−2)ψ(α+β).
func (q *Beta) Entropy() float64 {
	a, b := q.Params()
	return q.LogPartition() - (a-1)*special.Digamma(a) - (b-1)*special.Digamma(b) +
		(a+b-2)*special.Digamma(a+b)
}

// KL returns KL(q ‖ p) = A(λₚ) − A(λ) − ⟨λₚ − λ, μ⟩; it is exactly 0 when p
// has the same λ as q.
func (q *Beta) KL(p *Beta) float64 { return dirichletKL(q.lam[:], p.lam[:]) }

// Sample writes one draw θ ~ Beta(α, β) into dst (length 1). For α or β far
// below 0.1 the draw can round to 0 or 1.
func (q *Beta) Sample(dst []float64, rnd *rand.Rand) []float64 {
	dst = alloc(dst, 1)
	a, b := q.Params()
	dst[0] = distuv.Beta{Alpha: a, Beta: b, Src: rnd}.Rand()
	return dst
}

// LogProb returns log q(θ) = (α−1) log θ + (β−1) log(1−θ) − A(λ); it is −Inf
// unless 0 < θ[0] < 1.
func (q *Beta) LogProb(theta []float64) float64 {
	checkLen(len(theta), 1)
	x := theta[0]
	if !(x > 0 && x < 1) {
		return math.Inf(-1)
	}
	return q.lam[0]*math.Log(x) + q.lam[1]*math.Log1p(-x) - q.LogPartition()
}

// Clone returns an independent copy.
func (q *Beta) Clone() Family {
	c := *q
	return &c
}

// NaturalFromExpectation writes the λ whose expectation is mu = (E log θ,
// E log(1−θ)), without changing q. mu needs negative entries with
// exp μ₀ + exp μ₁ < 1 (Jensen); otherwise it returns a *DomainError. It is the
// Dirichlet inversion with K = 2 (Newton's method on the convex A(λ) − ⟨λ, μ⟩).
func (q *Beta) NaturalFromExpectation(dst, mu []float64) ([]float64, error) {
	checkLen(len(mu), 2)
	dst = alloc(dst, 2)
	if err := dirichletFromMeanLog("Beta", dst, mu); err != nil {
		return nil, err
	}
	return dst, nil
}
