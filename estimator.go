package blr

import (
	"fmt"
	"math/rand/v2"

	"github.com/bayesrule/blr/expfam"
)

// HessianKind names how a Monte Carlo estimator estimates E_q[∇²ℓ].
type HessianKind int

const (
	// HessExact averages the model's exact Hessian (or its diagonal) over samples.
	HessExact HessianKind = iota
	// HessPrice uses the Price/Stein reparameterisation E_q[∇²ℓ] =
	// E_q[S(θ−m)∇ℓ(θ)ᵀ], symmetrised; on the diagonal ĝ⊙(θ−m)·s (IVON).
	HessPrice
	// HessGaussNewton averages the model's generalised Gauss-Newton matrix.
	HessGaussNewton
)

// String is the kind's name.
func (k HessianKind) String() string {
	switch k {
	case HessExact:
		return "exact"
	case HessPrice:
		return "price"
	case HessGaussNewton:
		return "gauss-newton"
	}
	return fmt.Sprintf("HessianKind(%d)", int(k))
}

// Delta is the delta method for Gaussian families: E_q[∇ℓ] ≈ ∇ℓ(m) and
// E_q[∇²ℓ] ≈ ∇²ℓ(m). Model must be a Gradienter and, for families that use
// curvature, a Hessianer (full), a DiagHessianer or Hessianer (diagonal), or
// a GaussNewtoner when GaussNewton is set.
type Delta struct {
	Model       Gradienter
	GaussNewton bool // use the GGN in place of the Hessian

	m, g, h, full []float64
}

// Estimate implements Estimator. For a mixture (expfam.Componentwise) it
// takes the delta method at each component's mean: component k's block gets
// its ∇_μ from ∇ℓ(m_k) and ∇²ℓ(m_k), and the weight block ℓ(m_k) − ℓ(m_K).
func (e *Delta) Estimate(dst []float64, q expfam.Family, _ *rand.Rand) ([]float64, error) {
	if mix, ok := q.(expfam.Componentwise); ok {
		return e.estimateMixture(dst, mix)
	}
	gq, ok := q.(expfam.Gaussian)
	if !ok {
		return nil, &ConfigError{Field: "family", Value: fmt.Sprintf("%T", q), Reason: "Delta needs a Gaussian family"}
	}
	d := gq.ParamDim()
	e.m = grow(e.m, d)
	e.g = grow(e.g, d)
	m := gq.Mean(e.m)
	e.Model.Grad(e.g, m)
	h, err := curvature(e, gq.Layout(), m, d)
	if err != nil {
		return nil, err
	}
	return gq.MuGrad(dst, e.g, h), nil
}

func (e *Delta) estimateMixture(dst []float64, q expfam.Componentwise) ([]float64, error) {
	if dst == nil {
		dst = make([]float64, q.Dim())
	}
	w := q.WeightDim()
	k := q.NumComponents()
	off := w
	var lastLoss float64
	losses := make([]float64, k)
	for c := range k {
		comp := q.Component(c)
		d := comp.ParamDim()
		e.m = grow(e.m, d)
		e.g = grow(e.g, d)
		m := comp.Mean(e.m)
		losses[c] = e.Model.Grad(e.g, m)
		h, err := curvature(e, comp.Layout(), m, d)
		if err != nil {
			return nil, err
		}
		n := comp.Dim()
		comp.MuGrad(dst[off:off+n], e.g, h)
		off += n
	}
	lastLoss = losses[k-1]
	for i := range w {
		dst[i] = losses[i] - lastLoss
	}
	return dst, nil
}

// curvature fills e.h with the curvature that layout asks for at θ.
func curvature(e *Delta, layout expfam.HessianLayout, theta []float64, d int) ([]float64, error) {
	switch layout {
	case expfam.NoHessian:
		return nil, nil
	case expfam.FullHessian:
		e.h = grow(e.h, d*d)
		return e.h, fullHessian(e.h, e.Model, e.GaussNewton, theta)
	default:
		e.h = grow(e.h, d)
		if dh, ok := e.Model.(DiagHessianer); ok && !e.GaussNewton {
			dh.HessDiag(e.h, theta)
			return e.h, nil
		}
		e.full = grow(e.full, d*d)
		if err := fullHessian(e.full, e.Model, e.GaussNewton, theta); err != nil {
			return nil, err
		}
		for i := range d {
			e.h[i] = e.full[i*d+i]
		}
		return e.h, nil
	}
}

func fullHessian(dst []float64, model Gradienter, gn bool, theta []float64) error {
	if gn {
		m, ok := model.(GaussNewtoner)
		if !ok {
			return &ConfigError{Field: "Model", Value: fmt.Sprintf("%T", model), Reason: "lacks GaussNewton(ggn, theta)"}
		}
		m.GaussNewton(dst, theta)
		return nil
	}
	m, ok := model.(Hessianer)
	if !ok {
		return &ConfigError{Field: "Model", Value: fmt.Sprintf("%T", model), Reason: "lacks Hess(hess, theta)"}
	}
	m.Hess(dst, theta)
	return nil
}

// Exact is the exact estimator for a likelihood conjugate to q's family:
// ∇_μ E_q[Σᵢℓᵢ] = −Σᵢλ̃ᵢ. With ρ = 1 and a Prior the rule gives the exact
// posterior in one step from any start.
type Exact struct {
	Likelihood ConjugateLikelihood
}

// Estimate implements Estimator.
func (e Exact) Estimate(dst []float64, q expfam.Family, _ *rand.Rand) ([]float64, error) {
	if dst == nil {
		dst = make([]float64, q.Dim())
	}
	out, err := e.Likelihood.NaturalStats(dst, q)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i] = -out[i]
	}
	return out, nil
}
