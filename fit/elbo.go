package fit

import (
	"fmt"
	"math"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// priorCross returns E_q[R(θ)] = ½Σⱼδⱼ((mⱼ−m0ⱼ)² + Σⱼⱼ), the expected
// negative log prior without its normaliser.
func (p *problem) priorCross(q expfam.Gaussian) float64 {
	m := q.Mean(nil)
	var vars []float64
	switch g := q.(type) {
	case *expfam.FullGaussian:
		c := g.Covariance(nil)
		vars = make([]float64, len(m))
		for j := range vars {
			vars[j] = c.At(j, j)
		}
	case *expfam.DiagGaussian:
		vars = g.Variance(nil)
	}
	var s float64
	for j, d := range p.delta {
		dm := m[j] - p.mean0[j]
		s += 0.5 * d * (dm*dm + vars[j])
	}
	return s
}

// elboFrom returns the ELBO of q given E_q[Σᵢℓᵢ] (the data term, without
// the likelihood's constant):
//
//	ELBO = −E_q[Σᵢℓᵢ] − c + Σⱼ½log(δⱼ/2π) − E_q[R] + H(q).
func (p *problem) elboFrom(dataLoss float64, q expfam.Gaussian) float64 {
	return -dataLoss - p.likConst + p.logPriorNorm() - p.priorCross(q) + q.Entropy()
}

// elbo computes the ELBO of q with the problem's expectations.
func (p *problem) elbo(q expfam.Gaussian) (float64, error) {
	if lo, ok := p.moments.(interface {
		ExpectedDataLoss(expfam.Gaussian) (float64, error)
	}); ok {
		loss, err := lo.ExpectedDataLoss(q)
		if err != nil {
			return 0, err
		}
		return p.elboFrom(loss, q), nil
	}
	loss, _, _, err := p.moments.Moments(q)
	if err != nil {
		return 0, err
	}
	return p.elboFrom(loss, q), nil
}

// setELBO fills the posterior's ELBO from q.
func (post *Posterior) setELBO(q expfam.Gaussian) error {
	e, err := post.prob.elbo(q)
	if err != nil {
		return fmt.Errorf("fit: the ELBO: %w", err)
	}
	post.ELBO, post.HasELBO = e, true
	return nil
}

// laplaceEvidence fills the Laplace approximation of the log evidence,
//
//	log p(y) ≈ −ℓ̄(m*) − c + ½Σⱼlog δⱼ − ½log det S,
//
// with S the precision of q (the Hessian at the MAP). It is exact for
// linear regression with known noise.
func (post *Posterior) laplaceEvidence(q *expfam.FullGaussian) error {
	p := post.prob
	m := q.Mean(nil)
	loss := p.model.Grad(make([]float64, len(m)), m)
	var ch mat.Cholesky
	q.Cholesky(&ch)
	var half float64
	for _, d := range p.delta {
		half += 0.5 * math.Log(d)
	}
	post.LogEvidence = -loss - p.likConst + half - 0.5*ch.LogDet()
	post.HasLogEvidence = true
	return nil
}
