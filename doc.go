// Package blr implements the Bayesian learning rule (Khan & Rue, "The Bayesian
// Learning Rule", JMLR 24(281), 2023, https://jmlr.org/papers/v24/22-0291.html).
//
// Pick a posterior family q in an exponential family with natural parameter λ
// and expectation parameter μ, and minimise E_q[ℓ̄(θ)] − H(q) by natural-gradient
// descent:
//
//	λ ← λ − ρ_t (∇_μ E_q[ℓ̄] − ∇_μ H(q)),   ℓ̄ = Σᵢ ℓᵢ + R,  p(θ) ∝ exp(−R).
//
// With a prior λ₀ in q's own family the prior and entropy terms combine to
// λ − λ₀ whatever the base measure, so the rule reads
//
//	λ ← λ − ρ_t (∇_μ E_q[Σᵢ ℓᵢ] + λ − λ₀).
//
// [Rule] is that one update. Its [Estimator] says how ∇_μ E_q[ℓ] is
// approximated (the delta method, Monte Carlo with the Bonnet and Price
// identities, exact conjugate statistics), its family (package expfam) says
// what q is, and its Schedule gives ρ_t. Choosing the three gives the classic
// algorithms as special cases; each is a small named constructor in this
// package with a test that proves it reproduces the classic iterates. The
// command `blr table` runs every such proof live and prints the talk's table.
//
// Step is transactional: on a non-finite estimate or a λ outside the family's
// domain it returns a typed error and leaves q and the state untouched.
package blr
