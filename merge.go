package blr

import (
	"fmt"

	"github.com/bayesrule/blr/expfam"
)

// Posterior merging (product of experts).
//
// K posteriors q_k(θ) ∝ p₀(θ) p(D_k|θ), each learnt from the same prior p₀ on
// a disjoint shard D_k of the data, combine into the full-data posterior
//
//	p(θ|D) ∝ p₀(θ) Πₖ p(D_k|θ) ∝ Πₖ q_k(θ) / p₀(θ)^(K−1).
//
// When every q_k and p₀ lie in one exponential family this is a sum in
// natural parameters, λ = Σₖλₖ − (K−1)λ₀; for a Gaussian with precision S and
// mean m,
//
//	S = Σₖ Sₖ − (K−1) S₀,   S m = Σₖ Sₖ mₖ − (K−1) S₀ m₀.
//
// The merge is exact when each shard posterior is exact (conjugate models,
// e.g. Bayesian linear regression) and otherwise combines the shards'
// Gaussian approximations (corrections, point 15). It is evaluated as
// λ₀ + Σₖ(λₖ − λ₀), so that each term is one shard's likelihood contribution
// and the prior is never added and subtracted K−1 times.

// MergeFull merges full-Gaussian posteriors learnt from the same prior on
// disjoint shards: λ = Σₖλₖ − (K−1)λ₀. It returns a new FullGaussian and
// leaves its arguments unchanged. A nil prior or shard, no shards, or a
// dimension that differs from the prior's gives a *ConfigError naming the
// argument; a merged precision that is not positive definite (possible when
// the shards' approximations disagree with the prior, never for exact
// conjugate posteriors) gives an error wrapping expfam.ErrDomain.
func MergeFull(prior *expfam.FullGaussian, shards []*expfam.FullGaussian) (*expfam.FullGaussian, error) {
	return mergeShards(prior, shards)
}

// MergeDiag merges diagonal-Gaussian posteriors learnt from the same prior on
// disjoint shards: λ = Σₖλₖ − (K−1)λ₀, i.e. per coordinate
// s = Σₖsₖ − (K−1)s₀ and s m = Σₖsₖmₖ − (K−1)s₀m₀. Errors are as for
// MergeFull; a merged precision that is not > 0 gives an error wrapping
// expfam.ErrDomain.
func MergeDiag(prior *expfam.DiagGaussian, shards []*expfam.DiagGaussian) (*expfam.DiagGaussian, error) {
	return mergeShards(prior, shards)
}

// mergeShards is MergeFull and MergeDiag: it checks the arguments and returns
// a clone of prior holding the merged λ.
func mergeShards[G interface {
	*expfam.FullGaussian | *expfam.DiagGaussian
	expfam.Family
	ParamDim() int
}](prior G, shards []G) (G, error) {
	if prior == nil {
		return nil, &ConfigError{Field: "prior", Value: nil, Reason: "required"}
	}
	fams := make([]expfam.Family, len(shards))
	for k, s := range shards {
		if s == nil {
			return nil, &ConfigError{Field: fmt.Sprintf("shards[%d]", k), Value: nil, Reason: "nil posterior"}
		}
		fams[k] = s
	}
	out := prior.Clone()
	if err := mergeNatural(out, prior, fams, prior.ParamDim()); err != nil {
		return nil, err
	}
	return out.(G), nil
}

// mergeNatural sets out's λ to λ₀ + Σₖ(λₖ − λ₀), after checking that every
// shard has the prior's parameter dimension d.
func mergeNatural(out, prior expfam.Family, shards []expfam.Family, d int) error {
	if len(shards) == 0 {
		return &ConfigError{Field: "shards", Value: 0, Reason: "need at least one shard posterior"}
	}
	type paramDimer interface{ ParamDim() int }
	for k, s := range shards {
		if pd := s.(paramDimer).ParamDim(); pd != d {
			return &ConfigError{Field: fmt.Sprintf("shards[%d] dimension", k), Value: pd, Reason: fmt.Sprintf("the prior has dimension %d", d)}
		}
	}
	n := prior.Dim()
	lam0 := prior.Natural(nil)
	lam := make([]float64, n)
	buf := make([]float64, n)
	for _, s := range shards {
		lk := s.Natural(buf)
		for i := range lam {
			lam[i] += lk[i] - lam0[i]
		}
	}
	for i := range lam {
		lam[i] += lam0[i]
	}
	if err := checkFinite("merged natural parameter", lam); err != nil {
		return err
	}
	if err := out.SetNatural(lam); err != nil {
		return fmt.Errorf("blr: merged posterior of %d shards: %w", len(shards), err)
	}
	return nil
}
