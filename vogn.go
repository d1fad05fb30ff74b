package blr

// VOGN is the variational online Gauss-Newton method (Khan et al. 2018;
// Osawa et al. 2019): OGN evaluated at a sample of the posterior,
//
//	θ = m + σ⊙ε, σ² = τ/(N(h+δ));  ĥ = (1/M)Σᵢ∇ℓᵢ(θ)²;  h ← β₂h + (1−β₂)ĥ;
//	ḡ ← β₁ḡ + (1−β₁)ĝ(θ);  m ← m − α(ḡ/(1−β₁ᵗ) + δ(m−m₀))/(h+δ),
//
// δ = P₀/N. As the rule: a diagonal Gaussian with Monte Carlo (Bonnet)
// gradients, ρ = 1−β₂. Heuristics on top: the empirical Fisher for the
// Hessian (Curvature can ask for CurvMCFisher, CurvGGNDiag or CurvExactDiag
// instead; the oracle supplies it), a mean step α ≠ ρ, momentum with
// debiasing (Beta1: blr.Off gives the momentum-free form of Khan et al.
// 2018, the vadam repository's VOGN), damping Eps, tempering τ
// (Temperature, which scales the sampled variance and the reported precision
// only), and element-wise clipping of the preconditioned step
// (ḡ/(1−β₁ᵗ) + δ(m−m₀))/(h+δ) to ±ClipRadius before α scales it, as IVON
// clips (not part of the published VOGN). With Beta1 = Off, α = 1−β₂, Eps =
// 0, τ = 1 and no clipping it is the rule with the empirical Fisher in place
// of the Hessian.
//
// Config fields and defaults: DataSize required; PriorPrecision 50; LR 1e-2;
// Beta1 0.9; Beta2 from Steps (Beta2For; warns when h cannot learn); HessInit
// 0.5; Eps 0; Samples 1; Temperature 1; ClipRadius none; Curvature
// CurvEmpiricalFisher.
func VOGN[F Float](params []F, cfg Config) (*Diag[F], error) {
	r := newResolver("vogn", cfg)
	b1 := r.float("Beta1", cfg.Beta1, vognBeta1)
	return build(r, params, DiagOptions{
		DataSize:       r.dataSize(true),
		PriorPrecision: r.float("PriorPrecision", cfg.PriorPrecision, vognPrior),
		LR:             r.float("LR", cfg.LR, vognLR),
		Beta1:          b1,
		Beta2:          r.beta2FromSteps(),
		HessInit:       r.float("HessInit", cfg.HessInit, ognHessInit),
		Eps:            r.float("Eps", cfg.Eps, 0),
		Curvature:      r.curvature(CurvEmpiricalFisher, CurvEmpiricalFisher, CurvMCFisher, CurvGGNDiag, CurvExactDiag),
		Sample:         true,
		Samples:        r.samples(),
		Temperature:    r.float("Temperature", cfg.Temperature, 1),
		ClipRadius:     r.float("ClipRadius", cfg.ClipRadius, 0),
		DebiasMomentum: b1 > 0,
		Decay:          DecayInStep,
	})
}
