package blr

import (
	"fmt"
)

// DiagMixture is a mixture of K diagonal Gaussians over a network's weights,
//
//	q(θ) = Σ_k π_k N(θ; m_k, diag(N(h_k+δ)/τ)⁻¹),
//
// trained by the mixture form of the Bayesian learning rule (Lin, Khan &
// Schmidt, ICML 2019, https://arxiv.org/abs/1906.02914; Khan & Rue 2023,
// §3.2 and §5.4). For component k the rule is
//
//	S_k′ = S_k + ρ E_{q_k}[∇²ℓ̄ + ∇²log q],  m_k′ = m_k − ρ S_k′⁻¹ E_{q_k}[∇ℓ̄ + ∇log q],
//
// and for the weights log(π_k/π_K) ← log(π_k/π_K) − ρ(E_{q_k}[ℓ̄ + log q] −
// E_{q_K}[ℓ̄ + log q]).
//
// What is implemented is the responsibility approximation: near component
// k, log q ≈ log π_k + log q_k, so E_{q_k}[∇log q] ≈ 0 and E_{q_k}[∇²log q] ≈
// −S_k. The entropy then enters each component as that Gaussian's own
// −∇_μH = −λ_k, i.e. the (1−ρ) in S_k′ = (1−ρ)S_k + ρE_{q_k}[∇²ℓ̄], and the
// components decouple into K independent diagonal-Gaussian rules, each
// estimated IVON-style (its own samples θ ~ q_k, the Price Hessian ĝ⊙(θ−m)/σ²,
// the iBLR correction, and IVON's heuristics). The cross terms of the full
// rule (∇log q − ∇log q_k, which repel the components) vanish as the
// components separate, as they do for networks started from different
// initialisations; they are not computed. The weights are fixed at 1/K: under
// the same approximation the weight step is λ_π,k ← (1−ρ)λ_π,k − ρ(F_k − F_K)
// with F_k = E_{q_k}[ℓ̄] − H(q_k), whose fixed point π_k ∝ exp(−F_k) puts
// nearly all the mass on one component when N is large; equal weights
// keep the mixture an ensemble.
//
// A step evaluates every component on the same minibatch (so a DiagMixture
// is K IVON runs fed the same data order); K independently trained runs
// differ only in their data orders. Prediction averages over components:
// p(y|x) ≈ (1/K) Σ_k (1/S) Σ_s p(y|x, θ_ks), θ_ks ~ q_k (Sample).
//
// Steps are transactional across components: if component k fails, the
// components already stepped are restored. A DiagMixture is not safe for
// concurrent use.
type DiagMixture[F Float] struct {
	comps []*Diag[F]
	snap  []diagSnap[F]
}

type diagSnap[F Float] struct {
	m, h, g []F
	t       int
}

// NewDiagMixture returns the mixture of the given engines (K ≥ 1, all over
// the same number of weights, each over its own parameter slice).
func NewDiagMixture[F Float](comps ...*Diag[F]) (*DiagMixture[F], error) {
	if len(comps) == 0 {
		return nil, &ConfigError{Field: "components", Value: 0, Reason: "want K ≥ 1"}
	}
	d := comps[0].Dim()
	for k, c := range comps {
		if c == nil {
			return nil, &ConfigError{Field: fmt.Sprintf("components[%d]", k), Value: nil, Reason: "nil engine"}
		}
		if c.Dim() != d {
			return nil, &ConfigError{Field: fmt.Sprintf("components[%d]", k), Value: c.Dim(), Reason: fmt.Sprintf("has %d weights, want %d like components[0]", c.Dim(), d)}
		}
		for i := range k {
			if &comps[i].m[0] == &c.m[0] {
				return nil, &ConfigError{Field: fmt.Sprintf("components[%d]", k), Value: i, Reason: "shares its parameter slice with another component"}
			}
		}
	}
	m := &DiagMixture[F]{comps: append([]*Diag[F](nil), comps...), snap: make([]diagSnap[F], len(comps))}
	for k, c := range comps[:len(comps)-1] {
		s := &m.snap[k]
		s.m = make([]F, d)
		if c.h != nil {
			s.h = make([]F, d)
		}
		if c.gbar != nil {
			s.g = make([]F, d)
		}
	}
	return m, nil
}

// MixtureIVON returns a mixture of len(params) IVON components, component k
// over params[k] (which should start from different initialisations), each
// built by IVON with cfg.
func MixtureIVON[F Float](params [][]F, cfg Config) (*DiagMixture[F], error) {
	if len(params) == 0 {
		return nil, &ConfigError{Field: "params", Value: 0, Reason: "mixture-ivon: want one parameter slice per component, K ≥ 1"}
	}
	comps := make([]*Diag[F], len(params))
	for k, p := range params {
		c, err := IVON(p, cfg)
		if err != nil {
			return nil, fmt.Errorf("component %d: %w", k, err)
		}
		cfg.Warn = nil // warn once
		comps[k] = c
	}
	m, err := NewDiagMixture(comps...)
	if err != nil {
		return nil, err
	}
	for _, c := range comps {
		c.name = "mixture"
	}
	return m, nil
}

// Components is K.
func (m *DiagMixture[F]) Components() int { return len(m.comps) }

// Component returns component k's engine (live).
func (m *DiagMixture[F]) Component(k int) *Diag[F] { return m.comps[k] }

// Weights writes π (1/K each) into dst (allocated if nil).
func (m *DiagMixture[F]) Weights(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(m.comps))
	}
	if len(dst) != len(m.comps) {
		panic(ErrLength)
	}
	for k := range dst {
		dst[k] = 1 / float64(len(m.comps))
	}
	return dst
}

// SetLR sets every component's base step size.
func (m *DiagMixture[F]) SetLR(lr float64) error {
	for _, c := range m.comps {
		if err := c.SetLR(lr); err != nil {
			return err
		}
	}
	return nil
}

// Sample writes one draw of component k into dst (allocated if nil).
func (m *DiagMixture[F]) Sample(dst []F, k int, rnd Normals[F]) []F {
	return m.comps[k].Sample(dst, rnd)
}

// Step steps every component in turn with the same oracle (whose minibatch
// must not change during the call) and noise from rnd. The info's Loss is
// the average over components. On an error the components are all as they
// were before the call.
func (m *DiagMixture[F]) Step(o Oracle[F], rnd Normals[F]) (DiagInfo, error) {
	if o == nil {
		return DiagInfo{}, &ConfigError{Field: "oracle", Value: nil, Reason: "mixture: nil oracle"}
	}
	return m.StepComponents(func(int) Oracle[F] { return o }, rnd)
}

// StepComponents is Step with an oracle per component: component k (in
// the order 0, …, K−1) is stepped with oracle(k), on the same minibatch for
// every k. It is for models whose evaluation depends on the component
// beyond its weights, as a network with batch norm that keeps running
// statistics per component. A nil oracle function, or a nil oracle for a
// component, is a *ConfigError. On any error the components are all as
// they were before the call (the oracles' own state, and the noise drawn
// from rnd, are the caller's to restore).
func (m *DiagMixture[F]) StepComponents(oracle func(k int) Oracle[F], rnd Normals[F]) (DiagInfo, error) {
	if oracle == nil {
		return DiagInfo{}, &ConfigError{Field: "oracle", Value: nil, Reason: "mixture: nil oracle function"}
	}
	var info DiagInfo
	last := len(m.comps) - 1
	for k, c := range m.comps {
		o := oracle(k)
		if o == nil {
			for i := range k {
				m.restore(i)
			}
			return DiagInfo{}, &ConfigError{Field: fmt.Sprintf("oracle(%d)", k), Value: nil, Reason: "mixture: nil oracle for a component"}
		}
		if k < last { // the last one is transactional by itself
			s := &m.snap[k]
			copy(s.m, c.m)
			copy(s.h, c.h)
			copy(s.g, c.gbar)
			s.t = c.t
		}
		ik, err := c.Step(o, rnd)
		if err != nil {
			for i := range k {
				m.restore(i)
			}
			return DiagInfo{}, fmt.Errorf("component %d: %w", k, err)
		}
		info.Loss += ik.Loss
		info.LR, info.Rate = ik.LR, ik.Rate
	}
	info.Loss /= float64(len(m.comps))
	return info, nil
}

func (m *DiagMixture[F]) restore(k int) {
	c, s := m.comps[k], &m.snap[k]
	copy(c.m, s.m)
	copy(c.h, s.h)
	copy(c.gbar, s.g)
	c.t = s.t
}
