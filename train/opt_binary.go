package train

import (
	"io"
	"math/rand/v2"
	"slices"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/nn"
)

// binarySettings are a binary engine's resolved settings as stored in the
// state.
type binarySettings struct {
	Name          string  `json:"name"`
	DataSize      float64 `json:"data_size"`
	LR            float64 `json:"lr"`
	Beta          float64 `json:"beta"`
	Estimator     string  `json:"estimator"`
	Samples       int     `json:"samples"`
	Temperature   float64 `json:"temperature"`
	Eps           float64 `json:"eps"`
	Entropy       bool    `json:"entropy"`
	PriorNatural  float64 `json:"prior_natural"`
	InitScale     float64 `json:"init_scale"`
	BinaryWeights int     `json:"binary_weights"`
}

// binaryOpt is one of the optimizers of binary weights (ste, binaryconnect,
// bayesbinn): a product of Bernoullis over the weights of the dense and
// convolution layers (binaryMask), held by its natural parameters λ; the
// biases keep their initial value. The network's weights are the mode
// network sign λ between steps.
type binaryOpt struct {
	b        *blr.Binary[float32]
	params   []float32
	settings binarySettings
}

// binaryBuilder builds STE, BinaryConnect or BayesBiNN (package blr's
// defaults: see blr.STE, blr.BinaryConnect and blr.BayesBiNN). --lr is η for
// ste and ρ for the others, --beta1 the momentum, --temperature BayesBiNN's
// τ, --bayesbinn-eps its ε and --train-samples its number of Gumbel samples.
func binaryBuilder(name string) Builder {
	return func(cfg Config, net *nn.Network[float32], params []float32, n, _ int, _ io.Writer) (Optimizer, error) {
		bc := blr.BinaryConfig{DataSize: float64(n), LR: cfg.LR, Beta1: cfg.Beta1, Temperature: cfg.Temperature, Eps: cfg.BayesBiNNEps, Mask: binaryMask(net)}
		if cfg.TrainSamples > 1 {
			bc.Samples = cfg.TrainSamples
		}
		var b *blr.Binary[float32]
		var err error
		switch name {
		case "ste":
			b, err = blr.STE(params, bc)
		case "binaryconnect":
			b, err = blr.BinaryConnect(params, bc)
		default:
			b, err = blr.BayesBiNN(params, bc)
		}
		if err != nil {
			return nil, engineError(err)
		}
		o := b.Options()
		return &binaryOpt{b: b, params: params, settings: binarySettings{
			Name: b.Name(), DataSize: o.DataSize, LR: b.LR(), Beta: o.Beta, Estimator: o.Estimator.String(),
			Samples: o.Samples, Temperature: o.Temperature, Eps: o.Eps, Entropy: o.Entropy,
			PriorNatural: o.PriorNatural, InitScale: o.InitScale, BinaryWeights: b.Dim(),
		}}, nil
	}
}

func (o *binaryOpt) Step(or blr.Oracle[float32], _ blr.Normals[float32], rnd *rand.Rand) (float64, error) {
	info, err := o.b.Step(or, rnd)
	return info.Loss, err
}

func (o *binaryOpt) LR() float64            { return o.b.LR() }
func (o *binaryOpt) SetLR(lr float64) error { return engineError(o.b.SetLR(lr)) }
func (o *binaryOpt) Steps() int             { return o.b.Steps() }
func (o *binaryOpt) SetSteps(t int) error   { return o.b.SetSteps(t) }
func (o *binaryOpt) Settings() any          { return o.settings }
func (o *binaryOpt) Engine() any            { return o.b }

// State is λ ("latent"), the network's weights ("params": sign λ and the
// fixed biases) and the momentum ("momentum") when β > 0.
func (o *binaryOpt) State() []StateTensor {
	s := []StateTensor{{tensorLatent, o.b.Latent()}, {tensorParams, o.params}}
	if m := o.b.Momentum(); m != nil {
		s = append(s, StateTensor{tensorMomentum, m})
	}
	return s
}

// Restored writes sign λ into the network's weights.
func (o *binaryOpt) Restored() error { return engineError(o.b.RestoreLatent()) }

func (o *binaryOpt) Posterior(p *Posterior) {
	p.Family, p.Latent, p.Mode = FamilyBernoulli, slices.Clone(o.b.Latent()), o.b.Mode(nil)
}
