// Package glm holds generalised linear models on tables — linear, logistic
// and multinomial regression — as losses the Bayesian learning rule can use:
// each gives its loss, gradient and Hessian on the sum-of-losses scale,
//
//	ℓ̄(θ) = Σᵢ ℓᵢ(θ) + ½ Σⱼ δⱼ θⱼ²,
//
// with δ the prior precision on that scale (a Gaussian prior N(0, diag(δ)⁻¹);
// one δ for every coordinate unless SetPriorPrecisions gives one each, e.g.
// for the intercept). Design matrices are row-major N×D; an intercept is a
// column of ones the caller appends (package glm does not add one behind the
// caller's back).
//
// Models: Logistic (binary), Multinomial (softmax with K weight vectors),
// Linear (Gaussian noise of known precision; conjugate to a Gaussian q) and
// LinearNoise (Gaussian noise whose log precision is a parameter).
//
// Estimators of the rule's expectations under a Gaussian q (full or
// diagonal), each a blr.Estimator that includes the prior:
//
//   - Quadrature, for a ScoreModel (Logistic, Linear), whose loss depends on
//     θ through one linear score per example: exact one-dimensional
//     integrals (Gauss–Hermite for narrow scores, a trapezoid rule with
//     halving steps for wide ones);
//   - LinearNoise's own Moments, in closed form;
//   - SoftmaxMC, for Multinomial: Monte Carlo over each example's K scores
//     with common random numbers.
//
// Predictives of logistic regression under a Gaussian posterior:
// PredictQuadrature (exact), PredictProbit, PredictSample; of multinomial
// regression: PredictSoftmaxSample and PredictSoftmaxProbit; of
// LinearNoise: PredictiveLogDensity.
package glm
