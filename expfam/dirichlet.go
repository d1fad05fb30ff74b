package expfam

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/internal/special"
	"gonum.org/v1/gonum/stat/distuv"
)

// Dirichlet is the Dirichlet family over the probability simplex in ℝᴷ,
//
//	q(θ) = Γ(α₀)/∏ₖΓ(αₖ) · ∏ₖ θₖ^(αₖ−1),   α₀ = Σₖαₖ,
//
// a density in the first K−1 coordinates. Layout: T(θ) = log θ (length K) and
// λ = α − 1, so the base measure is h ≡ 1 and EntropyGrad is −λ. Then
// A(λ) = Σₖ log Γ(αₖ) − log Γ(α₀) and μₖ = ψ(αₖ) − ψ(α₀). The domain is
// αₖ > 0 with α₀ ≤ MaxShape. Dim and ParamDim are both K ≥ 2.
type Dirichlet struct {
	lam []float64
}

// NewDirichlet returns Dirichlet(alpha); it needs len(alpha) ≥ 2, every αₖ
// positive and large enough that αₖ−1 does not round to −1 (above
// 2⁻⁵⁴ ≈ 5.6e-17), and α₀ = Σₖαₖ at most MaxShape; otherwise it returns a
// *DomainError. alpha is copied.
func NewDirichlet(alpha []float64) (*Dirichlet, error) {
	if len(alpha) < 2 {
		return nil, &DomainError{Family: "Dirichlet", Field: "len(alpha)", Value: float64(len(alpha)), Reason: "must be at least 2"}
	}
	lam := make([]float64, len(alpha))
	for k, a := range alpha {
		if err := famShape("Dirichlet", fmt.Sprintf("alpha[%d]", k), a); err != nil {
			return nil, err
		}
		lam[k] = a - 1
	}
	d := &Dirichlet{}
	if err := d.setChecked(lam); err != nil {
		return nil, err
	}
	return d, nil
}

// K returns the number of categories.
func (d *Dirichlet) K() int { return len(d.lam) }

// Alpha writes the concentrations α = λ + 1.
func (d *Dirichlet) Alpha(dst []float64) []float64 {
	dst = alloc(dst, len(d.lam))
	for k, l := range d.lam {
		dst[k] = l + 1
	}
	return dst
}

// Dim returns K.
func (d *Dirichlet) Dim() int { return len(d.lam) }

// ParamDim returns K: θ is a point of the simplex.
func (d *Dirichlet) ParamDim() int { return len(d.lam) }

// Natural writes λ = α − 1.
func (d *Dirichlet) Natural(dst []float64) []float64 {
	dst = alloc(dst, len(d.lam))
	copy(dst, d.lam)
	return dst
}

// Expectation writes μ = E log θ, μₖ = ψ(αₖ) − ψ(α₀).
func (d *Dirichlet) Expectation(dst []float64) []float64 {
	dst = alloc(dst, len(d.lam))
	psi0 := special.Digamma(d.alpha0())
	for k, l := range d.lam {
		dst[k] = special.Digamma(l+1) - psi0
	}
	return dst
}

// EntropyGrad writes ∇_μH(q) = −λ (h ≡ 1).
func (d *Dirichlet) EntropyGrad(dst []float64) []float64 {
	dst = alloc(dst, len(d.lam))
	for k, l := range d.lam {
		dst[k] = -l
	}
	return dst
}

// SetNatural sets λ; it needs every λₖ in (−1, MaxShape] (αₖ > 0) and
// α₀ = Σₖ(λₖ+1) ≤ MaxShape. Otherwise it returns a *DomainError and leaves
// d unchanged. len(lam) must be K.
func (d *Dirichlet) SetNatural(lam []float64) error {
	checkLen(len(lam), len(d.lam))
	return d.setChecked(lam)
}

func (d *Dirichlet) setChecked(lam []float64) error {
	var a0 float64
	for k, l := range lam {
		if !(l > -1 && l <= MaxShape) { // the field name is built only on failure
			return famShapeNatural("Dirichlet", fmt.Sprintf("λ[%d] (alpha−1)", k), l)
		}
		a0 += l + 1
	}
	if a0 > MaxShape {
		return &DomainError{Family: "Dirichlet", Field: "alpha0", Value: a0, Reason: fmt.Sprintf("the sum of the concentrations must be at most %g (MaxShape)", float64(MaxShape))}
	}
	if d.lam == nil {
		d.lam = make([]float64, len(lam))
	}
	copy(d.lam, lam)
	return nil
}

func (d *Dirichlet) alpha0() float64 {
	var a0 float64
	for _, l := range d.lam {
		a0 += l + 1
	}
	return a0
}

// LogPartition returns A(λ) = Σₖ log Γ(αₖ) − log Γ(α₀).
func (d *Dirichlet) LogPartition() float64 {
	var s float64
	for _, l := range d.lam {
		s += famLgamma(l + 1)
	}
	return s - famLgamma(d.alpha0())
}

// Entropy returns H(q) = A(λ) + (α₀−K)ψ(α₀) − Σₖ(αₖ−1)ψ(αₖ).
func (d *Dirichlet) Entropy() float64 {
	a0 := d.alpha0()
	h := d.LogPartition() + (a0-float64(len(d.lam)))*special.Digamma(a0)
	for _, l := range d.lam {
		h -= l * special.Digamma(l+1)
	}
	return h
}

// KL returns KL(d ‖ p) = A(λₚ) − A(λ) − ⟨λₚ − λ, μ⟩; it is exactly 0 when p
// has the same λ as d. p must have the same K.
func (d *Dirichlet) KL(p *Dirichlet) float64 {
	checkLen(len(p.lam), len(d.lam))
	return dirichletKL(d.lam, p.lam)
}

// dirichletKL is the Bregman divergence of A for λ = α−1 (Beta and Dirichlet).
func dirichletKL(lq, lp []float64) float64 {
	var a0q, a0p, kl float64
	for k := range lq {
		aq, ap := lq[k]+1, lp[k]+1
		a0q += aq
		a0p += ap
		kl += famLgamma(ap) - famLgamma(aq)
	}
	kl += famLgamma(a0q) - famLgamma(a0p)
	psi0 := special.Digamma(a0q)
	for k := range lq {
		kl -= (lp[k] - lq[k]) * (special.Digamma(lq[k]+1) - psi0)
	}
	return kl
}

// Sample writes one draw θ ~ q into dst (length K), as normalised Gamma(αₖ, 1)
// draws. For αₖ far below 0.1 a coordinate can underflow to 0.
func (d *Dirichlet) Sample(dst []float64, rnd *rand.Rand) []float64 {
	dst = alloc(dst, len(d.lam))
	var s float64
	for k, l := range d.lam {
		dst[k] = distuv.Gamma{Alpha: l + 1, Beta: 1, Src: rnd}.Rand()
		s += dst[k]
	}
	for k := range dst {
		dst[k] /= s
	}
	return dst
}

// LogProb returns log q(θ) = Σₖ(αₖ−1) log θₖ − A(λ). It is −Inf unless every
// θₖ is positive and |Σₖθₖ − 1| ≤ 1e-10.
func (d *Dirichlet) LogProb(theta []float64) float64 {
	checkLen(len(theta), len(d.lam))
	var s, lp float64
	for k, x := range theta {
		if !(x > 0) || math.IsInf(x, 1) {
			return math.Inf(-1)
		}
		s += x
		lp += d.lam[k] * math.Log(x)
	}
	if !(math.Abs(s-1) <= 1e-10) {
		return math.Inf(-1)
	}
	return lp - d.LogPartition()
}

// Clone returns an independent copy.
func (d *Dirichlet) Clone() Family {
	return &Dirichlet{lam: append([]float64(nil), d.lam...)}
}

// NaturalFromExpectation writes the λ whose expectation is mu = E log θ,
// without changing d. mu must have length K, negative entries, and
// Σₖ exp μₖ < 1 (Jensen); otherwise it returns a *DomainError. It minimises
// the convex A(λ) − ⟨λ, μ⟩ by Newton's method with backtracking; the
// Hessian diag ψ′(α) − ψ′(α₀)11ᵀ is inverted by Sherman–Morrison in O(K).
func (d *Dirichlet) NaturalFromExpectation(dst, mu []float64) ([]float64, error) {
	checkLen(len(mu), len(d.lam))
	dst = alloc(dst, len(d.lam))
	if err := dirichletFromMeanLog("Dirichlet", dst, mu); err != nil {
		return nil, err
	}
	return dst, nil
}

// dirichletFromMeanLog writes into lam the λ = α−1 of the Dirichlet law with
// E log θ = mu. lam is written only on success.
func dirichletFromMeanLog(family string, lam, mu []float64) error {
	K := len(mu)
	var s float64
	for k, m := range mu {
		if !(m < 0) || math.IsInf(m, -1) {
			return &DomainError{Family: family, Field: fmt.Sprintf("μ[%d] (E log θ)", k), Value: m, Reason: "must be finite and negative"}
		}
		s += math.Exp(m)
	}
	if !(s < 1) {
		return &DomainError{Family: family, Field: "Σ exp μ", Value: s, Reason: "must be below 1 (Jensen's inequality)"}
	}
	// Start from ψ(x) ≈ log(x − ½): αₖ − ½ = (α₀ − ½)e^{μₖ}, summed over k.
	a0 := (float64(K) - s) / (2 * (1 - s))
	alpha := make([]float64, K)
	cand := make([]float64, K)
	step := make([]float64, K)
	g := make([]float64, K)
	for k, m := range mu {
		alpha[k] = 0.5 + (a0-0.5)*math.Exp(m)
	}
	phi, scale := dirichletObjective(alpha, mu)
	nearDone := 0
	for range 500 {
		// Newton direction: F·step = −g, F = diag(dₖ) − c·11ᵀ.
		a0 = 0
		for _, a := range alpha {
			a0 += a
		}
		psi0, c := special.Digamma(a0), famTrigamma(a0)
		var sg, sinv float64
		for k, a := range alpha {
			g[k] = special.Digamma(a) - psi0 - mu[k]
			dk := famTrigamma(a)
			step[k] = g[k] / dk
			sg += step[k]
			sinv += 1 / dk
		}
		coef := c * sg / (1 - c*sinv)
		for k, a := range alpha {
			step[k] = -(step[k] + coef/famTrigamma(a))
		}
		// Backtrack into the domain and to no increase beyond rounding.
		t := 1.0
		accepted := false
		for range 80 {
			ok := true
			for k, a := range alpha {
				cand[k] = a + t*step[k]
				if !(cand[k] > 0) || math.IsInf(cand[k], 1) {
					ok = false
					break
				}
			}
			if ok {
				pc, sc := dirichletObjective(cand, mu)
				if pc <= phi+16*0x1p-52*math.Max(scale, sc) {
					phi, scale = pc, sc
					accepted = true
					break
				}
			}
			t /= 2
		}
		if !accepted {
			break // at rounding level: no representable descent step
		}
		var rel float64
		for k := range alpha {
			rel = math.Max(rel, math.Abs(cand[k]-alpha[k])/cand[k])
		}
		alpha, cand = cand, alpha
		if rel <= 1e-9 {
			// Quadratic convergence: two more steps reach rounding level.
			nearDone++
			if nearDone > 2 {
				break
			}
		}
	}
	for k, a := range alpha {
		if !(a > 0) || math.IsInf(a, 1) {
			return &DomainError{Family: family, Field: fmt.Sprintf("μ[%d] (E log θ)", k), Value: mu[k], Reason: "no finite concentration matches it"}
		}
	}
	for k, a := range alpha {
		lam[k] = a - 1
	}
	return nil
}

// dirichletObjective returns A(α−1) − ⟨α−1, μ⟩ and the sum of the magnitudes
// of its terms (the scale of its rounding error).
func dirichletObjective(alpha, mu []float64) (phi, scale float64) {
	var a0 float64
	for k, a := range alpha {
		la := famLgamma(a)
		t := (a - 1) * mu[k]
		phi += la - t
		scale += math.Abs(la) + math.Abs(t)
		a0 += a
	}
	l0 := famLgamma(a0)
	return phi - l0, scale + math.Abs(l0)
}
