package expfam

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/internal/special"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// Gamma is the Gamma family over θ > 0 with shape a and rate b,
//
//	q(θ) = bᵃ θ^(a−1) e^(−bθ) / Γ(a).
//
// Layout: T(θ) = (log θ, θ) and λ = (a−1, −b), so the base measure is h ≡ 1
// and EntropyGrad is −λ. Then A(λ) = log Γ(a) − a log b and
// μ = (ψ(a) − log b, a/b). The domain is 0 < a ≤ MaxShape and b > 0 finite.
// Because λ₀ = a−1 is what is stored, a shape at or below 2⁻⁵⁴ ≈ 5.6e-17,
// whose a−1 rounds to −1, is refused too.
//
// The zero value is not a member (b = 0); use NewGamma.
type Gamma struct {
	lam [2]float64
}

// NewGamma returns Gamma(shape, rate). Both must be positive and finite,
// the shape at most MaxShape and large enough that shape−1 does not round
// to −1 (above 2⁻⁵⁴ ≈ 5.6e-17); otherwise it returns a *DomainError.
func NewGamma(shape, rate float64) (*Gamma, error) {
	if err := famShape("Gamma", "shape", shape); err != nil {
		return nil, err
	}
	if err := famPositive("Gamma", "rate", rate); err != nil {
		return nil, err
	}
	return &Gamma{lam: [2]float64{shape - 1, -rate}}, nil
}

// Params returns the shape a and the rate b.
func (g *Gamma) Params() (shape, rate float64) { return g.lam[0] + 1, -g.lam[1] }

// Dim returns 2.
func (g *Gamma) Dim() int { return 2 }

// ParamDim returns 1: θ is a scalar.
func (g *Gamma) ParamDim() int { return 1 }

// Natural writes λ = (a−1, −b).
func (g *Gamma) Natural(dst []float64) []float64 {
	dst = alloc(dst, 2)
	copy(dst, g.lam[:])
	return dst
}

// Expectation writes μ = (E log θ, E θ) = (ψ(a) − log b, a/b).
func (g *Gamma) Expectation(dst []float64) []float64 {
	dst = alloc(dst, 2)
	a, b := g.Params()
	dst[0] = special.Digamma(a) - math.Log(b)
	dst[1] = a / b
	return dst
}

// EntropyGrad writes ∇_μH(q) = −λ (h ≡ 1).
func (g *Gamma) EntropyGrad(dst []float64) []float64 {
	dst = alloc(dst, 2)
	dst[0], dst[1] = -g.lam[0], -g.lam[1]
	return dst
}

// SetNatural sets λ; it needs −1 < λ₀ ≤ MaxShape (a > 0) and λ₁ < 0
// finite (b > 0). Otherwise it returns a *DomainError and leaves g
// unchanged.
func (g *Gamma) SetNatural(lam []float64) error {
	checkLen(len(lam), 2)
	if err := famShapeNatural("Gamma", "λ[0] (shape−1)", lam[0]); err != nil {
		return err
	}
	if err := famPositive("Gamma", "−λ[1] (rate)", -lam[1]); err != nil {
		return err
	}
	g.lam = [2]float64{lam[0], lam[1]}
	return nil
}

// LogPartition returns A(λ) = log Γ(a) − a log b.
func (g *Gamma) LogPartition() float64 {
	a, b := g.Params()
	return famLgamma(a) - a*math.Log(b)
}

// Entropy returns H(q) = a − log b + log Γ(a) + (1−a)ψ(a).
func (g *Gamma) Entropy() float64 {
	a, b := g.Params()
	return a - math.Log(b) + famLgamma(a) + (1-a)*special.Digamma(a)
}

// KL returns KL(g ‖ p) = (a−a′)ψ(a) − log Γ(a) + log Γ(a′)
// + a′(log b − log b′) + a(b′−b)/b for g = Gamma(a, b), p = Gamma(a′, b′).
// It is exactly 0 when p has the same λ as g.
func (g *Gamma) KL(p *Gamma) float64 {
	a, b := g.Params()
	ap, bp := p.Params()
	return (a-ap)*special.Digamma(a) - famLgamma(a) + famLgamma(ap) +
		ap*(math.Log(b)-math.Log(bp)) + a*(bp-b)/b
}

// Sample writes one draw θ ~ Gamma(a, b) into dst (length 1).
func (g *Gamma) Sample(dst []float64, rnd *rand.Rand) []float64 {
	dst = alloc(dst, 1)
	a, b := g.Params()
	dst[0] = distuv.Gamma{Alpha: a, Beta: b, Src: rnd}.Rand()
	return dst
}

// LogProb returns log q(θ) = (a−1) log θ − bθ − A(λ); it is −Inf unless θ[0]
// is positive and finite.
func (g *Gamma) LogProb(theta []float64) float64 {
	checkLen(len(theta), 1)
	x := theta[0]
	if !(x > 0) || math.IsInf(x, 1) {
		return math.Inf(-1)
	}
	return g.lam[0]*math.Log(x) + g.lam[1]*x - g.LogPartition()
}

// Clone returns an independent copy.
func (g *Gamma) Clone() Family {
	c := *g
	return &c
}

// NaturalFromExpectation writes the λ whose expectation is mu = (E log θ,
// E θ), without changing g. It solves log a − ψ(a) = log μ₁ − μ₀ by Newton's
// method, then b = a/μ₁. mu must satisfy μ₁ > 0 and μ₀ < log μ₁ (Jensen);
// otherwise it returns a *DomainError. The map is ill-conditioned for large a,
// where log a − ψ(a) ≈ 1/(2a).
func (g *Gamma) NaturalFromExpectation(dst, mu []float64) ([]float64, error) {
	checkLen(len(mu), 2)
	a, b, err := gammaFromMeanLog("Gamma", mu[0], mu[1])
	if err != nil {
		return nil, err
	}
	dst = alloc(dst, 2)
	dst[0], dst[1] = a-1, -b
	return dst, nil
}

// gammaFromMeanLog returns the shape and rate of the Gamma law with E log θ =
// mlog and E θ = mean.
func gammaFromMeanLog(family string, mlog, mean float64) (shape, rate float64, err error) {
	if err := famPositive(family, "μ (E θ)", mean); err != nil {
		return 0, 0, err
	}
	s := math.Log(mean) - mlog
	if !(s > 0) || math.IsInf(s, 1) {
		return 0, 0, &DomainError{Family: family, Field: "μ (E log θ)", Value: mlog,
			Reason: "must be finite and below log E θ (Jensen's inequality)"}
	}
	a := gammaShapeFromGap(s)
	if !(a > 0) || math.IsInf(a, 1) {
		return 0, 0, &DomainError{Family: family, Field: "μ (E log θ)", Value: mlog,
			Reason: "the shape solving log a − ψ(a) = log E θ − E log θ is not finite"}
	}
	return a, a / mean, nil
}

// gammaShapeFromGap solves f(a) = log a − ψ(a) − s = 0 for a > 0, given s > 0.
// f is convex and decreasing, so Newton's iterates from the left of the root
// rise monotonically to it; a step from the right that lands at a ≤ 0 is
// replaced by a/16, which lies left of the root after finitely many tries.
func gammaShapeFromGap(s float64) float64 {
	// Start from log a − ψ(a) ≈ 1/(2a) + 1/(12a²), accurate for large a,
	// or from ψ(a) ≈ −1/a − γ, accurate for small a.
	a := (3 + math.Sqrt(9+12*s)) / (12 * s)
	if s > 1 {
		a = 1 / s
	}
	nearDone := 0
	for range 200 {
		f := math.Log(a) - special.Digamma(a) - s
		fp := 1/a - famTrigamma(a)
		next := a - f/fp
		if !(next > 0) {
			next = a / 16
		}
		if math.IsNaN(next) || math.IsInf(next, 0) {
			return next
		}
		step := math.Abs(next - a)
		a = next
		if step <= 1e-9*a {
			// Quadratic convergence: two more steps reach rounding level.
			nearDone++
			if nearDone > 2 {
				break
			}
		}
	}
	return a
}

// famTrigamma is ψ′(x) = ζ(2, x), the Hurwitz zeta function.
func famTrigamma(x float64) float64 { return mathext.Zeta(2, x) }

// famLgamma is log Γ(x) for x > 0.
func famLgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// famPositive returns a *DomainError unless v is positive and finite.
func famPositive(family, field string, v float64) error {
	if !(v > 0) || math.IsInf(v, 1) {
		return &DomainError{Family: family, Field: field, Value: v, Reason: "must be positive and finite"}
	}
	return nil
}

// MaxShape bounds the shape of Gamma and the concentrations of Beta and
// Dirichlet, their sums α+β and α₀ included (and so their natural
// parameters, the shape or concentration minus 1). Past about 1e305
// log Γ overflows and LogPartition, Entropy and KL turn NaN; the bound
// lies far beyond any shape that data give (the count of observations
// behind a conjugate posterior, say). Constructors and SetNatural refuse
// larger values with a *DomainError.
const MaxShape = 1e300

// famShape returns a *DomainError unless the shape or concentration v is
// positive, at most MaxShape and large enough that the natural parameter
// v−1 does not round to −1 (v > 2⁻⁵⁴).
func famShape(family, field string, v float64) error {
	if !(v > 0 && v <= MaxShape) {
		return &DomainError{Family: family, Field: field, Value: v, Reason: fmt.Sprintf("must be positive and at most %g (MaxShape)", float64(MaxShape))}
	}
	if v-1 <= -1 {
		return &DomainError{Family: family, Field: field, Value: v, Reason: "must exceed 2⁻⁵⁴ ≈ 5.6e-17: below that the natural parameter " + field + "−1 rounds to −1"}
	}
	return nil
}

// famShapeNatural returns a *DomainError unless the natural parameter v
// (a shape or concentration minus 1) lies in (−1, MaxShape].
func famShapeNatural(family, field string, v float64) error {
	if !(v > -1 && v <= MaxShape) {
		return &DomainError{Family: family, Field: field, Value: v, Reason: fmt.Sprintf("must be finite, > -1 and at most %g (MaxShape)", float64(MaxShape))}
	}
	return nil
}

// famGreater returns a *DomainError unless v is finite and greater than lo.
func famGreater(family, field string, v, lo float64) error {
	if !(v > lo) || math.IsInf(v, 1) {
		return &DomainError{Family: family, Field: field, Value: v, Reason: fmt.Sprintf("must be finite and > %g", lo)}
	}
	return nil
}

// famFinite returns a *DomainError unless v is finite.
func famFinite(family, field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return &DomainError{Family: family, Field: field, Value: v, Reason: "must be finite"}
	}
	return nil
}
