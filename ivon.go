package blr

// Defaults of IVON and iBLR-diag. TODO(validated): set after the
// validation-split sweep. lr 0.1 and h₀ 0.5 are the published DermaMNIST and
// CIFAR settings (blr-reference §3.1); β₂ comes from the planned number of
// steps (Beta2For) instead of the published 0.99999, which cannot learn in
// short runs (corrections.md, point 16).
const (
	ivonLR       = 0.1
	ivonBeta1    = 0.9
	ivonHessInit = 0.5
	iblrRate     = 0.1
)

// IVON is the improved variational online Newton method (Shen et al. 2024,
// "Variational learning is effective for large deep networks", Algorithm 1),
// written from its equations:
//
//	θ = m + σ⊙ε, σ² = τ/(N(h+δ));  ĝ = ∇ℓ_avg(θ);  ĥ = ĝ⊙(θ−m)/σ²  (Price);
//	ḡ ← β₁ḡ + (1−β₁)ĝ;
//	h ← β₂h + (1−β₂)ĥ + ½(1−β₂)²(h−ĥ)²/(h+δ);
//	m ← m − α(h₀+δ)·clip((ḡ/(1−β₁ᵗ) + δ(m−m₀))/(h+δ), ±r),
//
// δ = P₀/N, with ĝ and ĥ averaged over the Samples. As the rule: a diagonal
// Gaussian with precision N(h+δ)/τ, Monte Carlo gradients and the Price
// identity for the Hessian, and the positivity-preserving (iBLR) update with
// ρ = 1−β₂, evaluated as s′ = s(1+(1+r)²)/2, s = h+δ, r = ρ(ĥ−h)/s, which
// keeps h+δ > 0 whatever ĥ is and never overflows before s′ does.
// Heuristics on top: momentum with debiasing, a mean step α ≠ ρ, the step
// rescaled by h₀+δ, element-wise clipping (ClipRadius), and tempering
// (Temperature). IVON keeps 3 vectors (m, h, ḡ).
//
// Choosing the settings. DataSize N is the number of training examples the
// mean loss stands for (count augmented copies only if each is a new
// example); the initial posterior standard deviation is 1/√(N(h₀+δ)), and
// a larger N (or a Temperature below 1) gives a tighter posterior. HessInit
// h₀ should be near the loss's typical curvature per example: too large and
// the noise is too small to explore and h must travel far; too small and
// the first samples are far from m. 0.5 suits classification networks with
// N ≥ 10⁴; for small N raise it so that 1/√(N(h₀+δ)) stays well below the
// weights' scale. LR α: thanks to the rescaling, the first steps are SGD
// steps of size α, so start from a good SGD learning rate (0.05–0.5) and
// decay it (cosine) with SetLR. Beta2: let Steps choose it, so that
// (1−β₂)·T ≥ 5 for the planned number of steps T; the constructor warns on
// Warn when h cannot learn.
//
// Config fields and defaults: DataSize required; PriorPrecision 1 (a
// standard normal prior); LR 0.1; Beta1 0.9; Beta2 from Steps (Beta2For,
// 0.999 if Steps is unknown); HessInit 0.5 (must be > 0); Samples 1;
// ClipRadius none; Temperature 1; Curvature CurvPrice (the oracle can supply
// CurvGGNDiag, CurvExactDiag, CurvEmpiricalFisher or CurvMCFisher instead).
func IVON[F Float](params []F, cfg Config) (*Diag[F], error) {
	r := &resolver{name: "ivon", cfg: cfg}
	r.unused("Eps")
	h0 := r.float("HessInit", cfg.HessInit, ivonHessInit)
	if h0 == 0 {
		r.fail("HessInit", cfg.HessInit, "must be > 0 (never start h at 0)")
	}
	return build(r, params, DiagOptions{
		DataSize:             r.dataSize(true),
		PriorPrecision:       r.float("PriorPrecision", cfg.PriorPrecision, bayesPrior),
		LR:                   r.float("LR", cfg.LR, ivonLR),
		Beta1:                r.float("Beta1", cfg.Beta1, ivonBeta1),
		Beta2:                r.beta2FromSteps(),
		HessInit:             h0,
		Curvature:            r.curvature(CurvPrice, CurvPrice, CurvGGNDiag, CurvExactDiag, CurvEmpiricalFisher, CurvMCFisher),
		Sample:               true,
		Samples:              r.samples(),
		Temperature:          r.float("Temperature", cfg.Temperature, 1),
		DebiasMomentum:       true,
		Decay:                DecayInStep,
		PositivityPreserving: true,
		ClipRadius:           r.float("ClipRadius", cfg.ClipRadius, 0),
		RescaleLR:            true,
	})
}

// IBLRDiag is the improved Bayesian learning rule (Lin, Schmidt & Khan 2020)
// on a diagonal Gaussian q = N(m, diag(N(h+δ))⁻¹), with no heuristic on top:
//
//	θ = m + σ⊙ε;  ĝ = ∇ℓ_avg(θ);  ĥ = ĝ⊙(θ−m)/σ²  (Price);
//	h ← (1−ρ)h + ρĥ + ½ρ²(h−ĥ)²/(h+δ);   m ← m − ρ(ĝ + δ(m−m₀))/(h+δ),
//
// δ = P₀/N. LR is the rule's ρ ∈ (0, 1], used for both the mean and the
// precision; there is no momentum, debiasing, square root or ε. One step
// equals one Rule.Step on expfam.DiagGaussian with PositivityPreserving and
// the same samples.
//
// Config fields and defaults: DataSize required; PriorPrecision 1; LR (ρ)
// 0.1; HessInit 0.5; Samples 1; Temperature 1; Steps (for the warning);
// Curvature CurvPrice (or CurvExactDiag, CurvGGNDiag, CurvEmpiricalFisher,
// CurvMCFisher from the oracle).
func IBLRDiag[F Float](params []F, cfg Config) (*Diag[F], error) {
	r := &resolver{name: "iblr-diag", cfg: cfg}
	r.unused("Beta1", "Beta2", "Eps", "ClipRadius")
	rho := r.float("LR", cfg.LR, iblrRate)
	if !(rho > 0 && rho <= 1) {
		r.fail("LR", cfg.LR, "is the rule's ρ and must lie in (0, 1]")
	}
	return build(r, params, DiagOptions{
		DataSize:             r.dataSize(true),
		PriorPrecision:       r.float("PriorPrecision", cfg.PriorPrecision, bayesPrior),
		LR:                   rho,
		Beta2:                1 - rho,
		HessInit:             r.float("HessInit", cfg.HessInit, ivonHessInit),
		Curvature:            r.curvature(CurvPrice, CurvPrice, CurvExactDiag, CurvGGNDiag, CurvEmpiricalFisher, CurvMCFisher),
		Sample:               true,
		Samples:              r.samples(),
		Temperature:          r.float("Temperature", cfg.Temperature, 1),
		Decay:                DecayInStep,
		PositivityPreserving: true,
	})
}
