// Package online runs the Bayesian learning rule one observation at a time:
// Bayesian logistic regression for a contextual bandit with Thompson
// sampling, against ε-greedy and a Laplace-refit baseline.
//
// # Environment
//
// [Bandit] is a K-armed contextual bandit with a known best arm: at step t a
// context xₜ = (1, z₁, …, z_{d−1}), z ~ N(0, I), is drawn; arm a pays 1 with
// probability σ(xₜᵀwₐ) and 0 otherwise, with true weights wₐ ~ N(0, s²I)
// drawn once from the seed (s = WeightScale). The regret of pulling a is the
// pseudo-regret maxₐ′σ(xᵀwₐ′) − σ(xᵀwₐ), summed over steps; it does not
// depend on the reward's coin flip. The context stream and the coin flips
// (one uniform per arm per step, drawn whatever is pulled) depend on the
// seed only, so every agent run on the same seed faces the same contexts and
// the same potential rewards (common random numbers).
//
// # Agents
//
// Each agent keeps one model per arm (disjoint logistic regressions with the
// prior θₐ ~ N(0, δ⁻¹I), δ = PriorPrecision).
//
// [Thompson] keeps a full Gaussian qₐ = N(mₐ, Sₐ⁻¹) per arm and updates the
// pulled arm's qₐ with the rule after each observation (x, r): with the
// previous posterior as the prior (Rule.Prior = q_prev), the delta estimator
// on the single-observation loss ℓ(θ) = log(1+exp(−(2r−1)xᵀθ)) and ρ = 1,
// one step is
//
//	S′ = S + σ(1−σ)xxᵀ,   m′ = m − S′⁻¹(σ − r)x,   σ = σ(xᵀm),
//
// the online Newton (extended Kalman filter) update. Steps > 1 repeats the
// step with the same prior: step j evaluates ℓ at the latest mean, so the
// steps are Newton iterations towards the Laplace approximation of
// q_prev(θ)·exp(−ℓ(θ)). It acts by Thompson sampling: θₐ ~ qₐ for every arm,
// then argmaxₐ xᵀθₐ. The cost per step is O(Kd² + d³), whatever t.
//
// The baselines:
//
//   - [EpsGreedy] refits each arm's MAP θ̂ₐ by Newton's method on all of its
//     data after every observation and pulls argmaxₐ xᵀθ̂ₐ, except with
//     probability εₜ = min(1, ε₀(t+1)^(−κ)) a uniformly random arm (κ = 0:
//     constant ε₀).
//   - [LaplaceRefit] refits the same MAP and takes the Hessian there,
//     qₐ = N(θ̂ₐ, (Σᵢσᵢ(1−σᵢ)xᵢxᵢᵀ + δI)⁻¹), the Laplace approximation of
//     the full-data posterior, then acts by Thompson sampling from it. It is
//     a strong baseline that revisits all past data at every step (cost
//     O(nₐd²) per Newton iteration); it is not the exact posterior, which
//     for logistic regression has no closed form.
//
// # Experiments
//
// [Experiment.Run] runs every agent on Seeds seeded bandits and reports,
// per agent, the mean cumulative regret curve, the final regret ± its
// standard error over seeds, and the log-log slope of the mean curve fitted
// on the second half of the steps ([LogLogSlope]); slope < 1 is sublinear
// growth. Everything is deterministic given the seed: runs are
// bit-identical, whatever GOMAXPROCS.
//
// What the comparison shows depends on the contexts. With diverse contexts
// (the default: four standard normal features), the greedy choices explore
// by themselves ("covariate diversity", Bastani, Bayati & Khalili 2021), and
// ε-greedy with a small ε, or none, has a lower regret than Thompson
// sampling over a few thousand steps; with ε = 0.1 it has a higher one. With
// contexts alike (Dim = 1, a Bernoulli bandit), greedy and small-ε agents
// lock onto wrong arms in some runs and Thompson sampling has the lowest
// regret. `blr bandit --eps 0.1,0.02,0` and `blr bandit --dim 1` show both.
package online
