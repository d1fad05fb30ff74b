package blr

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/internal/pool"
	"github.com/bayesrule/blr/internal/vec"
)

// BinaryEstimator names how the binary engine estimates ∇_μ E_q[ℓ] for a
// product of Bernoullis on {−1, +1} with natural parameter λ and mean
// μ = tanh λ (expfam.Bernoulli).
type BinaryEstimator int

const (
	// BinaryDefault is the zero value: the named constructor's own choice.
	BinaryDefault BinaryEstimator = iota
	// BinaryDeltaSign evaluates the gradient at the mode, ∇_μ E_q[ℓ] ≈
	// ∇_w ℓ(w) at w = sign λ (sign 0 = +1): the delta method, moved from μ to
	// the nearest binary point. It gives STE and BinaryConnect.
	BinaryDeltaSign
	// BinaryDeltaMean is the delta method proper, ∇_w ℓ(w) at w = μ = tanh λ:
	// E_q[ℓ(w)] ≈ ℓ(E_q w) = ℓ(μ). The network sees real weights in (−1, 1).
	BinaryDeltaMean
	// BinaryGumbel is BayesBiNN's Gumbel-softmax (Concrete) estimator with
	// temperature τ: w = tanh((λ+δ)/τ), δ = ½log(u/(1−u)), u ~ U(0, 1), and
	// ĝ_μ = s ⊙ ∇_w ℓ(w) with s = (1−w²)/(τ(1−μ²)), averaged over the
	// samples. See BayesBiNN for its two forms of s.
	BinaryGumbel
	// BinaryExact enumerates the 2ᴰ states of the binary weights (D ≤ 20):
	// ∂E_q[ℓ]/∂μⱼ = ½(E_q[ℓ | wⱼ = +1] − E_q[ℓ | wⱼ = −1]), exact. It calls
	// the oracle 2ᴰ times per step; it is for checks on small models.
	BinaryExact
	numBinaryEstimators
)

var binaryEstimatorNames = [...]string{"default", "delta-sign", "delta-mean", "gumbel", "exact"}

// String returns the estimator's name.
func (e BinaryEstimator) String() string {
	if e >= 0 && e < numBinaryEstimators {
		return binaryEstimatorNames[e]
	}
	return fmt.Sprintf("BinaryEstimator(%d)", int(e))
}

// MaxExactBinary is the largest number of binary weights BinaryExact
// enumerates (2²⁰ oracle calls per step).
const MaxExactBinary = 20

// BinaryOptions is the binary engine's full configuration, with no defaults
// (a zero is a zero). The named constructors (STE, BinaryConnect,
// BayesBiNN) fill it from a BinaryConfig.
//
// One step, on the summed loss L_N = N·ℓ_avg:
//
//	ĝ ≈ ∇_μ E_q[ℓ_avg]                         (Estimator; mean-loss scale)
//	d = N·ĝ + κ(λ − λ₀),   κ = 1 with Entropy, 0 without
//	v ← βv + (1−β)d;   λ ← λ − α·v/(1−βᵗ)       (v = d when β = 0)
//
// With Entropy, β = 0 and α = ρ ∈ (0, 1] this is the Bayesian learning rule
// λ ← (1−ρ)λ − ρ(∇_μ E_q[L_N] − λ₀) for q a product of Bernoullis with the
// Bernoulli prior of natural parameter λ₀ (its entropy gradient is −λ, its
// prior term −λ₀). Without Entropy the (1−ρ) shrinkage and the prior are
// dropped: λ ← λ − αN·ĝ, which is not the rule (corrections.md, point 9).
type BinaryOptions struct {
	// DataSize is N > 0, the number of examples ℓ_avg stands for.
	DataSize float64
	// LR is α > 0, the step on the summed-loss direction d. With Entropy
	// and Beta = 0 it is the rule's ρ and must lie in (0, 1]. Plain STE's
	// step η on the mean loss is α·N.
	LR float64
	// Beta ∈ [0, 1) is the momentum on d, debiased by 1−βᵗ (BayesBiNN's
	// betas); 0 keeps no momentum vector.
	Beta float64
	// Estimator estimates ∇_μ E_q[ℓ_avg]; BinaryDefault is not allowed here.
	Estimator BinaryEstimator
	// Samples is the number S ≥ 1 of Gumbel samples per step (1 for the
	// other estimators).
	Samples int
	// Temperature is τ > 0 of the Gumbel estimator (0 for the others).
	Temperature float64
	// Eps ≥ 0 is the Gumbel estimator's ε: s = (1−w²+ε)/(τ(1−μ²+ε)). With
	// ε = 0 the estimator is the exact pathwise gradient of the relaxed
	// objective, computed in log space; ε > 0 is the published small-τ form.
	Eps float64
	// Entropy keeps the entropy and prior terms κ(λ−λ₀), κ = 1 (the rule);
	// false drops them (κ = 0, plain STE).
	Entropy bool
	// PriorNatural is λ₀ of the prior p(wⱼ = +1) = sigmoid(2λ₀) on every
	// weight (0: p = ½); SetPrior replaces it with a vector. Used only with
	// Entropy.
	PriorNatural float64
	// InitScale > 0 starts λⱼ = InitScale·sign(paramsⱼ) (BayesBiNN's
	// λ_init = 10 with a random sign: pass random params); 0 starts λ at
	// the parameters themselves (STE's latent real weights).
	InitScale float64
	// Mask selects the binary weights: Mask[j] true makes params[j] binary;
	// the others (biases, batch-norm parameters) keep their values and are
	// not trained. nil makes every parameter binary.
	Mask []bool
}

// BinaryInfo reports on one step of the binary engine.
type BinaryInfo struct {
	// Loss is the oracle's ℓ_avg averaged over the evaluations of the step
	// (for BinaryExact, E_q[ℓ_avg]).
	Loss float64
	// LR is the step α used.
	LR float64
}

// Binary is the engine of the Bayesian learning rule on binary weights
// w ∈ {−1, +1}ᴰ with q(w) = ∏ⱼ Bernoulli, held by its natural parameter λ
// (the "latent weights"; p(wⱼ = +1) = sigmoid(2λⱼ), μ = E w = tanh λ); see
// BinaryOptions for the step and STE, BinaryConnect and BayesBiNN for the
// named instances (Khan & Rue 2023, §4.5; Meng, Bachmann & Khan 2020,
// "Training binary neural networks using the Bayesian learning rule",
// ICML, https://arxiv.org/abs/2002.10778).
//
// The engine owns λ (Latent) and writes the mode network, w = sign λ (sign 0
// = +1), into the binary entries of the caller's params after construction
// and after every step, so that params is always a usable binary network.
// SampleNetwork draws a binary network from q for the posterior average.
//
// The oracle is the one of the diagonal engine (Oracle, called with
// CurvNone): it returns ℓ_avg at θ and its gradient, θ being params with the
// binary entries replaced by the estimator's evaluation point (sign λ, tanh
// λ, a relaxed sample, or an enumerated state).
//
// Steps are transactional: on an oracle error or a non-finite estimate or
// result the state is unchanged. Results are bit-identical for a given seed
// and any GOMAXPROCS. A Binary is not safe for concurrent use.
type Binary[F Float] struct {
	opt  BinaryOptions
	name string

	params []F
	idx    []int // binary entries of params; nil: all
	lam    []F   // λ, one per binary entry
	lam0   []F   // per-weight prior after SetPrior; nil: opt.PriorNatural
	mom    []F   // momentum v (β > 0)
	t      int
	lr     float64

	theta, grad []F       // full-length scratch
	ghat        []float64 // ĝ per binary entry (Gumbel, exact; the delta estimators read grad)
	scale       []float64 // Gumbel s per binary entry
	nl, nm      []F       // new λ and v before the commit

	// The pass run in two halves, and its inputs and outputs.
	pass   int
	key    uint64    // binPassDraw: the stream of this sample
	alpha  float64   // binPassUpdate: the step, debiased
	errs   [2]error  // binPassUpdate: each half's first failure
	logp   []float64 // BinaryExact: log q(state), loss per state
	losses []float64
}

// NewBinary returns the engine over params (the network's parameter vector,
// whose binary entries it overwrites with sign λ). Every option is
// validated; an invalid one gives a *ConfigError naming it and its value.
func NewBinary[F Float](params []F, opt BinaryOptions) (*Binary[F], error) {
	if err := opt.validate(len(params)); err != nil {
		return nil, err
	}
	for j, v := range params {
		if !isFinite(float64(v)) {
			return nil, &ConfigError{Field: fmt.Sprintf("params[%d]", j), Value: float64(v), Reason: "not finite"}
		}
	}
	b := &Binary[F]{opt: opt, name: "binary", params: params, lr: opt.LR}
	if opt.Mask != nil {
		b.idx = []int{}
		for j, on := range opt.Mask {
			if on {
				b.idx = append(b.idx, j)
			}
		}
		b.opt.Mask = append([]bool(nil), opt.Mask...)
	}
	n := b.Dim()
	if n == 0 {
		return nil, &ConfigError{Field: "Mask", Value: "no true entry", Reason: "at least one weight must be binary"}
	}
	if opt.Estimator == BinaryExact && n > MaxExactBinary {
		return nil, &ConfigError{Field: "Estimator", Value: opt.Estimator, Reason: fmt.Sprintf("enumerates 2^D states; D = %d binary weights exceeds %d", n, MaxExactBinary)}
	}
	b.lam = make([]F, n)
	for k := range n {
		v := params[b.at(k)]
		if opt.InitScale > 0 {
			b.lam[k] = F(opt.InitScale) * signOf(v)
		} else {
			b.lam[k] = v
		}
	}
	if opt.Beta > 0 {
		b.mom = make([]F, n)
		b.nm = make([]F, n)
	}
	b.theta = make([]F, len(params))
	b.grad = make([]F, len(params))
	b.nl = make([]F, n)
	if opt.Estimator == BinaryGumbel || opt.Estimator == BinaryExact {
		b.ghat = make([]float64, n)
	}
	if opt.Estimator == BinaryGumbel {
		b.scale = make([]float64, n)
	}
	if opt.Estimator == BinaryExact {
		b.logp = make([]float64, 1<<n)
		b.losses = make([]float64, 1<<n)
	}
	b.writeMode()
	return b, nil
}

func (o *BinaryOptions) validate(np int) error {
	bad := func(field string, v any, reason string) error {
		return &ConfigError{Field: field, Value: v, Reason: reason}
	}
	gumbel := o.Estimator == BinaryGumbel
	switch {
	case np == 0:
		return bad("params", 0, "length must be > 0")
	case o.Mask != nil && len(o.Mask) != np:
		return bad("Mask", len(o.Mask), fmt.Sprintf("length must be len(params) = %d", np))
	case !(o.DataSize > 0) || !isFinite(o.DataSize):
		return bad("DataSize", o.DataSize, "must be finite and > 0 (the number of training examples N)")
	case !(o.LR > 0) || !isFinite(o.LR):
		return bad("LR", o.LR, "must be finite and > 0")
	case o.Entropy && o.Beta == 0 && o.LR > 1:
		return bad("LR", o.LR, "is the rule's ρ (Entropy set, no momentum) and must lie in (0, 1]")
	case !(o.Beta >= 0 && o.Beta < 1):
		return bad("Beta", o.Beta, "must lie in [0, 1)")
	case o.Estimator <= BinaryDefault || o.Estimator >= numBinaryEstimators:
		return bad("Estimator", o.Estimator, "must be an explicit kind (delta-sign, delta-mean, gumbel, exact)")
	case o.Samples < 1:
		return bad("Samples", o.Samples, "must be ≥ 1")
	case o.Samples > 1 && !gumbel:
		return bad("Samples", o.Samples, "must be 1 unless the estimator is gumbel")
	case gumbel && (!(o.Temperature > 0) || !isFinite(o.Temperature)):
		return bad("Temperature", o.Temperature, "must be finite and > 0 for the gumbel estimator")
	case !gumbel && o.Temperature != 0:
		return bad("Temperature", o.Temperature, "is used only by the gumbel estimator; leave it 0")
	case !(o.Eps >= 0) || !isFinite(o.Eps):
		return bad("Eps", o.Eps, "must be finite and ≥ 0")
	case !gumbel && o.Eps != 0:
		return bad("Eps", o.Eps, "is used only by the gumbel estimator; leave it 0")
	case !isFinite(o.PriorNatural):
		return bad("PriorNatural", o.PriorNatural, "must be finite")
	case !o.Entropy && o.PriorNatural != 0:
		return bad("PriorNatural", o.PriorNatural, "needs Entropy: without the entropy term there is no prior term")
	case !(o.InitScale >= 0) || !isFinite(o.InitScale):
		return bad("InitScale", o.InitScale, "must be finite and ≥ 0")
	}
	return nil
}

// signOf is sign(x) with sign(0) = +1 (and sign(−0) = +1, since −0 + 0 =
// +0), without a branch: latent signs are random, and a branch on them
// mispredicts half the time.
func signOf[F Float](x F) F {
	return F(math.Copysign(1, float64(x)+0))
}

// at is the index in params of binary entry k.
func (b *Binary[F]) at(k int) int {
	if b.idx == nil {
		return k
	}
	return b.idx[k]
}

// writeMode writes sign λ into the binary entries of params.
func (b *Binary[F]) writeMode() { b.writeModeInto(b.params) }

// Name is the optimizer's name ("ste", "binaryconnect", "bayesbinn", or
// "binary" when built by NewBinary).
func (b *Binary[F]) Name() string { return b.name }

// Options returns the configuration (Mask copied at construction).
func (b *Binary[F]) Options() BinaryOptions { return b.opt }

// Dim is the number of binary weights.
func (b *Binary[F]) Dim() int {
	if b.idx == nil {
		return len(b.params)
	}
	return len(b.idx)
}

// Latent returns λ, one entry per binary weight in the order of params
// (live: for checkpoints; write it only to restore one, then call
// RestoreLatent).
func (b *Binary[F]) Latent() []F { return b.lam }

// RestoreLatent rewrites the mode network into params after λ (Latent) was
// overwritten from a checkpoint; it returns a *ConfigError if some λⱼ is not
// finite.
func (b *Binary[F]) RestoreLatent() error {
	for k, l := range b.lam {
		if !isFinite(float64(l)) {
			return &ConfigError{Field: fmt.Sprintf("latent[%d]", k), Value: float64(l), Reason: "not finite"}
		}
	}
	b.writeMode()
	return nil
}

// Momentum returns v (live, for checkpoints; nil when β = 0).
func (b *Binary[F]) Momentum() []F { return b.mom }

// Steps is the number of steps taken.
func (b *Binary[F]) Steps() int { return b.t }

// SetSteps restores the step count from a checkpoint.
func (b *Binary[F]) SetSteps(t int) error {
	if t < 0 {
		return &ConfigError{Field: "steps", Value: t, Reason: "must be ≥ 0"}
	}
	b.t = t
	return nil
}

// LR is the current step α.
func (b *Binary[F]) LR() float64 { return b.lr }

// SetLR sets α for the next steps (a schedule calls it once per step).
// With Entropy and no momentum α is ρ and must stay in (0, 1].
func (b *Binary[F]) SetLR(lr float64) error {
	if !(lr > 0) || !isFinite(lr) {
		return &ConfigError{Field: "LR", Value: lr, Reason: "must be finite and > 0"}
	}
	if b.opt.Entropy && b.opt.Beta == 0 && lr > 1 {
		return &ConfigError{Field: "LR", Value: lr, Reason: "is the rule's ρ and must lie in (0, 1]"}
	}
	b.lr = lr
	return nil
}

// Expectation writes μ = tanh λ (one entry per binary weight) into dst
// (allocated if nil).
func (b *Binary[F]) Expectation(dst []F) []F {
	dst = allocF(dst, len(b.lam))
	for k, l := range b.lam {
		dst[k] = F(math.Tanh(float64(l)))
	}
	return dst
}

// Mode writes the mode network into dst (allocated if nil, length
// len(params)): sign λ in the binary entries, the fixed parameters
// elsewhere. It equals params between steps.
func (b *Binary[F]) Mode(dst []F) []F {
	dst = allocF(dst, len(b.params))
	copy(dst, b.params)
	b.writeModeInto(dst)
	return dst
}

// writeModeInto writes sign λ into the binary entries of dst.
func (b *Binary[F]) writeModeInto(dst []F) {
	for k, l := range b.lam {
		dst[b.at(k)] = signOf(l)
	}
}

// SampleNetwork writes one binary network drawn from q into dst (allocated
// if nil, length len(params)): wⱼ = +1 with probability sigmoid(2λⱼ), else
// −1, and the fixed parameters elsewhere. Averaging the predictions of such
// networks is the posterior average.
func (b *Binary[F]) SampleNetwork(dst []F, rnd *rand.Rand) []F {
	dst = allocF(dst, len(b.params))
	copy(dst, b.params)
	key := rnd.Uint64()
	for k, l := range b.lam {
		w := F(-1)
		if uniformAt(key, k) < expfam.Sigmoid(2*float64(l)) {
			w = 1
		}
		dst[b.at(k)] = w
	}
	return dst
}

// SetPrior sets a per-weight Bernoulli prior of natural parameters lam0 (one
// per binary weight; continual learning passes the last task's Latent). A
// nil lam0 goes back to the scalar PriorNatural. It needs Entropy. The slice
// is copied; invalid values give a *ConfigError and leave the prior
// unchanged.
func (b *Binary[F]) SetPrior(lam0 []F) error {
	if lam0 == nil {
		b.lam0 = nil
		return nil
	}
	if !b.opt.Entropy {
		return &ConfigError{Field: "prior", Value: len(lam0), Reason: "needs Entropy: without the entropy term there is no prior term"}
	}
	if len(lam0) != len(b.lam) {
		return &ConfigError{Field: "prior", Value: len(lam0), Reason: fmt.Sprintf("length must be the number of binary weights, %d", len(b.lam))}
	}
	for k, v := range lam0 {
		if !isFinite(float64(v)) {
			return &ConfigError{Field: fmt.Sprintf("prior[%d]", k), Value: float64(v), Reason: "not finite"}
		}
	}
	b.lam0 = append(b.lam0[:0], lam0...)
	return nil
}

// Step takes one step with the gradients from o; rnd draws the Gumbel
// noise and may be nil for the other estimators. On an error from o or a
// non-finite estimate or λ (*NonFiniteError) the state and params are
// unchanged.
func (b *Binary[F]) Step(o Oracle[F], rnd *rand.Rand) (BinaryInfo, error) {
	loss, err := b.estimate(o, rnd)
	if err != nil {
		return BinaryInfo{}, err
	}
	if err := b.update(); err != nil {
		return BinaryInfo{}, err
	}
	b.commit()
	return BinaryInfo{Loss: loss, LR: b.lr}, nil
}

// Estimate writes the engine's estimate ĝ of ∇_μ E_q[ℓ_avg] (on the mean
// loss, one entry per binary weight) into dst (allocated if nil) without
// taking a step, and returns the loss the oracle reported. It draws from
// rnd as Step would.
func (b *Binary[F]) Estimate(dst []float64, o Oracle[F], rnd *rand.Rand) ([]float64, float64, error) {
	if dst == nil {
		dst = make([]float64, len(b.lam))
	}
	if len(dst) != len(b.lam) {
		panic(ErrLength)
	}
	loss, err := b.estimate(o, rnd)
	if err != nil {
		return nil, 0, err
	}
	for k := range dst {
		dst[k] = b.estimateAt(k)
	}
	return dst, loss, nil
}

func (b *Binary[F]) estimate(o Oracle[F], rnd *rand.Rand) (float64, error) {
	switch b.opt.Estimator {
	case BinaryDeltaSign, BinaryDeltaMean:
		return b.delta(o)
	case BinaryGumbel:
		if rnd == nil {
			return 0, &ConfigError{Field: "rnd", Value: nil, Reason: "the gumbel estimator needs a generator"}
		}
		return b.gumbel(o, rnd)
	default:
		return b.exact(o)
	}
}

// delta evaluates the gradient at sign λ or tanh λ.
func (b *Binary[F]) delta(o Oracle[F]) (float64, error) {
	if b.idx != nil {
		copy(b.theta, b.params)
	}
	mean := b.opt.Estimator == BinaryDeltaMean
	for k, l := range b.lam {
		w := signOf(l)
		if mean {
			w = F(math.Tanh(float64(l)))
		}
		b.theta[b.at(k)] = w
	}
	return o.Eval(b.theta, b.grad, nil, CurvNone)
}

// estimateAt is ĝ_k: the gradient itself for the delta estimators (which
// leave ĝ in b.grad), b.ghat[k] for the others.
func (b *Binary[F]) estimateAt(k int) float64 {
	if b.opt.Estimator == BinaryDeltaSign || b.opt.Estimator == BinaryDeltaMean {
		return float64(b.grad[b.at(k)])
	}
	return b.ghat[k]
}

// update forms the new λ (and momentum) into b.nl (b.nm) from ĝ, checking
// every value; two goroutines share large vectors (each entry is computed
// alone, so the result does not depend on the split).
func (b *Binary[F]) update() error {
	b.alpha = b.lr
	if b.opt.Beta > 0 {
		b.alpha /= 1 - math.Pow(b.opt.Beta, float64(b.t+1))
	}
	b.pass = binPassUpdate
	b.errs = [2]error{}
	b.halves()
	if b.errs[0] != nil {
		return b.errs[0]
	}
	return b.errs[1]
}

// updateRange is update over entries [lo, hi).
//
// A latent weight whose data gradient is zero (the weight of an input pixel
// that is zero in every image) decays geometrically under the entropy
// term, λ ← (1−ρ)λ, and after some 10⁵ steps (ρ = 10⁻³) would pass through
// the subnormal numbers, on which x86 takes a slow path for every
// operation. So a new λ below vec.Tiny in magnitude is held at vec.Tiny
// with its sign (its sign is the mode network's weight, which a zero would
// turn to +1), and a momentum below it is stored as a zero of its sign.
func (b *Binary[F]) updateRange(lo, hi int) error {
	n, entropy, beta, alpha := b.opt.DataSize, b.opt.Entropy, b.opt.Beta, b.alpha
	tiny := vec.Tiny[F]()
	for k := lo; k < hi; k++ {
		gk := b.estimateAt(k)
		if !isFinite(gk) {
			return &NonFiniteError{Field: "estimate", Index: k, Value: gk}
		}
		l := float64(b.lam[k])
		d := n * gk
		if entropy {
			l0 := b.opt.PriorNatural
			if b.lam0 != nil {
				l0 = float64(b.lam0[k])
			}
			d += l - l0
		}
		if b.mom != nil {
			v := F(beta*float64(b.mom[k]) + (1-beta)*d)
			if math.Abs(float64(v)) < tiny {
				v *= 0 // a zero of its sign
			}
			b.nm[k] = v
			d = float64(v)
		}
		nl := F(l - alpha*d)
		if !finite(nl) {
			return &NonFiniteError{Field: "latent", Index: k, Value: float64(nl)}
		}
		if a := math.Abs(float64(nl)); a < tiny && a != 0 {
			nl = F(math.Copysign(tiny, float64(nl)))
		}
		b.nl[k] = nl
	}
	return nil
}

// commit copies the new λ (and momentum) into the state and the mode
// network into params.
func (b *Binary[F]) commit() {
	for k, l := range b.nl {
		b.lam[k] = l
		b.params[b.at(k)] = signOf(l)
	}
	if b.mom != nil {
		copy(b.mom, b.nm)
	}
	b.t++
}

// uniformAt is a draw from the open interval (0, 1), the k-th of the
// stream keyed by key: SplitMix64 (Steele, Lea & Flood, OOPSLA 2014,
// doi:10.1145/2714064.2660195) evaluated at position k, so that every entry
// can be drawn independently and in any order, bit-identically.
func uniformAt(key uint64, k int) float64 {
	z := key + uint64(k+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	// 52 bits plus one half: the largest draw, 1 − 2⁻⁵³, is exact, so
	// neither 0 nor 1 can occur.
	return (float64(z>>12) + 0.5) * (1.0 / (1 << 52))
}

// halfSplitMin is the least length worth splitting between two goroutines.
const halfSplitMin = 1 << 15

// halves runs b.pass in two halves, on two goroutines when λ is long and a
// helper is free (package pool), else one after the other; each half
// computes the same bits either way.
func (b *Binary[F]) halves() {
	if len(b.lam) < halfSplitMin {
		b.runHalf(0)
		b.runHalf(1)
		return
	}
	pool.Halves(binHalves[F]{b}) // one pointer: no allocation
}

// binHalves is a Binary's pass as the two halves of pool.Parts.
type binHalves[F Float] struct{ b *Binary[F] }

// Part runs half h of the pass.
func (p binHalves[F]) Part(h int) { p.b.runHalf(h) }

// halfRange is entries [lo, hi) of half h of n entries.
func halfRange(n, h int) (lo, hi int) {
	mid := n / 2
	if h == 0 {
		return 0, mid
	}
	return mid, n
}

// The passes of a Binary step that run in two halves.
const (
	binPassDraw   = iota // Gumbel draws: θ and s
	binPassUpdate        // the new λ and momentum
)

// runHalf runs half h of b.pass.
func (b *Binary[F]) runHalf(h int) {
	lo, hi := halfRange(len(b.lam), h)
	switch b.pass {
	case binPassDraw:
		b.drawRange(lo, hi)
	case binPassUpdate:
		b.errs[h] = b.updateRange(lo, hi)
	}
}

// Defaults of STE and BinaryConnect, chosen on a 10% validation split of
// MNIST (the MLP 784-500-300-10 with a batch norm after every dense layer,
// 2 epochs, bench/validation.md §10) by the validation NLL on two seeds.
// STE's latent weights start at the network's initialisation (|λ| ≈ 0.05)
// and have no decay, so a large η only makes that start irrelevant: η from
// 100 to 1000 is one plateau, 300 its best (0.01 was far below it, at 17%
// accuracy after 2 epochs). BinaryConnect's ρ 1e-3 (η = ρN ≈ 54 on the
// mean loss) beats BayesBiNN's published 1e-4 and 3e-4.
const (
	steLR           = 300  // η on the mean loss
	binaryConnectLR = 1e-3 // ρ on the summed loss
)

// BinaryConfig is what a user sets to build STE, BinaryConnect or
// BayesBiNN. A zero field takes the optimizer's documented default; Off
// asks for an actual zero; a field the optimizer does not use must be left
// at zero (a *ConfigError names it otherwise).
type BinaryConfig struct {
	// DataSize is N, the number of training examples.
	DataSize float64
	// LR is the step: η on the mean loss for STE, the rule's ρ on the summed
	// loss for BinaryConnect and BayesBiNN (α when Beta1 > 0).
	LR float64
	// Beta1 is the momentum β on the direction (BayesBiNN's betas).
	Beta1 float64
	// Samples is the number of Gumbel samples per step (BayesBiNN).
	Samples int
	// Temperature is the Gumbel temperature τ (BayesBiNN).
	Temperature float64
	// Eps is the ε of BayesBiNN's published scale (1−w²+ε)/(τ(1−μ²+ε)).
	Eps float64
	// PriorProb is the prior probability p(wⱼ = +1) ∈ (0, 1), default ½.
	PriorProb float64
	// InitScale starts λ = InitScale·sign(params); Off starts λ = params.
	InitScale float64
	// Mask selects the binary weights (nil: all); see BinaryOptions.Mask.
	Mask []bool
}

// binResolver applies defaults and Off to a BinaryConfig.
type binResolver struct {
	checker
	cfg BinaryConfig
}

func newBinResolver(name string, cfg BinaryConfig) *binResolver {
	return &binResolver{checker: checker{name: name}, cfg: cfg}
}

func (r *binResolver) float(field string, v, def float64) float64 {
	switch {
	case v == 0:
		return def
	case v == Off:
		return 0
	case !(v > 0) || math.IsInf(v, 0):
		r.fail(field, v, "must be finite and ≥ 0 (blr.Off asks for an explicit zero)")
	}
	return v
}

func (r *binResolver) unused(fields ...string) {
	c := &r.cfg
	r.checker.unused(fields, func(f string) (any, bool) {
		switch f {
		case "Beta1":
			return c.Beta1, c.Beta1 != 0
		case "Samples":
			return c.Samples, c.Samples != 0
		case "Temperature":
			return c.Temperature, c.Temperature != 0
		case "Eps":
			return c.Eps, c.Eps != 0
		case "PriorProb":
			return c.PriorProb, c.PriorProb != 0
		}
		return nil, false
	})
}

// prior returns λ₀ = ½ logit p from PriorProb (default ½).
func (r *binResolver) prior() float64 {
	p := r.cfg.PriorProb
	if p == 0 {
		return 0
	}
	if !(p > 0 && p < 1) {
		r.fail("PriorProb", p, "must lie in (0, 1)")
		return 0
	}
	return 0.5 * (math.Log(p) - math.Log1p(-p))
}

func (r *binResolver) samples() int { return r.checker.samples(r.cfg.Samples) }

func buildBinary[F Float](r *binResolver, params []F, opt BinaryOptions) (*Binary[F], error) {
	if r.err != nil {
		return nil, r.err
	}
	opt.Mask = r.cfg.Mask
	b, err := NewBinary(params, opt)
	if err != nil {
		if ce, ok := err.(*ConfigError); ok {
			ce.Reason = r.name + ": " + ce.Reason
		}
		return nil, err
	}
	b.name = r.name
	return b, nil
}

// STE is the straight-through estimator with latent real weights λ
// (Bengio et al. 2013; BinaryConnect without clipping, Courbariaux et al.
// 2015): the forward pass uses w = sign λ (sign 0 = +1) and the gradient
// passes straight through to λ,
//
//	λ ← λ − η ∇_w ℓ_avg(w)|_{w = sign λ}.
//
// As the rule (Khan & Rue 2023, §4.5): q a product of Bernoullis with
// natural parameter λ, the delta method moved to w = sign λ, a minibatch
// gradient, and the entropy term −∇_μH = λ dropped, with ρ = η/N. It is
// not the rule itself: keeping the entropy term gives BinaryConnect below
// (corrections.md, point 9). The `blr table` row "STE" checks it against
// the recursion above, written plainly, to 1e-12.
//
// BinaryConfig fields and defaults: LR η 300; DataSize N, 1 if unset (it
// only rescales: α = η/N on the summed loss); InitScale Off (λ starts at
// params: the network's real initialisation), or > 0 for ±InitScale; Beta1
// (momentum on the direction) 0; Mask nil. Others must be zero.
func STE[F Float](params []F, cfg BinaryConfig) (*Binary[F], error) {
	r := newBinResolver("ste", cfg)
	r.unused("Samples", "Temperature", "Eps", "PriorProb")
	n := r.float("DataSize", cfg.DataSize, 1)
	eta := r.float("LR", cfg.LR, steLR)
	return buildBinary(r, params, BinaryOptions{
		DataSize:  n,
		LR:        eta / n,
		Beta:      r.float("Beta1", cfg.Beta1, 0),
		Estimator: BinaryDeltaSign,
		Samples:   1,
		InitScale: r.float("InitScale", cfg.InitScale, 0),
	})
}

// BinaryConnect is the Bayesian learning rule on binary weights with the
// delta method at the mode,
//
//	λ ← (1−ρ)λ − ρ(N ∇_w ℓ_avg(w)|_{w = sign λ} − λ₀),
//
// which is BinaryConnect (STE with latent weights) with step η = ρN on the
// mean loss and latent weight decay 1/N toward λ₀/N: λ ← λ − η(ĝ + (λ−λ₀)/N).
// The `blr table` row "BinaryConnect (rule, delta at sign)" checks that
// identity to 1e-12. The delta method proper evaluates at μ = tanh λ, not
// at sign λ (BinaryDeltaMean with NewBinary).
//
// BinaryConfig fields and defaults: DataSize required; LR ρ 1e-3 (in
// (0, 1]); PriorProb ½ (λ₀ = 0); InitScale Off (λ = params), or > 0;
// Beta1 0; Mask nil. Others must be zero.
func BinaryConnect[F Float](params []F, cfg BinaryConfig) (*Binary[F], error) {
	r := newBinResolver("binaryconnect", cfg)
	r.unused("Samples", "Temperature", "Eps")
	if cfg.DataSize == 0 {
		r.fail("DataSize", cfg.DataSize, "required: the number of training examples N")
	}
	return buildBinary(r, params, BinaryOptions{
		DataSize:     r.float("DataSize", cfg.DataSize, 0),
		LR:           r.float("LR", cfg.LR, binaryConnectLR),
		Beta:         r.float("Beta1", cfg.Beta1, 0),
		Estimator:    BinaryDeltaSign,
		Samples:      1,
		Entropy:      true,
		PriorNatural: r.prior(),
		InitScale:    r.float("InitScale", cfg.InitScale, 0),
	})
}
