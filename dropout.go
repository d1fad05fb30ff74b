package blr

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/internal/vec"
)

// Default of Dropout, chosen on a 10% validation split of MNIST (the MLP
// 784-500-300-10, 2 epochs, bench/validation.md §10): the step 0.5 has a
// validation NLL within noise of 1 on two seeds and keeps a factor of four
// from the steps that diverge (2 and 3); the earlier 0.1 reached 0.217
// nats against 0.11.
const dropoutLR = 0.5

// DropoutConfig is what a user sets to build Dropout. A zero field takes the
// documented default; Off asks for an actual zero.
type DropoutConfig struct {
	// DataSize is N, the number of training examples; required.
	DataSize float64
	// LR is α, the step of dropout-SGD on the mean loss; default 0.5.
	LR float64
	// Rate is the rule's ρ ∈ (0, 1]; default 1. It does not change the
	// step: it fixes the component variance σⱼ² = α(1−pⱼ)/(ρN) that makes
	// the rule's step equal α.
	Rate float64
	// PriorPrecision is P₀ ≥ 0 of the prior N(0, P₀⁻¹) on every weight, on
	// the summed loss; default 0 (flat).
	PriorPrecision float64
	// Group[j] is the unit whose mask multiplies params[j] (the input unit of
	// a weight that a dropout layer feeds), or −1 for a weight that is never
	// dropped (biases, weights after no dropout layer). nil: none is dropped.
	Group []int
	// P[u] ∈ [0, 1) is unit u's drop probability.
	P []float64
}

// Dropout is dropout training as the Bayesian learning rule (Khan & Rue
// 2023, §4.3). Each row wⱼ of weights that share a dropout mask (all the
// weights leaving one unit) has the two-component mixture posterior
//
//	q(wⱼ) = p·N(0, σⱼ²I) + (1−p)·N(mⱼ, σⱼ²I),
//
// with σⱼ² fixed; the rule updates the mean mⱼ of the second component:
//
//	mⱼ ← mⱼ − ρσⱼ² E_{q₂}[∇_{wⱼ} ℓ̄ + ∇_{wⱼ} log q].
//
// Three approximations give dropout. (1) Stochastic: one sample per
// example, w̃ᵢ ~ q, and E_{q₂}[f] = E_q[(rⱼ(w̃)/(1−p)) f(w̃)] estimated by
// importance weighting with the responsibility rⱼ of the second component;
// with a minibatch, Σᵢ becomes (N/M)Σ_{i∈B} (corrections.md, point 8a:
// the per-example samples are what make dropout's per-example masks exact).
// (2) The responsibility approximation: rⱼ(w̃ᵢ) = zᵢⱼ, 1 when the sample
// came from the second component and 0 otherwise, which is exact as σ → 0,
// and ∇log q ≈ ∇log q₂, whose E_{q₂} is 0. (3) The forward sample is taken
// at σ → 0, w̃ᵢ = zᵢ ⊙ m with zᵢⱼ ~ Bernoulli(1−p), while σ² is kept in the
// step (point 8b). The data term is then
//
//	mⱼ ← mⱼ − (ρσⱼ²N/(1−p)) (1/M) Σ_{i∈B} zᵢⱼ ∇_{wⱼ}ℓᵢ(zᵢ ⊙ m),
//
// which is exactly non-inverted dropout-SGD, m ← m − α∇_m (1/M)Σᵢℓᵢ(zᵢ⊙m),
// with step α = ρσ²N/(1−p) on the mean loss (point 8c). Inverted dropout
// (z/(1−p) in training) is this with the reparameterisation W = (1−p)m.
// The prior's term is exact, E_{q₂}[P₀w] = P₀mⱼ, so a weight with drop
// probability p gets the decay (1−p)δ, δ = P₀/N:
//
//	m ← m − α(ĝ + (1−p)δ⊙m),
//
// where ĝ is the minibatch gradient of the mean loss of the network with
// its dropout layers in training mode (non-inverted, one mask per example),
// which the oracle computes. Weights that are never dropped (p = 0) have
// the Gaussian N(mⱼ, σⱼ²), whose rule is SGD; choosing σⱼ² = α(1−pⱼ)/(ρN)
// gives every weight the same α. The `blr table` row "Dropout" checks the
// identity against the mixture rule written at the weight level, to 1e-12.
//
// Prediction: MC dropout averages the predictions of networks w̃ = z ⊙ m
// drawn from q (Sample), evaluated without dropout layers.
type Dropout[F Float] struct {
	m     []F
	group []int
	p     []float64
	alpha float64
	rho   float64
	n     float64
	delta float64
	t     int

	g, nm []F
}

// NewDropout returns the optimizer over params (the mean m, updated in
// place). Invalid settings give a *ConfigError naming the field and value.
func NewDropout[F Float](params []F, cfg DropoutConfig) (*Dropout[F], error) {
	bad := func(field string, v any, reason string) error {
		return &ConfigError{Field: field, Value: v, Reason: "dropout: " + reason}
	}
	f := func(field string, v, def float64) (float64, error) {
		switch {
		case v == 0:
			return def, nil
		case v == Off:
			return 0, nil
		case !(v > 0) || math.IsInf(v, 0):
			return 0, bad(field, v, "must be finite and ≥ 0 (blr.Off asks for an explicit zero)")
		}
		return v, nil
	}
	if len(params) == 0 {
		return nil, bad("params", 0, "length must be > 0")
	}
	if !(cfg.DataSize > 0) || math.IsInf(cfg.DataSize, 0) {
		return nil, bad("DataSize", cfg.DataSize, "required: the number of training examples N, finite and > 0")
	}
	lr, err := f("LR", cfg.LR, dropoutLR)
	if err != nil {
		return nil, err
	}
	if lr == 0 {
		return nil, bad("LR", cfg.LR, "must be > 0")
	}
	rho, err := f("Rate", cfg.Rate, 1)
	if err != nil {
		return nil, err
	}
	if !(rho > 0 && rho <= 1) {
		return nil, bad("Rate", cfg.Rate, "is the rule's ρ and must lie in (0, 1]")
	}
	p0, err := f("PriorPrecision", cfg.PriorPrecision, 0)
	if err != nil {
		return nil, err
	}
	if cfg.Group != nil && len(cfg.Group) != len(params) {
		return nil, bad("Group", len(cfg.Group), fmt.Sprintf("length must be len(params) = %d", len(params)))
	}
	for u, p := range cfg.P {
		if !(p >= 0 && p < 1) {
			return nil, bad(fmt.Sprintf("P[%d]", u), p, "must lie in [0, 1)")
		}
	}
	for j, u := range cfg.Group {
		if u < -1 || u >= len(cfg.P) {
			return nil, bad(fmt.Sprintf("Group[%d]", j), u, fmt.Sprintf("must be −1 or a unit in [0, %d)", len(cfg.P)))
		}
	}
	for j, v := range params {
		if !isFinite(float64(v)) {
			return nil, bad(fmt.Sprintf("params[%d]", j), float64(v), "not finite")
		}
	}
	d := &Dropout[F]{m: params, alpha: lr, rho: rho, n: cfg.DataSize, delta: p0 / cfg.DataSize,
		g: make([]F, len(params)), nm: make([]F, len(params))}
	if cfg.Group != nil {
		d.group = append([]int(nil), cfg.Group...)
		d.p = append([]float64(nil), cfg.P...)
	}
	return d, nil
}

// Name is "dropout".
func (d *Dropout[F]) Name() string { return "dropout" }

// Mean returns m, the caller's parameter slice (live).
func (d *Dropout[F]) Mean() []F { return d.m }

// DropProb is the drop probability of weight j (0 if never dropped).
func (d *Dropout[F]) DropProb(j int) float64 {
	if d.group == nil || d.group[j] < 0 {
		return 0
	}
	return d.p[d.group[j]]
}

// Variance writes the component variances σⱼ² = α(1−pⱼ)/(ρN) into dst
// (allocated if nil): the posterior that this run of dropout-SGD is the rule
// for.
func (d *Dropout[F]) Variance(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(d.m))
	}
	if len(dst) != len(d.m) {
		panic(ErrLength)
	}
	for j := range dst {
		dst[j] = d.alpha * (1 - d.DropProb(j)) / (d.rho * d.n)
	}
	return dst
}

// LR is α.
func (d *Dropout[F]) LR() float64 { return d.alpha }

// SetLR sets α for the next steps.
func (d *Dropout[F]) SetLR(lr float64) error {
	if !(lr > 0) || !isFinite(lr) {
		return &ConfigError{Field: "LR", Value: lr, Reason: "must be finite and > 0"}
	}
	d.alpha = lr
	return nil
}

// Steps is the number of steps taken.
func (d *Dropout[F]) Steps() int { return d.t }

// SetSteps restores the step count from a checkpoint.
func (d *Dropout[F]) SetSteps(t int) error {
	if t < 0 {
		return &ConfigError{Field: "steps", Value: t, Reason: "must be ≥ 0"}
	}
	d.t = t
	return nil
}

// Step takes one step m ← m − α(ĝ + (1−p)δ⊙m) with ĝ from o at m (the
// oracle's network draws the per-example masks), storing entries below
// 2⁻¹⁰⁰ in magnitude as zeros, as Diag does. On an oracle error or a non-finite gradient or
// result (*NonFiniteError) m is unchanged.
func (d *Dropout[F]) Step(o Oracle[F]) (DiagInfo, error) {
	loss, err := o.Eval(d.m, d.g, nil, CurvNone)
	if err != nil {
		return DiagInfo{}, err
	}
	a := F(d.alpha)
	for j, gj := range d.g {
		if !finite(gj) {
			return DiagInfo{}, &NonFiniteError{Field: "gradient", Index: j, Value: float64(gj)}
		}
		if d.delta != 0 {
			gj += F((1-d.DropProb(j))*d.delta) * d.m[j]
		}
		v := d.m[j] - a*gj
		if !finite(v) {
			return DiagInfo{}, &NonFiniteError{Field: "mean", Index: j, Value: float64(v)}
		}
		d.nm[j] = v
	}
	vec.FlushTiny(d.nm) // as Diag stores m
	copy(d.m, d.nm)
	d.t++
	return DiagInfo{Loss: loss, LR: d.alpha, Rate: d.rho}, nil
}

// Sample writes one network drawn from q at σ → 0 into dst (allocated if
// nil): w̃ⱼ = z_u mⱼ with one z_u ~ Bernoulli(1−p_u) per unit u, shared by
// the weights of that unit; weights never dropped are mⱼ. Averaging the
// predictions of such networks, evaluated without dropout layers, is MC
// dropout.
func (d *Dropout[F]) Sample(dst []F, rnd *rand.Rand) []F {
	dst = allocF(dst, len(d.m))
	copy(dst, d.m)
	if d.group == nil {
		return dst
	}
	key := rnd.Uint64()
	for j, u := range d.group {
		if u >= 0 && !(uniformAt(key, u) < 1-d.p[u]) {
			dst[j] = 0
		}
	}
	return dst
}
