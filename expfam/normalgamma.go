package expfam

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/internal/special"
	"gonum.org/v1/gonum/stat/distuv"
)

// NormalGamma is the Normal-Gamma family over θ = (x, τ) ∈ ℝ × (0, ∞), the
// conjugate prior of a normal law with unknown mean x and precision τ:
//
//	τ ~ Gamma(a, b) (shape, rate),   x | τ ~ N(m, (κτ)⁻¹).
//
// Its log density is
//
//	(a−½) log τ − bτ − ½κτ(x−m)² + a log b − log Γ(a) + ½ log κ − ½ log 2π
//	= ⟨λ, T(x, τ)⟩ − A(λ),
//
// with the layout
//
//	T(x, τ) = (τx, τx², log τ, τ),
//	λ = (κm, −½κ, a−½, −b−½κm²),
//	A(λ) = log Γ(a) − a log b − ½ log κ + ½ log 2π,
//	μ = E T = (m·a/b, m²·a/b + 1/κ, ψ(a) − log b, a/b),
//
// so the base measure is h ≡ 1 (Lebesgue on (x, τ)) and EntropyGrad is −λ.
// Back from λ: κ = −2λ₁, m = λ₀/κ, a = λ₂ + ½, b = −λ₃ − λ₀²/(2κ).
// The domain is κ > 0, 0 < a ≤ MaxShape, b > 0, all finite.
//
// The zero value is not a member; use NewNormalGamma.
type NormalGamma struct {
	lam [4]float64
}

// NewNormalGamma returns the Normal-Gamma law with mean m, precision scale
// kappa, shape a and rate b; m must be finite, kappa, a, b positive and
// finite, and a at most MaxShape.
func NewNormalGamma(m, kappa, a, b float64) (*NormalGamma, error) {
	if err := famFinite("NormalGamma", "m", m); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"kappa", kappa}, {"a", a}, {"b", b}} {
		if err := famPositive("NormalGamma", p.name, p.v); err != nil {
			return nil, err
		}
	}
	q := &NormalGamma{}
	lam := []float64{kappa * m, -0.5 * kappa, a - 0.5, -b - 0.5*kappa*m*m}
	if err := q.SetNatural(lam); err != nil {
		return nil, err
	}
	return q, nil
}

// Params returns the mean m, precision scale κ, shape a and rate b.
func (q *NormalGamma) Params() (m, kappa, a, b float64) {
	kappa = -2 * q.lam[1]
	m = q.lam[0] / kappa
	a = q.lam[2] + 0.5
	b = -q.lam[3] - q.lam[0]*m/2
	return m, kappa, a, b
}

// Dim returns 4.
func (q *NormalGamma) Dim() int { return 4 }

// ParamDim returns 2: θ = (x, τ).
func (q *NormalGamma) ParamDim() int { return 2 }

// Natural writes λ = (κm, −½κ, a−½, −b−½κm²).
func (q *NormalGamma) Natural(dst []float64) []float64 {
	dst = alloc(dst, 4)
	copy(dst, q.lam[:])
	return dst
}

// Expectation writes μ = (E τx, E τx², E log τ, E τ)
// = (m·a/b, m²·a/b + 1/κ, ψ(a) − log b, a/b).
func (q *NormalGamma) Expectation(dst []float64) []float64 {
	dst = alloc(dst, 4)
	m, kappa, a, b := q.Params()
	et := a / b
	dst[0] = m * et
	dst[1] = m*m*et + 1/kappa
	dst[2] = special.Digamma(a) - math.Log(b)
	dst[3] = et
	return dst
}

// EntropyGrad writes ∇_μH(q) = −λ (h ≡ 1).
func (q *NormalGamma) EntropyGrad(dst []float64) []float64 {
	dst = alloc(dst, 4)
	for i, l := range q.lam {
		dst[i] = -l
	}
	return dst
}

// SetNatural sets λ; it needs every entry finite, κ = −2λ₁ > 0,
// a = λ₂ + ½ in (0, MaxShape] and b = −λ₃ − λ₀²/(2κ) positive and finite. Otherwise it
// returns a *DomainError and leaves q unchanged.
func (q *NormalGamma) SetNatural(lam []float64) error {
	checkLen(len(lam), 4)
	if err := famFinite("NormalGamma", "λ[0] (κm)", lam[0]); err != nil {
		return err
	}
	if err := famFinite("NormalGamma", "λ[3] (−b−κm²/2)", lam[3]); err != nil {
		return err
	}
	if err := famPositive("NormalGamma", "−2λ[1] (kappa)", -2*lam[1]); err != nil {
		return err
	}
	if err := famGreater("NormalGamma", "λ[2] (a−½)", lam[2], -0.5); err != nil {
		return err
	}
	if lam[2] > MaxShape {
		return &DomainError{Family: "NormalGamma", Field: "λ[2] (a−½)", Value: lam[2], Reason: fmt.Sprintf("the shape a must be at most %g (MaxShape)", float64(MaxShape))}
	}
	b := -lam[3] - lam[0]*(lam[0]/(-2*lam[1]))/2
	if err := famPositive("NormalGamma", "b = −λ[3] − λ[0]²/(2κ)", b); err != nil {
		return err
	}
	q.lam = [4]float64{lam[0], lam[1], lam[2], lam[3]}
	return nil
}

// LogPartition returns A(λ) = log Γ(a) − a log b − ½ log κ + ½ log 2π.
func (q *NormalGamma) LogPartition() float64 {
	_, kappa, a, b := q.Params()
	return famLgamma(a) - a*math.Log(b) - 0.5*math.Log(kappa) + 0.5*math.Log(2*math.Pi)
}

// Entropy returns H(q) = H(τ) + E H(x|τ)
// = a + log Γ(a) + (½−a)ψ(a) − ½ log b − ½ log κ + ½ log(2πe).
func (q *NormalGamma) Entropy() float64 {
	_, kappa, a, b := q.Params()
	return a + famLgamma(a) + (0.5-a)*special.Digamma(a) - 0.5*math.Log(b) -
		0.5*math.Log(kappa) + 0.5*(math.Log(2*math.Pi)+1)
}

// KL returns KL(q ‖ p) = KL(Gamma(a, b) ‖ Gamma(a′, b′))
// + ½[κ′/κ − 1 − log(κ′/κ) + κ′(a/b)(m−m′)²]; it is exactly 0 when p has the
// same λ as q.
func (q *NormalGamma) KL(p *NormalGamma) float64 {
	m, kappa, a, b := q.Params()
	mp, kappap, ap, bp := p.Params()
	g := Gamma{lam: [2]float64{a - 1, -b}}
	gp := Gamma{lam: [2]float64{ap - 1, -bp}}
	r := kappap / kappa
	d := m - mp
	return g.KL(&gp) + 0.5*(r-1-math.Log(r)+kappap*(a/b)*d*d)
}

// Sample writes one draw (x, τ) ~ q into dst (length 2).
func (q *NormalGamma) Sample(dst []float64, rnd *rand.Rand) []float64 {
	dst = alloc(dst, 2)
	m, kappa, a, b := q.Params()
	tau := distuv.Gamma{Alpha: a, Beta: b, Src: rnd}.Rand()
	dst[0] = m + rnd.NormFloat64()/math.Sqrt(kappa*tau)
	dst[1] = tau
	return dst
}

// LogProb returns log q(x, τ) = ⟨λ, T(x, τ)⟩ − A(λ), written as
// (a−½) log τ − bτ − ½κτ(x−m)² − A(λ); it is −Inf unless x is finite and τ
// positive and finite.
func (q *NormalGamma) LogProb(theta []float64) float64 {
	checkLen(len(theta), 2)
	x, tau := theta[0], theta[1]
	if math.IsNaN(x) || math.IsInf(x, 0) || !(tau > 0) || math.IsInf(tau, 1) {
		return math.Inf(-1)
	}
	m, kappa, a, b := q.Params()
	d := x - m
	return (a-0.5)*math.Log(tau) - b*tau - 0.5*kappa*tau*d*d - q.LogPartition()
}

// Clone returns an independent copy.
func (q *NormalGamma) Clone() Family {
	c := *q
	return &c
}

// NaturalFromExpectation writes the λ whose expectation is mu = (E τx, E τx²,
// E log τ, E τ), without changing q: a, b by the Gamma inversion of
// (μ₂, μ₃), then m = μ₀/μ₃ and 1/κ = μ₁ − μ₀²/μ₃. It returns a *DomainError
// when mu lies outside the image of the family (μ₃ ≤ 0, μ₂ ≥ log μ₃, or
// μ₁ ≤ μ₀²/μ₃).
func (q *NormalGamma) NaturalFromExpectation(dst, mu []float64) ([]float64, error) {
	checkLen(len(mu), 4)
	if err := famFinite("NormalGamma", "μ[0] (E τx)", mu[0]); err != nil {
		return nil, err
	}
	a, b, err := gammaFromMeanLog("NormalGamma", mu[2], mu[3])
	if err != nil {
		return nil, err
	}
	m := mu[0] / mu[3]
	v := mu[1] - mu[0]*m
	if err := famPositive("NormalGamma", "μ[1] − μ[0]²/μ[3] (1/κ)", v); err != nil {
		return nil, err
	}
	kappa := 1 / v
	dst = alloc(dst, 4)
	dst[0] = kappa * m
	dst[1] = -0.5 * kappa
	dst[2] = a - 0.5
	dst[3] = -b - 0.5*kappa*m*m
	return dst, nil
}
