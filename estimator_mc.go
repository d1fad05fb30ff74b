package blr

import (
	"fmt"
	"math/rand/v2"

	"github.com/bayesrule/blr/expfam"
)

// MonteCarlo estimates ∇_μ E_q[ℓ] for a Gaussian q by sampling: it draws
// θ₁, …, θ_S ~ q, averages ĝ = (1/S)Σ∇ℓ(θₛ) and, for families that use
// curvature, Ĥ ≈ E_q[∇²ℓ] as its Hessian field says, and turns the pair into
// ∇_μ E_q[ℓ] with the family's MuGrad (the Bonnet and Price identities).
//
// Hessian selects the curvature estimate:
//
//   - HessExact averages the model's Hessian: a Hessianer for a full
//     Gaussian; a DiagHessianer (or else the diagonal of a Hessianer) for a
//     diagonal one.
//   - HessPrice uses E_q[∇²ℓ] = E_q[S(θ−m)∇ℓ(θ)ᵀ] and needs only gradients:
//     the full estimate is the average of sym(S(θₛ−m)∇ℓ(θₛ)ᵀ), the diagonal
//     one the average of ∇ℓ(θₛ) ⊙ s ⊙ (θₛ−m) (as in IVON).
//   - HessGaussNewton averages the model's GaussNewton matrix (its diagonal
//     for a diagonal Gaussian).
//
// A family with Layout NoHessian (a fixed-covariance Gaussian) uses ĝ alone.
// The zero value is not usable: Model and Samples > 0 are required, and
// Estimate needs a non-nil rnd. After the first call Estimate allocates
// nothing beyond what the model does. A MonteCarlo is not safe for concurrent
// use (it keeps scratch buffers).
type MonteCarlo struct {
	Model   Gradienter
	Samples int         // S, the number of draws per estimate; > 0
	Hessian HessianKind // how E_q[∇²ℓ] is estimated

	m, theta, gs, g, a, hs, h []float64
}

// Estimate implements Estimator.
func (e *MonteCarlo) Estimate(dst []float64, q expfam.Family, rnd *rand.Rand) ([]float64, error) {
	if e.Model == nil {
		return nil, &ConfigError{Field: "MonteCarlo.Model", Value: nil, Reason: "required"}
	}
	if e.Samples <= 0 {
		return nil, &ConfigError{Field: "MonteCarlo.Samples", Value: e.Samples, Reason: "must be > 0"}
	}
	if rnd == nil {
		return nil, &ConfigError{Field: "rnd", Value: nil, Reason: "MonteCarlo needs a random source"}
	}
	gq, ok := q.(expfam.Gaussian)
	if !ok {
		return nil, &ConfigError{Field: "family", Value: fmt.Sprintf("%T", q), Reason: "MonteCarlo needs a Gaussian family"}
	}
	layout := gq.Layout()
	if err := e.check(layout); err != nil {
		return nil, err
	}
	d := gq.ParamDim()
	e.m = grow(e.m, d)
	e.theta = grow(e.theta, d)
	e.gs = grow(e.gs, d)
	e.g = grow(e.g, d)
	clear(e.g)
	m := gq.Mean(e.m)
	var h []float64
	switch layout {
	case expfam.DiagHessian:
		e.h = grow(e.h, d)
		h = e.h
	case expfam.FullHessian:
		e.h = grow(e.h, d*d)
		h = e.h
	}
	clear(h)
	for range e.Samples {
		theta := gq.Sample(e.theta, rnd)
		e.Model.Grad(e.gs, theta)
		for i, v := range e.gs {
			e.g[i] += v
		}
		if layout == expfam.NoHessian {
			continue
		}
		if e.Hessian == HessPrice {
			e.addPrice(gq, layout, h, theta, m)
			continue
		}
		if err := e.addModel(layout, h, theta, d); err != nil {
			return nil, err
		}
	}
	inv := 1 / float64(e.Samples)
	for i := range e.g {
		e.g[i] *= inv
	}
	for i := range h {
		h[i] *= inv
	}
	return gq.MuGrad(dst, e.g, h), nil
}

// check returns a *ConfigError if the model cannot give the curvature that
// the Hessian kind and the layout need, before any draw is made.
func (e *MonteCarlo) check(layout expfam.HessianLayout) error {
	if layout == expfam.NoHessian {
		return nil
	}
	switch e.Hessian {
	case HessPrice:
		return nil
	case HessExact:
		if _, ok := e.Model.(Hessianer); ok {
			return nil
		}
		if _, ok := e.Model.(DiagHessianer); ok && layout == expfam.DiagHessian {
			return nil
		}
		return &ConfigError{Field: "Model", Value: fmt.Sprintf("%T", e.Model), Reason: "HessExact needs Hess(hess, theta), or HessDiag(hess, theta) for a diagonal Gaussian"}
	case HessGaussNewton:
		if _, ok := e.Model.(GaussNewtoner); ok {
			return nil
		}
		return &ConfigError{Field: "Model", Value: fmt.Sprintf("%T", e.Model), Reason: "HessGaussNewton needs GaussNewton(ggn, theta)"}
	}
	return &ConfigError{Field: "MonteCarlo.Hessian", Value: e.Hessian, Reason: "unknown Hessian kind"}
}

// addPrice adds one draw's Price estimate to h: sym(a gₛᵀ) or gₛ ⊙ a, with
// a = S(θ−m).
func (e *MonteCarlo) addPrice(gq expfam.Gaussian, layout expfam.HessianLayout, h, theta, m []float64) {
	d := len(theta)
	for i := range theta {
		theta[i] -= m[i] // θ is a fresh draw, overwritten by the next
	}
	e.a = grow(e.a, d)
	a := gq.PrecisionMul(e.a, theta)
	g := e.gs
	if layout == expfam.DiagHessian {
		for i, v := range g {
			h[i] += v * a[i]
		}
		return
	}
	for i := range d {
		ai, gi := 0.5*a[i], 0.5*g[i]
		row := h[i*d : i*d+d]
		for j := range row {
			row[j] += ai*g[j] + gi*a[j]
		}
	}
}

// addModel adds the model's curvature at θ to h.
func (e *MonteCarlo) addModel(layout expfam.HessianLayout, h, theta []float64, d int) error {
	gn := e.Hessian == HessGaussNewton
	if layout == expfam.DiagHessian {
		e.hs = grow(e.hs, d)
		if dh, ok := e.Model.(DiagHessianer); ok && !gn {
			dh.HessDiag(e.hs, theta)
			for i, v := range e.hs {
				h[i] += v
			}
			return nil
		}
		e.hs = grow(e.hs, d*d)
		if err := fullHessian(e.hs, e.Model, gn, theta); err != nil {
			return err
		}
		for i := range d {
			h[i] += e.hs[i*d+i]
		}
		return nil
	}
	e.hs = grow(e.hs, d*d)
	if err := fullHessian(e.hs, e.Model, gn, theta); err != nil {
		return err
	}
	for i, v := range e.hs {
		h[i] += v
	}
	return nil
}
