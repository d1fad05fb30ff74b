package blr

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"

	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/internal/pool"
	"github.com/bayesrule/blr/internal/randn"
	"github.com/bayesrule/blr/internal/vec"
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
	// DecayInMomentum adds it to the gradient that enters the momentum only
	// (with β₁ = 0, no momentum, the step's gradient is then ĝ + δ(m−m₀));
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
	// posterior; τ < 1 a cold one). With Sample, the initial precision
	// N(h₀+δ)/τ and its reciprocal must be finite and positive in the
	// engine's float type F (a *ConfigError from NewDiag otherwise).
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
	// construction (SetPrior does not change the factor). Those steps pull
	// m towards the prior by α·δ of the way, and diverge once α·δ > 2 (a
	// strong prior on a small data set), so α is capped at 1/δ; with the
	// usual priors (α·δ ≪ 1) the cap changes nothing.
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
// 1−β₂ᵗ or 1, clipping). The mean step uses the new h. New entries of m, h
// and ḡ of magnitude below 2⁻¹⁰⁰ ≈ 7.9e-31 in float32 (2⁻⁹⁹⁶ in float64) are
// stored as zeros, so that no product of them with a step size or a decay
// is subnormal: operations on subnormal numbers are slow on x86, and such
// values are zero for any purpose.
//
// Memory. State: m (the caller's parameter slice, updated in place), h
// (unless CurvNone), ḡ (only when β₁ > 0), and, after SetPrior, the prior
// mean and δ vectors. Scratch: ĝ; θ when sampling; ĥ (or, for Price, (θ−m)/σ²)
// when the oracle supplies it, with Price, or with K > 1; one more gradient
// and curvature vector when K > 1; and, only where none of those can be
// reused for them, the old h and m kept for an undo. When sampling with a
// *FastNormals on GOMAXPROCS > 1 and at least 32768 weights, one more: the
// next draw's normals, which the helper goroutines make while the oracle
// runs (see Step). With K = 1, IVON, VOGN and Vadam hold 3 state and 3
// scratch vectors (4 with that background draw), Adam 3 and 3, OGN and
// RMSprop 2 and 2, SGD 1 and 1 (2 and 2 with momentum). After the first
// steps a step allocates nothing.
//
// Steps are transactional: a step writes the new m, h and ḡ in place in one
// pass, keeping the old values in scratch, checking that ĝ, ĥ and every
// result are finite and the precision and denominator positive, and puts the
// old values back when any check fails. On any error m, h, ḡ and the step
// count are unchanged. Over long vectors two goroutines share the passes,
// in chunks fixed by the length alone, which gives the same bits for every
// GOMAXPROCS. A Diag is not safe for concurrent use.
type Diag[F Float] struct {
	opt  DiagOptions
	name string

	m, h, gbar []F
	m0, delta  []F // per-weight prior mean and δ after SetPrior; nil: 0 and delta0
	delta0     float64
	t          int
	lr         float64
	lrScale    float64
	lrCap      float64 // the largest α RescaleLR allows: 1/δ (+Inf without it)
	warning    string

	theta, g, hh, gk, ck []F
	sm, sh, sg           []F // the old m, h, ḡ kept for an undo (aliases of scratch where possible)

	// The passes (see run).
	pass      pass[F]          // the pass runChunk runs
	fails     []stepFails      // each chunk's first failures in the update pass
	drawFails []drawFail[F]    // each chunk's first failure in the draw
	blocks    *[2]blockBufs[F] // the caller's and the helper's buffers for updateRange
	seq       uint32           // the number of the pass offered to a helper
	claim     atomic.Uint64    // seq<<32 | the next chunk to take
	finished  atomic.Int64     // the number of chunks done
	done      chan struct{}    // a helper's signal that it finished the last chunk
	task      *pool.Task       // the pass offered to the helpers (help)
	helped    atomic.Uint32    // the last pass a helper joined

	pre prefetch[F] // the next draw's ε, made in the background (see draw)
}

// prefetch holds the normals that a *FastNormals will give for Key, made by
// the helper goroutines while the oracle runs: randn.Fill's output depends
// on the key and the length only, so the draw can take them in place of a
// Fill with that key, bit for bit.
type prefetch[F Float] struct {
	buf    []F
	key    uint64
	fill   randn.Filler[F] // the fill of buf with the normals of key
	job    *pool.Job       // fill as the helpers' background job
	active bool            // fill has been started and not yet taken
}

// NewDiag returns the engine over params, which it uses as the mean m and
// updates in place (params are the network's weights). Every option is
// validated; an invalid one gives a *ConfigError naming it and its value.
func NewDiag[F Float](params []F, opt DiagOptions) (*Diag[F], error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if err := checkInitialPrecision[F](&opt); err != nil {
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
	d := &Diag[F]{opt: opt, name: "diag", m: params, lr: opt.LR, lrScale: 1, lrCap: math.Inf(1)}
	d.task = pool.NewTask(d.help)
	d.delta0 = opt.delta()
	if opt.RescaleLR {
		d.lrScale = opt.HessInit + d.delta0
		if d.delta0 > 0 {
			d.lrCap = 1 / d.delta0
		}
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
	// The old values go to scratch that the update pass has read where
	// there is some: ḡ over ĝ, h over ĥ, m over θ (or over ĝ without
	// momentum).
	if d.gbar != nil {
		d.sg = d.g
	}
	if d.h != nil {
		d.sh = d.hh
		if d.sh == nil {
			d.sh = make([]F, n)
		}
	}
	switch {
	case d.theta != nil:
		d.sm = d.theta
	case d.gbar == nil:
		d.sm = d.g
	default:
		d.sm = make([]F, n)
	}
	d.fails = make([]stepFails, chunks(n))
	d.drawFails = make([]drawFail[F], chunks(n))
	d.done = make(chan struct{}, 1)
	d.allocBlocks()
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
	if delta := o.delta(); o.Sample && !(o.HessInit+delta > 0) {
		return bad("HessInit", o.HessInit, fmt.Sprintf("HessInit + δ = %g must be > 0 to sample (σ² = τ/(N(h+δ)))", o.HessInit+delta))
	}
	return nil
}

// delta is the prior's pull per example, δ = PriorPrecision/DataSize (0
// without a prior).
func (o *DiagOptions) delta() float64 {
	if o.PriorPrecision > 0 {
		return o.PriorPrecision / o.DataSize
	}
	return 0
}

// checkInitialPrecision refuses, when o samples, settings whose initial
// posterior precision N(h₀+δ)/τ, computed in F as the first draw computes
// it, is not finite and positive with a finite reciprocal (the variance):
// within the bounds on Config this takes a Temperature so small that the
// precision overflows, a DataSize so small that δ = PriorPrecision/DataSize
// does, or a HessInit + δ so small that the variance does. The error names
// the field most likely at fault and gives all four.
func checkInitialPrecision[F Float](o *DiagOptions) error {
	if !o.Sample {
		return nil
	}
	d, nt := F(o.delta()), F(o.DataSize/o.Temperature)
	p := nt * (F(o.HessInit) + d)
	if p > 0 && finite(p) && finite(1/p) {
		return nil
	}
	field, value, fix := "HessInit", o.HessInit, "raise HessInit or PriorPrecision, or lower Temperature"
	switch {
	case !finite(d):
		field, value, fix = "DataSize", o.DataSize, "raise DataSize (the number of training examples) or lower PriorPrecision"
	case !finite(nt) || !finite(p):
		field, value, fix = "Temperature", o.Temperature, "raise Temperature"
	}
	return &ConfigError{Field: field, Value: value, Reason: fmt.Sprintf(
		"the initial posterior precision N(h₀+δ)/τ = DataSize·(HessInit + PriorPrecision/DataSize)/Temperature = %g·(%g + %g/%g)/%g is %.3g in %T, "+
			"which is not finite and positive with a finite reciprocal (the variance); %s",
		o.DataSize, o.HessInit, o.PriorPrecision, o.DataSize, o.Temperature, float64(p), p, fix)}
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

// Temperature is τ, the factor of the posterior variance.
func (d *Diag[F]) Temperature() float64 { return d.opt.Temperature }

// SetTemperature sets τ for the next steps and for Precision (a temperature
// schedule calls it once per step). τ must be finite, > 0 and at most
// MaxTemperature; a τ so small that N(h+δ)/τ overflows for some weight makes
// the next sampling step fail with the state unchanged, as any non-finite
// precision does.
func (d *Diag[F]) SetTemperature(tau float64) error {
	if !(tau > 0) || !isFinite(tau) || tau > MaxTemperature {
		return &ConfigError{Field: "Temperature", Value: tau, Reason: fmt.Sprintf("must be finite, > 0 and at most %g (MaxTemperature)", float64(MaxTemperature))}
	}
	d.opt.Temperature = tau
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
	d.allocBlocks()
	return nil
}

// Step takes one step with the gradient (and curvature) from o; rnd gives
// the noise and may be nil for the delta method. On an error from o, a
// non-finite ĝ, ĥ or result (*NonFiniteError, wrapping ErrNonFinite) or a
// non-positive precision or denominator (*expfam.DomainError, wrapping
// expfam.ErrDomain) the state is unchanged.
//
// With a *FastNormals (GOMAXPROCS > 1, at least 32768 weights) the engine
// makes the normals of rnd's next Key in the background while o runs; the
// next draw uses them if rnd's Key is then still that Key, advancing it as
// Fill does, and calls Fill otherwise, so the draws are always what Fill
// writes.
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
	d.t++
	return DiagInfo{Loss: loss, LR: sc.alpha, Rate: sc.rho}, nil
}

// The passes over the vectors. Each is elementwise and cut into chunks of
// chunkLen entries, a partition fixed by the length alone; a pass that
// looks for the first failure records each chunk's own, and the first
// chunk's wins. So whichever goroutine runs a chunk, and in whatever order,
// a pass gives the bits of one loop.
const (
	passDraw   = iota // draw: θ (and u) from ε
	passAccum         // accumulate: add one sample's ĝ and ĥ into the sums
	passUpdate        // update: the fused step
)

// pass is the pass runChunk runs, with its arguments.
type pass[F Float] struct {
	kind   int
	eps, u []F        // passDraw: ε, and u or nil
	sc     stepConsts // passUpdate
	kernel int        // passUpdate: updateRange or a specialised form
}

// chunkLen is the length of the chunks the passes are cut into: long
// enough that handing one over costs nothing, short enough that the two
// goroutines finish close together.
const chunkLen = 1 << 14

// chunks is the number of chunks of a pass over n entries.
func chunks(n int) int { return (n + chunkLen - 1) / chunkLen }

// drawFail is a chunk's first index whose precision is not finite and
// positive (−1: none), and that precision.
type drawFail[F Float] struct {
	j int
	p F
}

// run runs d.pass over all entries. With two chunks or more and GOMAXPROCS
// > 1 it offers the pass to the helper goroutines (package pool), and the
// caller and a helper each take the next chunk until none is left; the
// caller then waits for the chunk the helper may still be running. A helper
// that comes late (its thread not yet scheduled, on shared cores) finds less
// or nothing to take, so the caller never waits for one to start, as it
// would for a fixed half.
func (d *Diag[F]) run() {
	nc := chunks(len(d.m))
	if nc < 2 || runtime.GOMAXPROCS(0) == 1 {
		for c := range nc {
			d.runChunk(c, 0)
		}
		return
	}
	d.seq++
	d.finished.Store(0)
	d.claim.Store(uint64(d.seq) << 32) // publishes d.pass to the helper
	pool.Offer(d.task)
	if !d.take(d.seq, 0) {
		<-d.done // the helper finishes the last chunk
	}
	pool.Withdraw(d.task)
}

// take runs chunks of pass seq on worker w (0: the caller, 1: a helper)
// until none is left to claim, and reports whether it finished the last.
func (d *Diag[F]) take(seq uint32, w int) bool {
	nc := chunks(len(d.m))
	for {
		x := d.claim.Load()
		c := int(uint32(x))
		if uint32(x>>32) != seq || c >= nc {
			return false
		}
		if !d.claim.CompareAndSwap(x, x+1) {
			continue
		}
		d.runChunk(c, w)
		if int(d.finished.Add(1)) == nc {
			return true
		}
	}
}

// finish tells the caller that a helper finished the pass's last chunk.
func (d *Diag[F]) finish() { d.done <- struct{}{} }

// help takes chunks of the pass in progress on a helper goroutine, unless
// another helper has joined it already: the helper's chunks use the second
// set of block buffers, so one helper a pass. (A helper that comes after
// the pass is done finds no chunk to take.)
func (d *Diag[F]) help() {
	seq := uint32(d.claim.Load() >> 32)
	if d.helped.Swap(seq) == seq {
		return
	}
	if d.take(seq, 1) {
		d.finish()
	}
}

// runChunk runs chunk c of d.pass on worker w.
func (d *Diag[F]) runChunk(c, w int) {
	lo := c * chunkLen
	hi := min(lo+chunkLen, len(d.m))
	switch d.pass.kind {
	case passDraw:
		d.drawFails[c].j, d.drawFails[c].p = d.drawRange(lo, hi)
	case passAccum:
		d.accumRange(lo, hi)
	case passUpdate:
		sc, f := &d.pass.sc, &d.fails[c]
		done := 0 // the entries an AVX2 kernel stored flushed already
		switch d.pass.kernel {
		case kernelIVON:
			done = d.updateIVON(sc, lo, hi, f)
		case kernelNewton:
			d.updateNewton(sc, lo, hi, f)
		case kernelAdam:
			done = d.updateAdam(sc, lo, hi, f)
		case kernelVadam:
			d.updateVadam(sc, lo, hi, f)
		case kernelSGD:
			d.updateSGD(sc, lo, hi, f)
		default:
			d.updateRange(sc, lo, hi, f, &d.blocks[w])
		}
		// Values below vec.Tiny are stored as zeros: a weight that decays
		// geometrically (the weights of a unit no example activates,
		// under weight decay) otherwise passes through the numbers whose
		// products with a step size or a decay are subnormal, which made
		// Adam on the MLP seven times slower per epoch by its 14th epoch;
		// such values are zero for any purpose.
		for _, x := range [][]F{d.m, d.h, d.gbar} {
			vec.FlushTiny(part(x, lo+done, hi))
		}
	}
}

// part returns x[lo:hi], or nil for a nil x.
func part[F Float](x []F, lo, hi int) []F {
	if x == nil {
		return nil
	}
	return x[lo:hi:hi]
}

// draw fills *eps (d.theta, d.hh or d.ck) with ε and writes θ = m + ε/r
// into d.theta, r = √(N(h+δ)/τ) the inverse standard deviation; with price
// it also writes u = ε·r (= (θ−m)/σ², what the Price estimate multiplies ĝ
// by) over ε in *eps.
//
// With a *FastNormals (and GOMAXPROCS > 1, on long vectors) it then has the
// helper goroutines make the normals of the next Key in a spare vector, a
// piece at a time, in the moments of the oracle's evaluation that leave a
// core free (package pool). The next draw makes the pieces that are left,
// if any, and takes them instead of calling Fill if the Key is still the one
// they were made for (and advances it as Fill does), swapping the spare
// vector in for *eps, so that the draw still writes over the normals it
// reads; otherwise it calls Fill. Either way ε is what Fill writes.
func (d *Diag[F]) draw(rnd Normals[F], eps *[]F, price bool) error {
	p := &d.pre
	fn, _ := rnd.(*FastNormals[F])
	ready := p.active
	if p.active {
		p.fill.Finish() // the pieces the helpers have not made
		pool.Forget(p.job)
		p.active = false
	}
	if ready && fn != nil && p.key == fn.Key {
		d.swapIn(eps)
		fn.Key++
	} else {
		rnd.Fill(*eps)
	}
	var u []F
	if price {
		u = *eps
	}
	d.pass = pass[F]{kind: passDraw, eps: *eps, u: u}
	d.run()
	if fn != nil {
		d.startPrefetch(fn.Key)
	}
	for _, f := range d.drawFails {
		if f.j >= 0 {
			return &expfam.DomainError{Family: "Diag", Field: fmt.Sprintf("precision N(h+δ)/τ [%d]", f.j), Value: float64(f.p), Reason: "must be finite and > 0 to sample"}
		}
	}
	return nil
}

// swapIn makes the prefetched normals the scratch vector *x, and the old
// *x the spare vector, moving the aliases of the old-value scratch with it.
func (d *Diag[F]) swapIn(x *[]F) {
	old, buf := *x, d.pre.buf
	for _, a := range []*[]F{&d.sm, &d.sh, &d.sg} {
		if len(*a) > 0 && &(*a)[0] == &old[0] {
			*a = buf
		}
	}
	*x, d.pre.buf = buf, old
}

// prefetchLen is the least length whose draws are made in the background.
const prefetchLen = 1 << 15

// startPrefetch hands the helper goroutines the fill of d.pre.buf with the
// normals of key as background work, if the vectors are long enough and
// GOMAXPROCS > 1.
func (d *Diag[F]) startPrefetch(key uint64) {
	n := len(d.m)
	if n < prefetchLen || runtime.GOMAXPROCS(0) == 1 {
		return
	}
	p := &d.pre
	if p.buf == nil {
		p.buf = make([]F, n)
		p.job = pool.NewJob(p.fill.Piece)
	}
	p.key = key
	p.fill.Reset(p.buf, key)
	p.active = true
	pool.Background(p.job)
}

// drawRange is the draw over entries [lo, hi). It returns the first index
// whose precision is not finite and positive, and that precision, or −1.
func (d *Diag[F]) drawRange(lo, hi int) (int, F) {
	nt := F(d.opt.DataSize / d.opt.Temperature)
	eps := d.pass.eps[lo:hi:hi]
	u := part(d.pass.u, lo, hi)
	h, dv := part(d.h, lo, hi), part(d.delta, lo, hi)
	m, theta := d.m[lo:hi:hi], d.theta[lo:hi:hi]
	theta = theta[:len(eps)]
	m = m[:len(eps)]
	h0, delta0 := F(d.opt.HessInit), F(d.delta0)
	if vec.Enabled && h != nil && dv == nil && vec.Is32[F]() {
		// The AVX2 kernel makes these operations (see package vec); the
		// loop below takes the rest, and the first failure.
		var c vec.DrawConsts
		c.NT.Set(float32(nt))
		c.Delta.Set(float32(delta0))
		k := vec.Draw(vec.As32(theta), vec.As32(u), vec.As32(eps), vec.As32(h), vec.As32(m), &c)
		if k > 0 {
			eps, h, m, theta = eps[k:], h[k:], m[k:], theta[k:]
			if u != nil {
				u = u[k:]
			}
			lo += k
		}
	}
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
			return lo + j, p
		}
		r := F(math.Sqrt(float64(p)))
		theta[j] = m[j] + e/r
		if u != nil {
			u[j] = e * r
		}
	}
	return -1, 0
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
			err = d.draw(rnd, &d.hh, true)
		} else {
			err = d.draw(rnd, &d.theta, false)
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
			err = d.draw(rnd, &d.ck, true)
		} else {
			err = d.draw(rnd, &d.theta, false)
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
		d.pass = pass[F]{kind: passAccum}
		d.run()
	}
	return loss / float64(opt.Samples), nil
}

// accumRange adds one sample's ĝ (in d.gk) into d.g and its ĥ into d.hh
// over entries [lo, hi): ĝ⊙u for Price (u in d.ck), the oracle's ĥ (in
// d.ck), or ĝ² (with the decay under DecayInGradient, in float64).
func (d *Diag[F]) accumRange(lo, hi int) {
	opt := &d.opt
	kind := opt.Curvature
	g, gk := d.g[lo:hi:hi], d.gk[lo:hi:hi]
	gk = gk[:len(g)]
	switch {
	case kind == CurvPrice:
		hh, ck := d.hh[lo:hi:hi], d.ck[lo:hi:hi]
		hh, ck = hh[:len(g)], ck[:len(g)]
		for j, v := range gk {
			hh[j] += v * ck[j]
			g[j] += v
		}
	case kind.OracleSupplied():
		hh, ck := d.hh[lo:hi:hi], d.ck[lo:hi:hi]
		hh, ck = hh[:len(g)], ck[:len(g)]
		for j, v := range gk {
			hh[j] += ck[j]
			g[j] += v
		}
	case kind == CurvSquaredMeanGrad:
		hh := d.hh[lo:hi:hi]
		hh = hh[:len(g)]
		inGrad := opt.Decay == DecayInGradient
		for j, v := range gk {
			gj := float64(v)
			if inGrad {
				gj += d.deltaAt(lo+j) * (float64(d.m[lo+j]) - d.meanAt(lo+j))
			}
			hh[j] += F(gj * gj)
			g[j] += v
		}
	default:
		for j, v := range gk {
			g[j] += v
		}
	}
}

type stepConsts struct {
	alpha, rho, beta1, beta2, invB1, invB2, invK, clip float64
}

func (d *Diag[F]) consts() stepConsts {
	o := &d.opt
	t := float64(d.t + 1)
	sc := stepConsts{alpha: math.Min(d.lr, d.lrCap) * d.lrScale, beta1: o.Beta1, beta2: o.Beta2, invB1: 1, invB2: 1, invK: 1 / float64(o.Samples), clip: o.ClipRadius}
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

// The checks of one step, in the order the step makes them: every ĝ, then
// every ĥ and h′ (with h′+δ when sampling), every ḡ′, every m′ (with its
// denominator). The error is the first failure of the first check that
// fails anywhere.
const (
	failGradient = iota
	failCurvature
	failMomentum
	failMean
	numFails
)

// stepFail is the first failure of one check in a chunk: its index (−1:
// none), which of the check's tests failed, and the value.
type stepFail struct {
	j     int
	which int
	v     float64
}

// stepFails holds the first failure of each check in a chunk.
type stepFails [numFails]stepFail

var noFails = stepFails{{j: -1}, {j: -1}, {j: -1}, {j: -1}}

// record notes the failures at entry j (called only when some test there
// fails). The values of a check that does not apply are passed as 0 (and
// hd, den as 1), which pass.
//
//go:noinline
func (f *stepFails) record(j int, gq, hhat, hn, hd, gb, den, mn float64) {
	note := func(c, which int, v float64) {
		if f[c].j < 0 {
			f[c] = stepFail{j: j, which: which, v: v}
		}
	}
	if !isFinite(gq) {
		note(failGradient, 0, gq)
	}
	switch {
	case !isFinite(hhat):
		note(failCurvature, 0, hhat)
	case !isFinite(hn):
		note(failCurvature, 1, hn)
	case !(hd > 0):
		note(failCurvature, 2, hd)
	}
	if !isFinite(gb) {
		note(failMomentum, 0, gb)
	}
	switch {
	case !(den > 0):
		note(failMean, 0, den)
	case !isFinite(mn):
		note(failMean, 1, mn)
	}
}

// err returns the error of a failure of check c.
func (f stepFail) err(c int) error {
	switch c {
	case failGradient:
		return &NonFiniteError{Field: "gradient", Index: f.j, Value: f.v}
	case failCurvature:
		switch f.which {
		case 0:
			return &NonFiniteError{Field: "curvature", Index: f.j, Value: f.v}
		case 1:
			return &NonFiniteError{Field: "hessian", Index: f.j, Value: f.v}
		}
		return &expfam.DomainError{Family: "Diag", Field: fmt.Sprintf("h+δ [%d]", f.j), Value: f.v, Reason: "the posterior precision N(h+δ) must stay > 0; use a non-negative curvature or PositivityPreserving"}
	case failMomentum:
		return &NonFiniteError{Field: "momentum", Index: f.j, Value: f.v}
	}
	if f.which == 0 {
		return &expfam.DomainError{Family: "Diag", Field: fmt.Sprintf("denominator φ(h)+δ+c [%d]", f.j), Value: f.v, Reason: "must be > 0"}
	}
	return &NonFiniteError{Field: "mean", Index: f.j, Value: f.v}
}

// update writes the new m, h and ḡ in place in one fused pass, keeping the
// old values in d.sm, d.sh and d.sg (which may alias θ, ĥ and ĝ: the pass
// reads an entry, or a block, of its inputs before it writes it there), and
// checks every value. When a check fails it puts the old values back and
// returns the error that checking equation by equation would give.
//
// Writing in place and undoing on the rare failure makes one pass over the
// vectors where computing into scratch and copying it into the state on
// success makes two; the old values go to scratch lines the pass has just
// read, so that keeping them costs little.
func (d *Diag[F]) update(sc *stepConsts) error {
	d.pass = pass[F]{kind: passUpdate, sc: *sc, kernel: d.kernel()}
	for c := range d.fails {
		d.fails[c] = noFails
	}
	d.run()
	for c := range numFails {
		for _, f := range d.fails {
			if f[c].j >= 0 {
				copy(d.m, d.sm)
				copy(d.h, d.sh)
				copy(d.gbar, d.sg)
				return f[c].err(c)
			}
		}
	}
	return nil
}

// Beta2For returns a curvature-average weight β₂ for a run of the given
// number of steps T: β₂ = 1 − 10/T, kept within [0.9, 0.99999], so that
// (1−β₂)·T ≥ 5 and h forgets h₀ (h₀'s weight after T steps is β₂ᵀ ≈ e^−10)
// whenever T ≥ 50. With T unknown (≤ 0) it returns 0.999, which learns within
// about 5000 steps.
//
// The factor was checked on a 10% validation split (IVON, MNIST MLP, 2
// epochs; bench/validation.md): factors 5, 10 and 20 give val acc 0.941,
// 0.952 and 0.947, within one seed's noise, so 10 is kept.
func Beta2For(steps int) float64 {
	const (
		factor   = 10    // (1−β₂)·T = 10: h₀ keeps a weight e⁻¹⁰ at the end
		fallback = 0.999 // learns within about 5000 steps
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
	// β₂ ≤ 1 − 5/T rather than (1−β₂)·T ≥ 5, so that β₂ = 1 − 5/T itself
	// passes whatever its rounding.
	limit := 1 - 5/float64(steps)
	if steps <= 0 || beta2 <= limit {
		return ""
	}
	moved := 1 - math.Pow(beta2, float64(steps))
	head := fmt.Sprintf("blr: Beta2 = %g with Steps = %d gives (1−β₂)·T = %.3g < 5: the Hessian estimate moves only %.1f%% of the way from HessInit, so the posterior cannot learn; ",
		beta2, steps, (1-beta2)*float64(steps), 100*moved)
	if steps < 5 { // no β₂ ≥ 0 passes
		return head + "no Beta2 in [0, 1) can in fewer than 5 steps: train longer"
	}
	fix := fmt.Sprintf("use Beta2 ≤ %.6g", limit)
	if b := Beta2For(steps); b <= limit {
		// Beta2For keeps β₂ ≥ 0.9, which cannot learn in fewer than 50 steps.
		fix += fmt.Sprintf(" (blr.Beta2For(%d) = %.6g)", steps, b)
	}
	return head + fix
}

// The update pass has a general form, updateRange, and specialised forms for
// the named optimizers' usual settings (K = 1, a scalar prior), which make
// the same operations in the same order without the branches on settings
// and without the operations that give back their operand (x·1 with K = 1
// or b₂ = 1, x/1 with SGD's denominator, clipping to ±Inf). Each form tests
// every entry and calls stepFails.record where a test fails, or, for
// updateRange and updateIVON, which work through blocks of blockLen entries
// (computing a block's new values into buffers, then keeping the old values
// and writing the new with writeBlock), calls recordRange on a block where
// one fails; keeping that call out of their loops lets the compiler keep
// their values in registers. Whichever form runs, the bits are the same.
const (
	kernelGeneric = iota
	kernelIVON    // IVON, iBLR-diag
	kernelNewton  // VOGN, OGN
	kernelAdam    // Adam, AdamW, RMSprop
	kernelVadam   // Vadam
	kernelSGD     // SGD
)

// kernel picks the form of the update pass for the settings.
func (d *Diag[F]) kernel() int {
	o := &d.opt
	if d.delta != nil || d.m0 != nil || o.Samples != 1 {
		return kernelGeneric
	}
	k, noClip := o.Curvature, o.ClipRadius == 0
	switch {
	case k == CurvPrice && o.PositivityPreserving && o.Decay == DecayInStep && !o.Sqrt && !o.DebiasHessian:
		return kernelIVON
	case k.OracleSupplied() && !o.PositivityPreserving && o.Decay == DecayInStep && !o.Sqrt && !o.DebiasHessian && noClip:
		return kernelNewton
	case k == CurvSquaredMeanGrad && !o.PositivityPreserving && !o.Sample && o.Sqrt && noClip &&
		(o.Decay == DecayInGradient || o.Decay == DecayDecoupled):
		return kernelAdam
	case k == CurvSquaredMeanGrad && !o.PositivityPreserving && o.Sample && d.gbar != nil && o.Sqrt && noClip && o.Decay == DecayInMomentum:
		return kernelVadam
	case k == CurvNone && o.Decay == DecayInGradient && !o.DebiasMomentum && noClip:
		// The denominator φ(h₀)+c is the same for every weight (as the
		// general form computes it); SGD's is 1.
		hv := F(o.HessInit)
		if o.Sqrt {
			hv = F(math.Sqrt(float64(hv)))
		}
		if hv+F(o.Eps) == 1 {
			return kernelSGD
		}
	}
	return kernelGeneric
}

// blockLen is the length of the blocks the update pass works through, in
// buffers that stay in cache.
const blockLen = 256

// writeBlock keeps the old m, h and ḡ of entries [b0, b1) in d.sm, d.sh
// and d.sg (scratch whose block the pass has read) and writes the new ones,
// mn, hn and gb.
func (d *Diag[F]) writeBlock(b0, b1 int, mn, hn, gb []F) {
	copy(d.sm[b0:b1], d.m[b0:b1])
	copy(d.m[b0:b1], mn)
	if d.h != nil {
		copy(d.sh[b0:b1], d.h[b0:b1])
		copy(d.h[b0:b1], hn)
	}
	if d.gbar != nil {
		copy(d.sg[b0:b1], d.gbar[b0:b1])
		copy(d.gbar[b0:b1], gb)
	}
}

// blockBufs are one goroutine's buffers for updateRange: the values of one
// block, equation by equation.
type blockBufs[F Float] struct {
	dj, dec, gq, gj, hhat, hn, gb, mn [blockLen]F
}

// allocBlocks allocates the buffers of updateRange when the settings (and
// the prior) call for it, so that a step allocates nothing.
func (d *Diag[F]) allocBlocks() {
	if d.blocks == nil && d.kernel() == kernelGeneric {
		d.blocks = new([2]blockBufs[F])
	}
}

// updateRange is the update pass over entries [lo, hi) in the general
// form: for each block, one loop per equation,
//
//	ĝ = Σĝ/K [+ δ(m−m₀)];  ĥ = ĝ², ĝ⊙u or Σĥ/K
//	h′ = β₂h + ρĥ, or ½s + ½(s+x)(1+x/s) − δ, s = h+δ, x = ρ(ĥ−h)
//	ḡ′ = β₁ḡ + (1−β₁)(ĝ [+ δ(m−m₀)])
//	m′ = m [− αδ(m−m₀)] − α·clip((ḡ′/(1−β₁ᵗ) [+ δ(m−m₀)]) / (φ(h′/b₂) [+ δ] + c))
//
// Failures go to f.
func (d *Diag[F]) updateRange(sc *stepConsts, lo, hi int, f *stepFails, bb *blockBufs[F]) {
	o := &d.opt
	hasH, hasGbar := d.h != nil, d.gbar != nil
	priceK1 := o.Curvature == CurvPrice && o.Samples == 1
	squareK1 := o.Curvature == CurvSquaredMeanGrad && o.Samples == 1
	inGrad, inMom, inStep, decoupled := o.Decay == DecayInGradient, o.Decay == DecayInMomentum, o.Decay == DecayInStep, o.Decay == DecayDecoupled
	withDelta := inStep || inMom
	pp, sample, sqrt := o.PositivityPreserving, o.Sample, o.Sqrt
	invK, rho, beta2, beta1 := F(sc.invK), F(sc.rho), F(sc.beta2), F(sc.beta1)
	omb1 := 1 - beta1
	alpha, invB1, invB2, clip := F(sc.alpha), F(sc.invB1), F(sc.invB2), F(sc.clip)
	nclip := -clip
	eps, h0, delta0 := F(o.Eps), F(o.HessInit), F(d.delta0)
	for b0 := lo; b0 < hi; b0 += blockLen {
		b1 := min(b0+blockLen, hi)
		m := d.m[b0:b1:b1]
		n := len(m)
		dj, dec, gq, gj := bb.dj[:n], bb.dec[:n], bb.gq[:n], bb.gj[:n]
		hhat, hn, gb, mn := bb.hhat[:n], bb.hn[:n], bb.gb[:n], bb.mn[:n]
		// δ and the decay δ(m−m₀).
		if d.delta != nil {
			copy(dj, d.delta[b0:b1])
		} else {
			for i := range dj {
				dj[i] = delta0
			}
		}
		if d.m0 != nil {
			m0 := d.m0[b0:b1][:n]
			for i, mj := range m {
				dec[i] = dj[i] * (mj - m0[i])
			}
		} else {
			for i, mj := range m {
				dec[i] = dj[i] * mj
			}
		}
		// ĝ, and ĥ = ĝ⊙u for Price with K = 1 (from the undecayed ĝ).
		g := d.g[b0:b1][:n]
		for i, v := range g {
			gq[i] = v * invK
		}
		if priceK1 {
			hh := d.hh[b0:b1][:n]
			for i, q := range gq {
				hhat[i] = hh[i] * q
			}
		}
		if inGrad {
			for i, q := range gq {
				gj[i] = q + dec[i]
			}
		} else {
			copy(gj, gq)
		}
		// h′.
		bad := false
		if hasH {
			h := d.h[b0:b1][:n]
			switch {
			case squareK1:
				for i, x := range gj {
					hhat[i] = x * x
				}
			case !priceK1:
				hh := d.hh[b0:b1][:n]
				for i, x := range hh {
					hhat[i] = x * invK
				}
			}
			if pp {
				// s′ = s(1+(1+r)²)/2 with s = h+δ, r = ρ(ĥ−h)/s, evaluated as
				// ½s + ½(s+ρĜ)(1+r) so that nothing overflows before s′ does.
				for i, hj := range h {
					s := hj + dj[i]
					x := rho * (hhat[i] - hj)
					hn[i] = 0.5*s + 0.5*((s+x)*(1+x/s)) - dj[i]
				}
			} else {
				for i, hj := range h {
					hn[i] = beta2*hj + rho*hhat[i]
				}
			}
			for i, x := range hn {
				if c := (hhat[i] - hhat[i]) + (x - x); !(c == 0 && (!sample || x+dj[i] > 0)) {
					bad = true
				}
			}
		}
		// ḡ′.
		gs := gj
		if hasGbar {
			gbar := d.gbar[b0:b1][:n]
			if inMom {
				for i, x := range gbar {
					gb[i] = beta1*x + omb1*(gj[i]+dec[i])
				}
			} else {
				for i, x := range gbar {
					gb[i] = beta1*x + omb1*gj[i]
				}
			}
			gs = gb
		} else if inMom {
			// No momentum (β₁ = 0): the momentum is the decayed gradient.
			for i, x := range gj {
				gb[i] = x + dec[i]
			}
			gs = gb
		}
		// m′, and the rest of the tests (x−x is 0 for a finite x and NaN
		// otherwise).
		for i, mj := range m {
			hv := h0
			if hasH {
				hv = hn[i]
			}
			hv *= invB2
			if sqrt {
				hv = F(math.Sqrt(float64(hv)))
			}
			den := hv + eps
			if withDelta {
				den += dj[i]
			}
			num := gs[i] * invB1
			if inStep {
				num += dec[i]
			}
			dir := num / den
			if dir > clip {
				dir = clip
			} else if dir < nclip {
				dir = nclip
			}
			x := mj
			if decoupled {
				x -= alpha * dec[i]
			}
			x -= alpha * dir
			mn[i] = x
			if c := (gq[i] - gq[i]) + (gs[i] - gs[i]) + (x - x); !(c == 0 && den > 0) {
				bad = true
			}
		}
		if bad {
			d.recordRange(sc, b0, b1, f)
		}
		d.writeBlock(b0, b1, mn, hn[:n], gb[:n])
	}
}

// recordRange records the failures over entries [lo, hi) of the update
// pass, which has not written them yet: it computes every value again as
// updateRange does, one entry at a time, and tests each.
//
//go:noinline
func (d *Diag[F]) recordRange(sc *stepConsts, lo, hi int, f *stepFails) {
	o := &d.opt
	priceK1 := o.Curvature == CurvPrice && o.Samples == 1
	squareK1 := o.Curvature == CurvSquaredMeanGrad && o.Samples == 1
	invK, rho, beta2, beta1 := F(sc.invK), F(sc.rho), F(sc.beta2), F(sc.beta1)
	alpha, invB1, invB2, clip := F(sc.alpha), F(sc.invB1), F(sc.invB2), F(sc.clip)
	eps, h0 := F(o.Eps), F(o.HessInit)
	for j := lo; j < hi; j++ {
		mj := d.m[j]
		dj := F(d.delta0)
		if d.delta != nil {
			dj = d.delta[j]
		}
		dec := dj * mj // δ(m−m₀)
		if d.m0 != nil {
			dec = dj * (mj - d.m0[j])
		}
		gq := d.g[j] * invK
		var hhat, hn F
		hd := F(1)
		if priceK1 {
			hhat = d.hh[j] * gq
		}
		gj := gq
		if o.Decay == DecayInGradient {
			gj += dec
		}
		if d.h != nil {
			hj := d.h[j]
			if squareK1 {
				hhat = gj * gj
			} else if !priceK1 {
				hhat = d.hh[j] * invK
			}
			if o.PositivityPreserving {
				s := hj + dj
				x := rho * (hhat - hj)
				hn = 0.5*s + 0.5*((s+x)*(1+x/s)) - dj
			} else {
				hn = beta2*hj + rho*hhat
			}
			if o.Sample {
				hd = hn + dj
			}
		}
		gs := gj
		var gb F
		if d.gbar != nil {
			gm := gj
			if o.Decay == DecayInMomentum {
				gm += dec
			}
			gb = beta1*d.gbar[j] + (1-beta1)*gm
			gs = gb
		} else if o.Decay == DecayInMomentum {
			gs = gj + dec
		}
		num := gs * invB1
		hv := h0
		if d.h != nil {
			hv = hn
		}
		hv *= invB2
		if o.Sqrt {
			hv = F(math.Sqrt(float64(hv)))
		}
		den := hv + eps
		if o.Decay == DecayInStep || o.Decay == DecayInMomentum {
			den += dj
		}
		if o.Decay == DecayInStep {
			num += dec
		}
		dir := num / den
		if dir > clip {
			dir = clip
		} else if dir < -clip {
			dir = -clip
		}
		mn := mj
		if o.Decay == DecayDecoupled {
			mn -= alpha * dec
		}
		mn -= alpha * dir
		if c := (gq - gq) + (hhat - hhat) + (hn - hn) + (gb - gb) + (mn - mn); !(c == 0 && hd > 0 && den > 0) {
			f.record(j, float64(gq), float64(hhat), float64(hn), float64(hd), float64(gb), float64(den), float64(mn))
		}
	}
}

// updateIVON is updateRange for IVON and iBLR-diag: Price with K = 1, the
// iBLR update, momentum or none, the decay in the step, no square root,
// b₂ = 1, a scalar δ and m₀ = 0. It computes a block's h′ in a loop of its
// own (with one division each, the loops are shorter). It returns how many
// entries from lo the AVX2 kernel did (stored flushed, vec.FlushTiny).
//
// It tests fewer values than the checks, but fails whenever one of them
// does: a non-finite ĝ makes ĥ = ĝ·u non-finite, and a non-finite ĥ makes
// h′ non-finite (ρ > 0, and s = h+δ > 0 since the draw found N(h+δ)/τ > 0);
// and h′+δ > 0 implies the denominator (h′+c)+δ > 0, as c ≥ 0.
func (d *Diag[F]) updateIVON(sc *stepConsts, lo, hi int, f *stepFails) (kernelDone int) {
	rho, beta1 := F(sc.rho), F(sc.beta1)
	omb1 := 1 - beta1
	alpha, invB1, clip := F(sc.alpha), F(sc.invB1), F(sc.clip)
	nclip := -clip
	eps, dj := F(d.opt.Eps), F(d.delta0)
	if vec.Enabled && vec.Is32[F]() {
		// The AVX2 kernel makes the operations of the blocks below (see
		// package vec); they take the rest, and the first failure.
		var c vec.IVONConsts
		c.Delta.Set(float32(dj))
		c.Rho.Set(float32(rho))
		c.Half.Set(0.5)
		c.One.Set(1)
		c.Beta1.Set(float32(beta1))
		c.OneMinusBeta1.Set(float32(omb1))
		c.InvB1.Set(float32(invB1))
		c.Eps.Set(float32(eps))
		c.Clip.Set(float32(clip))
		c.NegClip.Set(float32(nclip))
		c.Alpha.Set(float32(alpha))
		kernelDone = vec.IVON(vec.As32(d.m[lo:hi]), vec.As32(d.g[lo:hi]), vec.As32(d.hh[lo:hi]), vec.As32(d.h[lo:hi]), vec.As32(part(d.gbar, lo, hi)),
			vec.As32(d.sm[lo:hi]), vec.As32(d.sh[lo:hi]), vec.As32(part(d.sg, lo, hi)), &c)
		lo += kernelDone
	}
	var hnb, gbb, mnb [blockLen]F
	for b0 := lo; b0 < hi; b0 += blockLen {
		b1 := min(b0+blockLen, hi)
		m := d.m[b0:b1:b1]
		n := len(m)
		g, u, h := d.g[b0:b1:b1][:n], d.hh[b0:b1:b1][:n], d.h[b0:b1:b1][:n]
		hnB, gbB, mnB := hnb[:n], gbb[:n], mnb[:n]
		// h′ (iBLR).
		for i, gq := range g {
			hhat := u[i] * gq // ĝ⊙(θ−m)/σ², ĝ·1/K
			hj := h[i]
			s := hj + dj
			x := rho * (hhat - hj)
			hnB[i] = 0.5*s + 0.5*((s+x)*(1+x/s)) - dj
		}
		// ḡ′ and m′.
		bad := false
		if d.gbar != nil {
			gbar := d.gbar[b0:b1:b1][:n]
			for i, mj := range m {
				hn := hnB[i]
				gb := beta1*gbar[i] + omb1*g[i]
				num := gb * invB1
				num += dj * mj
				den := hn + eps // φ(h′/b₂)
				den += dj
				dir := num / den
				if dir > clip {
					dir = clip
				} else if dir < nclip {
					dir = nclip
				}
				mn := mj - alpha*dir
				gbB[i], mnB[i] = gb, mn
				if c := (hn - hn) + (gb - gb) + (mn - mn); !(c == 0 && hn+dj > 0) {
					bad = true
				}
			}
		} else {
			for i, mj := range m {
				hn := hnB[i]
				num := g[i] * invB1
				num += dj * mj
				den := hn + eps // φ(h′/b₂)
				den += dj
				dir := num / den
				if dir > clip {
					dir = clip
				} else if dir < nclip {
					dir = nclip
				}
				mn := mj - alpha*dir
				mnB[i] = mn
				if c := (hn - hn) + (mn - mn); !(c == 0 && hn+dj > 0) {
					bad = true
				}
			}
		}
		if bad {
			d.recordRange(sc, b0, b1, f)
		}
		d.writeBlock(b0, b1, mnB, hnB, gbB[:n])
	}
	return kernelDone
}

// updateNewton is updateRange for VOGN and OGN: the oracle's ĥ with K = 1,
// h′ = β₂h + ρĥ, momentum or none, the decay in the step, no square root,
// b₂ = 1, no clipping, a scalar δ and m₀ = 0. VOGN's settings (momentum
// and sampling) have a loop of their own without branches, which the
// compiler makes markedly faster.
func (d *Diag[F]) updateNewton(sc *stepConsts, lo, hi int, f *stepFails) {
	m := d.m[lo:hi:hi]
	n := len(m)
	g, hh, h := d.g[lo:hi:hi][:n], d.hh[lo:hi:hi][:n], d.h[lo:hi:hi][:n]
	sm, sh := d.sm[lo:hi:hi][:n], d.sh[lo:hi:hi][:n]
	gbar, sg := d.gbar, d.sg
	mom := gbar != nil
	if mom {
		gbar, sg = gbar[lo:hi:hi][:n], sg[lo:hi:hi][:n]
	}
	sample := d.opt.Sample
	rho, beta2, beta1 := F(sc.rho), F(sc.beta2), F(sc.beta1)
	omb1 := 1 - beta1
	alpha, invB1 := F(sc.alpha), F(sc.invB1)
	eps, dj := F(d.opt.Eps), F(d.delta0)
	if mom && sample { // VOGN: the same loop without the branches
		gbar, sg := gbar[:n], sg[:n]
		for j, mj := range m {
			gq := g[j]    // ·1/K
			hhat := hh[j] // ·1/K
			hj := h[j]
			hn := beta2*hj + rho*hhat
			hd := hn + dj
			gbOld := gbar[j]
			gb := beta1*gbOld + omb1*gq
			num := gb * invB1
			den := hn + eps // φ(h′/b₂)
			den += dj
			num += dj * mj
			mn := mj - alpha*(num/den)
			if c := (gq - gq) + (hhat - hhat) + (hn - hn) + (gb - gb) + (mn - mn); !(c == 0 && hd > 0 && den > 0) {
				f.record(lo+j, float64(gq), float64(hhat), float64(hn), float64(hd), float64(gb), float64(den), float64(mn))
			}
			sm[j], m[j] = mj, mn
			sh[j], h[j] = hj, hn
			sg[j], gbar[j] = gbOld, gb
		}
		return
	}
	for j, mj := range m {
		dec := dj * mj
		gq := g[j]    // ·1/K
		hhat := hh[j] // ·1/K
		hj := h[j]
		hn := beta2*hj + rho*hhat
		hd := F(1)
		if sample {
			hd = hn + dj
		}
		gs := gq
		var gb F
		if mom {
			gbOld := gbar[j]
			gb = beta1*gbOld + omb1*gq
			sg[j], gbar[j] = gbOld, gb
			gs = gb
		}
		num := gs * invB1
		den := hn + eps // φ(h′/b₂)
		den += dj
		num += dec
		mn := mj - alpha*(num/den)
		sm[j], m[j] = mj, mn
		sh[j], h[j] = hj, hn
		if c := (gq - gq) + (hhat - hhat) + (hn - hn) + (gb - gb) + (mn - mn); !(c == 0 && hd > 0 && den > 0) {
			f.record(lo+j, float64(gq), float64(hhat), float64(hn), float64(hd), float64(gb), float64(den), float64(mn))
		}
	}
}

// updateAdam is updateRange for Adam, AdamW and RMSprop: ĥ = ĝ² with K = 1,
// h′ = β₂h + ρĥ, momentum or none, φ = √, the decay in the gradient or
// decoupled, no clipping, the delta method, a scalar δ and m₀ = 0. It
// returns how many entries from lo the AVX2 kernel did (their new values
// stored flushed, vec.FlushTiny).
func (d *Diag[F]) updateAdam(sc *stepConsts, lo, hi int, f *stepFails) (kernelDone int) {
	if vec.Enabled && vec.Is32[F]() {
		// The AVX2 kernel makes the operations of the loop below (see
		// package vec); the loop takes the rest, and the first failure.
		var c vec.AdamConsts
		c.Delta.Set(float32(d.delta0))
		c.Alpha.Set(float32(sc.alpha))
		c.Beta2.Set(float32(sc.beta2))
		c.Rho.Set(float32(sc.rho))
		c.Beta1.Set(float32(sc.beta1))
		c.OneMinusBeta1.Set(1 - float32(sc.beta1))
		c.InvB1.Set(float32(sc.invB1))
		c.InvB2.Set(float32(sc.invB2))
		c.Eps.Set(float32(d.opt.Eps))
		kernelDone = vec.Adam(vec.As32(d.m[lo:hi]), vec.As32(d.g[lo:hi]), vec.As32(d.h[lo:hi]), vec.As32(part(d.gbar, lo, hi)),
			vec.As32(d.sm[lo:hi]), vec.As32(d.sh[lo:hi]), vec.As32(part(d.sg, lo, hi)), &c, d.opt.Decay == DecayInGradient)
		lo += kernelDone
	}
	m := d.m[lo:hi:hi]
	n := len(m)
	g, h := d.g[lo:hi:hi][:n], d.h[lo:hi:hi][:n]
	sm, sh := d.sm[lo:hi:hi][:n], d.sh[lo:hi:hi][:n]
	gbar, sg := d.gbar, d.sg
	mom := gbar != nil
	if mom {
		gbar, sg = gbar[lo:hi:hi][:n], sg[lo:hi:hi][:n]
	}
	inGrad := d.opt.Decay == DecayInGradient
	rho, beta2, beta1 := F(sc.rho), F(sc.beta2), F(sc.beta1)
	omb1 := 1 - beta1
	alpha, invB1, invB2 := F(sc.alpha), F(sc.invB1), F(sc.invB2)
	eps, dj := F(d.opt.Eps), F(d.delta0)
	for j, mj := range m {
		dec := dj * mj
		gq := g[j] // ·1/K
		gj := gq
		mn := mj
		if inGrad {
			gj += dec
		} else {
			mn -= alpha * dec
		}
		hhat := gj * gj
		hj := h[j]
		hn := beta2*hj + rho*hhat
		gs := gj
		var gb F
		if mom {
			gbOld := gbar[j]
			gb = beta1*gbOld + omb1*gj
			sg[j], gbar[j] = gbOld, gb
			gs = gb
		}
		num := gs * invB1
		hv := hn * invB2
		den := F(math.Sqrt(float64(hv))) + eps
		mn -= alpha * (num / den)
		sm[j], m[j] = mj, mn
		sh[j], h[j] = hj, hn
		if c := (gq - gq) + (hhat - hhat) + (hn - hn) + (gb - gb) + (mn - mn); !(c == 0 && den > 0) {
			f.record(lo+j, float64(gq), float64(hhat), float64(hn), 1, float64(gb), float64(den), float64(mn))
		}
	}
	return kernelDone
}

// updateVadam is updateRange for Vadam: ĥ = ĝ² with K = 1, h′ = β₂h + ρĥ,
// momentum with the decay in it, φ = √, sampling, no clipping, a scalar δ
// and m₀ = 0.
func (d *Diag[F]) updateVadam(sc *stepConsts, lo, hi int, f *stepFails) {
	m := d.m[lo:hi:hi]
	n := len(m)
	g, h, gbar := d.g[lo:hi:hi][:n], d.h[lo:hi:hi][:n], d.gbar[lo:hi:hi][:n]
	sm, sh, sg := d.sm[lo:hi:hi][:n], d.sh[lo:hi:hi][:n], d.sg[lo:hi:hi][:n]
	rho, beta2, beta1 := F(sc.rho), F(sc.beta2), F(sc.beta1)
	omb1 := 1 - beta1
	alpha, invB1, invB2 := F(sc.alpha), F(sc.invB1), F(sc.invB2)
	eps, dj := F(d.opt.Eps), F(d.delta0)
	for j, mj := range m {
		dec := dj * mj
		gq := g[j] // ·1/K
		hhat := gq * gq
		hj := h[j]
		hn := beta2*hj + rho*hhat
		hd := hn + dj
		gbOld := gbar[j]
		gb := beta1*gbOld + omb1*(gq+dec)
		num := gb * invB1
		hv := hn * invB2
		den := F(math.Sqrt(float64(hv))) + eps
		den += dj
		mn := mj - alpha*(num/den)
		sm[j], m[j] = mj, mn
		sh[j], h[j] = hj, hn
		sg[j], gbar[j] = gbOld, gb
		if c := (gq - gq) + (hhat - hhat) + (hn - hn) + (gb - gb) + (mn - mn); !(c == 0 && hd > 0 && den > 0) {
			f.record(lo+j, float64(gq), float64(hhat), float64(hn), float64(hd), float64(gb), float64(den), float64(mn))
		}
	}
}

// updateSGD is updateRange for SGD: h fixed with a denominator of 1, the
// decay in the gradient, momentum or none, no debiasing or clipping, K = 1,
// a scalar δ and m₀ = 0.
func (d *Diag[F]) updateSGD(sc *stepConsts, lo, hi int, f *stepFails) {
	m := d.m[lo:hi:hi]
	n := len(m)
	g, sm := d.g[lo:hi:hi][:n], d.sm[lo:hi:hi][:n]
	alpha, dj := F(sc.alpha), F(d.delta0)
	if d.gbar == nil {
		for j, mj := range m {
			gq := g[j] // ·1/K
			gj := gq + dj*mj
			mn := mj - alpha*gj // ·1/(1−β₁ᵗ) = 1, /1
			sm[j], m[j] = mj, mn
			if c := (gq - gq) + (mn - mn); c != 0 {
				f.record(lo+j, float64(gq), 0, 0, 1, 0, 1, float64(mn))
			}
		}
		return
	}
	gbar, sg := d.gbar[lo:hi:hi][:n], d.sg[lo:hi:hi][:n]
	beta1 := F(sc.beta1)
	omb1 := 1 - beta1
	for j, mj := range m {
		gq := g[j]
		gj := gq + dj*mj
		gbOld := gbar[j]
		gb := beta1*gbOld + omb1*gj
		mn := mj - alpha*gb
		sm[j], m[j] = mj, mn
		sg[j], gbar[j] = gbOld, gb
		if c := (gq - gq) + (gb - gb) + (mn - mn); c != 0 {
			f.record(lo+j, float64(gq), 0, 0, 1, float64(gb), 1, float64(mn))
		}
	}
}
