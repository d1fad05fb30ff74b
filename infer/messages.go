package infer

import (
	"math/rand/v2"

	"github.com/bayesrule/blr/expfam"
)

// messages is the estimator of every conjugate update in this package. Its
// fill writes the sum of the messages a factor graph sends to q, in q's λ
// layout: the expected natural statistics Σ E_q[λ̃], which for a
// conditionally conjugate model equal −∇_μ E_q[ℓ]. Estimate returns their
// negation, so the rule λ ← λ − ρ(∇_μE_q[ℓ] − ∇_μH(q)) with ρ = 1 and h ≡ 1
// sets λ to the messages' sum — the coordinate-ascent (VMP) update.
type messages func(dst []float64) error

// Estimate implements blr.Estimator.
func (m messages) Estimate(dst []float64, q expfam.Family, _ *rand.Rand) ([]float64, error) {
	if dst == nil {
		dst = make([]float64, q.Dim())
	}
	clear(dst)
	if err := m(dst); err != nil {
		return nil, err
	}
	for i := range dst {
		dst[i] = -dst[i]
	}
	return dst, nil
}
