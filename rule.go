package blr

import (
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/expfam"
)

// Estimator estimates ∇_μ E_q[ℓ] in λ's layout. When the rule has a Prior,
// ℓ is the data term Σᵢℓᵢ alone; otherwise it is ℓ̄ = Σᵢℓᵢ + R.
type Estimator interface {
	// Estimate writes the estimate into dst (allocated if nil, length
	// q.Dim()) and returns it. rnd may be nil for deterministic estimators.
	Estimate(dst []float64, q expfam.Family, rnd *rand.Rand) ([]float64, error)
}

// EntropyEstimator is an Estimator whose estimate already includes −∇_μH(q)
// (as the mixture estimators do, which estimate E_{q_k}[∇(ℓ + log q)]). The
// rule then does not add the family's EntropyGrad.
type EntropyEstimator interface {
	Estimator
	IncludesEntropy() bool
}

// Rule is the Bayesian learning rule
//
//	λ ← λ − ρ_t (∇_μ E_q[ℓ̄] − ∇_μ H(q)),
//
// or, with a Prior λ₀ in q's family, λ ← λ − ρ_t(∇_μ E_q[Σᵢℓᵢ] + λ − λ₀).
// With PositivityPreserving set, q must implement expfam.Retractor and the
// step is the improved rule (iBLR) that keeps λ in the domain.
type Rule struct {
	// Prior is λ₀, a member of q's family; nil means the estimator covers the
	// prior (ℓ̄ includes R).
	Prior expfam.Family
	// Estimator approximates ∇_μ E_q[ℓ].
	Estimator Estimator
	// Rate is ρ_t; required.
	Rate Schedule
	// PositivityPreserving selects the iBLR update.
	PositivityPreserving bool
}

// State is what the next step needs: the step count and scratch buffers, so
// that a step allocates nothing after the first.
type State struct {
	T int // steps taken

	est, ent, lam, lam0, next []float64
}

// Info reports on one step; the state the next step needs is kept in State.
type Info struct {
	Rate     float64 // ρ_t used
	StepNorm float64 // ‖λ′ − λ‖₂
}

func grow(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}

// Step takes one step of the rule on q. It is transactional: on a
// non-finite estimate, an invalid ρ_t or a λ′ outside the domain it returns a
// typed error (*NonFiniteError, *ConfigError, or one wrapping
// expfam.ErrDomain) and leaves q and s unchanged.
func (r *Rule) Step(q expfam.Family, s *State, rnd *rand.Rand) (Info, error) {
	if r.Estimator == nil {
		return Info{}, &ConfigError{Field: "Estimator", Value: nil, Reason: "required"}
	}
	if r.Rate == nil {
		return Info{}, &ConfigError{Field: "Rate", Value: nil, Reason: "required: ρ is always explicit"}
	}
	rho := r.Rate.Rate(s.T)
	if err := checkRate(rho, s.T); err != nil {
		return Info{}, err
	}
	n := q.Dim()
	s.est = grow(s.est, n)
	s.lam = grow(s.lam, n)
	s.next = grow(s.next, n)
	est, err := r.Estimator.Estimate(s.est, q, rnd)
	if err != nil {
		return Info{}, err
	}
	var lam []float64
	if v, ok := q.(expfam.NaturalViewer); ok {
		lam = v.NaturalView()
	} else {
		lam = q.Natural(s.lam)
	}
	// d = ∇_μ E_q[ℓ] − ∇_μH(q), or ∇_μ E_q[L_N] + λ − λ₀ with a prior;
	// one fused pass forms d (in est's buffer), the plain step and its norm,
	// and accumulates x−x, which is NaN exactly when some x is not finite.
	var lam0, ent []float64
	form := expfam.EntropyGeneral
	if f, ok := q.(expfam.EntropyFormer); ok {
		form = f.EntropyForm()
	}
	switch {
	case r.Prior != nil:
		if r.Prior.Dim() != n {
			return Info{}, &ConfigError{Field: "Prior", Value: r.Prior.Dim(), Reason: "dimension differs from q's"}
		}
		s.lam0 = grow(s.lam0, n)
		lam0 = r.Prior.Natural(s.lam0)
	case includesEntropy(r.Estimator):
		form = expfam.EntropyZero // the estimate already holds −∇_μH
	case form == expfam.EntropyGeneral:
		s.ent = grow(s.ent, n)
		ent = q.EntropyGrad(s.ent)
	}
	// d = est + c·λ − sub: c = 1 with a prior (sub = λ₀) or when ∇_μH = −λ;
	// c = 0 and sub = ∇_μH in general; d = est when ∇_μH = 0.
	var c float64
	var sub []float64
	switch {
	case lam0 != nil:
		c, sub = 1, lam0
	case form == expfam.EntropyNegNatural:
		c = 1
	case form == expfam.EntropyGeneral:
		sub = ent
	}
	d, next := est, s.next
	var estBad, norm float64
	for i, e := range d {
		estBad += e - e
		di := e + c*lam[i]
		if sub != nil {
			di -= sub[i]
		}
		d[i] = di
		v := lam[i] - rho*di
		next[i] = v
		dv := v - lam[i]
		norm += dv * dv
	}
	if estBad != 0 || estBad != estBad {
		// est was overwritten by d only where finite inputs give finite d;
		// name the first non-finite entry of d, which is where est was.
		if err := checkFinite("estimate", d); err != nil {
			return Info{}, err
		}
	}
	if r.PositivityPreserving {
		rt, ok := q.(expfam.Retractor)
		if !ok {
			return Info{}, &ConfigError{Field: "PositivityPreserving", Value: true, Reason: "the family has no positivity-preserving update"}
		}
		if next, err = rt.Retract(next, d, rho); err != nil {
			return Info{}, err
		}
		norm = 0
		for i := range next {
			dv := next[i] - lam[i]
			norm += dv * dv
		}
	}
	if norm-norm != 0 {
		if err := checkFinite("natural parameter", next); err != nil {
			return Info{}, err
		}
	}
	if err := q.SetNatural(next); err != nil {
		return Info{}, err
	}
	s.T++
	return Info{Rate: rho, StepNorm: math.Sqrt(norm)}, nil
}

func includesEntropy(e Estimator) bool {
	ee, ok := e.(EntropyEstimator)
	return ok && ee.IncludesEntropy()
}
