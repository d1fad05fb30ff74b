// Package infer holds the inference rows of the Bayesian learning rule's
// table (Khan & Rue, JMLR 2023, §5): expectation-maximisation, stochastic
// variational inference, variational message passing, non-conjugate VMP and
// non-conjugate VI with mixtures of exponential families. Each is a short
// construction over blr.Rule — a family, an estimator of ∇_μE_q[ℓ] and a
// step size — and each has a test that runs it beside a plainly written
// classic implementation:
//
//	algorithm             q                                    estimator / steps                          type
//	EM                    q(z) categorical × q(θ) Gaussian      ρ = 1 on q(z); delta method, ρ = 1 on q(θ)  EM
//	SVI                   mean-field conjugate exp. families    local ρ = 1; global Robbins–Monro, N/M      BayesGMM, LDA
//	VMP                   mean-field conjugate exp. families    exact messages, ρ = 1 node by node          Graph
//	non-conjugate VMP     Gaussian                              Gauss–Hermite expectations, ρ = 1 (or <1)    NCVMP
//	NC-VI (mixtures)      mixture of full Gaussians             Monte Carlo per component, iBLR update       MixtureVI, MixtureMC
//
// The conjugate updates share one estimator: the messages a factor graph
// sends a node are its expected natural statistics, −∇_μE_q[ℓ], so the rule
// with ρ = 1 and a base measure h ≡ 1 sets λ to their sum. Categoricals holds
// many independent categorical factors (the local variables of a mixture or
// a topic model) as one family, so one rule step updates them all.
//
// Errors: bad input (empty data, a NaN, a topic count below 2, a
// non-positive prior parameter) gives an *InputError naming the field and
// the value, wrapping ErrInput; errors of the rule and the families are
// wrapped with the step that failed. Randomness comes only from the
// *rand.Rand passed in, so a fixed seed gives bit-identical runs.
package infer
