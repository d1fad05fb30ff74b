package train

import (
	"io"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/nn"
)

// mixtureSettings are the mixture's resolved settings as stored in the
// state: K and the settings every IVON component shares.
type mixtureSettings struct {
	Components int            `json:"components"`
	Component  engineSettings `json:"component"`
}

// mixtureOpt is a mixture of K diagonal Gaussians trained by the rule
// (blr.MixtureIVON): K IVON components fed the same minibatches, component
// k started from its own initial weights, equal weights 1/K.
//
// With batch norm every component keeps its own running statistics, as K
// separate networks would: component 0's are the network's own buffers
// (so that K = 1 is the ivon run), component k ≥ 1's are bufs[k], swapped
// into the network around each of component k's evaluations.
type mixtureOpt struct {
	m        *blr.DiagMixture[float32]
	settings mixtureSettings
	net      *nn.Network[float32]
	bufs     [][]float32 // bufs[k], k ≥ 1: component k's batch-norm statistics (nil without batch norm)
	snap     [][]float32 // bufs before the step in progress
	scratch  []float32   // component 0's statistics while another component's are in the network
}

// buildMixture builds blr.MixtureIVON with K = cfg.Components components:
// component 0 over params (the run's initial weights, so that K = 1 is the
// ivon run of the same seed), component k over weights drawn from the
// k-th initialisation stream of the seed. The hyperparameter flags are
// IVON's.
func buildMixture(cfg Config, net *nn.Network[float32], params []float32, n, steps int, warn io.Writer) (Optimizer, error) {
	k := cfg.Components
	if k < 1 {
		return nil, &ConfigError{Field: "components", Value: k, Reason: "must be ≥ 1"}
	}
	ps := make([][]float32, k)
	ps[0] = params
	for i := 1; i < k; i++ {
		ps[i] = make([]float32, len(params))
		if err := net.Init(ps[i], rand.New(rand.NewPCG(cfg.Seed, streamInit+uint64(i)))); err != nil {
			return nil, err
		}
	}
	ecfg := engineConfig(&cfg, n, steps)
	ecfg.Warn = warn
	m, err := blr.MixtureIVON(ps, ecfg)
	if err != nil {
		return nil, engineError(err)
	}
	o := &mixtureOpt{m: m, settings: mixtureSettings{Components: k, Component: settingsOf(m.Component(0))}, net: net}
	if b := net.Buffers(); len(b) > 0 && k > 1 {
		// Every component starts from the network's initial statistics.
		o.bufs, o.snap = make([][]float32, k), make([][]float32, k)
		for i := 1; i < k; i++ {
			o.bufs[i], o.snap[i] = slices.Clone(b), make([]float32, len(b))
		}
		o.scratch = make([]float32, len(b))
	}
	return o, nil
}

func (o *mixtureOpt) Step(or blr.Oracle[float32], normals blr.Normals[float32], _ *rand.Rand) (float64, error) {
	if o.bufs == nil {
		info, err := o.m.Step(or, normals)
		return info.Loss, err
	}
	for k := 1; k < len(o.bufs); k++ {
		copy(o.snap[k], o.bufs[k])
	}
	info, err := o.m.StepComponents(func(k int) blr.Oracle[float32] {
		if k == 0 {
			return or
		}
		return componentOracle{o: or, live: o.net.Buffers(), own: o.bufs[k], scratch: o.scratch}
	}, normals)
	if err != nil {
		for k := 1; k < len(o.bufs); k++ {
			copy(o.bufs[k], o.snap[k])
		}
	}
	return info.Loss, err
}

// componentOracle evaluates the network for a component k ≥ 1 of the
// mixture with that component's batch-norm statistics: it swaps them into
// the network's buffers, evaluates (which, in training mode, moves them),
// keeps what the evaluation left, and puts component 0's back.
type componentOracle struct {
	o            blr.Oracle[float32]
	live         []float32 // the network's buffers
	own, scratch []float32 // the component's statistics; room for component 0's
}

// Eval implements blr.Oracle.
func (c componentOracle) Eval(theta, grad, curv []float32, kind blr.CurvatureKind) (float64, error) {
	copy(c.scratch, c.live)
	copy(c.live, c.own)
	loss, err := c.o.Eval(theta, grad, curv, kind)
	copy(c.own, c.live)
	copy(c.live, c.scratch)
	return loss, err
}

func (o *mixtureOpt) LR() float64            { return o.m.Component(0).LR() }
func (o *mixtureOpt) SetLR(lr float64) error { return engineError(o.m.SetLR(lr)) }
func (o *mixtureOpt) Steps() int             { return o.m.Component(0).Steps() }
func (o *mixtureOpt) Restored() error        { return nil }
func (o *mixtureOpt) Settings() any          { return o.settings }
func (o *mixtureOpt) Engine() any            { return o.m }

// SetSteps sets every component's step count.
func (o *mixtureOpt) SetSteps(t int) error {
	for k := range o.m.Components() {
		if err := o.m.Component(k).SetSteps(t); err != nil {
			return err
		}
	}
	return nil
}

// State is, for each component k, its mean ("mean.k"), h ("hessian.k") and
// ḡ ("momentum.k"), and with batch norm the running statistics of the
// components k ≥ 1 ("buffers.k"; component 0's are the network's, which
// the Trainer saves as "buffers").
func (o *mixtureOpt) State() []StateTensor {
	var s []StateTensor
	for k := range o.m.Components() {
		c, suf := o.m.Component(k), "."+strconv.Itoa(k)
		s = append(s, StateTensor{tensorMean + suf, c.Mean()})
		if h := c.Hessian(); h != nil {
			s = append(s, StateTensor{tensorHessian + suf, h})
		}
		if g := c.Momentum(); g != nil {
			s = append(s, StateTensor{tensorMomentum + suf, g})
		}
	}
	for k := 1; k < len(o.bufs); k++ {
		s = append(s, StateTensor{tensorBuffers + "." + strconv.Itoa(k), o.bufs[k]})
	}
	return s
}

func (o *mixtureOpt) Posterior(p *Posterior) {
	k := o.m.Components()
	p.Family, p.Means, p.Precisions = FamilyMixture, make([][]float32, k), make([][]float32, k)
	for i := range k {
		c := o.m.Component(i)
		p.Means[i], p.Precisions[i] = slices.Clone(c.Mean()), c.Precision(nil)
	}
	p.Weights = o.m.Weights(nil)
	if b := o.net.Buffers(); len(b) > 0 {
		// Component k's statistics are block k of Buffers.
		p.Buffers = slices.Clone(b)
		for k := 1; k < len(o.bufs); k++ {
			p.Buffers = append(p.Buffers, o.bufs[k]...)
		}
	}
}
