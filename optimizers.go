package blr

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Off asks a Config field for an actual zero where a zero value would take
// the optimizer's default, as net/http's timeouts use negative values: for
// example Config{Beta1: Off} turns Adam's momentum off, Config{Eps: Off} sets
// ε = 0 and Config{PriorPrecision: Off} gives a flat prior. Any other negative
// value is an error.
const Off = -1.0

// Config is what a user sets to build one of the named optimizers (SGD,
// RMSprop, Adam, AdamW, OGN, VOGN, Vadam, IVON, IBLRDiag, or New by name).
// A zero field takes the optimizer's documented default; Off asks for an
// actual zero; a field the optimizer does not use must be left at zero (a
// *ConfigError names it otherwise).
//
// Scales. The oracle's loss is the minibatch mean ℓ_avg; DataSize N is the
// number of training examples it stands for; PriorPrecision P₀ is the
// precision of the prior N(0, P₀⁻¹) on the summed loss Σᵢℓᵢ (P₀ = 1 is a
// standard normal prior on every weight), and the weight decay is derived
// from it, δ = P₀/N. The posterior precision is N(h+δ)/τ.
//
// Limits: DataSize ≤ MaxDataSize (10¹⁵), PriorPrecision and HessInit ≤
// MaxPrecision (10¹²), Temperature ≤ MaxTemperature (10⁶); for the sampling
// optimizers the initial precision N(h₀+δ)/τ and its reciprocal must also
// be finite and positive in the parameters' float type (see
// DiagOptions.Temperature). A value beyond them is a *ConfigError from the
// constructor, naming the field.
type Config struct {
	// DataSize is N, the number of training examples (after augmentation, if
	// each augmented copy counts as data). The Bayesian optimizers require
	// it; the others need it only with a PriorPrecision. At most
	// MaxDataSize.
	DataSize float64
	// PriorPrecision is P₀ on the summed-loss scale; weight decay δ = P₀/N.
	// At most MaxPrecision.
	PriorPrecision float64
	// LR is the step size α of the mean.
	LR float64
	// Beta1 is the momentum (SGD: torch's momentum μ).
	Beta1 float64
	// Beta2 is the curvature average's weight (RMSprop: torch's alpha).
	Beta2 float64
	// HessInit is h₀, the initial curvature, at most MaxPrecision.
	HessInit float64
	// Eps is the ε added to the denominator.
	Eps float64
	// Samples is the number of Monte Carlo samples per training step.
	Samples int
	// Steps is the planned number of training steps T: the Bayesian
	// optimizers choose Beta2 from it (Beta2For) and warn when h cannot learn.
	Steps int
	// Curvature overrides the optimizer's curvature estimate.
	Curvature CurvatureKind
	// ClipRadius clips each entry of the preconditioned step (IVON).
	ClipRadius float64
	// Temperature τ scales the posterior variance (1: the posterior), at
	// most MaxTemperature.
	Temperature float64
	// Warn receives warnings (h cannot learn in Steps; Steps unknown), if
	// not nil.
	Warn io.Writer
}

// Limits on the scales of a Config, far beyond any real use, so that an
// absurd value is refused by the constructor, naming the field, rather than
// by a later Step as a posterior precision N(h+δ)/τ that overflows.
// NewDiag, the engine, does not apply them (only its check of the initial
// precision).
const (
	// MaxDataSize bounds Config.DataSize: 10¹⁵ examples.
	MaxDataSize = 1e15
	// MaxPrecision bounds Config.PriorPrecision and Config.HessInit: a
	// prior standard deviation of 10⁻⁶, a curvature of 10¹² per example.
	MaxPrecision = 1e12
	// MaxTemperature bounds Config.Temperature.
	MaxTemperature = 1e6
)

// checkBounds fails for the first field of opt (filled from a Config)
// above its limit.
func (r *resolver) checkBounds(opt *DiagOptions) {
	for _, b := range []struct {
		field    string
		v, limit float64
		name     string
	}{
		{"DataSize", opt.DataSize, MaxDataSize, "MaxDataSize"},
		{"PriorPrecision", opt.PriorPrecision, MaxPrecision, "MaxPrecision"},
		{"HessInit", opt.HessInit, MaxPrecision, "MaxPrecision"},
		{"Temperature", opt.Temperature, MaxTemperature, "MaxTemperature"},
	} {
		if b.v > b.limit {
			r.fail(b.field, b.v, fmt.Sprintf("must be at most %g (%s)", b.limit, b.name))
		}
	}
}

// checker keeps the first configuration error of one optimizer's
// constructor, prefixed with the optimizer's name.
type checker struct {
	name string
	err  error
}

func (c *checker) fail(field string, v any, reason string) {
	if c.err == nil {
		c.err = &ConfigError{Field: field, Value: v, Reason: c.name + ": " + reason}
	}
}

// unused fails for the first of fields that value reports as set.
func (c *checker) unused(fields []string, value func(field string) (v any, set bool)) {
	for _, f := range fields {
		if v, set := value(f); set {
			c.fail(f, v, "not used by this optimizer")
		}
	}
}

// samples returns the Monte Carlo sample count n, default 1.
func (c *checker) samples(n int) int {
	switch {
	case n == 0:
		return 1
	case n < 0:
		c.fail("Samples", n, "must be ≥ 1")
	}
	return n
}

// resolver applies defaults and Off to a Config for one optimizer, keeping
// the first error.
type resolver struct {
	checker
	cfg Config
}

func newResolver(name string, cfg Config) *resolver {
	return &resolver{checker: checker{name: name}, cfg: cfg}
}

// float returns v, def when v is 0, and 0 when v is Off.
func (r *resolver) float(field string, v, def float64) float64 {
	switch {
	case v == 0:
		return def
	case v == Off:
		return 0
	case v < 0 || math.IsNaN(v):
		r.fail(field, v, "must be ≥ 0 (blr.Off asks for an explicit zero)")
	}
	return v
}

// unused fails if any of the named fields is set.
func (r *resolver) unused(fields ...string) {
	r.checker.unused(fields, func(f string) (any, bool) { return fieldValue(&r.cfg, f) })
}

// fieldValue returns the value of field f of c and whether it is set.
func fieldValue(c *Config, f string) (any, bool) {
	switch f {
	case "DataSize":
		return c.DataSize, c.DataSize != 0
	case "PriorPrecision":
		return c.PriorPrecision, c.PriorPrecision != 0
	case "LR":
		return c.LR, c.LR != 0
	case "Beta1":
		return c.Beta1, c.Beta1 != 0
	case "Beta2":
		return c.Beta2, c.Beta2 != 0
	case "HessInit":
		return c.HessInit, c.HessInit != 0
	case "Eps":
		return c.Eps, c.Eps != 0
	case "Samples":
		return c.Samples, c.Samples != 0
	case "Steps":
		return c.Steps, c.Steps != 0
	case "Curvature":
		return c.Curvature, c.Curvature != CurvDefault
	case "ClipRadius":
		return c.ClipRadius, c.ClipRadius != 0
	case "Temperature":
		return c.Temperature, c.Temperature != 0
	}
	return nil, false
}

// samples returns Samples, default 1.
func (r *resolver) samples() int { return r.checker.samples(r.cfg.Samples) }

// curvature returns Curvature, def when unset, checking it is one of allowed.
func (r *resolver) curvature(def CurvatureKind, allowed ...CurvatureKind) CurvatureKind {
	k := r.cfg.Curvature
	if k == CurvDefault {
		return def
	}
	for _, a := range allowed {
		if k == a {
			return k
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = a.String()
	}
	r.fail("Curvature", k, "want one of "+strings.Join(names, ", "))
	return def
}

// dataSize returns DataSize, failing when required and missing.
func (r *resolver) dataSize(required bool) float64 {
	n := r.cfg.DataSize
	switch {
	case n < 0 || math.IsNaN(n) || math.IsInf(n, 0):
		r.fail("DataSize", n, "must be finite and > 0")
	case n == 0 && required:
		r.fail("DataSize", n, "required: the number of training examples N (the posterior precision is N(h+δ))")
	}
	return n
}

// beta2 returns Beta2: def when given, else chosen from Steps by Beta2For;
// with Steps unknown it notes on Warn that the fallback is used.
func (r *resolver) beta2FromSteps() float64 {
	if r.cfg.Beta2 != 0 {
		return r.float("Beta2", r.cfg.Beta2, 0)
	}
	if r.cfg.Steps == 0 && r.cfg.Warn != nil {
		fmt.Fprintf(r.cfg.Warn, "blr: %s: Steps not set, so Beta2 = %g (learns within about 5000 steps); set Steps to choose Beta2 for the run\n", r.name, Beta2For(0))
	}
	return Beta2For(r.cfg.Steps)
}

// build finishes: the first resolution error, else NewDiag.
func build[F Float](r *resolver, params []F, opt DiagOptions) (*Diag[F], error) {
	r.checkBounds(&opt)
	if r.err != nil {
		return nil, r.err
	}
	opt.Steps, opt.Warn = r.cfg.Steps, r.cfg.Warn
	d, err := NewDiag(params, opt)
	if err != nil {
		if ce, ok := err.(*ConfigError); ok {
			ce.Reason = r.name + ": " + ce.Reason
		}
		return nil, err
	}
	d.name = r.name
	return d, nil
}

// names lists the optimizers New knows, by their --optimizer names.
var names = []string{"adam", "adamw", "iblr-diag", "ivon", "ogn", "rmsprop", "sgd", "vadam", "vogn"}

// Names lists the optimizer names New accepts, sorted: adam, adamw,
// iblr-diag, ivon, ogn, rmsprop, sgd, vadam, vogn.
func Names() []string { return append([]string(nil), names...) }

// New builds the optimizer with the given name (as `--optimizer` spells it:
// see Names) over params.
func New[F Float](name string, params []F, cfg Config) (*Diag[F], error) {
	switch name {
	case "sgd":
		return SGD(params, cfg)
	case "rmsprop":
		return RMSprop(params, cfg)
	case "adam":
		return Adam(params, cfg)
	case "adamw":
		return AdamW(params, cfg)
	case "ogn":
		return OGN(params, cfg)
	case "vogn":
		return VOGN(params, cfg)
	case "vadam":
		return Vadam(params, cfg)
	case "ivon":
		return IVON(params, cfg)
	case "iblr-diag":
		return IBLRDiag(params, cfg)
	}
	return nil, &ConfigError{Field: "optimizer", Value: name, Reason: "unknown; want one of " + strings.Join(names, ", ")}
}
