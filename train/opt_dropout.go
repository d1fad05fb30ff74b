package train

import (
	"io"
	"math/rand/v2"
	"slices"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/internal/table"
	"github.com/bayesrule/blr/nn"
)

// dropoutSettings are the dropout optimizer's resolved settings as stored
// in the state.
type dropoutSettings struct {
	Name           string  `json:"name"`
	DataSize       float64 `json:"data_size"`
	LR             float64 `json:"lr"`
	PriorPrecision float64 `json:"prior_precision"`
	Dropout        float64 `json:"dropout"`
	Units          int     `json:"units"`
	Dropped        int     `json:"dropped_weights"`
}

// dropoutOpt is dropout-SGD as the Bayesian learning rule (blr.Dropout) on
// the network with non-inverted dropout layers (Layers): per-example masks
// drawn by the network in training mode, from the Trainer's generator.
type dropoutOpt struct {
	d        *blr.Dropout[float32]
	settings dropoutSettings
}

// buildDropout builds blr.Dropout over the network's weights, the mask
// groups read from its dropout layers (table.DropoutGroups): --lr is α on
// the mean loss, --prior-precision P₀ (weight decay (1−p)P₀/N).
func buildDropout(cfg Config, net *nn.Network[float32], params []float32, n, _ int, _ io.Writer) (Optimizer, error) {
	group, p, err := table.DropoutGroups(net)
	if err != nil {
		return nil, &ConfigError{Field: "dropout", Value: cfg.Dropout, Reason: err.Error()}
	}
	d, err := blr.NewDropout(params, blr.DropoutConfig{DataSize: float64(n), LR: cfg.LR, PriorPrecision: cfg.PriorPrecision, Group: group, P: p})
	if err != nil {
		return nil, engineError(err)
	}
	dropped := 0
	for _, u := range group {
		if u >= 0 {
			dropped++
		}
	}
	p0 := cfg.PriorPrecision
	if p0 == blr.Off {
		p0 = 0
	}
	return &dropoutOpt{d: d, settings: dropoutSettings{Name: d.Name(), DataSize: float64(n), LR: d.LR(),
		PriorPrecision: p0, Dropout: cfg.Dropout, Units: len(p), Dropped: dropped}}, nil
}

func (o *dropoutOpt) Step(or blr.Oracle[float32], _ blr.Normals[float32], _ *rand.Rand) (float64, error) {
	info, err := o.d.Step(or)
	return info.Loss, err
}

func (o *dropoutOpt) LR() float64            { return o.d.LR() }
func (o *dropoutOpt) SetLR(lr float64) error { return engineError(o.d.SetLR(lr)) }
func (o *dropoutOpt) Steps() int             { return o.d.Steps() }
func (o *dropoutOpt) SetSteps(t int) error   { return o.d.SetSteps(t) }
func (o *dropoutOpt) Restored() error        { return nil }
func (o *dropoutOpt) Settings() any          { return o.settings }
func (o *dropoutOpt) Engine() any            { return o.d }

// State is the mean m ("mean").
func (o *dropoutOpt) State() []StateTensor { return []StateTensor{{tensorMean, o.d.Mean()}} }

func (o *dropoutOpt) Posterior(p *Posterior) {
	m := o.d.Mean()
	p.Family, p.Mean = FamilyDropout, slices.Clone(m)
	p.DropProb = make([]float32, len(m))
	for j := range m {
		p.DropProb[j] = float32(o.d.DropProb(j))
	}
	v := o.d.Variance(nil)
	p.Variance = make([]float32, len(v))
	for j, x := range v {
		p.Variance[j] = float32(x)
	}
}
