// Package glm holds generalised linear models on tables — linear, logistic
// and multinomial regression — as losses the Bayesian learning rule can use:
// each gives its loss, gradient and Hessian on the sum-of-losses scale,
//
//	ℓ̄(θ) = Σᵢ ℓᵢ(θ) + ½ δ ‖θ‖²,
//
// with δ the prior precision on that scale (a Gaussian prior N(0, δ⁻¹I)).
// Design matrices are row-major N×D; an intercept is a column of ones the
// caller appends (package glm does not add one behind the caller's back).
package glm
