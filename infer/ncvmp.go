package infer

import (
	"fmt"
	"math"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/glm"
)

// NCVMP returns the rule of non-conjugate variational message passing
// (Knowles & Minka, NIPS 2011) for a Gaussian q = N(m, S⁻¹) on a generalised
// linear model with a Gaussian prior (a glm.ScoreModel such as
// glm.Logistic): the Bayesian learning rule with exact expectations by
// Gauss–Hermite quadrature (glm.Quadrature, which includes the prior) and
// step ρ. With ρ = 1 one step is one NCVMP update,
//
//	S′ = E_q[∇²ℓ̄],  m′ = m − S′⁻¹E_q[∇ℓ̄],
//
// the message of each non-conjugate factor being ∇_μE_q[log f]; ρ < 1 is
// damped NCVMP, which converges where ρ = 1 can oscillate. Use it with an
// expfam.FullGaussian (or DiagGaussian for a mean-field q).
func NCVMP(model glm.ScoreModel, rho float64) (*blr.Rule, error) {
	if model == nil {
		return nil, inputErr("model", nil, "required")
	}
	if !(rho > 0 && rho <= 1) {
		return nil, inputErr("rho", rho, "want a step in (0, 1]")
	}
	return &blr.Rule{Estimator: &glm.Quadrature{Model: model}, Rate: blr.Constant(rho)}, nil
}

// ScoreELBO returns the evidence lower bound of q = N(m, S⁻¹) for a score
// model with a proper Gaussian prior N(0, diag(δ)⁻¹) (every δⱼ > 0):
//
//	E_q[log p(y | θ)] + E_q[log p(θ)] + H(q),
//
// with E_q[log p(y | θ)] = −E_q[Σᵢ f(yᵢ, sᵢ)] − c by quadrature.
func ScoreELBO(model glm.ScoreModel, q *expfam.FullGaussian) (float64, error) {
	if model == nil || q == nil {
		return 0, inputErr("model, q", "nil", "required")
	}
	est := &glm.Quadrature{Model: model}
	loss, _, _, err := est.Moments(q)
	if err != nil {
		return 0, err
	}
	d := q.ParamDim()
	delta := model.Precisions(nil)
	m := q.Mean(nil)
	cov := q.Covariance(nil)
	elbo := -loss - model.LikConst() + q.Entropy()
	for j := range d {
		if !(delta[j] > 0) {
			return 0, inputErr(fmt.Sprintf("prior precision[%d]", j), delta[j], "the ELBO needs a proper prior: want > 0")
		}
		elbo += 0.5*(math.Log(delta[j])-math.Log(2*math.Pi)) - 0.5*delta[j]*(m[j]*m[j]+cov.At(j, j))
	}
	return elbo, nil
}
