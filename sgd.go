package blr

// Defaults of SGD, chosen on a 10% validation split of MNIST (MLP
// 784-500-300-10, batch 128, 2 epochs; bench/validation.md): lr 0.3 reaches
// val acc 0.967, 0.1 0.952 and the old 1e-3 0.712.
const sgdLR = 0.3

// SGD is stochastic gradient descent with heavy-ball momentum, as
// torch.optim.SGD computes it (dampening 0, no Nesterov):
//
//	g ← ĝ + δ(m−m₀);  buf ← μ·buf + g;  m ← m − lr·buf,   δ = P₀/N.
//
// As the rule: q is a Gaussian with fixed covariance (h ≡ 1, CurvNone),
// ∇_μ E_q[ℓ̄] is estimated by the delta method on a minibatch, and the prior's
// gradient δ(m−m₀) is added to the gradient. With μ = 0 one step is exactly
// the rule's step with ρ = lr (on the mean-loss scale). Heuristic on top:
// momentum, kept as the average ḡ = (1−μ)·buf with step α = lr/(1−μ)
// (corrections.md, point 24); LR and SetLR take torch's lr.
//
// Config fields and defaults: LR 0.3 (validated; torch's is 1e-3), Beta1 =
// torch's momentum μ, 0; PriorPrecision 0 (with DataSize required when set, as
// torch's weight_decay = PriorPrecision/DataSize). Others must be zero.
func SGD[F Float](params []F, cfg Config) (*Diag[F], error) {
	r := newResolver("sgd", cfg)
	r.unused("Beta2", "HessInit", "Eps", "Samples", "Curvature", "ClipRadius", "Temperature")
	opt := DiagOptions{
		DataSize:       r.dataSize(false),
		PriorPrecision: r.float("PriorPrecision", cfg.PriorPrecision, 0),
		LR:             r.float("LR", cfg.LR, sgdLR),
		Beta1:          r.float("Beta1", cfg.Beta1, 0),
		HessInit:       1,
		Curvature:      CurvNone,
		Samples:        1,
		Temperature:    1,
		Decay:          DecayInGradient,
	}
	d, err := build(r, params, opt)
	if err != nil {
		return nil, err
	}
	d.lrScale = 1 / (1 - opt.Beta1)
	return d, nil
}
