package blr

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/internal/randn"
)

// Float is the element type of the diagonal engine: float32 to train
// networks, float64 for the exactness checks. The step's arithmetic is done
// in F, as torch does in the parameters' dtype.
type Float interface{ ~float32 | ~float64 }

// Normals fills dst with independent standard normal draws. The engine takes
// its noise from an explicit source at every step, so that a run is
// reproducible from its seed and two engines can share their samples.
type Normals[F Float] interface {
	Fill(dst []F)
}

// RandNormals is the plain Normals over a *rand.Rand (one NormFloat64 per
// entry). Training code should pass a faster generator.
type RandNormals[F Float] struct {
	Rand *rand.Rand
}

// Fill implements Normals.
func (r RandNormals[F]) Fill(dst []F) {
	for i := range dst {
		dst[i] = F(r.Rand.NormFloat64())
	}
}

// FastNormals is the fast Normals for training: each Fill writes the draws
// that package internal/randn gives for Key (xoshiro256++ streams and a
// ziggurat, bit-identical for every GOMAXPROCS) and then advances Key, so
// that a run resumes exactly from a checkpointed Key. Use a pointer:
// &FastNormals[float32]{Key: seed}.
type FastNormals[F Float] struct {
	Key uint64
}

// Fill implements Normals.
func (n *FastNormals[F]) Fill(dst []F) {
	randn.Fill(dst, n.Key)
	n.Key++
}

// CurvatureKind names the estimate ĥ of the diagonal of E_q[∇²ℓ_avg] that the
// engine averages into h (corrections.md, point 13). The first three are
// formed by the engine from the gradient; the others are asked of the
// Oracle, which writes them into its curv argument.
type CurvatureKind int

const (
	// CurvDefault is the zero value: the named constructor's own choice.
	CurvDefault CurvatureKind = iota
	// CurvNone keeps h fixed at HessInit (gradient descent).
	CurvNone
	// CurvSquaredMeanGrad is ĝ², the square of the minibatch-mean gradient,
	// averaged over the Monte Carlo samples (RMSprop, Adam, Vadam).
	CurvSquaredMeanGrad
	// CurvPrice is the Price/Stein reparameterisation ĥ = ĝ⊙(θ−m)/σ², an
	// unbiased estimate of E_q[diag ∇²ℓ_avg] from gradients alone (IVON).
	CurvPrice
	// CurvEmpiricalFisher is the minibatch mean of per-example squared
	// gradients with the data's labels, (1/M)Σᵢ(∇ℓᵢ)² (OGN and VOGN as
	// published; biased for the GGN, Kunstner et al. 2019). The oracle
	// supplies it.
	CurvEmpiricalFisher
	// CurvMCFisher is the same with labels drawn from the model, y ~ p(y|f),
	// an unbiased estimate of the GGN diagonal. The oracle supplies it.
	CurvMCFisher
	// CurvGGNDiag is the exact diagonal of the generalised Gauss-Newton
	// matrix. The oracle supplies it.
	CurvGGNDiag
	// CurvExactDiag is the exact diagonal of the Hessian. The oracle
	// supplies it.
	CurvExactDiag
	numCurvatureKinds
)

var curvatureNames = [...]string{"default", "none", "squared-mean-grad", "price", "empirical-fisher", "mc-fisher", "ggn-diag", "exact-diag"}

// String returns the kind's name as the command line spells it.
func (k CurvatureKind) String() string {
	if k >= 0 && k < numCurvatureKinds {
		return curvatureNames[k]
	}
	return fmt.Sprintf("CurvatureKind(%d)", int(k))
}

// ParseCurvature returns the kind a name (as String writes it) stands for.
func ParseCurvature(name string) (CurvatureKind, error) {
	for k, n := range curvatureNames {
		if n == name {
			return CurvatureKind(k), nil
		}
	}
	return 0, &ConfigError{Field: "Curvature", Value: name, Reason: "unknown; want one of none, squared-mean-grad, price, empirical-fisher, mc-fisher, ggn-diag, exact-diag"}
}

// OracleSupplied reports whether the Oracle writes this kind into curv.
func (k CurvatureKind) OracleSupplied() bool {
	return k == CurvEmpiricalFisher || k == CurvMCFisher || k == CurvGGNDiag || k == CurvExactDiag
}

// Oracle evaluates the model on the current minibatch. Eval writes into grad
// the gradient of the minibatch-mean loss ℓ_avg (the data term only: the
// engine adds the prior) at theta and returns ℓ_avg(theta). When
// kind.OracleSupplied(), curv is non-nil and Eval writes that curvature
// estimate of ℓ_avg into it; otherwise curv is nil. Eval must not keep or
// modify theta. With Monte Carlo samples the engine calls Eval several times
// in one step, and the minibatch must stay the same across those calls.
type Oracle[F Float] interface {
	Eval(theta, grad, curv []F, kind CurvatureKind) (loss float64, err error)
}

// OracleFunc adapts a function to the Oracle interface.
type OracleFunc[F Float] func(theta, grad, curv []F, kind CurvatureKind) (float64, error)

// Eval implements Oracle.
func (f OracleFunc[F]) Eval(theta, grad, curv []F, kind CurvatureKind) (float64, error) {
	return f(theta, grad, curv, kind)
}

// DecayMode says where the prior's pull δ⊙(m−m₀), δ = P₀/N, enters the step.
type DecayMode int

const (
	// DecayInStep is the rule's own form: it is added to the debiased
	// momentum in the numerator, and δ to the denominator (IVON, OGN, VOGN).
	DecayInStep DecayMode = iota
	// DecayInMomentum adds it to the gradient that enters the momentum only;
	// the curvature sees the undecayed gradient, and δ is in the denominator
	// (Vadam).
	DecayInMomentum
	// DecayInGradient adds it to the gradient before anything else, so it
	// enters both moments, and δ is not in the denominator (L2 weight decay
	// as torch's SGD, RMSprop and Adam apply it).
	DecayInGradient
	// DecayDecoupled shrinks the mean by αδ(m−m₀) before the step, apart
	// from the moments (torch's AdamW).
	DecayDecoupled
	numDecayModes
)

var decayNames = [...]string{"in-step", "in-momentum", "in-gradient", "decoupled"}

// String returns the mode's name.
func (d DecayMode) String() string {
	if d >= 0 && d < numDecayModes {
		return decayNames[d]
	}
	return fmt.Sprintf("DecayMode(%d)", int(d))
}

// DiagOptions is the engine's full configuration: every switch of the
// diagonal-Gaussian step, with no defaults (a zero is a zero). The named
// constructors (SGD, Adam, IVON, …) fill it from a Config; build one by hand
// only for a variant they do not name.
//
// With Sample = true, Curvature a kind other than CurvNone, LR = 1−Beta2,
// Beta1 = 0, Sqrt, DebiasMomentum, DebiasHessian and RescaleLR false, Eps =
// ClipRadius = 0, Decay = DecayInStep and Temperature = 1, one step is one
// step of the Bayesian learning rule on q = N(m, diag(N(h+δ))⁻¹) with ρ =
// 1−Beta2 (with PositivityPreserving, of its improved form iBLR); with
// Sample = false it is the delta-method rule. Every other setting is a
// heuristic on top of the rule.
type DiagOptions struct {
	// DataSize is N, the number of examples the minibatch-mean loss stands
	// for: the posterior precision is N(h+δ). Required (> 0) when Sample is
	// set or PriorPrecision > 0.
	DataSize float64
	// PriorPrecision is P₀ ≥ 0 of the prior N(0, P₀⁻¹) on every weight, on
	// the scale of the summed loss; the weight decay is δ = P₀/N. SetPrior
	// replaces it with per-weight vectors.
	PriorPrecision float64
	// LR is the step size α > 0 of the mean. SetLR changes it between steps.
	LR float64
	// Beta1 ∈ [0, 1) is the momentum: ḡ ← β₁ḡ + (1−β₁)ĝ. No momentum vector
	// is kept when it is 0.
	Beta1 float64
	// Beta2 ∈ [0, 1) weights the curvature average h ← β₂h + (1−β₂)ĥ: the
	// rule's ρ is 1−β₂.
	Beta2 float64
	// HessInit is h₀ ≥ 0, the initial h (the fixed h under CurvNone).
	HessInit float64
	// Curvature is the estimate ĥ; CurvDefault is not allowed here.
	Curvature CurvatureKind
	// Sample draws θ = m + σ⊙ε, σ² = τ/(N(h+δ)), at every step; otherwise
	// θ = m (the delta method).
	Sample bool
	// Samples is the number K ≥ 1 of Monte Carlo samples per step (> 1 only
	// with Sample); ĝ and ĥ are their averages.
	Samples int
	// Temperature τ > 0 scales the posterior variance (τ = 1 is the
	// posterior; τ < 1 a cold one).
	Temperature float64
	// Sqrt uses φ(h) = √h in the denominator (Adam-like); otherwise φ(h) = h
	// (Newton-like).
	Sqrt bool
	// DebiasMomentum divides ḡ by 1−β₁ᵗ.
	DebiasMomentum bool
	// DebiasHessian divides h by 1−β₂ᵗ inside φ.
	DebiasHessian bool
	// Eps is c ≥ 0, added to the denominator outside φ.
	Eps float64
	// Decay says where the prior's pull enters.
	Decay DecayMode
	// PositivityPreserving adds the iBLR term ½(1−β₂)²(h−ĥ)²/(h+δ) to the
	// curvature update, which keeps h+δ > 0 for any ĥ.
	PositivityPreserving bool
	// ClipRadius > 0 clips every entry of the preconditioned step to
	// ±ClipRadius before it is scaled by α; 0 (or +Inf) does not clip.
	ClipRadius float64
	// RescaleLR multiplies α by h₀+δ (IVON), so that the first steps are
	// like SGD with step α whatever h₀ is; δ is PriorPrecision/DataSize at
	// construction (SetPrior does not change the factor).
	RescaleLR bool
	// Steps is the planned number of steps T, used only to warn when h
	// cannot move far from h₀ in the run (see HessianWarning); 0 if unknown.
	Steps int
	// Warn receives the construction warnings, if not nil.
	Warn io.Writer
}

// DiagInfo reports on one step of the engine.
type DiagInfo struct {
	Loss float64 // the oracle's loss, averaged over the samples
	LR   float64 // the step size α_t used, after rescaling
	Rate float64 // the rule's ρ = 1−β₂ (0 when h is fixed)
}

// Diag is the diagonal-Gaussian engine of the Bayesian learning rule
// (blr-reference §1.1): q = N(m, diag(N(h+δ)/τ)⁻¹) over the weights. One Step
//
//	θ = m                        (delta method)    or θ = m + σ⊙ε, σ² = τ/(N(h+δ))
//	ĝ = ∇ℓ_avg(θ),  ĥ by Curvature                  (averaged over K samples)
//	h ← β₂h + (1−β₂)ĥ  [+ ½(1−β₂)²(h−ĥ)²/(h+δ)]     (iBLR, overflow-safe form)
//	ḡ ← β₁ḡ + (1−β₁)ĝ
//	m ← m − α (ḡ/(1−β₁ᵗ) + δ⊙(m−m₀)) / (φ(h/b₂) + δ + c)
//
// with the switches of DiagOptions (where the decay goes, φ = id or √, b₂ =
// 1−β₂ᵗ or 1, clipping). The mean step uses the new h.
//
// Memory. State: m (the caller's parameter slice, updated in place), h
// (unless CurvNone), ḡ (only when β₁ > 0), and, after SetPrior, the prior
// mean and δ vectors. Scratch: ĝ; θ when sampling; ĥ (or, for Price, (θ−m)/σ²)
// when the oracle supplies it, with Price, or with K > 1; one more gradient
// and curvature vector when K > 1; and, only where none of those can be
// reused for them, the new h and m before the commit. With K = 1, IVON, VOGN
// and Vadam hold 3 state and 3 scratch vectors, Adam 3 and 3, OGN and
// RMSprop 2 and 2, SGD 1 and 1 (2 and 2 with momentum). A step allocates
// nothing.
//
// Steps are transactional: a step computes the new m, h and ḡ into scratch,
// checking that ĝ, ĥ and every result are finite and the precision and
// denominator positive, and copies them into the state only when all pass.
// On any error m, h, ḡ and the step count are unchanged. A Diag is not safe
// for concurrent use.
type Diag[F Float] struct {
	opt  DiagOptions
	name string

	m, h, gbar []F
	m0, delta  []F // per-weight prior mean and δ after SetPrior; nil: 0 and delta0
	delta0     float64
	t          int
	lr         float64
	lrScale    float64
	warning    string

	theta, g, hh, gk, ck []F
	nm, nh, ng           []F // the new m, h, ḡ before the commit (aliases where possible)
}

// NewDiag returns the engine over params, which it uses as the mean m and
// updates in place (params are the network's weights). Every option is
// validated; an invalid one gives a *ConfigError naming it and its value.
func NewDiag[F Float](params []F, opt DiagOptions) (*Diag[F], error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if len(params) == 0 {
		return nil, &ConfigError{Field: "params", Value: 0, Reason: "length must be > 0"}
	}
	for j, v := range params {
		if !isFinite(float64(v)) {
			return nil, &ConfigError{Field: fmt.Sprintf("params[%d]", j), Value: float64(v), Reason: "not finite"}
		}
	}
	d := &Diag[F]{opt: opt, name: "diag", m: params, lr: opt.LR, lrScale: 1}
	if opt.PriorPrecision > 0 {
		d.delta0 = opt.PriorPrecision / opt.DataSize
	}
	if opt.RescaleLR {
		d.lrScale = opt.HessInit + d.delta0
	}
	n := len(params)
	if opt.Curvature != CurvNone {
		d.h = make([]F, n)
		for j := range d.h {
			d.h[j] = F(opt.HessInit)
		}
	}
	if opt.Beta1 > 0 {
		d.gbar = make([]F, n)
	}
	d.g = make([]F, n)
	if opt.Sample {
		d.theta = make([]F, n)
	}
	k := opt.Curvature
	if k.OracleSupplied() || k == CurvPrice || (k == CurvSquaredMeanGrad && opt.Samples > 1) {
		d.hh = make([]F, n)
	}
	if opt.Samples > 1 {
		d.gk = make([]F, n)
		if k.OracleSupplied() || k == CurvPrice {
			d.ck = make([]F, n)
		}
	}
	// The new values go to scratch that the step no longer needs where
	// there is some: ḡ′ over ĝ, h′ over ĥ, m′ over θ (or over ĝ without
	// momentum).
	if d.gbar != nil {
		d.ng = d.g
	}
	if d.h != nil {
		d.nh = d.hh
		if d.nh == nil {
			d.nh = make([]F, n)
		}
	}
	switch {
	case d.theta != nil:
		d.nm = d.theta
	case d.gbar == nil:
		d.nm = d.g
	default:
		d.nm = make([]F, n)
	}
	if opt.Curvature != CurvNone && !opt.DebiasHessian {
		d.warning = HessianWarning(opt.Beta2, opt.Steps)
	}
	if d.warning != "" && opt.Warn != nil {
		fmt.Fprintln(opt.Warn, d.warning)
	}
	return d, nil
}

func (o *DiagOptions) validate() error {
	bad := func(field string, v any, reason string) error {
		return &ConfigError{Field: field, Value: v, Reason: reason}
	}
	switch {
	case !(o.DataSize >= 0) || !isFinite(o.DataSize):
		return bad("DataSize", o.DataSize, "must be finite and ≥ 0")
	case !(o.PriorPrecision >= 0) || !isFinite(o.PriorPrecision):
		return bad("PriorPrecision", o.PriorPrecision, "must be finite and ≥ 0 (the prior precision on the summed loss)")
	case o.DataSize == 0 && o.Sample:
		return bad("DataSize", o.DataSize, "must be > 0 to sample: the posterior precision is DataSize·(h+δ)")
	case o.DataSize == 0 && o.PriorPrecision > 0:
		return bad("DataSize", o.DataSize, fmt.Sprintf("must be > 0 with PriorPrecision = %g: the weight decay is PriorPrecision/DataSize", o.PriorPrecision))
	case !(o.LR > 0) || !isFinite(o.LR):
		return bad("LR", o.LR, "must be finite and > 0")
	case !(o.Beta1 >= 0 && o.Beta1 < 1):
		return bad("Beta1", o.Beta1, "must lie in [0, 1)")
	case !(o.Beta2 >= 0 && o.Beta2 < 1):
		return bad("Beta2", o.Beta2, "must lie in [0, 1)")
	case !(o.HessInit >= 0) || !isFinite(o.HessInit):
		return bad("HessInit", o.HessInit, "must be finite and ≥ 0")
	case o.Curvature <= CurvDefault || o.Curvature >= numCurvatureKinds:
		return bad("Curvature", o.Curvature, "must be an explicit kind (none, squared-mean-grad, price, empirical-fisher, mc-fisher, ggn-diag, exact-diag)")
	case o.Samples < 1:
		return bad("Samples", o.Samples, "must be ≥ 1")
	case o.Samples > 1 && !o.Sample:
		return bad("Samples", o.Samples, "must be 1 without Sample: the delta method evaluates one point")
	case o.Curvature == CurvPrice && !o.Sample:
		return bad("Curvature", o.Curvature, "needs Sample: the Price estimate reads θ−m")
	case !(o.Temperature > 0) || !isFinite(o.Temperature):
		return bad("Temperature", o.Temperature, "must be finite and > 0")
	case !(o.Eps >= 0) || !isFinite(o.Eps):
		return bad("Eps", o.Eps, "must be finite and ≥ 0")
	case o.Decay < 0 || o.Decay >= numDecayModes:
		return bad("Decay", o.Decay, "unknown decay mode")
	case !(o.ClipRadius >= 0):
		return bad("ClipRadius", o.ClipRadius, "must be ≥ 0 (0 or +Inf: no clipping)")
	case o.Steps < 0:
		return bad("Steps", o.Steps, "must be ≥ 0 (0: unknown)")
	case o.Curvature == CurvNone && (o.PositivityPreserving || o.DebiasHessian):
		return bad("Curvature", o.Curvature, "h is fixed, so PositivityPreserving and DebiasHessian do not apply")
	}
	delta := 0.0
	if o.PriorPrecision > 0 {
		delta = o.PriorPrecision / o.DataSize
	}
	if o.Sample && !(o.HessInit+delta > 0) {
		return bad("HessInit", o.HessInit, fmt.Sprintf("HessInit + δ = %g must be > 0 to sample (σ² = τ/(N(h+δ)))", o.HessInit+delta))
	}
	return nil
}

// isFinite reports whether x is neither NaN nor ±Inf.
func isFinite(x float64) bool { return x-x == 0 }

// Name is the optimizer's name ("ivon", "adam", …; "diag" from NewDiag).
func (d *Diag[F]) Name() string { return d.name }

// Options returns the engine's configuration.
func (d *Diag[F]) Options() DiagOptions { return d.opt }

// Warning is the construction warning ("" if none): set when h cannot move
// far from h₀ in the planned number of steps.
func (d *Diag[F]) Warning() string { return d.warning }

// Dim is the number of weights.
func (d *Diag[F]) Dim() int { return len(d.m) }

// Mean returns m, the caller's parameter slice (live: the engine writes it).
func (d *Diag[F]) Mean() []F { return d.m }

// Hessian returns h (live, for checkpoints; nil under CurvNone). The
// posterior precision is N(h+δ)/τ; see Precision.
func (d *Diag[F]) Hessian() []F { return d.h }

// Momentum returns ḡ (live, for checkpoints; nil when β₁ = 0).
func (d *Diag[F]) Momentum() []F { return d.gbar }

// Steps is the number of steps taken, t (it drives the debiasing).
func (d *Diag[F]) Steps() int { return d.t }

// SetSteps restores the step count from a checkpoint.
func (d *Diag[F]) SetSteps(t int) error {
	if t < 0 {
		return &ConfigError{Field: "steps", Value: t, Reason: "must be ≥ 0"}
	}
	d.t = t
	return nil
}

// LR is the base step size α (before RescaleLR).
func (d *Diag[F]) LR() float64 { return d.lr }

// SetLR sets the base step size α for the next steps (a schedule calls it
// once per step).
func (d *Diag[F]) SetLR(lr float64) error {
	if !(lr > 0) || !isFinite(lr) {
		return &ConfigError{Field: "LR", Value: lr, Reason: "must be finite and > 0"}
	}
	d.lr = lr
	return nil
}

func (d *Diag[F]) deltaAt(j int) float64 {
	if d.delta != nil {
		return float64(d.delta[j])
	}
	return d.delta0
}

func (d *Diag[F]) meanAt(j int) float64 {
	if d.m0 != nil {
		return float64(d.m0[j])
	}
	return 0
}

func (d *Diag[F]) hAt(j int) float64 {
	if d.h != nil {
		return float64(d.h[j])
	}
	return d.opt.HessInit
}

// precisionAt is N(h_j+δ_j)/τ.
func (d *Diag[F]) precisionAt(j int) float64 {
	return d.opt.DataSize * (d.hAt(j) + d.deltaAt(j)) / d.opt.Temperature
}

// Precision writes the posterior precision N(h+δ)/τ into dst (allocated if
// nil) and returns it; its mean is Mean.
func (d *Diag[F]) Precision(dst []F) []F {
	dst = allocF(dst, len(d.m))
	for j := range dst {
		dst[j] = F(d.precisionAt(j))
	}
	return dst
}

// Sample writes one draw θ = m + ε/√(N(h+δ)/τ) of the posterior into dst
// (allocated if nil), with ε from rnd, for Bayesian model averaging.
func (d *Diag[F]) Sample(dst []F, rnd Normals[F]) []F {
	dst = allocF(dst, len(d.m))
	rnd.Fill(dst)
	for j, e := range dst {
		dst[j] = F(float64(d.m[j]) + float64(e)/math.Sqrt(d.precisionAt(j)))
	}
	return dst
}

func allocF[F Float](dst []F, n int) []F {
	if dst == nil {
		return make([]F, n)
	}
	if len(dst) != n {
		panic(ErrLength)
	}
	return dst
}

// SetPrior sets a per-weight prior N(mean, diag(precision)⁻¹), the precision
// on the summed-loss scale (so δ_j = precision_j/N): continual learning
// passes the last task's posterior (Mean and Precision) as the next task's
// prior. A nil mean is zero; a nil precision keeps the scalar PriorPrecision.
// The slices are copied. Invalid values give a *ConfigError and leave the
// prior unchanged.
func (d *Diag[F]) SetPrior(mean, precision []F) error {
	n := len(d.m)
	if mean != nil && len(mean) != n {
		return &ConfigError{Field: "prior mean", Value: len(mean), Reason: fmt.Sprintf("length must be %d", n)}
	}
	if precision != nil && len(precision) != n {
		return &ConfigError{Field: "prior precision", Value: len(precision), Reason: fmt.Sprintf("length must be %d", n)}
	}
	for j, v := range mean {
		if !isFinite(float64(v)) {
			return &ConfigError{Field: fmt.Sprintf("prior mean[%d]", j), Value: float64(v), Reason: "not finite"}
		}
	}
	for j, v := range precision {
		p := float64(v)
		if !(p >= 0) || !isFinite(p) {
			return &ConfigError{Field: fmt.Sprintf("prior precision[%d]", j), Value: p, Reason: "must be finite and ≥ 0"}
		}
		if p > 0 && d.opt.DataSize == 0 {
			return &ConfigError{Field: "DataSize", Value: 0.0, Reason: "must be > 0 for a prior precision: δ = precision/DataSize"}
		}
		if d.opt.Sample && !(d.hAt(j)+p/d.opt.DataSize > 0) {
			return &ConfigError{Field: fmt.Sprintf("prior precision[%d]", j), Value: p, Reason: fmt.Sprintf("h+δ = %g must stay > 0", d.hAt(j)+p/d.opt.DataSize)}
		}
	}
	if mean != nil {
		d.m0 = append(d.m0[:0], mean...)
	} else {
		d.m0 = nil
	}
	if precision != nil {
		if d.delta == nil {
			d.delta = make([]F, n)
		}
		for j, v := range precision {
			d.delta[j] = F(float64(v) / d.opt.DataSize)
			if v == 0 {
				d.delta[j] = 0
			}
		}
	} else {
		d.delta = nil
	}
	return nil
}

// Step takes one step with the gradient (and curvature) from o; rnd gives
// the noise and may be nil for the delta method. On an error from o, a
// non-finite ĝ, ĥ or result (*NonFiniteError, wrapping ErrNonFinite) or a
// non-positive precision or denominator (*expfam.DomainError, wrapping
// expfam.ErrDomain) the state is unchanged.
func (d *Diag[F]) Step(o Oracle[F], rnd Normals[F]) (DiagInfo, error) {
	opt := &d.opt
	var loss float64
	if !opt.Sample {
		var curv []F
		if opt.Curvature.OracleSupplied() {
			curv = d.hh
		}
		l, err := o.Eval(d.m, d.g, curv, opt.Curvature)
		if err != nil {
			return DiagInfo{}, err
		}
		loss = l
	} else {
		if rnd == nil {
			return DiagInfo{}, &ConfigError{Field: "rnd", Value: nil, Reason: "sampling needs a Normals source"}
		}
		var err error
		if loss, err = d.sample(o, rnd); err != nil {
			return DiagInfo{}, err
		}
	}
	sc := d.consts()
	if err := d.update(&sc); err != nil {
		return DiagInfo{}, err
	}
	// Commit.
	copy(d.m, d.nm)
	if d.h != nil {
		copy(d.h, d.nh)
	}
	if d.gbar != nil {
		copy(d.gbar, d.ng)
	}
	d.t++
	return DiagInfo{Loss: loss, LR: sc.alpha, Rate: sc.rho}, nil
}

// draw fills eps with ε and writes θ = m + ε/r into d.theta, r = √(N(h+δ)/τ)
// the inverse standard deviation; when u is not nil it also writes u = ε·r
// (= (θ−m)/σ², what the Price estimate multiplies ĝ by). eps may be
// d.theta or u.
func (d *Diag[F]) draw(rnd Normals[F], eps, u []F) error {
	rnd.Fill(eps)
	nt := F(d.opt.DataSize / d.opt.Temperature)
	h, dv, m, theta := d.h, d.delta, d.m, d.theta
	h0, delta0 := F(d.opt.HessInit), F(d.delta0)
	for j, e := range eps {
		hj := h0
		if h != nil {
			hj = h[j]
		}
		dj := delta0
		if dv != nil {
			dj = dv[j]
		}
		p := nt * (hj + dj)
		if !(p > 0) || !finite(p) {
			return &expfam.DomainError{Family: "Diag", Field: fmt.Sprintf("precision N(h+δ)/τ [%d]", j), Value: float64(p), Reason: "must be finite and > 0 to sample"}
		}
		r := F(math.Sqrt(float64(p)))
		theta[j] = m[j] + e/r
		if u != nil {
			u[j] = e * r
		}
	}
	return nil
}

// finite reports whether x is neither NaN nor ±Inf.
func finite[F Float](x F) bool { return x-x == 0 }

// sample runs the K Monte Carlo evaluations. With K = 1 it leaves ĝ in d.g
// and, for Price, u = (θ−m)/σ² in d.hh (update forms ĥ = ĝ⊙u), for an
// oracle-supplied kind ĥ in d.hh; with K > 1 it leaves the sums of ĝ and ĥ.
// With SquaredMeanGrad and K = 1, update forms ĥ = ĝ².
func (d *Diag[F]) sample(o Oracle[F], rnd Normals[F]) (float64, error) {
	opt := &d.opt
	kind := opt.Curvature
	price, supplied := kind == CurvPrice, kind.OracleSupplied()
	if opt.Samples == 1 {
		var err error
		if price {
			err = d.draw(rnd, d.hh, d.hh)
		} else {
			err = d.draw(rnd, d.theta, nil)
		}
		if err != nil {
			return 0, err
		}
		var curv []F
		if supplied {
			curv = d.hh
		}
		return o.Eval(d.theta, d.g, curv, kind)
	}
	clear(d.g)
	if d.hh != nil {
		clear(d.hh)
	}
	var loss float64
	for range opt.Samples {
		var err error
		if price {
			err = d.draw(rnd, d.ck, d.ck)
		} else {
			err = d.draw(rnd, d.theta, nil)
		}
		if err != nil {
			return 0, err
		}
		var curv []F
		if supplied {
			curv = d.ck
		}
		l, err := o.Eval(d.theta, d.gk, curv, kind)
		if err != nil {
			return 0, err
		}
		loss += l
		switch {
		case price:
			for j, u := range d.ck {
				d.hh[j] += d.gk[j] * u
			}
		case supplied:
			for j, c := range d.ck {
				d.hh[j] += c
			}
		case kind == CurvSquaredMeanGrad:
			for j, v := range d.gk {
				gj := float64(v)
				if opt.Decay == DecayInGradient {
					gj += d.deltaAt(j) * (float64(d.m[j]) - d.meanAt(j))
				}
				d.hh[j] += F(gj * gj)
			}
		}
		for j, v := range d.gk {
			d.g[j] += v
		}
	}
	return loss / float64(opt.Samples), nil
}

type stepConsts struct {
	alpha, rho, beta1, beta2, invB1, invB2, invK, clip float64
}

func (d *Diag[F]) consts() stepConsts {
	o := &d.opt
	t := float64(d.t + 1)
	sc := stepConsts{alpha: d.lr * d.lrScale, beta1: o.Beta1, beta2: o.Beta2, invB1: 1, invB2: 1, invK: 1 / float64(o.Samples), clip: o.ClipRadius}
	if o.Curvature != CurvNone {
		sc.rho = 1 - o.Beta2
	}
	if o.DebiasMomentum {
		sc.invB1 = 1 / (1 - math.Pow(o.Beta1, t))
	}
	if o.DebiasHessian {
		sc.invB2 = 1 / (1 - math.Pow(o.Beta2, t))
	}
	if sc.clip == 0 {
		sc.clip = math.Inf(1)
	}
	return sc
}

// update computes the new m, h and ḡ into the scratch d.nm, d.nh and d.ng
// (which may alias θ, ĥ and ĝ: each loop reads entry j of its inputs before
// it writes entry j of its output), one small loop per equation, checking
// every value; Step commits them only when all pass.
func (d *Diag[F]) update(sc *stepConsts) error {
	if err := d.gradient(F(sc.invK)); err != nil {
		return err
	}
	if d.h != nil {
		if err := d.curvature(sc); err != nil {
			return err
		}
	}
	if d.gbar != nil {
		if err := d.momentum(F(sc.beta1)); err != nil {
			return err
		}
	}
	return d.mean(sc)
}

// decay is δ_j(m_j − m₀_j), the prior's pull on the mean-loss scale.
func (d *Diag[F]) decay(j int) F {
	dj := F(d.delta0)
	if d.delta != nil {
		dj = d.delta[j]
	}
	if d.m0 != nil {
		return dj * (d.m[j] - d.m0[j])
	}
	return dj * d.m[j]
}

// gradient turns the sums in d.g into ĝ (the mean over samples; plus the
// decay under DecayInGradient), and for Price with K = 1 forms ĥ = ĝ⊙u in
// d.hh from the undecayed ĝ.
func (d *Diag[F]) gradient(invK F) error {
	g, hh := d.g, d.hh
	priceK1 := d.opt.Curvature == CurvPrice && d.opt.Samples == 1
	inGrad := d.opt.Decay == DecayInGradient
	for j, v := range g {
		gj := v * invK
		if !finite(gj) {
			return &NonFiniteError{Field: "gradient", Index: j, Value: float64(gj)}
		}
		if priceK1 {
			hh[j] *= gj // ĝ⊙(θ−m)/σ²
		}
		if inGrad {
			gj += d.decay(j)
		}
		g[j] = gj
	}
	return nil
}

// curvature writes h′ = β₂h + (1−β₂)ĥ, or its iBLR form, into d.nh.
func (d *Diag[F]) curvature(sc *stepConsts) error {
	o := &d.opt
	h, hh, nh, g, dv := d.h, d.hh, d.nh, d.g, d.delta
	squareK1 := o.Curvature == CurvSquaredMeanGrad && o.Samples == 1
	invK := F(sc.invK)
	if o.Curvature == CurvPrice && o.Samples == 1 {
		invK = 1 // gradient formed ĥ already
	}
	rho, beta2, delta0 := F(sc.rho), F(sc.beta2), F(d.delta0)
	pp, sample := o.PositivityPreserving, o.Sample
	for j, hj := range h {
		var hhat F
		if squareK1 {
			hhat = g[j] * g[j]
		} else {
			hhat = hh[j] * invK
		}
		if !finite(hhat) {
			return &NonFiniteError{Field: "curvature", Index: j, Value: float64(hhat)}
		}
		dj := delta0
		if dv != nil {
			dj = dv[j]
		}
		var hn F
		if pp {
			// s′ = s(1+(1+r)²)/2 with s = h+δ, r = ρ(ĥ−h)/s, evaluated as
			// ½s + ½(s+ρĜ)(1+r) so that nothing overflows before s′ does.
			s := hj + dj
			x := rho * (hhat - hj)
			hn = 0.5*s + 0.5*((s+x)*(1+x/s)) - dj
		} else {
			hn = beta2*hj + rho*hhat
		}
		if !finite(hn) {
			return &NonFiniteError{Field: "hessian", Index: j, Value: float64(hn)}
		}
		if sample && !(hn+dj > 0) {
			return &expfam.DomainError{Family: "Diag", Field: fmt.Sprintf("h+δ [%d]", j), Value: float64(hn + dj), Reason: "the posterior precision N(h+δ) must stay > 0; use a non-negative curvature or PositivityPreserving"}
		}
		nh[j] = hn
	}
	return nil
}

// momentum writes ḡ′ = β₁ḡ + (1−β₁)ĝ (with the decay under DecayInMomentum)
// into d.ng.
func (d *Diag[F]) momentum(beta1 F) error {
	gbar, g, ng := d.gbar, d.g, d.ng
	inMom := d.opt.Decay == DecayInMomentum
	for j, gb := range gbar {
		gm := g[j]
		if inMom {
			gm += d.decay(j)
		}
		gb = beta1*gb + (1-beta1)*gm
		if !finite(gb) {
			return &NonFiniteError{Field: "momentum", Index: j, Value: float64(gb)}
		}
		ng[j] = gb
	}
	return nil
}

// mean writes m′ = m − α·clip((ḡ′/(1−β₁ᵗ) [+ δ(m−m₀)]) / (φ(h′/b₂) [+ δ] + c))
// into d.nm, first shrinking m by αδ(m−m₀) under DecayDecoupled.
func (d *Diag[F]) mean(sc *stepConsts) error {
	o := &d.opt
	m, nm, nh, dv := d.m, d.nm, d.nh, d.delta
	gs := d.ng // ḡ′, or ĝ without momentum
	if gs == nil {
		gs = d.g
	}
	decay, sqrt := o.Decay, o.Sqrt
	alpha, invB1, invB2, clip := F(sc.alpha), F(sc.invB1), F(sc.invB2), F(sc.clip)
	eps, h0, delta0 := F(o.Eps), F(o.HessInit), F(d.delta0)
	withDelta := decay == DecayInStep || decay == DecayInMomentum
	for j, mj := range m {
		num := gs[j] * invB1
		hv := h0
		if nh != nil {
			hv = nh[j]
		}
		hv *= invB2
		if sqrt {
			hv = F(math.Sqrt(float64(hv)))
		}
		den := hv + eps
		if withDelta {
			dj := delta0
			if dv != nil {
				dj = dv[j]
			}
			den += dj
		}
		if decay == DecayInStep {
			num += d.decay(j)
		}
		if !(den > 0) {
			return &expfam.DomainError{Family: "Diag", Field: fmt.Sprintf("denominator φ(h)+δ+c [%d]", j), Value: float64(den), Reason: "must be > 0"}
		}
		dir := num / den
		if dir > clip {
			dir = clip
		} else if dir < -clip {
			dir = -clip
		}
		mn := mj
		if decay == DecayDecoupled {
			mn -= alpha * d.decay(j)
		}
		mn -= alpha * dir
		if !finite(mn) {
			return &NonFiniteError{Field: "mean", Index: j, Value: float64(mn)}
		}
		nm[j] = mn
	}
	return nil
}

// Beta2For returns a curvature-average weight β₂ for a run of the given
// number of steps T: β₂ = 1 − 10/T, kept within [0.9, 0.99999], so that
// (1−β₂)·T ≥ 5 and h forgets h₀ (h₀'s weight after T steps is β₂ᵀ ≈ e^−10)
// whenever T ≥ 50. With T unknown (≤ 0) it returns 0.999, which learns within
// about 5000 steps.
//
// TODO(validated): the factor 10 and the fallback 0.999 await the
// validation-split sweep.
func Beta2For(steps int) float64 {
	const (
		factor   = 10    // TODO(validated)
		fallback = 0.999 // TODO(validated)
	)
	if steps <= 0 {
		return fallback
	}
	return math.Min(0.99999, math.Max(0.9, 1-factor/float64(steps)))
}

// HessianWarning returns a warning when an undebiased curvature average with
// weight β₂ cannot learn in a run of T steps: after T steps h₀ still weighs
// β₂ᵀ, and the rule (1−β₂)·T ≥ 5 keeps that below e⁻⁵ ≈ 0.7%. The public IVON
// with β₂ = 0.99999 over 10 MNIST epochs (T = 4690) moves h only 4.6% of the
// way from h₀ (corrections.md, point 16). It returns "" when the run can
// learn or T is unknown (≤ 0).
func HessianWarning(beta2 float64, steps int) string {
	if steps <= 0 || (1-beta2)*float64(steps) >= 5 {
		return ""
	}
	moved := 1 - math.Pow(beta2, float64(steps))
	return fmt.Sprintf("blr: Beta2 = %g with Steps = %d gives (1−β₂)·T = %.3g < 5: the Hessian estimate moves only %.1f%% of the way from HessInit, so the posterior cannot learn; use Beta2 ≤ %.6g (blr.Beta2For(%d) = %.6g)",
		beta2, steps, (1-beta2)*float64(steps), 100*moved, 1-5/float64(steps), steps, Beta2For(steps))
}
