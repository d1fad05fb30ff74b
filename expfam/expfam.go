package expfam

import (
	"errors"
	"fmt"
	"math/rand/v2"
)

// Family is a posterior family held by its natural parameter λ.
//
// Slices passed as dst follow the gonum convention: if dst is nil a new slice
// is allocated, otherwise it must have length Dim() and is filled and returned.
type Family interface {
	// Dim is the length of λ and μ.
	Dim() int
	// Natural writes λ.
	Natural(dst []float64) []float64
	// Expectation writes μ = ∇A(λ) = E_q[T(θ)] in λ's layout.
	Expectation(dst []float64) []float64
	// EntropyGrad writes ∇_μH(q) in λ's layout.
	EntropyGrad(dst []float64) []float64
	// SetNatural sets λ. A λ outside the family's domain gives an error
	// wrapping ErrDomain and leaves q unchanged.
	SetNatural(lam []float64) error
	// Entropy is H(q).
	Entropy() float64
	// Clone returns an independent copy.
	Clone() Family
}

// Sampler is a family that can draw θ ~ q.
type Sampler interface {
	// Sample writes one draw of θ into dst (allocated if nil) and returns it.
	Sample(dst []float64, rnd *rand.Rand) []float64
	// LogProb is log q(θ).
	LogProb(theta []float64) float64
	// ParamDim is the length of θ.
	ParamDim() int
}

// Retractor is a family whose λ-update can be corrected to stay inside the
// domain: the improved Bayesian learning rule (iBLR) of Lin, Schmidt & Khan
// (2020), https://arxiv.org/abs/2002.10060. Given the plain direction d (so the
// plain rule is λ − ρd), Retract writes the corrected λ′ into dst.
type Retractor interface {
	Retract(dst, d []float64, rho float64) ([]float64, error)
}

// ErrDomain is wrapped by errors for a natural parameter outside its family's
// domain (a non-positive precision, a shape ≤ 0, a non-finite value).
var ErrDomain = errors.New("expfam: natural parameter outside the domain")

// ErrLength is the panic value for slices of mismatched length in low-level
// calls; such a mismatch is a programmer error, as in gonum.
var ErrLength = errors.New("expfam: slice length mismatch")

// DomainError says which field of which family left the domain, and why.
type DomainError struct {
	Family string  // e.g. "FullGaussian"
	Field  string  // e.g. "precision"
	Value  float64 // the offending value, when one number tells it
	Reason string  // e.g. "not positive definite"
}

// Error names the family, the field, its value and what is wrong with it.
func (e *DomainError) Error() string {
	return fmt.Sprintf("expfam: %s %s = %g: %s", e.Family, e.Field, e.Value, e.Reason)
}

// Unwrap makes errors.Is(err, ErrDomain) true.
func (e *DomainError) Unwrap() error { return ErrDomain }

func checkLen(n, want int) {
	if n != want {
		panic(ErrLength)
	}
}

// alloc returns dst if non-nil (checking its length) or a new slice of length n.
func alloc(dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	checkLen(len(dst), n)
	return dst
}

// EntropyForm names a closed form of ∇_μH(q), so that the rule can use it
// without computing EntropyGrad into a buffer.
type EntropyForm int

const (
	// EntropyGeneral: call EntropyGrad.
	EntropyGeneral EntropyForm = iota
	// EntropyNegNatural: ∇_μH(q) = −λ (a minimal family with a constant
	// base measure).
	EntropyNegNatural
	// EntropyZero: ∇_μH(q) = 0 (a Gaussian with fixed covariance).
	EntropyZero
)

// EntropyFormer is a family that states its entropy gradient's form.
type EntropyFormer interface {
	EntropyForm() EntropyForm
}

// NaturalViewer is a family that exposes λ without a copy. The slice must
// not be modified and is valid until the next SetNatural.
type NaturalViewer interface {
	NaturalView() []float64
}
