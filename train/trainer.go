package train

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/nn"
)

// ErrDone is returned by Trainer.Step once the run has taken all its steps.
var ErrDone = errors.New("train: the run has finished all its epochs")

// ErrEpochEval is wrapped by the error Trainer.Epoch returns when the
// evaluation after the epoch (SetEpochEval) fails; the epoch itself was
// taken, and the run can go on.
var ErrEpochEval = errors.New("train: the evaluation after the epoch failed")

// StepError reports a step that was refused. Nothing changed: the weights,
// the optimizer's state, the data position and the generators are those
// before the step, so the caller may change something (the learning rate)
// and retry, or save the state.
type StepError struct {
	Step  int   // the step that failed, counting from 0
	Epoch int   // its epoch, counting from 0
	Err   error // the cause: a *blr.NonFiniteError, an expfam.DomainError, …
}

// Error says which step failed and why.
func (e *StepError) Error() string {
	return fmt.Sprintf("train: step %d (epoch %d) refused, state unchanged: %v", e.Step, e.Epoch+1, e.Err)
}

// Unwrap returns the cause.
func (e *StepError) Unwrap() error { return e.Err }

// Seed streams: each kind of draw gets its own generator derived from
// Config.Seed, so that adding a draw of one kind never shifts another.
const (
	streamInit  = 0x696e6974   // "init": the initial weights
	streamNoise = 0x6e6f697365 // "noise": the training weight noise
	streamLabel = 0x6c6162656c // "label": Monte Carlo labels, dropout masks
	streamEval  = 0x6576616c   // "eval": the test-time posterior samples
)

// mix64 is SplitMix64's finaliser, a bijection that scatters nearby seeds.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Trainer is one training run. It is not safe for concurrent use.
type Trainer struct {
	cfg    Config
	set    *data.Set
	crc    uint32
	net    *nn.Network[float32]
	twin   *nn.Network[float32] // the prediction network (dropout), built when first needed
	params []float32            // the network's weights, as the optimizer keeps them
	opt    Optimizer
	baseLR float64 // the optimizer's resolved step size, which the schedule scales
	bt     *data.Batcher
	noise  blr.FastNormals[float32]
	pcg    *rand.PCG
	rnd    *rand.Rand
	bpe    int // batches per epoch
	step   int // steps taken (= opt.Steps())

	x       []float32 // the current minibatch
	labels  []int
	batch   nn.Batch[float32]
	buffers []float32 // the batch-norm statistics before the step (restored if it fails)

	elapsed time.Duration // time spent in Step in this process
	images  int64         // examples trained on in this process

	// The epoch in progress (in this process) and the finished ones.
	epochLoss     float64
	epochExamples int
	epochSteps    int
	epochTime     time.Duration
	history       []EpochRecord
	evalSet       *data.Set // evaluated after every epoch when not nil (SetEpochEval)
	evalOOD       *data.Set
	evalFull      bool

	// corrupt, when set (tests), may damage the gradient the oracle returns.
	corrupt func(step int, grad []float32)
}

// StepInfo reports one step.
type StepInfo struct {
	Step     int     // steps taken so far, including this one
	Epoch    int     // the epoch of this step, counting from 0
	Loss     float64 // the minibatch mean loss at the sampled (or mean) weights
	Examples int     // the minibatch size
}

// EpochInfo reports one call of Trainer.Epoch.
type EpochInfo struct {
	Epoch    int           // the epoch that ended, counting from 1 (or the one in progress when the run was already past its start)
	Steps    int           // the steps this call took
	Examples int           // the examples they trained on
	Loss     float64       // their mean loss, weighted by example
	Elapsed  time.Duration // the time spent in Step
}

// New starts a run of cfg on the training set train (a set of 28×28 images
// with labels in [0, 10), for example from LoadSets). Warnings of the
// optimizer (a β₂ too close to 1 for the run's length) go to warn if it is
// not nil. Invalid settings give a *ConfigError naming the flag.
func New(cfg Config, train *data.Set, warn io.Writer) (*Trainer, error) {
	return newTrainer(cfg, train, warn, true)
}

// newTrainer builds a run. With init the initial weights are drawn before
// the optimizer is built (the binary optimizers start λ from them); Resume
// passes false and overwrites the state.
func newTrainer(cfg Config, train *data.Set, warn io.Writer, init bool) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.normalize()
	if err := CheckSet(train, "training set"); err != nil {
		return nil, err
	}
	net, err := newNetwork(&cfg)
	if err != nil {
		return nil, err
	}
	bt, err := data.NewBatcher(train.N, cfg.Batch, cfg.Seed)
	if err != nil {
		return nil, &ConfigError{Field: "batch", Value: cfg.Batch, Reason: err.Error()}
	}
	bpe := bt.BatchesPerEpoch()
	total := float64(bpe) * float64(cfg.Epochs)
	if total > math.MaxInt32 {
		return nil, &ConfigError{Field: "epochs", Value: cfg.Epochs, Reason: fmt.Sprintf("%d epochs of %d steps are too many", cfg.Epochs, bpe)}
	}
	params := make([]float32, net.NumParams())
	if init {
		if err := net.Init(params, rand.New(rand.NewPCG(cfg.Seed, streamInit))); err != nil {
			return nil, err
		}
	}
	spec, _ := Lookup(cfg.Optimizer) // Validate checked the name
	opt, err := spec.Build(cfg, net, params, train.N, int(total), warn)
	if err != nil {
		return nil, err
	}
	pcg := rand.NewPCG(cfg.Seed, streamLabel)
	t := &Trainer{
		cfg: cfg, set: train, crc: fingerprint(train), net: net, params: params, opt: opt, baseLR: opt.LR(), bt: bt,
		noise: blr.FastNormals[float32]{Key: mix64(cfg.Seed ^ streamNoise)},
		pcg:   pcg, rnd: rand.New(pcg), bpe: bpe,
	}
	net.SetRand(t.rnd)
	return t, nil
}

// Config returns the run's configuration (with Hidden filled in).
func (t *Trainer) Config() Config {
	c := t.cfg
	c.Hidden = slices.Clone(c.Hidden)
	return c
}

// Optimizer returns the run's optimizer (live).
func (t *Trainer) Optimizer() Optimizer { return t.opt }

// Engine returns the optimizer's engine of package blr, live: a
// *blr.Diag[float32] (sgd … iblr-diag), *blr.Binary[float32] (ste,
// binaryconnect, bayesbinn), *blr.Dropout[float32] or
// *blr.DiagMixture[float32]; nil for a registered optimizer without an
// Engine() any method.
func (t *Trainer) Engine() any {
	if e, ok := t.opt.(interface{ Engine() any }); ok {
		return e.Engine()
	}
	return nil
}

// Weights returns the network's parameter vector as the optimizer keeps it
// (live): the mean (Gaussian, dropout; component 0's for a mixture) or the
// mode network sign λ (binary).
func (t *Trainer) Weights() []float32 { return t.params }

// Network returns the network the run trains.
func (t *Trainer) Network() *nn.Network[float32] { return t.net }

// StepsPerEpoch is the number of minibatches in an epoch, ⌈N/B⌉.
func (t *Trainer) StepsPerEpoch() int { return t.bpe }

// TotalSteps is the number of steps of the whole run, Epochs·StepsPerEpoch.
func (t *Trainer) TotalSteps() int { return t.bpe * t.cfg.Epochs }

// Steps is the number of steps taken.
func (t *Trainer) Steps() int { return t.step }

// EpochsDone is the number of completed epochs.
func (t *Trainer) EpochsDone() int { return t.step / t.bpe }

// Done reports whether the run has taken all its steps.
func (t *Trainer) Done() bool { return t.step >= t.TotalSteps() }

// Position returns the data loader's state: the epoch (from 0) and the
// number of examples of it already dealt out. At the end of an epoch it is
// (next epoch, 0).
func (t *Trainer) Position() (epoch, pos int) {
	epoch = t.step / t.bpe
	return epoch, min((t.step%t.bpe)*t.cfg.Batch, t.set.N)
}

// Throughput returns how many examples the Steps of this process trained on
// and the time they took (the training loop alone: no evaluation, loading or
// saving).
func (t *Trainer) Throughput() (images int64, elapsed time.Duration) {
	return t.images, t.elapsed
}

// LRAt is the step size of step s (from 0) under the run's schedule: the
// optimizer's resolved α, or α·½(1+cos(πs/T)) with Schedule "cosine".
func (t *Trainer) LRAt(s int) float64 {
	if t.cfg.Schedule != "cosine" {
		return t.baseLR
	}
	return t.baseLR * 0.5 * (1 + math.Cos(math.Pi*float64(s)/float64(t.TotalSteps())))
}

// Step takes one minibatch step. A refused step returns a *StepError and
// changes nothing; after the last step it returns ErrDone. With a schedule
// the step size is set before every step (LRAt); without one, SetLR on the
// Optimizer between steps changes it.
func (t *Trainer) Step() (StepInfo, error) {
	if t.Done() {
		return StepInfo{}, ErrDone
	}
	start := time.Now()
	epoch, pos := t.Position()
	idx, ok := t.bt.Next()
	if !ok { // the previous step ended an epoch
		idx, ok = t.bt.Next()
	}
	if !ok || t.bt.Epoch() != epoch {
		return StepInfo{}, fmt.Errorf("train: internal error: data loader at epoch %d, want %d", t.bt.Epoch(), epoch)
	}
	t.gather(idx)
	if t.cfg.Schedule != "" {
		if err := t.opt.SetLR(t.LRAt(t.step)); err != nil {
			return StepInfo{}, &StepError{Step: t.step, Epoch: epoch, Err: errors.Join(err, t.bt.Seek(epoch, pos))}
		}
	}
	key, pcg := t.noise.Key, *t.pcg
	buf := t.net.Buffers()
	t.buffers = append(t.buffers[:0], buf...)
	loss, err := t.opt.Step(oracle{t}, &t.noise, t.rnd)
	if err != nil {
		t.noise.Key, *t.pcg = key, pcg
		copy(buf, t.buffers)
		if serr := t.bt.Seek(epoch, pos); serr != nil {
			err = errors.Join(err, serr)
		}
		return StepInfo{}, &StepError{Step: t.step, Epoch: epoch, Err: err}
	}
	t.step++
	took := time.Since(start)
	t.elapsed += took
	t.images += int64(len(idx))
	t.epochLoss += loss * float64(len(idx))
	t.epochExamples += len(idx)
	t.epochSteps++
	t.epochTime += took
	if t.step%t.bpe == 0 {
		t.history = append(t.history, EpochRecord{Epoch: t.step / t.bpe, Steps: t.epochSteps,
			TrainLoss: t.epochLoss / float64(max(t.epochExamples, 1)), Seconds: t.epochTime.Seconds()})
		t.epochLoss, t.epochExamples, t.epochSteps, t.epochTime = 0, 0, 0, 0
	}
	return StepInfo{Step: t.step, Epoch: epoch, Loss: loss, Examples: len(idx)}, nil
}

// Epoch takes steps up to the end of the current epoch (or of the run),
// calling progress, if not nil, after each. It stops at the first refused
// step and returns its *StepError with the steps taken before it reported.
// When the epoch ends and SetEpochEval gave an evaluation set, it evaluates
// the posterior and adds the scores to the epoch's EpochRecord (History);
// that time is not part of the training time. A failed evaluation returns
// an error wrapping ErrEpochEval after the epoch's steps.
func (t *Trainer) Epoch(progress func(StepInfo)) (EpochInfo, error) {
	ei := EpochInfo{Epoch: t.step/t.bpe + 1}
	var sum float64
	for !t.Done() {
		before := t.elapsed
		si, err := t.Step()
		if err != nil {
			if ei.Examples > 0 {
				ei.Loss = sum / float64(ei.Examples)
			}
			return ei, err
		}
		ei.Steps++
		ei.Examples += si.Examples
		ei.Elapsed += t.elapsed - before
		sum += si.Loss * float64(si.Examples)
		if progress != nil {
			progress(si)
		}
		if t.step%t.bpe == 0 {
			break
		}
	}
	if ei.Examples > 0 {
		ei.Loss = sum / float64(ei.Examples)
	}
	if ei.Steps > 0 && t.step%t.bpe == 0 && t.evalSet != nil {
		if err := t.evalEpoch(&t.history[len(t.history)-1]); err != nil {
			return ei, fmt.Errorf("%w (epoch %d): %w", ErrEpochEval, ei.Epoch, err)
		}
	}
	return ei, nil
}

// gather copies the examples idx into the minibatch buffers.
func (t *Trainer) gather(idx []int) {
	d := t.set.D
	n := len(idx)
	if cap(t.x) < n*d {
		t.x = make([]float32, n*d)
		t.labels = make([]int, n)
	}
	t.x, t.labels = t.x[:n*d], t.labels[:n]
	for k, i := range idx {
		copy(t.x[k*d:(k+1)*d], t.set.X[i*d:(i+1)*d])
		t.labels[k] = t.set.Y[i]
	}
	t.batch = nn.Batch[float32]{X: t.x, Labels: t.labels}
}

// oracle evaluates the network on the current minibatch for the engine.
type oracle struct{ t *Trainer }

// Eval implements blr.Oracle.
func (o oracle) Eval(theta, grad, curv []float32, kind blr.CurvatureKind) (float64, error) {
	t := o.t
	var loss float64
	var err error
	switch kind {
	case blr.CurvEmpiricalFisher:
		loss, err = t.net.EmpiricalFisherDiag(curv, grad, theta, t.batch)
	case blr.CurvMCFisher:
		loss, err = t.net.MCFisherDiag(curv, grad, theta, t.batch, t.rnd)
	case blr.CurvGGNDiag:
		loss, err = t.net.GGNDiag(curv, grad, theta, t.batch)
	case blr.CurvExactDiag:
		return 0, &ConfigError{Field: "curvature", Value: kind.String(), Reason: "networks supply empirical-fisher, mc-fisher or ggn-diag, not the exact Hessian diagonal"}
	default:
		loss, err = t.net.Loss(grad, theta, t.batch)
	}
	if err != nil {
		return 0, err
	}
	if t.corrupt != nil {
		t.corrupt(t.step, grad)
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return 0, &blr.NonFiniteError{Field: "loss", Index: 0, Value: loss}
	}
	return loss, nil
}
