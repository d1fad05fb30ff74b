package continual

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
)

// Seed streams: each kind of draw gets its own generator derived from
// Config.Seed, so that adding a draw of one kind never shifts another.
const (
	streamInit  = 0x696e6974   // "init": the initial weights
	streamBatch = 0x6261746368 // "batch": the minibatch order of a task
	streamNoise = 0x6e6f697365 // "noise": the training weight noise
	streamLabel = 0x6c6162656c // "label": Monte Carlo labels
	streamEval  = 0x6576616c   // "eval": the test-time posterior samples
	streamJoint = 0x6a6f696e74 // "joint": the joint runs' minibatch orders
)

// mix64 is SplitMix64's finaliser, a bijection that scatters nearby seeds.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// derive is the seed of draw i of a stream.
func derive(seed, stream, i uint64) uint64 { return mix64(mix64(seed^stream) + i) }

// cosine is the learning rate of step s of S: α·½(1+cos(πs/S)), > 0 for s < S.
func cosine(alpha float64, s, total int) float64 {
	return alpha * 0.5 * (1 + math.Cos(math.Pi*float64(s)/float64(total)))
}

// learner trains one engine on the union of some tasks: one task and one
// head's network (sequential training, direct), or several tasks and the
// full network (joint training).
type learner struct {
	m       *model
	opt     *blr.Diag[float32]
	tasks   []Task
	offsets []int // offsets[i]: the first index of tasks[i] in the union; last: N
	bt      *data.Batcher
	noise   blr.FastNormals[float32]
	orc     *oracle
	xs      [][]float32 // per head: the minibatch's images
	ys      [][]int     // per head: their labels
	epochs  int
	alpha   float64 // the base learning rate
}

// newLearner builds the engine optimizer over params (one head's network
// when direct, else the full network) for tasks, with the protocol's
// settings: the optimizer's defaults, DataSize the union's size and Steps
// epochs·⌈N/batch⌉.
func newLearner(m *model, optimizer string, params []float32, tasks []Task, direct bool, epochs, batch int, batchSeed, noiseKey, labelSeed uint64) (*learner, error) {
	l := &learner{m: m, tasks: tasks, epochs: epochs}
	n := 0
	for _, t := range tasks {
		l.offsets = append(l.offsets, n)
		n += t.Train.N
	}
	l.offsets = append(l.offsets, n)
	bt, err := data.NewBatcher(n, batch, batchSeed)
	if err != nil {
		return nil, &ConfigError{Field: "batch", Value: batch, Reason: err.Error()}
	}
	l.bt = bt
	steps := float64(bt.BatchesPerEpoch()) * float64(epochs)
	if steps > math.MaxInt32 {
		return nil, &ConfigError{Field: "epochs", Value: epochs, Reason: fmt.Sprintf("%d epochs of %d steps are too many", epochs, bt.BatchesPerEpoch())}
	}
	cfg := protocolSettings[optimizer]
	cfg.DataSize, cfg.Steps = float64(n), int(steps)
	opt, err := blr.New(optimizer, params, cfg)
	if err != nil {
		return nil, fmt.Errorf("continual: %s: %w", optimizer, err)
	}
	l.opt = opt
	l.alpha = opt.LR()
	l.noise = blr.FastNormals[float32]{Key: noiseKey}
	l.orc = &oracle{m: m, direct: direct, rnd: rand.New(rand.NewPCG(labelSeed, streamLabel))}
	l.xs = make([][]float32, m.heads)
	l.ys = make([][]int, m.heads)
	return l, nil
}

// protocolSettings pins each optimizer's settings to those the protocol was
// fixed with (the library defaults of the time), so that the published
// results do not move when the library's defaults change.
var protocolSettings = map[string]blr.Config{
	"ivon":  {LR: 0.1, HessInit: 0.5, PriorPrecision: 1},
	"vogn":  {LR: 1e-2, PriorPrecision: 1},
	"vadam": {LR: 1e-3, PriorPrecision: 1},
	"ogn":   {LR: 1e-2, PriorPrecision: 1},
	"adam":  {LR: 1e-3},
}

// totalSteps is the number of steps of the run.
func (l *learner) totalSteps() int { return l.bt.BatchesPerEpoch() * l.epochs }

// assemble sorts the examples idx of the union into their heads' groups.
func (l *learner) assemble(idx []int) {
	d := l.tasks[0].Train.D
	for h := range l.xs {
		l.xs[h], l.ys[h] = l.xs[h][:0], l.ys[h][:0]
	}
	for _, g := range idx {
		k := 0
		for g >= l.offsets[k+1] {
			k++
		}
		t := &l.tasks[k]
		i := g - l.offsets[k]
		h := t.Head
		n := len(l.xs[h])
		if cap(l.xs[h]) < n+d {
			grown := make([]float32, n, 2*(n+d))
			copy(grown, l.xs[h])
			l.xs[h] = grown
		}
		l.xs[h] = l.xs[h][:n+d]
		row(l.xs[h][n:], t.Train, i, t.Perm)
		l.ys[h] = append(l.ys[h], t.Train.Y[i])
	}
	l.orc.groups = l.orc.groups[:0]
	for h := range l.xs {
		if len(l.ys[h]) > 0 {
			l.orc.groups = append(l.orc.groups, group{head: h, x: l.xs[h], labels: l.ys[h]})
		}
	}
}

// run takes every step of the run.
func (l *learner) run() error {
	total := l.totalSteps()
	for s := range total {
		if err := l.opt.SetLR(cosine(l.alpha, s, total)); err != nil {
			return err
		}
		idx, ok := l.bt.Next()
		if !ok { // the previous step ended an epoch
			idx, ok = l.bt.Next()
		}
		if !ok {
			return fmt.Errorf("continual: internal error: no minibatch at step %d", s)
		}
		l.assemble(idx)
		if l.orc.direct && len(l.orc.groups) != 1 {
			return fmt.Errorf("continual: internal error: %d heads in a one-head minibatch", len(l.orc.groups))
		}
		if _, err := l.opt.Step(l.orc, &l.noise); err != nil {
			return fmt.Errorf("continual: step %d of %d (epoch %d): %w", s+1, total, s/l.bt.BatchesPerEpoch()+1, err)
		}
	}
	return nil
}

// setPrior makes the posterior of the earlier tasks, N(mean, diag(prec)⁻¹)
// gathered for the current head's network, the prior of opt: δ = τ·prec/N
// and m₀ = mean, so that the prior's share of the precision N(h+δ)/τ is
// prec. Parameters i ≥ fresh (a head no earlier task trained; fresh =
// len(mean) when there is none) keep the initial prior N(0, P₀⁻¹).
func setPrior(opt *blr.Diag[float32], mean, prec []float32, fresh int) error {
	o := opt.Options()
	m0 := make([]float32, len(mean))
	p0 := make([]float32, len(prec))
	for i := range mean {
		if i >= fresh {
			m0[i], p0[i] = 0, float32(o.PriorPrecision)
			continue
		}
		m0[i] = mean[i]
		p0[i] = float32(o.Temperature * float64(prec[i]))
	}
	return opt.SetPrior(m0, p0)
}
