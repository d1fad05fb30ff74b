package blr

// Defaults of Vadam, chosen on a 10% validation split of MNIST (MLP
// 784-500-300-10, batch 128, 2 epochs; bench/validation.md); β₁ and β₂ are
// the vadam repository's. Vadam's precision N(s+δ) is nearly all prior (s is
// a squared gradient), so P₀ sets the noise: P₀ = 1 gives val acc 0.51.
const (
	vadamLR    = 1e-2 // validated among 1e-3–3e-2 (the repository's 1e-3: 0.873)
	vadamBeta1 = 0.9
	vadamBeta2 = 0.999
	vadamPrior = 50 // P₀; validated among P₀/N = 2e-5–1e-2 (δ ≈ 1e-3)
)

// Vadam is variational Adam (Khan et al. 2018, "Fast and scalable Bayesian
// deep learning by weight-perturbation in Adam"), as its authors' code
// computes it:
//
//	θ = m + ε/√(N(s+δ)),  ĝ = mean over samples of ∇ℓ_avg(θ);
//	ḡ ← β₁ḡ + (1−β₁)(ĝ + δ(m−m₀));  s ← β₂s + (1−β₂)·mean(ĝ²);
//	m ← m − α(ḡ/(1−β₁ᵗ)) / (√(s/(1−β₂ᵗ)) + δ),
//
// δ = P₀/N, the sample drawn with the undebiased s. As the rule: a diagonal
// Gaussian with Monte Carlo gradients and precision N(s+δ), ρ = 1−β₂.
// Heuristics on top: ĝ² for the Hessian (the second moment sees the
// undecayed gradient, corrections.md point 10), the square root, momentum
// with the decay inside it, debiasing of both averages, a mean step α ≠ ρ,
// and s₀ = 0 (the repository's prec_init = prior precision). It is not
// torch's Adam with weight decay, whose second moment holds (ĝ+δm)².
//
// Config fields and defaults: DataSize required; PriorPrecision 50; LR 1e-2;
// Beta1 0.9; Beta2 0.999; HessInit 0; Eps 0; Samples 1.
func Vadam[F Float](params []F, cfg Config) (*Diag[F], error) {
	r := newResolver("vadam", cfg)
	r.unused("Curvature", "ClipRadius", "Temperature")
	return build(r, params, DiagOptions{
		DataSize:       r.dataSize(true),
		PriorPrecision: r.float("PriorPrecision", cfg.PriorPrecision, vadamPrior),
		LR:             r.float("LR", cfg.LR, vadamLR),
		Beta1:          r.float("Beta1", cfg.Beta1, vadamBeta1),
		Beta2:          r.float("Beta2", cfg.Beta2, vadamBeta2),
		HessInit:       r.float("HessInit", cfg.HessInit, 0),
		Eps:            r.float("Eps", cfg.Eps, 0),
		Curvature:      CurvSquaredMeanGrad,
		Sample:         true,
		Samples:        r.samples(),
		Temperature:    1,
		Sqrt:           true,
		DebiasMomentum: true,
		DebiasHessian:  true,
		Decay:          DecayInMomentum,
	})
}
