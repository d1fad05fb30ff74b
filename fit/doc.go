// Package fit fits Bayesian generalised linear models (and a one-hidden-layer
// network) on tables with the Bayesian learning rule (Khan & Rue, JMLR 2023)
// and compares the ways of getting a posterior side by side: what `blr fit`
// runs.
//
// # Models
//
// Every model is a loss on the sum-of-losses scale,
//
//	ℓ̄(θ) = Σᵢ ℓᵢ(θ) + ½ Σⱼ δⱼ θⱼ²,   prior p(θ) = N(0, diag(δ)⁻¹),
//
// with δ = Options.PriorPrecision (corrections.md, point 14: the prior
// precision P₀ on the summed loss, not a per-example weight decay).
//
//   - ModelLogistic: binary logistic regression, labels 0 and 1.
//   - ModelMultinomial: softmax regression with K classes, labels 0…K−1, one
//     weight vector per class (all K: the prior, not a reference class,
//     makes the posterior proper, and treats the classes alike); θ is laid
//     out class by class, θ[k·(D+1) + j], each block ending in its
//     intercept.
//   - ModelMLP: a one-hidden-layer ReLU network (package nn) of Hidden units,
//     a classifier (softmax, labels 0…K−1) or, with Regression, a regression
//     network with Gaussian noise of known precision NoisePrecision (default
//     1). Its biases get InterceptPrecision. Its methods are the diagonal
//     engines (see mlp.go): map (OGN), laplace (diagonal Gauss–Newton),
//     vi-diag (iBLR-diag), vogn and ivon, run for Epochs passes; and vi,
//     full-Gaussian VI by Monte Carlo with the full Gauss–Newton matrix,
//     started at the MAP (mlp_vi.go; at most MaxMLPFullParams weights).
//   - ModelLinear: linear regression with Gaussian noise. With
//     Options.NoisePrecision τ > 0 the noise precision is known (and the
//     model conjugate); with τ = 0 it is learnt: θ gains a last coordinate
//     ρ = log τ with the prior N(0, 1/NoisePriorPrecision), default
//     NoisePriorPrecision 0.01 (a standard deviation of 10 nats, weak).
//
// # The intercept's prior
//
// Unless NoIntercept is set, a column of ones is appended to the features,
// so the intercept is the last coordinate (of each class block). Its prior
// is N(0, 1/δ₀) with δ₀ = InterceptPrecision, which defaults to δ itself:
// the intercept is a log-odds (or a response) on the same scale as the other
// weights once the features are standardised, a proper prior keeps the log
// evidence finite, and it keeps the MAP finite when a training split holds
// one class only. Set InterceptPrecision to a small value (say 1e-6·δ) for a
// nearly flat intercept prior.
//
// # Methods
//
// Every method is the Bayesian learning rule (blr.Rule.Step) with a
// Gaussian posterior family and an estimator of the expectations:
//
//   - MethodMAP: Newton's method, the delta-method full-Gaussian rule with
//     ρ = 1, started at the prior N(0, diag(δ)⁻¹) (damped by halving ρ when
//     a step would leave the domain or raise ℓ̄), run until
//     ‖∇ℓ̄(m)‖ ≤ Tol·‖∇ℓ̄(m₀)‖, then one more full step, which polishes the
//     mean (Newton converges quadratically) and sets the precision to the
//     Hessian there. Its predictive plugs in the MAP.
//   - MethodLaplace: the same run; the posterior is N(m*, H⁻¹) with H the
//     Hessian at the MAP, the predictive integrates over it, and it reports
//     the Laplace approximation of the log marginal likelihood and the ELBO
//     of its Gaussian.
//   - MethodVI: full-Gaussian variational inference, the rule with exact
//     Gaussian expectations and the positivity-preserving (iBLR) update,
//     started at the Laplace solution and run until the natural parameter
//     moves by at most Tol relative (ρ starts at 1 and is halved, with the
//     step undone, when a step lowers the ELBO or the steps keep growing).
//     The expectations are exact one-dimensional integrals (Gauss–Hermite,
//     or a trapezoid rule for wide scores) when the likelihood depends on θ
//     through one linear score (logistic, linear with known noise), closed
//     forms for
//     linear regression with learnt noise, and Monte Carlo over each
//     example's K scores for the multinomial model (common random numbers,
//     TrainSamples per example, so the iteration is deterministic).
//   - MethodVIDiag: the same with a diagonal Gaussian (mean field), started
//     at the MAP with the Hessian's diagonal.
//   - MethodVOGN and MethodIVON: the diagonal-Gaussian deep-learning
//     optimisers of package blr (blr.VOGN, blr.IVON) run on minibatches of
//     the table for a fixed number of epochs; their final Gaussian is then
//     scored like the others.
//
// The ELBO is E_q[log p(y|θ)] + E_q[log p(θ)] + H(q) with every normaliser
// kept (the likelihood's and the prior's), so it is a lower bound on the log
// evidence log p(y) and equals it at the exact posterior of conjugate linear
// regression.
//
// Deterministic methods stop on convergence, not after a fixed count;
// Posterior.Converged says whether they got there within MaxIter.
//
// # Predictives and metrics
//
// For binary logistic regression the default predictive is PredictQuadrature,
// the exact one-dimensional integral of the sigmoid over the Gaussian score
// by Gauss–Hermite quadrature; PredictProbit and PredictSample are the
// alternatives. For the multinomial model the default is PredictSample,
// Monte Carlo over each row's K correlated scores (TestSamples draws per
// row, seeded, so reruns are bit-identical); PredictProbit is the
// multiclass probit approximation softmax(μₖ/√(1+πσₖ²/8)). Linear
// regression's predictive is exact: Gaussian for known noise, a
// one-dimensional quadrature over the noise for learnt noise.
//
// Classification metrics are package metrics': accuracy, NLL (mean nats,
// probabilities floored at 1e-12), ECE (10 equal-width bins of the top-class
// probability, bin = min(⌊10·conf⌋, 9)) and the Brier score summed over
// classes (corrections.md, point 23). Regression metrics:
// RMSE of the predictive mean and the mean log predictive density.
package fit
