package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/bayesrule/blr/checkpoint"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/internal/randn"
	"github.com/bayesrule/blr/internal/table"
	"github.com/bayesrule/blr/metrics"
	"github.com/bayesrule/blr/nn"
)

// Posterior is the posterior a run learnt over the weights of the network
// that Config describes, with the model it belongs to; it is what
// posterior.safetensors holds. Family (one of the Family constants, the
// optimizer's) says which of the family fields are set:
//
//   - FamilyGaussian, q = N(Mean, diag(Precision)⁻¹), the precision on the
//     scale of the summed loss (N(h+δ)/τ in the optimizer's terms);
//   - FamilyBernoulli, p(wⱼ = +1) = sigmoid(2·Latent[k]) for the k-th binary
//     weight (the dense and convolution weights, in order), and Mode, the
//     whole parameter vector of the mode network sign λ (the biases keep
//     their fixed values);
//   - FamilyMixture, Σ_k Weights[k]·N(Means[k], diag(Precisions[k])⁻¹);
//   - FamilyDropout, wⱼ ~ DropProb[j]·N(0, Variance[j]) +
//     (1−DropProb[j])·N(Mean[j], Variance[j]), one mask per unit (all the
//     weights that leave a unit share it).
//
// Buffers holds the batch norms' running statistics (nil without batch
// norm), which the network predicts with. A mixture keeps one set per
// component, K blocks of the network's length, block k component k's
// (ComponentBuffers).
type Posterior struct {
	Config   Config // the run that produced it: model, data, optimizer, seed, hyperparameters
	DataSize int    // the number of training examples N
	Steps    int    // the steps taken
	Family   string // the posterior family (FamilyOf(Config.Optimizer))

	Mean      []float32 // m (Gaussian, dropout)
	Precision []float32 // the posterior precision, ≥ 0 (Gaussian)

	Latent []float32 // λ, one per binary weight (Bernoulli)
	Mode   []float32 // the mode network (Bernoulli)

	Means      [][]float32 // the K component means (mixture)
	Precisions [][]float32 // the K component precisions, ≥ 0 (mixture)
	Weights    []float64   // π, ≥ 0, summing to 1 (mixture)

	DropProb []float32 // pⱼ, the drop probability of weight j's unit (0: never dropped) (dropout)
	Variance []float32 // σⱼ² (dropout)

	Buffers []float32 // the batch norms' running means and variances (K blocks for a mixture); nil without batch norm
	// Engine holds the optimizer's resolved settings as JSON (β₂ chosen
	// for the run, the prior precision, …), for people; "" when unknown.
	Engine string
}

// errNilPosterior is the *ConfigError for a nil *Posterior passed as what
// ("posterior", "posteriors[2]").
func errNilPosterior(what string) error {
	return &ConfigError{Field: what, Value: "nil", Reason: "no posterior (a nil *Posterior); pass one from ReadPosterior or Trainer.Posterior"}
}

// Posterior returns a copy of the current posterior.
func (t *Trainer) Posterior() *Posterior {
	p := &Posterior{Config: t.Config(), DataSize: t.set.N, Steps: t.step, Engine: t.Settings()}
	t.opt.Posterior(p)
	if b := t.net.Buffers(); len(b) > 0 && p.Buffers == nil {
		p.Buffers = slices.Clone(b)
	}
	return p
}

// buffersPer is the number of sets of batch-norm statistics a posterior
// holds: K for a mixture (one per component), else 1.
func (p *Posterior) buffersPer() int {
	if p.Family == FamilyMixture {
		return max(len(p.Means), 1)
	}
	return 1
}

// ComponentBuffers returns the batch-norm statistics that component k
// predicts with (a slice of Buffers; nil without batch norm): block k of
// Buffers for a mixture, whose point network k (PointWeights) and samples
// s ≡ k mod K (SampleWeights, SampleComponent) are component k's, and
// Buffers itself for the other families, which have one component (k = 0).
// It returns nil for k out of range.
func (p *Posterior) ComponentBuffers(k int) []float32 {
	per := p.buffersPer()
	if len(p.Buffers) == 0 || k < 0 || k >= per || len(p.Buffers)%per != 0 {
		return nil
	}
	b := len(p.Buffers) / per
	return p.Buffers[k*b : (k+1)*b : (k+1)*b]
}

// SampleComponent returns the component that network s of SampleWeights is
// drawn from: s mod K for a mixture, else 0.
func (p *Posterior) SampleComponent(s int) int {
	if p.Family == FamilyMixture && len(p.Means) > 0 && s >= 0 {
		return s % len(p.Means)
	}
	return 0
}

// WriteFile writes the posterior to path as a checkpoint of kind
// "posterior", atomically: F32 tensors "mean" and "precision" (Gaussian);
// "latent" and "mode" (Bernoulli); "mean" and "precision" of shape [K, D]
// and the F64 "weights" (mixture); "mean", "drop_prob" and "variance"
// (dropout); and "buffers" with batch norm (of shape [K, B] for a mixture,
// component k's statistics in row k). Metadata: algorithm, family,
// hyperparameters (the Config), data_size, step, model and, when known,
// engine. A nil p gives a *ConfigError.
func (p *Posterior) WriteFile(path string) error {
	if p == nil {
		return errNilPosterior("posterior")
	}
	m, err := commonMeta(&p.Config, p.DataSize, p.Steps)
	if err != nil {
		return fmt.Errorf("train: saving the posterior: %w", err)
	}
	if p.Engine != "" {
		m[keyEngine] = p.Engine
	}
	if p.Family != m[checkpoint.KeyFamily] {
		return fmt.Errorf("train: saving the posterior: family %q, but %s learns %q", p.Family, p.Config.Optimizer, m[checkpoint.KeyFamily])
	}
	f := &checkpoint.File{Kind: checkpoint.KindPosterior, Meta: m}
	add := func(name string, v []float32, shape ...int) {
		f.Tensors = append(f.Tensors, checkpoint.NewFloat32(name, v, shape...))
	}
	switch p.Family {
	case FamilyGaussian:
		add(tensorMean, p.Mean)
		add(tensorPrecision, p.Precision)
	case FamilyBernoulli:
		add(tensorLatent, p.Latent)
		add(tensorMode, p.Mode)
	case FamilyMixture:
		k, d := len(p.Means), 0
		if k > 0 {
			d = len(p.Means[0])
		}
		if len(p.Precisions) != k || len(p.Weights) != k {
			return fmt.Errorf("train: saving the posterior: %d means, %d precisions and %d weights", k, len(p.Precisions), len(p.Weights))
		}
		add(tensorMean, slices.Concat(p.Means...), k, d)
		add(tensorPrecision, slices.Concat(p.Precisions...), k, d)
		f.Tensors = append(f.Tensors, checkpoint.NewFloat64(tensorWeights, p.Weights))
	case FamilyDropout:
		add(tensorMean, p.Mean)
		add(tensorDropProb, p.DropProb)
		add(tensorVariance, p.Variance)
	}
	if p.Buffers != nil {
		if p.Family == FamilyMixture {
			k := len(p.Means)
			if len(p.Buffers)%k != 0 {
				return fmt.Errorf("train: saving the posterior: %d batch-norm statistics for %d components", len(p.Buffers), k)
			}
			add(tensorBuffers, p.Buffers, k, len(p.Buffers)/k)
		} else {
			add(tensorBuffers, p.Buffers)
		}
	}
	if err := checkpoint.WriteFile(path, f); err != nil {
		return fmt.Errorf("train: saving the posterior: %w", err)
	}
	return nil
}

// ReadPosterior reads a posterior written by Posterior.WriteFile (or
// Trainer.Save) and checks it against its model (Check).
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
	p.Family = FamilyOf(p.Config.Optimizer)
	net, err := newNetwork(&p.Config)
	if err != nil {
		return nil, bad("%v", err)
	}
	n := net.NumParams()
	names := []string{}
	f32 := func(name string, shape ...int) ([]float32, error) {
		names = append(names, name)
		return f.Float32(name, shape...)
	}
	switch p.Family {
	case FamilyGaussian, FamilyDropout:
		if p.Mean, err = f32(tensorMean, n); err != nil {
			return nil, bad("%v", err)
		}
		if p.Family == FamilyGaussian {
			p.Precision, err = f32(tensorPrecision, n)
		} else if p.DropProb, err = f32(tensorDropProb, n); err == nil {
			p.Variance, err = f32(tensorVariance, n)
		}
	case FamilyBernoulli:
		if p.Latent, err = f32(tensorLatent, len(binaryIndex(binaryMask(net)))); err == nil {
			p.Mode, err = f32(tensorMode, n)
		}
	case FamilyMixture:
		k := p.Config.Components
		var mean, prec []float32
		if mean, err = f32(tensorMean, k, n); err == nil {
			if prec, err = f32(tensorPrecision, k, n); err == nil {
				names = append(names, tensorWeights)
				p.Weights, err = f.Float64(tensorWeights, k)
			}
		}
		if err == nil {
			for i := range k {
				p.Means = append(p.Means, mean[i*n:(i+1)*n:(i+1)*n])
				p.Precisions = append(p.Precisions, prec[i*n:(i+1)*n:(i+1)*n])
			}
		}
	}
	if err != nil {
		return nil, bad("%v", err)
	}
	if b := net.Buffers(); len(b) > 0 {
		shape := []int{len(b)}
		if p.Family == FamilyMixture {
			shape = []int{p.Config.Components, len(b)}
		}
		if p.Buffers, err = f32(tensorBuffers, shape...); err != nil {
			return nil, bad("%v", err)
		}
	}
	for _, t := range f.Tensors {
		if !slices.Contains(names, t.Name) {
			return nil, bad("unknown tensor %q for a %s posterior", t.Name, p.Family)
		}
	}
	if err := p.check(net); err != nil {
		return nil, bad("%v", err)
	}
	p.Engine = f.Meta[keyEngine]
	return p, nil
}

// Check verifies that the posterior fits its model: the family is the
// optimizer's, the tensors have the model's sizes, precisions and
// variances (the batch norms' running variances too) are ≥ 0, mixture
// weights are ≥ 0 and sum to 1, a Bernoulli
// posterior's mode is sign λ, and a dropout posterior's drop
// probabilities are those of its network. A nil p gives a *ConfigError.
func (p *Posterior) Check() error {
	if p == nil {
		return errNilPosterior("posterior")
	}
	net, err := newNetwork(&p.Config)
	if err != nil {
		return err
	}
	return p.check(net)
}

// check is Check with the training network of p.Config given.
func (p *Posterior) check(net *nn.Network[float32]) error {
	n := net.NumParams()
	if want := FamilyOf(p.Config.Optimizer); p.Family != want {
		return fmt.Errorf("family %q, but %s learns %q", p.Family, p.Config.Optimizer, want)
	}
	size := func(name string, v []float32, want int) error {
		if len(v) != want {
			return fmt.Errorf("%s has %d entries, the model needs %d", name, len(v), want)
		}
		return nil
	}
	nonneg := func(name string, v []float32) error {
		for j, x := range v {
			if !(x >= 0) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("%s[%d] = %g is not finite and ≥ 0", name, j, x)
			}
		}
		return nil
	}
	switch p.Family {
	case FamilyGaussian:
		if err := errors.Join(size(tensorMean, p.Mean, n), size(tensorPrecision, p.Precision, n)); err != nil {
			return err
		}
		if err := nonneg(tensorPrecision, p.Precision); err != nil {
			return err
		}
	case FamilyBernoulli:
		idx := binaryIndex(binaryMask(net))
		if err := errors.Join(size(tensorLatent, p.Latent, len(idx)), size(tensorMode, p.Mode, n)); err != nil {
			return err
		}
		for k, j := range idx {
			want := float32(1)
			if p.Latent[k] < 0 {
				want = -1
			}
			if p.Mode[j] != want {
				return fmt.Errorf("mode[%d] = %g is not sign(latent[%d]) = %g", j, p.Mode[j], k, want)
			}
		}
	case FamilyMixture:
		k := len(p.Means)
		if k < 1 || len(p.Precisions) != k || len(p.Weights) != k {
			return fmt.Errorf("%d means, %d precisions and %d weights; want K ≥ 1 of each", k, len(p.Precisions), len(p.Weights))
		}
		var sum float64
		for i := range k {
			if err := errors.Join(size(fmt.Sprintf("mean[%d]", i), p.Means[i], n), size(fmt.Sprintf("precision[%d]", i), p.Precisions[i], n)); err != nil {
				return err
			}
			if err := nonneg(fmt.Sprintf("precision[%d]", i), p.Precisions[i]); err != nil {
				return err
			}
			if w := p.Weights[i]; !(w >= 0 && w <= 1) {
				return fmt.Errorf("weights[%d] = %g is not in [0, 1]", i, w)
			}
			sum += p.Weights[i]
		}
		if math.Abs(sum-1) > 1e-9 {
			return fmt.Errorf("the weights sum to %g, not 1", sum)
		}
	case FamilyDropout:
		if err := errors.Join(size(tensorMean, p.Mean, n), size(tensorDropProb, p.DropProb, n), size(tensorVariance, p.Variance, n)); err != nil {
			return err
		}
		if err := nonneg(tensorVariance, p.Variance); err != nil {
			return err
		}
		group, pu, err := table.DropoutGroups(net)
		if err != nil {
			return err
		}
		for j, u := range group {
			want := float32(0)
			if u >= 0 {
				want = float32(pu[u])
			}
			if p.DropProb[j] != want {
				return fmt.Errorf("drop_prob[%d] = %g, but the network drops that weight's unit with probability %g", j, p.DropProb[j], want)
			}
		}
	default:
		return fmt.Errorf("unknown family %q", p.Family)
	}
	if b := net.Buffers(); len(p.Buffers) != len(b)*p.buffersPer() {
		return fmt.Errorf("buffers has %d entries, the model's batch norms need %d", len(p.Buffers), len(b)*p.buffersPer())
	}
	for k := range p.buffersPer() {
		if b := p.ComponentBuffers(k); b != nil {
			if err := net.CheckBuffers(b); err != nil {
				return fmt.Errorf("buffers of component %d: %w", k, err)
			}
		}
	}
	return nil
}

// PointWeights returns the networks of the point predictive (the
// "mean-weights" scores) and their weights, which sum to 1: the mean m
// (Gaussian), the mode network sign λ (Bernoulli), the mean of q,
// (1−p)⊙m (dropout: the network with its dropout layers in evaluation
// mode), or the K component means weighted by π (mixture; network k
// predicts with ComponentBuffers(k)). The networks
// are the posterior's own slices or new ones; do not modify them.
func (p *Posterior) PointWeights() (nets [][]float32, weights []float64) {
	switch p.Family {
	case FamilyBernoulli:
		return [][]float32{p.Mode}, []float64{1}
	case FamilyMixture:
		return p.Means, p.Weights
	case FamilyDropout:
		w := make([]float32, len(p.Mean))
		for j, m := range p.Mean {
			w[j] = m
			if q := p.DropProb[j]; q != 0 {
				w[j] = float32(1-float64(q)) * m
			}
		}
		return [][]float32{w}, []float64{1}
	}
	return [][]float32{p.Mean}, []float64{1}
}

// SampleWeights writes network s (0 ≤ s < S) of the posterior average over
// S networks, drawn from a stream of seed, into dst (allocated if nil) and
// returns it with its weight in the average (the weights of s = 0, …, S−1
// sum to 1). The draws: θ = m + ε/√P (Gaussian); wⱼ = +1 with probability
// sigmoid(2λⱼ), else −1 (Bernoulli); z ⊙ m with one z_u ~ Bernoulli(1−p_u)
// per unit (dropout, σ → 0: MC dropout on the prediction network); a draw of
// component s mod K (SampleComponent), weighted so that component k
// carries π_k (mixture); with batch norm, network s predicts with
// ComponentBuffers(SampleComponent(s)).
// It returns an error wrapping ErrImproper when a precision is not positive,
// and a *ConfigError for a nil p.
func (p *Posterior) SampleWeights(dst []float32, s, S int, seed uint64) ([]float32, float64, error) {
	if p == nil {
		return nil, 0, errNilPosterior("posterior")
	}
	sm, err := p.sampler(S, seed)
	if err != nil {
		return nil, 0, err
	}
	if s < 0 || s >= S {
		return nil, 0, &ConfigError{Field: "test-samples", Value: S, Reason: fmt.Sprintf("sample %d is outside [0, %d)", s, S)}
	}
	if dst == nil {
		dst = make([]float32, sm.dim())
	}
	return dst, sm.draw(dst, s), nil
}

// sampler draws the networks of a posterior average.
type sampler struct {
	p     *Posterior
	S     int
	base  uint64
	std   [][]float32 // 1/√P of the Gaussian or of each component
	idx   []int       // the binary entries (Bernoulli)
	group []int       // each weight's unit, −1 if never dropped (dropout)
	keep  []float64   // each unit's keep probability 1−p (dropout)
	norm  float64     // Σ π_k over the sampled components (mixture)
}

func (p *Posterior) sampler(S int, seed uint64) (*sampler, error) {
	if S < 1 || S > MaxSamples {
		return nil, &ConfigError{Field: "test-samples", Value: S, Reason: fmt.Sprintf("must lie in [1, %d]", MaxSamples)}
	}
	net, err := newNetwork(&p.Config)
	if err != nil {
		return nil, err
	}
	if err := p.check(net); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImproper, err)
	}
	sm := &sampler{p: p, S: S, base: mix64(seed ^ streamEval)}
	stdOf := func(prec []float32, what string) ([]float32, error) {
		std := make([]float32, len(prec))
		for j, v := range prec {
			s := 1 / math.Sqrt(float64(v))
			if !(v > 0) || math.IsInf(s, 0) || math.IsNaN(s) {
				return nil, fmt.Errorf("%w: %s[%d] = %g; the %s run's precision is not a posterior: use --test-samples 0", ErrImproper, what, j, v, p.Config.Optimizer)
			}
			std[j] = float32(s)
		}
		return std, nil
	}
	switch p.Family {
	case FamilyGaussian:
		std, err := stdOf(p.Precision, "precision")
		if err != nil {
			return nil, err
		}
		sm.std = [][]float32{std}
	case FamilyMixture:
		for k, prec := range p.Precisions {
			std, err := stdOf(prec, fmt.Sprintf("component %d's precision", k))
			if err != nil {
				return nil, err
			}
			sm.std = append(sm.std, std)
			if k < S {
				sm.norm += p.Weights[k]
			}
		}
		if !(sm.norm > 0) {
			return nil, fmt.Errorf("%w: the sampled components carry no weight", ErrImproper)
		}
	case FamilyBernoulli:
		sm.idx = binaryIndex(binaryMask(net))
	case FamilyDropout:
		group, pu, err := table.DropoutGroups(net)
		if err != nil {
			return nil, err
		}
		sm.group = group
		sm.keep = make([]float64, len(pu))
		for u, q := range pu {
			sm.keep[u] = 1 - q
		}
	}
	return sm, nil
}

// dim is the length of a network.
func (sm *sampler) dim() int {
	if sm.p.Family == FamilyBernoulli {
		return len(sm.p.Mode)
	}
	if sm.p.Family == FamilyMixture {
		return len(sm.p.Means[0])
	}
	return len(sm.p.Mean)
}

// draw writes network s into dst and returns its weight.
func (sm *sampler) draw(dst []float32, s int) float64 {
	p := sm.p
	switch p.Family {
	case FamilyMixture:
		k := len(p.Means)
		c := s % k
		randn.Sample(dst, p.Means[c], sm.std[c], sm.base+uint64(s))
		count := (sm.S - c + k - 1) / k // samples of component c
		return p.Weights[c] / float64(count) / sm.norm
	case FamilyBernoulli:
		copy(dst, p.Mode)
		r := rand.New(rand.NewPCG(sm.base, uint64(s)))
		for k, j := range sm.idx {
			w := float32(-1)
			if r.Float64() < expfam.Sigmoid(2*float64(p.Latent[k])) {
				w = 1
			}
			dst[j] = w
		}
	case FamilyDropout:
		r := rand.New(rand.NewPCG(sm.base, uint64(s)))
		z := make([]bool, len(sm.keep))
		for u, q := range sm.keep {
			z[u] = r.Float64() < q
		}
		for j, m := range p.Mean {
			if u := sm.group[j]; u >= 0 && !z[u] {
				m = 0
			}
			dst[j] = m
		}
	default:
		randn.Sample(dst, p.Mean, sm.std[0], sm.base+uint64(s))
	}
	return 1 / float64(sm.S)
}

// Scores are the metrics of one predictive on a test set.
type Scores struct {
	metrics.Summary
	// OODAUROC is the AUROC of the predictive entropy for telling the
	// out-of-distribution set (positive) from the test set (negative); nil
	// without an OOD set.
	OODAUROC *float64
	// OODAUROCMutualInfo is the AUROC of the mutual information H[p̄] −
	// Σₛ wₛ H[pₛ] (how much the predictive's networks disagree; see
	// Prediction) for the same task; nil without an OOD set or when the
	// predictive is one network, whose mutual information is 0.
	OODAUROCMutualInfo *float64
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
// of the predictive entropy between ood and test. It predicts with the
// point networks (PointWeights: the mean weights, the mode, …) and, when
// samples > 0, with the posterior average Σₛ wₛ softmax(f(x; θₛ)) over
// S = samples networks θₛ drawn from a stream of seed (SampleWeights; the
// same seed gives the same metrics). The network is the prediction network
// of the posterior's Config (NewPredictionNetwork: no dropout layers) in
// evaluation mode, with the posterior's batch-norm statistics (a mixture's
// networks each with their component's, ComponentBuffers). The result
// does not depend on GOMAXPROCS. A nil p gives a *ConfigError.
func (p *Posterior) Evaluate(test, ood *data.Set, samples int, seed uint64) (*Evaluation, error) {
	if p == nil {
		return nil, errNilPosterior("posterior")
	}
	return EvaluateEnsemble([]*Posterior{p}, test, ood, samples, seed)
}

// EvaluateEnsemble scores the equally weighted ensemble of the posteriors
// ps (for example K runs of different seeds): its point predictive is the
// average of the members' point predictives and its posterior average the
// average of their posterior averages over samples networks each (see
// Posterior.Evaluate). One posterior gives exactly Posterior.Evaluate.
//
// An empty ps, or a nil posterior in it, gives a *ConfigError (naming
// posteriors[i]).
func EvaluateEnsemble(ps []*Posterior, test, ood *data.Set, samples int, seed uint64) (*Evaluation, error) {
	if len(ps) == 0 {
		return nil, &ConfigError{Field: "posterior", Value: 0, Reason: "no posterior to evaluate"}
	}
	for i, p := range ps {
		if p == nil {
			return nil, errNilPosterior(fmt.Sprintf("posteriors[%d]", i))
		}
	}
	nets := make([]*nn.Network[float32], len(ps))
	for i, p := range ps {
		net, err := NewPredictionNetwork(p.Config)
		if err != nil {
			return nil, err
		}
		nets[i] = net
	}
	return evaluate(ps, nets, test, ood, samples, seed)
}

// evaluate scores the ensemble of ps, member i predicting with nets[i] (the
// trainer passes its own network, whose scratch space is already there).
// It leaves the networks in evaluation mode.
func evaluate(ps []*Posterior, nets []*nn.Network[float32], test, ood *data.Set, samples int, seed uint64) (*Evaluation, error) {
	if samples < 0 || samples > MaxSamples {
		return nil, &ConfigError{Field: "test-samples", Value: samples, Reason: fmt.Sprintf("must lie in [0, %d]", MaxSamples)}
	}
	if err := CheckSet(test, "test set"); err != nil {
		return nil, err
	}
	if ood != nil {
		if err := CheckSet(ood, "OOD set"); err != nil {
			return nil, err
		}
	}
	samplers := make([]*sampler, len(ps))
	for i, p := range ps {
		net := nets[i]
		if err := p.fits(net); err != nil {
			return nil, err
		}
		if samples > 0 {
			sm, err := p.sampler(samples, seed)
			if err != nil {
				return nil, err
			}
			samplers[i] = sm
		}
		net.SetTraining(false)
	}
	// Each network predicts with its component's batch-norm statistics
	// (accumulate); the networks are left with component 0's (the
	// trainer's network: its own).
	defer func() {
		for m, p := range ps {
			if b := p.ComponentBuffers(0); b != nil {
				copy(nets[m].Buffers(), b)
			}
		}
	}()
	e := &Evaluation{Test: test.Name, Samples: samples}
	sets := []*data.Set{test}
	if ood != nil {
		e.OOD = ood.Name
		sets = append(sets, ood)
	}
	// The predictive p̄ = Σ wₙ pₙ over the networks n of every member and
	// the networks' expected entropy Σ wₙ H[pₙ] of every example of every
	// set, and the number of networks.
	probs := make([][]float64, len(sets))
	expected := make([][]float64, len(sets))
	for i, s := range sets {
		probs[i] = make([]float64, s.N*Classes)
		expected[i] = make([]float64, s.N)
	}
	var one []float64
	networks := 0
	member := 1 / float64(len(ps))
	// accumulate adds the predictive of every member (its point networks
	// when samplers is nil) to probs and expected, and counts the networks.
	accumulate := func(samplers []*sampler) error {
		networks = 0
		for m, p := range ps {
			var sm *sampler
			if samplers != nil {
				sm = samplers[m]
			}
			k, err := p.accumulate(nets[m], sm, sets, probs, expected, member, &one)
			if err != nil {
				return err
			}
			networks += k
		}
		return nil
	}
	if err := accumulate(nil); err != nil {
		return nil, err
	}
	var err error
	if e.Mean, err = score(probs, expected, networks, sets); err != nil {
		return nil, err
	}
	if samples == 0 {
		return e, nil
	}
	for i := range probs {
		clear(probs[i])
		clear(expected[i])
	}
	if err := accumulate(samplers); err != nil {
		return nil, err
	}
	if e.Average, err = score(probs, expected, networks, sets); err != nil {
		return nil, err
	}
	return e, nil
}

// fits checks the posterior's sizes against the prediction network.
func (p *Posterior) fits(net *nn.Network[float32]) error {
	n := net.NumParams()
	pts, ws := p.PointWeights()
	if len(pts) == 0 || len(pts) != len(ws) {
		return fmt.Errorf("train: the %s posterior has no point network: %w", p.Family, ErrImproper)
	}
	for _, pt := range pts {
		if len(pt) != n {
			return fmt.Errorf("train: the posterior's networks have %d weights, the model %d: %w", len(pt), n, ErrImproper)
		}
	}
	if p.Family == FamilyGaussian && len(p.Precision) != n {
		return fmt.Errorf("train: posterior has %d means and %d precisions, the model %d weights: %w",
			len(p.Mean), len(p.Precision), n, ErrImproper)
	}
	if b := net.Buffers(); len(p.Buffers) != len(b)*p.buffersPer() {
		return fmt.Errorf("train: the posterior has %d batch-norm statistics, the model %d: %w", len(p.Buffers), len(b)*p.buffersPer(), ErrImproper)
	}
	return nil
}

// AccumulateProbs adds w·softmax(f(x; params)) of network net at the weights
// params for every example of s to dst (s.N rows of Classes), forwarding in
// chunks of DefaultBatch; a non-finite output is an ErrImproper error.
func AccumulateProbs(net *nn.Network[float32], params []float32, s *data.Set, dst []float64, w float64) error {
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
// OOD set, the entropy AUROC against probs[1] and, when the predictive has
// more than one network, the mutual information's AUROC (expected holds the
// networks' expected entropies of the examples of both sets).
func score(probs, expected [][]float64, networks int, sets []*data.Set) (Scores, error) {
	test := sets[0]
	sum, err := metrics.Evaluate(probs[0], Classes, test.Y)
	if err != nil {
		return Scores{}, err
	}
	sc := Scores{Summary: sum}
	if len(sets) < 2 {
		return sc, nil
	}
	var h, mi [2][]float64
	for i := range h {
		if h[i], err = metrics.PredictiveEntropy(probs[i], Classes); err != nil {
			return Scores{}, err
		}
		if networks > 1 {
			mi[i] = mutualInfo(h[i], expected[i])
		}
	}
	auc, err := metrics.AUROC(h[1], h[0])
	if err != nil {
		return Scores{}, err
	}
	sc.OODAUROC = &auc
	if networks > 1 {
		auc, err := metrics.AUROC(mi[1], mi[0])
		if err != nil {
			return Scores{}, err
		}
		sc.OODAUROCMutualInfo = &auc
	}
	return sc, nil
}

// Evaluate scores the current posterior on test (and ood, if not nil) with
// the run's TestSamples and seed; see Posterior.Evaluate.
func (t *Trainer) Evaluate(test, ood *data.Set) (*Evaluation, error) {
	defer t.net.SetTraining(true)
	return t.evaluate(t.Posterior(), test, ood, t.cfg.TestSamples)
}

// evaluate scores p, a posterior of this run, with the trainer's networks.
func (t *Trainer) evaluate(p *Posterior, test, ood *data.Set, samples int) (*Evaluation, error) {
	net := t.net
	if t.cfg.Dropout > 0 {
		if t.twin == nil {
			twin, err := NewPredictionNetwork(t.cfg)
			if err != nil {
				return nil, err
			}
			t.twin = twin
		}
		net = t.twin
	}
	return evaluate([]*Posterior{p}, []*nn.Network[float32]{net}, test, ood, samples, t.cfg.Seed)
}
