package blr

import (
	"fmt"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// Multimodal returns the rule and posterior for multimodal optimisation with
// a mixture of K Gaussians (Khan & Rue 2023, §3.2; Lin, Khan & Schmidt
// 2019): q = (1/K) Σ_k N(m_k, S_k⁻¹) with fixed equal weights, the delta
// method at each component's mean, and a constant step ρ. Each component
// then runs
//
//	S_k′ = S_k + ρ(∇²ℓ̄(m_k) + ∇²log q(m_k)),  m_k′ = m_k − ρ S_k′⁻¹(∇ℓ̄(m_k) + ∇log q(m_k)),
//
// and converges to a minimum of ℓ̄ with S_k the Hessian there. With full
// false the responsibility approximation (∇log q(m_k) ≈ 0, ∇²log q ≈ −S_k)
// makes this exactly K independent online-Newton runs — an "ensemble of
// Newton"; with full true the components feel each other through log q, by
// an amount that vanishes as the modes separate. Model must be a Gradienter
// and a Hessianer. Start where every S_k′ stays positive (S_k > ρ/(1−ρ)·|∇²ℓ̄|
// where the loss is concave), or set PositivityPreserving on the rule.
func Multimodal(model Gradienter, means [][]float64, precisions []*mat.SymDense, rho float64, full bool) (*Rule, *expfam.Mixture, error) {
	k := len(means)
	if k == 0 || len(precisions) != k {
		return nil, nil, &ConfigError{Field: "means, precisions", Value: fmt.Sprintf("%d, %d", k, len(precisions)), Reason: "want K ≥ 1 of each"}
	}
	if err := checkRate(rho, 0); err != nil {
		return nil, nil, err
	}
	comps := make([]*expfam.FullGaussian, k)
	weights := make([]float64, k)
	for i := range k {
		c, err := expfam.NewFullGaussian(means[i], precisions[i])
		if err != nil {
			return nil, nil, fmt.Errorf("component %d: %w", i, err)
		}
		comps[i] = c
		weights[i] = 1 / float64(k)
	}
	q, err := expfam.NewMixture(weights, comps, true)
	if err != nil {
		return nil, nil, err
	}
	q.Responsibility = !full
	return &Rule{Estimator: &Delta{Model: model}, Rate: Constant(rho)}, q, nil
}
