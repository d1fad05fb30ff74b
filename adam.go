package blr

// Defaults of Adam and AdamW (torch.optim.Adam's and AdamW's), kept after
// the validation-split sweep on MNIST (MLP 784-500-300-10, 2 epochs;
// bench/validation.md): lr 3e-3 ties with 1e-3 over two seeds for Adam and is
// worse for AdamW.
const (
	adamLR          = 1e-3
	adamBeta1       = 0.9
	adamBeta2       = 0.999
	adamEps         = 1e-8
	adamWeightDecay = 1e-2 // AdamW's default weight decay, per example
)

// Adam is torch.optim.Adam (amsgrad off), weight decay as L2 in the gradient:
//
//	g ← ĝ + δ(m−m₀);  ḡ ← β₁ḡ + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
//	m ← m − lr·(ḡ/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
//
// As the rule: a diagonal Gaussian, the delta method on a minibatch, h = v
// with ρ = 1−β₂ (blr-reference §2 "RMSprop/Adam"). Heuristics on top: ĝ² for
// the Hessian, the square root, momentum, debiasing of both averages, ε, a
// mean step α ≠ ρ, h₀ = 0, and the weight decay inside g, so that it enters
// both moments (corrections.md, point 10) with δ not in the denominator.
//
// Config fields and defaults: LR 1e-3, Beta1 0.9, Beta2 0.999, Eps 1e-8,
// HessInit 0, PriorPrecision 0 (torch's weight_decay = PriorPrecision /
// DataSize; DataSize required when set). Others must be zero.
func Adam[F Float](params []F, cfg Config) (*Diag[F], error) {
	r := newResolver("adam", cfg)
	return build(r, params, adamOptions(r, DecayInGradient, 0))
}

// AdamW is torch.optim.AdamW: the decay is decoupled from the moments and
// applied first,
//
//	m ← m − lr·δ(m−m₀);  then Adam's step with g = ĝ,
//
// δ = P₀/N. Heuristics on top of the rule: those of Adam, with the decay
// applied outside the preconditioner (the rule would divide it by the
// curvature).
//
// Config fields and defaults: as Adam, but PriorPrecision defaults to
// 0.01·DataSize (torch's weight_decay = 0.01), so DataSize is required unless
// PriorPrecision is given (blr.Off: no decay).
func AdamW[F Float](params []F, cfg Config) (*Diag[F], error) {
	r := newResolver("adamw", cfg)
	def := adamWeightDecay * cfg.DataSize
	if cfg.PriorPrecision == 0 && cfg.DataSize == 0 {
		r.fail("DataSize", cfg.DataSize, "required for the default weight decay 0.01 = PriorPrecision/DataSize (or set PriorPrecision, blr.Off for none)")
	}
	return build(r, params, adamOptions(r, DecayDecoupled, def))
}

func adamOptions(r *resolver, decay DecayMode, p0 float64) DiagOptions {
	cfg := &r.cfg
	r.unused("Samples", "Curvature", "ClipRadius", "Temperature")
	return DiagOptions{
		DataSize:       r.dataSize(false),
		PriorPrecision: r.float("PriorPrecision", cfg.PriorPrecision, p0),
		LR:             r.float("LR", cfg.LR, adamLR),
		Beta1:          r.float("Beta1", cfg.Beta1, adamBeta1),
		Beta2:          r.float("Beta2", cfg.Beta2, adamBeta2),
		HessInit:       r.float("HessInit", cfg.HessInit, 0),
		Eps:            r.float("Eps", cfg.Eps, adamEps),
		Curvature:      CurvSquaredMeanGrad,
		Samples:        1,
		Temperature:    1,
		Sqrt:           true,
		DebiasMomentum: true,
		DebiasHessian:  true,
		Decay:          decay,
	}
}
