package expfam

import (
	"errors"
	"fmt"
	"math"
)

// Conjugate likelihoods. Each type below has the method
//
//	NaturalStats(dst []float64, q any) ([]float64, error)
//
// of the root package's blr.ConjugateLikelihood (expfam does not import blr).
// The log-likelihood of observation i is ⟨λ̃ᵢ, T(θ)⟩ + const in the layout of
// q's λ, and NaturalStats writes Σᵢλ̃ᵢ. With a prior λ₀ in q's family, the
// rule at ρ = 1 then gives the exact posterior λ₀ + Σᵢλ̃ᵢ in one step from any
// start. Observations are validated on every call; on an error dst is left
// unchanged. A dst of the wrong length panics with ErrLength.

// ErrObservation is wrapped by errors for an invalid observation.
var ErrObservation = errors.New("expfam: invalid observation")

// ErrNotConjugate is wrapped by errors for a family the likelihood is not
// conjugate to.
var ErrNotConjugate = errors.New("expfam: likelihood not conjugate to the family")

// ObservationError names the likelihood, the field, the index and the value of
// an invalid observation, and why it is invalid.
type ObservationError struct {
	Likelihood string  // e.g. "BernoulliObs"
	Field      string  // e.g. "Y"
	Index      int     // index into Field, or −1 for the field as a whole
	Value      float64 // the offending value
	Reason     string
}

// Error names the likelihood, the field, the index and the value.
func (e *ObservationError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("expfam: %s %s = %g: %s", e.Likelihood, e.Field, e.Value, e.Reason)
	}
	return fmt.Sprintf("expfam: %s %s[%d] = %g: %s", e.Likelihood, e.Field, e.Index, e.Value, e.Reason)
}

// Unwrap makes errors.Is(err, ErrObservation) true.
func (e *ObservationError) Unwrap() error { return ErrObservation }

func notConjugate(lik, want string, q any) error {
	return fmt.Errorf("expfam: %s needs q of type %s, got %T: %w", lik, want, q, ErrNotConjugate)
}

// BernoulliObs are Bernoulli observations yᵢ with p(yᵢ = 1 | θ) = θ, conjugate
// to a Beta q: log p(yᵢ|θ) = yᵢ log θ + (1−yᵢ) log(1−θ), so
// λ̃ᵢ = (yᵢ, 1−yᵢ) and Σᵢλ̃ᵢ = (Σy, N − Σy). Each yᵢ must lie in [0, 1]; a
// fractional yᵢ is a soft label and keeps the likelihood conjugate.
type BernoulliObs struct {
	Y []float64
}

// NaturalStats writes (Σy, N − Σy); q must be a *Beta.
func (o BernoulliObs) NaturalStats(dst []float64, q any) ([]float64, error) {
	if _, ok := q.(*Beta); !ok {
		return nil, notConjugate("BernoulliObs", "*Beta", q)
	}
	var s1, s0 float64
	for i, y := range o.Y {
		if !(y >= 0 && y <= 1) {
			return nil, &ObservationError{Likelihood: "BernoulliObs", Field: "Y", Index: i, Value: y, Reason: "must lie in [0, 1] (a label 0 or 1)"}
		}
		s1 += y
		s0 += 1 - y
	}
	dst = alloc(dst, 2)
	dst[0], dst[1] = s1, s0
	return dst, nil
}

// PoissonObs are Poisson counts yᵢ with rate θ, conjugate to a Gamma q on θ:
// log p(yᵢ|θ) = yᵢ log θ − θ − log yᵢ!, so λ̃ᵢ = (yᵢ, −1) and
// Σᵢλ̃ᵢ = (Σy, −N). Each yᵢ must be finite and ≥ 0.
type PoissonObs struct {
	Y []float64
}

// NaturalStats writes (Σy, −N); q must be a *Gamma.
func (o PoissonObs) NaturalStats(dst []float64, q any) ([]float64, error) {
	if _, ok := q.(*Gamma); !ok {
		return nil, notConjugate("PoissonObs", "*Gamma", q)
	}
	var s float64
	for i, y := range o.Y {
		if !(y >= 0) || math.IsInf(y, 1) {
			return nil, &ObservationError{Likelihood: "PoissonObs", Field: "Y", Index: i, Value: y, Reason: "must be a finite count ≥ 0"}
		}
		s += y
	}
	if math.IsInf(s, 1) {
		return nil, &ObservationError{Likelihood: "PoissonObs", Field: "sum(Y)", Index: -1, Value: s, Reason: "overflows"}
	}
	dst = alloc(dst, 2)
	dst[0], dst[1] = s, -float64(len(o.Y))
	return dst, nil
}

// NormalObs are observations xᵢ ~ N(x, τ⁻¹) with unknown mean x and precision
// τ, conjugate to a NormalGamma q on θ = (x, τ):
// log p(xᵢ|x, τ) = xᵢ·τx − ½·τx² + ½·log τ − ½xᵢ²·τ − ½ log 2π, so
// λ̃ᵢ = (xᵢ, −½, ½, −½xᵢ²) and Σᵢλ̃ᵢ = (Σx, −N/2, N/2, −½Σx²). Each xᵢ must
// be finite.
type NormalObs struct {
	X []float64
}

// NaturalStats writes (Σx, −N/2, N/2, −½Σx²); q must be a *NormalGamma.
func (o NormalObs) NaturalStats(dst []float64, q any) ([]float64, error) {
	if _, ok := q.(*NormalGamma); !ok {
		return nil, notConjugate("NormalObs", "*NormalGamma", q)
	}
	var s, s2 float64
	for i, x := range o.X {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, &ObservationError{Likelihood: "NormalObs", Field: "X", Index: i, Value: x, Reason: "must be finite"}
		}
		s += x
		s2 += x * x
	}
	if math.IsInf(s2, 1) || math.IsInf(s, 0) {
		return nil, &ObservationError{Likelihood: "NormalObs", Field: "sum(X²)", Index: -1, Value: s2, Reason: "overflows"}
	}
	n := float64(len(o.X))
	dst = alloc(dst, 4)
	dst[0], dst[1], dst[2], dst[3] = s, -n/2, n/2, -s2/2
	return dst, nil
}

// CategoricalObs are class counts cₖ (k = 0, …, K−1) of categorical
// observations with probabilities θ, conjugate to a Dirichlet q:
// log p = Σₖ cₖ log θₖ + const, so Σᵢλ̃ᵢ = c. Each count must be finite and
// ≥ 0 (fractional counts, such as expected counts, are allowed), and
// len(Counts) must equal q's K.
type CategoricalObs struct {
	Counts []float64
}

// NaturalStats writes the counts; q must be a *Dirichlet with K = len(Counts).
func (o CategoricalObs) NaturalStats(dst []float64, q any) ([]float64, error) {
	d, ok := q.(*Dirichlet)
	if !ok {
		return nil, notConjugate("CategoricalObs", "*Dirichlet", q)
	}
	if len(o.Counts) != d.K() {
		return nil, &ObservationError{Likelihood: "CategoricalObs", Field: "len(Counts)", Index: -1, Value: float64(len(o.Counts)),
			Reason: fmt.Sprintf("must equal the Dirichlet's K = %d", d.K())}
	}
	for k, c := range o.Counts {
		if !(c >= 0) || math.IsInf(c, 1) {
			return nil, &ObservationError{Likelihood: "CategoricalObs", Field: "Counts", Index: k, Value: c, Reason: "must be a finite count ≥ 0"}
		}
	}
	dst = alloc(dst, len(o.Counts))
	copy(dst, o.Counts)
	return dst, nil
}
