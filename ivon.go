package blr

// Defaults of IVON and iBLR-diag, chosen on a 10% validation split of MNIST
// (MLP 784-500-300-10, batch 128, 2 epochs, the best validation NLL of the
// posterior average; bench/validation.md has the commands and numbers). β₂
// comes from the planned number of steps (Beta2For) instead of the published
// 0.99999, which cannot learn in short runs (corrections.md, point 16). Once
// h learns it falls far below the published h₀ = 0.5 on most weights, and
// the prior δ = P₀/N is then the only floor of h+δ: the published δ = 1e-4
// and our old P₀ = 1 let the steps grow to α(h₀+δ)/δ ≈ 500 and 2 700 times
// SGD's, and training diverged.
const (
	ivonLR       = 0.3  // validated among 0.024–1; val acc 0.952, NLL 0.173
	ivonBeta1    = 0.9  // published (Shen et al. 2024)
	ivonHessInit = 0.01 // validated among 0.01–0.5: near the data's curvature
	ivonPrior    = 50   // P₀; validated among P₀/N = 1e-4–1e-2 (δ ≈ 1e-3 at N = 54 000)
	iblrRate     = 0.03 // validated among 0.01–0.1; val acc 0.901, NLL 0.348
	iblrHessInit = 0.5
	iblrPrior    = 500 // P₀; no damping, so a tighter prior than IVON's (δ ≈ 1e-2)
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
// Choosing the settings (bench/validation.md has the sweeps behind this).
// DataSize N is the number of training examples the mean loss stands for
// (count augmented copies only if each is a new example); the posterior
// standard deviation is 1/√(N(h+δ)/τ), so a larger N (or a Temperature below
// 1, a cold posterior) gives a tighter posterior. PriorPrecision P₀: once h
// learns it falls to about 0 on every weight the data leave alone (unused
// pixels, switched-off units), where the posterior is then the prior
// N(0, 1/P₀) and the step is α(h₀+δ)/δ times SGD's; P₀ = 50 (a prior
// standard deviation of 0.14, about the scale of the initial weights) keeps
// both sane for networks, where P₀ = 1 diverges. HessInit h₀ should be near
// the loss's typical curvature per example, which for classification
// networks is far below 1 (the median h after one MNIST epoch is 3e-3):
// 0.01 validates best; too large a value makes the steps grow by h₀/h as h
// learns, too small a one makes the first samples noisy (the initial standard
// deviation is 1/√(N(h₀+δ))). LR α: thanks to the rescaling, the first steps
// are SGD steps of size α, so start from a good SGD learning rate (0.1–0.5);
// with the defaults and N = 60 000, α(h₀+δ)/δ ≈ 4 bounds the later steps.
// Those SGD steps pull m towards the prior by α·δ of the way, so α is
// capped at 1/δ (DiagOptions.RescaleLR): only a strong prior on a small
// data set reaches the cap. Beta2: let Steps
// choose it, so that (1−β₂)·T ≥ 5 for the planned number of steps T; the
// constructor warns on Warn when h cannot learn.
//
// Config fields and defaults: DataSize required; PriorPrecision 50 (a
// N(0, 0.02) prior on every weight); LR 0.3; Beta1 0.9; Beta2 from Steps
// (Beta2For, 0.999 if Steps is unknown); HessInit 0.01 (must be > 0); Samples 1;
// ClipRadius none; Temperature 1; Curvature CurvPrice (the oracle can supply
// CurvGGNDiag, CurvExactDiag, CurvEmpiricalFisher or CurvMCFisher instead).
func IVON[F Float](params []F, cfg Config) (*Diag[F], error) {
	r := newResolver("ivon", cfg)
	r.unused("Eps")
	h0 := r.float("HessInit", cfg.HessInit, ivonHessInit)
	if h0 == 0 {
		r.fail("HessInit", cfg.HessInit, "must be > 0 (never start h at 0)")
	}
	return build(r, params, DiagOptions{
		DataSize:             r.dataSize(true),
		PriorPrecision:       r.float("PriorPrecision", cfg.PriorPrecision, ivonPrior),
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
// Config fields and defaults: DataSize required; PriorPrecision 500; LR (ρ)
// 0.03, in (2⁻⁵⁴, 1] (so that β₂ = 1 − ρ is below 1); HessInit 0.5;
// Samples 1; Temperature 1; Steps (for the warning); Curvature CurvPrice
// (or CurvExactDiag, CurvGGNDiag, CurvEmpiricalFisher, CurvMCFisher from
// the oracle).
func IBLRDiag[F Float](params []F, cfg Config) (*Diag[F], error) {
	r := newResolver("iblr-diag", cfg)
	r.unused("Beta1", "Beta2", "Eps", "ClipRadius")
	rho := r.float("LR", cfg.LR, iblrRate)
	switch {
	case !(rho > 0 && rho <= 1):
		r.fail("LR", cfg.LR, "is the rule's ρ and must lie in (0, 1]")
	case 1-rho == 1:
		r.fail("LR", cfg.LR, "the rule uses β₂ = 1 − LR, which rounds to 1 (h could never learn); want LR > 2⁻⁵⁴ ≈ 5.6e-17")
	}
	return build(r, params, DiagOptions{
		DataSize:             r.dataSize(true),
		PriorPrecision:       r.float("PriorPrecision", cfg.PriorPrecision, iblrPrior),
		LR:                   rho,
		Beta2:                1 - rho,
		HessInit:             r.float("HessInit", cfg.HessInit, iblrHessInit),
		Curvature:            r.curvature(CurvPrice, CurvPrice, CurvExactDiag, CurvGGNDiag, CurvEmpiricalFisher, CurvMCFisher),
		Sample:               true,
		Samples:              r.samples(),
		Temperature:          r.float("Temperature", cfg.Temperature, 1),
		Decay:                DecayInStep,
		PositivityPreserving: true,
	})
}
