package train

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/nn"
)

// engineSettings are a diagonal-Gaussian engine's resolved settings as
// stored in the state: a resumed run must resolve the same ones (a build
// whose defaults changed cannot continue a run bit-identically).
type engineSettings struct {
	Name                 string  `json:"name"`
	DataSize             float64 `json:"data_size"`
	PriorPrecision       float64 `json:"prior_precision"`
	LR                   float64 `json:"lr"`
	Beta1                float64 `json:"beta1"`
	Beta2                float64 `json:"beta2"`
	HessInit             float64 `json:"hess_init"`
	Curvature            string  `json:"curvature"`
	Sample               bool    `json:"sample"`
	Samples              int     `json:"samples"`
	Temperature          float64 `json:"temperature"`
	Sqrt                 bool    `json:"sqrt"`
	DebiasMomentum       bool    `json:"debias_momentum"`
	DebiasHessian        bool    `json:"debias_hessian"`
	Eps                  float64 `json:"eps"`
	Decay                string  `json:"decay"`
	PositivityPreserving bool    `json:"positivity_preserving"`
	ClipRadius           float64 `json:"clip_radius"`
	RescaleLR            bool    `json:"rescale_lr"`
	Steps                int     `json:"steps"`
}

// settingsOf reads the settings of an engine just built (its LR is the
// resolved base step size).
func settingsOf(d *blr.Diag[float32]) engineSettings {
	o := d.Options()
	return engineSettings{
		Name: d.Name(), DataSize: o.DataSize, PriorPrecision: o.PriorPrecision, LR: d.LR(),
		Beta1: o.Beta1, Beta2: o.Beta2, HessInit: o.HessInit, Curvature: o.Curvature.String(),
		Sample: o.Sample, Samples: o.Samples, Temperature: o.Temperature, Sqrt: o.Sqrt,
		DebiasMomentum: o.DebiasMomentum, DebiasHessian: o.DebiasHessian, Eps: o.Eps,
		Decay: o.Decay.String(), PositivityPreserving: o.PositivityPreserving,
		ClipRadius: o.ClipRadius, RescaleLR: o.RescaleLR, Steps: o.Steps,
	}
}

// diagOpt is an optimizer of package blr's diagonal-Gaussian engine (sgd,
// rmsprop, adam, adamw, ogn, vogn, vadam, ivon, iblr-diag): the posterior
// N(m, diag(N(h+δ)/τ)⁻¹), with state m, h and ḡ.
type diagOpt struct {
	d        *blr.Diag[float32]
	settings engineSettings
}

// diagBuilder builds the named optimizer with blr.New.
func diagBuilder(name string) Builder {
	return func(cfg Config, _ *nn.Network[float32], params []float32, n, steps int, warn io.Writer) (Optimizer, error) {
		ecfg := engineConfig(&cfg, n, steps)
		ecfg.Warn = warn
		d, err := blr.New(name, params, ecfg)
		if err != nil {
			return nil, engineError(err)
		}
		return &diagOpt{d: d, settings: settingsOf(d)}, nil
	}
}

func (o *diagOpt) Step(or blr.Oracle[float32], normals blr.Normals[float32], _ *rand.Rand) (float64, error) {
	info, err := o.d.Step(or, normals)
	return info.Loss, err
}

func (o *diagOpt) LR() float64            { return o.d.LR() }
func (o *diagOpt) SetLR(lr float64) error { return engineError(o.d.SetLR(lr)) }
func (o *diagOpt) Steps() int             { return o.d.Steps() }
func (o *diagOpt) SetSteps(t int) error   { return o.d.SetSteps(t) }

// Restored checks a state read from a file: every entry finite, h ≥ 0
// where the engine takes its square root, and a positive precision
// N(h+δ)/τ where it samples from it (so that a corrupt state is refused
// when it is read, not at the first step).
func (o *diagOpt) Restored() error {
	for _, s := range o.State() {
		for j, v := range s.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("%s[%d] = %g is not finite", s.Name, j, v)
			}
		}
	}
	opt := o.d.Options()
	if h := o.d.Hessian(); h != nil && opt.Sqrt {
		for j, v := range h {
			if v < 0 {
				return fmt.Errorf("%s[%d] = %g: %s takes its square root, it must be ≥ 0", tensorHessian, j, v, o.d.Name())
			}
		}
	}
	if h := o.d.Hessian(); h != nil && opt.Sample {
		for j, p := range o.d.Precision(nil) {
			if !(p > 0) || math.IsInf(float64(p), 0) {
				return fmt.Errorf("%s[%d] = %g gives the posterior precision N(h+δ)/τ = %g; it must be finite and > 0", tensorHessian, j, h[j], p)
			}
		}
	}
	return nil
}

func (o *diagOpt) Settings() any { return o.settings }
func (o *diagOpt) Engine() any   { return o.d }
func (o *diagOpt) Posterior(p *Posterior) {
	p.Family, p.Mean, p.Precision = FamilyGaussian, slices.Clone(o.d.Mean()), o.d.Precision(nil)
}

// State is the mean ("mean"), and h ("hessian") and ḡ ("momentum") where
// the optimizer keeps them.
func (o *diagOpt) State() []StateTensor {
	s := []StateTensor{{tensorMean, o.d.Mean()}}
	if h := o.d.Hessian(); h != nil {
		s = append(s, StateTensor{tensorHessian, h})
	}
	if g := o.d.Momentum(); g != nil {
		s = append(s, StateTensor{tensorMomentum, g})
	}
	return s
}
