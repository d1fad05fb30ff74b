package blr

import (
	"math"
	"math/rand/v2"
)

// Defaults of BayesBiNN: the published MNIST settings (blr-reference §3.3).
// The step 1e-4 is also the best of 3e-5, 1e-4, 3e-4 and 1e-3 on a 10%
// validation split of MNIST (the MLP 784-500-300-10 with batch norm, 2
// epochs, bench/validation.md §10).
const (
	bayesBiNNLR          = 1e-4
	bayesBiNNTemperature = 1e-10
	bayesBiNNEps         = 1e-10
	bayesBiNNInitScale   = 10
)

// BayesBiNN is the Bayesian learning rule for binary weights with the
// Gumbel-softmax (Concrete) estimator (Meng, Bachmann & Khan 2020,
// https://arxiv.org/abs/2002.10778; Khan & Rue 2023, §4.5): q(w) =
// ∏ⱼ Bernoulli on {−1, +1} with natural parameter λ and μ = tanh λ, a
// Bernoulli prior λ₀, and
//
//	λ ← (1−ρ)λ − ρ(N·ĝ_μ − λ₀),   ĝ_μ = (1/S) Σ_s s_s ⊙ ∇_w ℓ_avg(w_s),
//	w_s = tanh((λ+δ_s)/τ),  δ_s = ½log(u/(1−u)),  u ~ U(0, 1),
//
// where s is the factor that turns the pathwise gradient in w into one in μ.
// The relaxed objective E_δ[ℓ(tanh((λ+δ)/τ))] tends to E_q[ℓ] as τ → 0 (so
// sign(λ+δ) ~ q exactly); its exact gradient in μ is the expectation of
//
//	s = (1−w²)/(τ(1−μ²)) = sech²((λ+δ)/τ) / (τ sech²λ),
//
// because dw/dλ = (1−w²)/τ and dλ/dμ = 1/(1−μ²). Two forms of s:
//
//   - Eps = 0 (Off), the exact relaxed estimator: s is formed from exponents,
//     e^{2|λ|−2|x|}·((1+e^{−2|λ|})/(1+e^{−2|x|}))²/τ with x = (λ+δ)/τ, so
//     neither 1−w² nor 1−μ² is rounded to 0 and there is no 0/0. It is
//     unbiased for the relaxed gradient (which is biased for the discrete
//     one by an amount that falls with τ) and its variance grows like 1/τ;
//     at τ = 10⁻¹⁰ it is 0 for all but a vanishing set of δ, so nothing
//     learns. Use τ around 0.1–1 with several samples.
//   - Eps = ε > 0, the published small-τ form s = (1−w²+ε)/(τ(1−μ²+ε)),
//     with 1−w² and 1−μ² evaluated as sech² (never as 1 − tanh²). At the
//     published τ = ε = 10⁻¹⁰, 1−w² is 0 except where |λ+δ| < 10⁻⁸, so
//     s = 1/(sech²λ + ε): about 1/ε = 10¹⁰ for |λ| ≳ 12 and cosh²λ for
//     small |λ|. The step is then that of BinaryConnect on a rescaled λ
//     with w = sign(λ+δ): a heuristic, not an estimate of a gradient. The
//     published float32 code computes 1 − tanh²λ, which is 0 for |λ| ≥ 9
//     in float32, so its s is exactly 1/ε there; ours follows sech²λ.
//
// μ is always tanh of the current λ (the public code uses the previous
// step's λ in s; we do not copy that lag).
//
// Prediction: with the mode network w = sign λ (params after every step),
// or by averaging the predictions of binary networks drawn from q
// (SampleNetwork).
//
// BinaryConfig fields and defaults (the published MNIST settings):
// DataSize required; LR ρ 1e-4 (in (0, 1] without momentum; α with
// Beta1); Beta1 0; Samples 1; Temperature 1e-10; Eps 1e-10 (Off: the exact
// relaxed estimator); PriorProb ½; InitScale 10 (λ = ±10 by the sign of
// params: pass randomly initialised params; Off: λ = params); Mask nil.
func BayesBiNN[F Float](params []F, cfg BinaryConfig) (*Binary[F], error) {
	r := newBinResolver("bayesbinn", cfg)
	if cfg.DataSize == 0 {
		r.fail("DataSize", cfg.DataSize, "required: the number of training examples N")
	}
	return buildBinary(r, params, BinaryOptions{
		DataSize:     r.float("DataSize", cfg.DataSize, 0),
		LR:           r.float("LR", cfg.LR, bayesBiNNLR),
		Beta:         r.float("Beta1", cfg.Beta1, 0),
		Estimator:    BinaryGumbel,
		Samples:      r.samples(),
		Temperature:  r.float("Temperature", cfg.Temperature, bayesBiNNTemperature),
		Eps:          r.float("Eps", cfg.Eps, bayesBiNNEps),
		Entropy:      true,
		PriorNatural: r.prior(),
		InitScale:    r.float("InitScale", cfg.InitScale, bayesBiNNInitScale),
	})
}

// GumbelPoint returns the relaxed weight w = tanh((λ+δ)/τ) and BayesBiNN's
// factor s that turns ∂ℓ/∂w at w into an estimate of ∂E[ℓ]/∂μ, for one
// weight with natural parameter λ, logistic noise δ = ½log(u/(1−u)),
// temperature τ > 0 and ε ≥ 0 (see BayesBiNN for the two forms; ε = 0 is
// the exact relaxed estimator). It never returns NaN for finite inputs;
// s is +Inf only where the exact value overflows.
func GumbelPoint(lam, delta, tau, eps float64) (w, s float64) {
	x := (lam + delta) / tau
	ax, al := math.Abs(x), math.Abs(lam)
	// e^{−2|x|} and e^{−2|λ|}, skipped where they underflow (most weights
	// at small τ): at most two exponentials and no tanh per weight.
	var ex, el float64
	if ax < 372 {
		ex = math.Exp(-2 * ax)
	}
	if al < 372 {
		el = math.Exp(-2 * al)
	}
	switch {
	case ax < 0.5:
		w = math.Tanh(x) // (1−e)/(1+e) would cancel
	case x > 0:
		w = (1 - ex) / (1 + ex)
	default:
		w = -(1 - ex) / (1 + ex)
	}
	if eps == 0 {
		// sech²x / sech²λ = e^{2|λ|−2|x|} ((1+e^{−2|λ|})/(1+e^{−2|x|}))²,
		// the first factor as a ratio of normal numbers where both are.
		f := (1 + el) / (1 + ex)
		var r float64
		if ax < 354 && al < 354 {
			r = ex / el
		} else {
			r = math.Exp(2*al - 2*ax)
		}
		return w, r * (f * f) / tau
	}
	sx := 4 * ex / ((1 + ex) * (1 + ex))
	sl := 4 * el / ((1 + el) * (1 + el))
	return w, (sx + eps) / (tau * (sl + eps))
}

// gumbel forms ĝ with S relaxed samples.
func (b *Binary[F]) gumbel(o Oracle[F], rnd *rand.Rand) (float64, error) {
	clear(b.ghat)
	copy(b.theta, b.params)
	var loss float64
	for range b.opt.Samples {
		b.key = rnd.Uint64()
		b.pass = binPassDraw
		b.halves()
		l, err := o.Eval(b.theta, b.grad, nil, CurvNone)
		if err != nil {
			return 0, err
		}
		loss += l
		for k, s := range b.scale {
			b.ghat[k] += s * float64(b.grad[b.at(k)])
		}
	}
	inv := 1 / float64(b.opt.Samples)
	for k := range b.ghat {
		b.ghat[k] *= inv
	}
	return loss * inv, nil
}

// deltaMax bounds the logistic noise: uniformAt lies in [2⁻⁵³, 1−2⁻⁵³],
// so |δ| = ½|log(u/(1−u))| ≤ ½·53·log 2 ≈ 18.37.
const deltaMax = 18.5

// drawRange draws the relaxed weights of entries [lo, hi) from the stream
// b.key into θ, and their factors s. Where |λ| is so large that no draw can
// bring |x| = |λ+δ|/τ below 372 (as at the published τ = 10⁻¹⁰ once λ has
// grown), GumbelPoint would give w = sign λ and, for ε > 0, s = ε/(τ(sech²λ
// + ε)), or, for ε = 0 and |x| − |λ| > 373, s = 0, whatever δ is; those are
// written without drawing, with the same bits.
func (b *Binary[F]) drawRange(lo, hi int) {
	tau, eps := b.opt.Temperature, b.opt.Eps
	for k := lo; k < hi; k++ {
		l := float64(b.lam[k])
		al := math.Abs(l)
		if axMin := (al - deltaMax) / tau; axMin >= 372 && (eps > 0 || axMin-al > 373) {
			b.theta[b.at(k)] = signOf(F(l))
			s := 0.0
			if eps > 0 {
				var el float64
				if al < 372 {
					el = math.Exp(-2 * al)
				}
				sl := 4 * el / ((1 + el) * (1 + el))
				s = eps / (tau * (sl + eps))
			}
			b.scale[k] = s
			continue
		}
		u := uniformAt(b.key, k)
		w, s := GumbelPoint(l, 0.5*math.Log(u/(1-u)), tau, eps)
		b.theta[b.at(k)] = F(w)
		b.scale[k] = s
	}
}

// logQ is log q(wⱼ = w) = −softplus(−2λw).
func logQ(lam, w float64) float64 {
	x := -2 * lam * w
	return -(math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))))
}

// exact enumerates the 2ᴰ states: ĝⱼ = ½ Σ_w wⱼ q₋ⱼ(w) ℓ(w), q₋ⱼ the
// probability of the other coordinates (formed in log space, so that no
// state's weight is divided by a probability that underflowed).
func (b *Binary[F]) exact(o Oracle[F]) (float64, error) {
	n := len(b.lam)
	copy(b.theta, b.params)
	var mean float64
	for s := range 1 << n {
		var lp float64
		for k, l := range b.lam {
			w := -1.0
			if s>>k&1 == 1 {
				w = 1
			}
			b.theta[b.at(k)] = F(w)
			lp += logQ(float64(l), w)
		}
		loss, err := o.Eval(b.theta, b.grad, nil, CurvNone)
		if err != nil {
			return 0, err
		}
		b.logp[s], b.losses[s] = lp, loss
		mean += math.Exp(lp) * loss
	}
	clear(b.ghat)
	for s, lp := range b.logp {
		for k, l := range b.lam {
			w := -1.0
			if s>>k&1 == 1 {
				w = 1
			}
			b.ghat[k] += 0.5 * w * math.Exp(lp-logQ(float64(l), w)) * b.losses[s]
		}
	}
	return mean, nil
}
