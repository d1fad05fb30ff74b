// Package expfam holds the posterior families of the Bayesian learning rule, each
// by its natural parameter λ.
//
// A member of a minimal exponential family has density
//
//	q(θ) = h(θ) exp(⟨λ, T(θ)⟩ − A(λ)),
//
// with expectation parameter μ = E_q[T(θ)] = ∇A(λ). The rule moves λ along
// ∇_μ(E_q[ℓ̄] − H(q)), so every family supplies λ, μ and the entropy gradient
// ∇_μH(q) in the same coordinates (the "layout" documented on each type).
//
// Conventions fixed here (see the project's corrections, points 1, 6 and 19):
//
//   - The entropy gradient is −λ when the base measure h is constant (Beta,
//     Gamma and Dirichlet use λ = α−1 and similar so that h ≡ 1), 0 for a
//     Gaussian with fixed covariance, and its own form for a mixture.
//   - The full Gaussian stores λ₂ = −½S as a full symmetric D×D matrix in
//     row-major order under the Frobenius product ⟨λ₂, θθᵀ⟩, so that
//     ∇_{μ₂}E_q[f] = ½E_q[∇²f] with no factor 2 on off-diagonal entries.
//     Finite-difference checks perturb (E_ij+E_ji)/2.
//   - The rule never reconstructs λ from μ: families hold λ and derive μ.
//
// Randomness is explicit: samplers take a *rand.Rand from math/rand/v2.
package expfam
