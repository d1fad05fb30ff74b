package train

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/bayesrule/blr/checkpoint"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/internal/randn"
	"github.com/bayesrule/blr/metrics"
	"github.com/bayesrule/blr/nn"
)

// Posterior is a diagonal Gaussian q = N(Mean, diag(Precision)⁻¹) over the
// weights of the network that Config describes, with the precision on the
// scale of the summed loss (N(h+δ)/τ in the optimizer's terms). It is what
// posterior.safetensors holds.
type Posterior struct {
	Config    Config    // the run that produced it: model, data, optimizer, seed, hyperparameters
	DataSize  int       // the number of training examples N
	Steps     int       // the steps taken
	Mean      []float32 // m
	Precision []float32 // the posterior precision, ≥ 0
	// Engine holds the optimizer's resolved settings as JSON (β₂ chosen
	// for the run, the prior precision, …), for people; "" when unknown.
	Engine string
}

// Posterior returns a copy of the current posterior: the mean weights and
// the precision N(h+δ)/τ.
func (t *Trainer) Posterior() *Posterior {
	return &Posterior{
		Config: t.Config(), DataSize: t.set.N, Steps: t.step,
		Mean: slices.Clone(t.opt.Mean()), Precision: t.opt.Precision(nil), Engine: t.Settings(),
	}
}

// WriteFile writes the posterior to path as a checkpoint of kind
// "posterior" (tensors "mean" and "precision", F32; metadata: algorithm,
// family, hyperparameters (the Config), data_size, step, model and, when
// known, engine), atomically.
func (p *Posterior) WriteFile(path string) error {
	m, err := commonMeta(&p.Config, p.DataSize, p.Steps)
	if err != nil {
		return fmt.Errorf("train: saving the posterior: %w", err)
	}
	if p.Engine != "" {
		m[keyEngine] = p.Engine
	}
	f := &checkpoint.File{Kind: checkpoint.KindPosterior, Meta: m, Tensors: []checkpoint.Tensor{
		checkpoint.NewFloat32(tensorMean, p.Mean),
		checkpoint.NewFloat32(tensorPrecision, p.Precision),
	}}
	if err := checkpoint.WriteFile(path, f); err != nil {
		return fmt.Errorf("train: saving the posterior: %w", err)
	}
	return nil
}

// ReadPosterior reads a posterior written by Posterior.WriteFile (or
// Trainer.Save) and checks it against its model: the tensor shapes, and a
// precision ≥ 0.
func ReadPosterior(path string) (*Posterior, error) {
	f, err := checkpoint.ReadFile(path)
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("train: %s is not a usable posterior: %s", path, fmt.Sprintf(format, args...))
	}
	if f.Kind != checkpoint.KindPosterior {
		return nil, bad("it is a %q checkpoint", f.Kind)
	}
	p := &Posterior{}
	if err := readCommon(f, &p.Config, &p.DataSize, &p.Steps); err != nil {
		return nil, bad("%v", err)
	}
	net, err := newNetwork(&p.Config)
	if err != nil {
		return nil, bad("%v", err)
	}
	n := net.NumParams()
	mean, err := f.Float32(tensorMean, n)
	if err != nil {
		return nil, bad("%v", err)
	}
	prec, err := f.Float32(tensorPrecision, n)
	if err != nil {
		return nil, bad("%v", err)
	}
	for j, v := range prec {
		if v < 0 {
			return nil, bad("precision[%d] = %g is negative", j, v)
		}
	}
	p.Mean, p.Precision = mean, prec
	p.Engine = f.Meta[keyEngine]
	return p, nil
}

// Scores are the metrics of one predictive on a test set.
type Scores struct {
	metrics.Summary
	// OODAUROC is the AUROC of the predictive entropy for telling the
	// out-of-distribution set (positive) from the test set (negative); nil
	// without an OOD set.
	OODAUROC *float64
}

// Evaluation holds the metrics of both predictives.
type Evaluation struct {
	Test    string // the test set's name, e.g. "mnist/test"
	OOD     string // the OOD set's name; "" when there is none
	Samples int    // S, the networks drawn for the posterior average (0: none)
	Mean    Scores // predicting with the mean weights
	Average Scores // the posterior average over S networks; zero when Samples = 0
}

// Reported returns the scores of the predictive a run reports: the
// posterior average when Samples > 0, else the mean weights.
func (e *Evaluation) Reported() Scores {
	if e.Samples > 0 {
		return e.Average
	}
	return e.Mean
}

// Predictive names the reported predictive: "posterior-average" or
// "mean-weights".
func (e *Evaluation) Predictive() string {
	if e.Samples > 0 {
		return "posterior-average"
	}
	return "mean-weights"
}

// evalChunk is the number of examples per forward pass at test time: the
// default batch, so that evaluating with the training network needs no
// larger activations than training.
const evalChunk = DefaultBatch

// ErrImproper is wrapped by the error Evaluate returns when samples are asked
// of a posterior whose precision is not positive everywhere (the "posterior"
// of a point-estimate optimizer such as Adam).
var ErrImproper = errors.New("train: the posterior cannot be sampled")

// Evaluate scores the posterior on test and, when ood is not nil, the AUROC
// of the predictive entropy between ood and test. It predicts with the mean
// weights and, when samples > 0, with the posterior average
// (1/S)Σₛ softmax(f(x; θₛ)) over S = samples networks θₛ = m + ε/√P, drawn
// from a stream of seed (the same seed gives the same metrics). The result
// does not depend on GOMAXPROCS.
func (p *Posterior) Evaluate(test, ood *data.Set, samples int, seed uint64) (*Evaluation, error) {
	net, err := newNetwork(&p.Config)
	if err != nil {
		return nil, err
	}
	return p.evaluate(net, test, ood, samples, seed)
}

// evaluate is Evaluate with the network given (the trainer's own, whose
// scratch space is already there). It leaves the network in evaluation
// mode.
func (p *Posterior) evaluate(net *nn.Network[float32], test, ood *data.Set, samples int, seed uint64) (*Evaluation, error) {
	if samples < 0 || samples > MaxSamples {
		return nil, &ConfigError{Field: "test-samples", Value: samples, Reason: fmt.Sprintf("must lie in [0, %d]", MaxSamples)}
	}
	if err := checkSet(test, "test set"); err != nil {
		return nil, err
	}
	if ood != nil {
		if err := checkSet(ood, "OOD set"); err != nil {
			return nil, err
		}
	}
	if len(p.Mean) != net.NumParams() || len(p.Precision) != net.NumParams() {
		return nil, fmt.Errorf("train: posterior has %d means and %d precisions, the model %d weights: %w",
			len(p.Mean), len(p.Precision), net.NumParams(), ErrImproper)
	}
	net.SetTraining(false)
	e := &Evaluation{Test: test.Name, Samples: samples}
	sets := []*data.Set{test}
	if ood != nil {
		e.OOD = ood.Name
		sets = append(sets, ood)
	}
	probs := make([][]float64, len(sets))
	for i, s := range sets {
		probs[i] = make([]float64, s.N*Classes)
		if err := accumulate(net, p.Mean, s, probs[i], 1); err != nil {
			return nil, err
		}
	}
	var err error
	if e.Mean, err = score(probs, sets); err != nil {
		return nil, err
	}
	if samples == 0 {
		return e, nil
	}
	std := make([]float32, len(p.Precision))
	for j, v := range p.Precision {
		s := 1 / math.Sqrt(float64(v))
		if !(v > 0) || math.IsInf(s, 0) || math.IsNaN(s) {
			return nil, fmt.Errorf("%w: precision[%d] = %g; the %s run's precision is not a posterior: use --test-samples 0", ErrImproper, j, v, p.Config.Optimizer)
		}
		std[j] = float32(s)
	}
	theta := make([]float32, len(p.Mean))
	for i := range probs {
		clear(probs[i])
	}
	base := mix64(seed ^ streamEval)
	w := 1 / float64(samples)
	for s := range samples {
		randn.Sample(theta, p.Mean, std, base+uint64(s))
		for i, set := range sets {
			if err := accumulate(net, theta, set, probs[i], w); err != nil {
				return nil, fmt.Errorf("posterior sample %d: %w", s, err)
			}
		}
	}
	if e.Average, err = score(probs, sets); err != nil {
		return nil, err
	}
	return e, nil
}

// accumulate adds w·softmax(f(x; params)) for every example of s to dst.
func accumulate(net *nn.Network[float32], params []float32, s *data.Set, dst []float64, w float64) error {
	var p [Classes]float64
	for lo := 0; lo < s.N; lo += evalChunk {
		hi := min(lo+evalChunk, s.N)
		z, err := net.Forward(params, s.X[lo*s.D:hi*s.D], hi-lo)
		if err != nil {
			return err
		}
		for i := range hi - lo {
			row := z[i*Classes : (i+1)*Classes]
			mx := math.Inf(-1)
			for _, v := range row {
				mx = math.Max(mx, float64(v))
			}
			if math.IsInf(mx, 0) || math.IsNaN(mx) {
				return fmt.Errorf("train: non-finite network output for example %d of %s (weights too large): %w", lo+i, s.Name, ErrImproper)
			}
			var sum float64
			for c, v := range row {
				p[c] = math.Exp(float64(v) - mx)
				sum += p[c]
			}
			out := dst[(lo+i)*Classes : (lo+i+1)*Classes]
			for c := range out {
				out[c] += w * (p[c] / sum)
			}
		}
	}
	return nil
}

// score computes the metrics of the test probabilities probs[0] and, with an
// OOD set, the entropy AUROC against probs[1].
func score(probs [][]float64, sets []*data.Set) (Scores, error) {
	test := sets[0]
	sum, err := metrics.Evaluate(probs[0], Classes, test.Y)
	if err != nil {
		return Scores{}, err
	}
	sc := Scores{Summary: sum}
	if len(sets) < 2 {
		return sc, nil
	}
	hIn, err := metrics.PredictiveEntropy(probs[0], Classes)
	if err != nil {
		return Scores{}, err
	}
	hOut, err := metrics.PredictiveEntropy(probs[1], Classes)
	if err != nil {
		return Scores{}, err
	}
	auc, err := metrics.AUROC(hOut, hIn)
	if err != nil {
		return Scores{}, err
	}
	sc.OODAUROC = &auc
	return sc, nil
}

// Evaluate scores the current posterior on test (and ood, if not nil) with
// the run's TestSamples and seed; see Posterior.Evaluate.
func (t *Trainer) Evaluate(test, ood *data.Set) (*Evaluation, error) {
	defer t.net.SetTraining(true)
	return t.Posterior().evaluate(t.net, test, ood, t.cfg.TestSamples, t.cfg.Seed)
}
