package blr

// Defaults of RMSprop (torch.optim.RMSprop's, but lr), the lr chosen on a
// 10% validation split of MNIST (MLP 784-500-300-10, batch 128, 2 epochs;
// bench/validation.md): 1e-3 reaches val acc 0.965, torch's 1e-2 0.944.
const (
	rmspropLR    = 1e-3
	rmspropAlpha = 0.99
	rmspropEps   = 1e-8
)

// RMSprop is torch.optim.RMSprop without momentum or centering:
//
//	g ← ĝ + δ(m−m₀);  v ← αv + (1−α)g²;  m ← m − lr·g/(√v + ε),
//
// the mean step using the new v. As the rule: a diagonal Gaussian, the delta
// method on a minibatch, h = v with ρ = 1−α (blr-reference §2 "RMSprop/Adam").
// Heuristics on top: the squared minibatch gradient ĝ² for the Hessian, the
// square root φ(h) = √h, ε outside the root, a mean step α ≠ ρ, h₀ = 0, and
// the weight decay inside g (so it enters v) with δ not in the denominator.
//
// Config fields and defaults: LR 1e-3 (validated; torch's is 1e-2), Beta2 =
// torch's alpha, 0.99; Eps 1e-8; HessInit 0; PriorPrecision 0 (DataSize
// required when set). Others must be zero.
func RMSprop[F Float](params []F, cfg Config) (*Diag[F], error) {
	r := newResolver("rmsprop", cfg)
	r.unused("Beta1", "Samples", "Curvature", "ClipRadius", "Temperature")
	return build(r, params, DiagOptions{
		DataSize:       r.dataSize(false),
		PriorPrecision: r.float("PriorPrecision", cfg.PriorPrecision, 0),
		LR:             r.float("LR", cfg.LR, rmspropLR),
		Beta2:          r.float("Beta2", cfg.Beta2, rmspropAlpha),
		HessInit:       r.float("HessInit", cfg.HessInit, 0),
		Eps:            r.float("Eps", cfg.Eps, rmspropEps),
		Curvature:      CurvSquaredMeanGrad,
		Samples:        1,
		Temperature:    1,
		Sqrt:           true,
		Decay:          DecayInGradient,
	})
}
