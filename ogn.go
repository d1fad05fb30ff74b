package blr

// Defaults of OGN and VOGN, chosen on a 10% validation split of MNIST (MLP
// 784-500-300-10, batch 128, 2 epochs, the best validation NLL of the
// reported predictive, the posterior average; bench/validation.md). The
// standard normal prior P₀ = 1 of the published code is far too weak for a
// network: where the data leave a weight alone its posterior is the prior,
// and samples with a standard deviation of 1 ruin the predictions.
const (
	ognLR       = 1e-3 // validated among 1e-3, 1e-2 (the published lr)
	ognHessInit = 0.5
	ognPrior    = 500  // P₀; validated among P₀/N = 2e-5–1e-1 (δ ≈ 1e-2 at N = 54 000)
	vognLR      = 1e-2 // validated among 3e-3–3e-2
	vognBeta1   = 0.9  // Osawa et al. (2019); ivon-experiments momentum_grad
	vognPrior   = 50   // P₀; validated among P₀/N = 2e-5, 1e-3 (δ ≈ 1e-3)
)

// OGN is the online Gauss-Newton method of Khan & Rue (2023, §4.4):
//
//	h ← β₂h + (1−β₂)ĥ,  ĥ = (1/M)Σᵢ∇ℓᵢ(m)²;   m ← m − α(ĝ(m) + δ(m−m₀))/(h+δ),
//
// δ = P₀/N. As the rule: a diagonal Gaussian and the delta method on a
// minibatch, with ρ = 1−β₂ for the precision N(h+δ); its fixed point is a
// Laplace approximation with a Gauss-Newton diagonal. With a full batch,
// α = 1, β₂ = 0 and Curvature = CurvGGNDiag it is the Gauss-Newton method on
// a model whose GGN is diagonal. Heuristics on top: the empirical Fisher for
// the Hessian (Curvature can ask for CurvMCFisher, CurvGGNDiag or
// CurvExactDiag instead), a mean step α ≠ ρ, and, if set, momentum (Beta1,
// debiased) and damping (Eps). The oracle supplies the curvature.
//
// Config fields and defaults: DataSize required; PriorPrecision 500; LR 1e-3;
// Beta1 0; Beta2 from Steps (Beta2For; warns when h cannot learn); HessInit
// 0.5; Eps 0; Curvature CurvEmpiricalFisher.
func OGN[F Float](params []F, cfg Config) (*Diag[F], error) {
	r := newResolver("ogn", cfg)
	r.unused("Samples", "ClipRadius", "Temperature")
	b1 := r.float("Beta1", cfg.Beta1, 0)
	return build(r, params, DiagOptions{
		DataSize:       r.dataSize(true),
		PriorPrecision: r.float("PriorPrecision", cfg.PriorPrecision, ognPrior),
		LR:             r.float("LR", cfg.LR, ognLR),
		Beta1:          b1,
		Beta2:          r.beta2FromSteps(),
		HessInit:       r.float("HessInit", cfg.HessInit, ognHessInit),
		Eps:            r.float("Eps", cfg.Eps, 0),
		Curvature:      r.curvature(CurvEmpiricalFisher, CurvEmpiricalFisher, CurvMCFisher, CurvGGNDiag, CurvExactDiag),
		Samples:        1,
		Temperature:    1,
		DebiasMomentum: b1 > 0,
		Decay:          DecayInStep,
	})
}
