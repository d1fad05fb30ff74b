package continual

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/train"
)

// MergeConfig is a merging experiment: K shards, each learnt by a Bayesian
// optimizer from the same initial weights and the same prior, then merged.
type MergeConfig struct {
	Shards      int    `json:"shards"`    // K ≥ 2 disjoint shards of the training set
	Optimizer   string `json:"optimizer"` // a Bayesian optimizer (ivon, vogn, …)
	Hidden      []int  `json:"hidden"`    // nil: DefaultHidden
	Epochs      int    `json:"epochs"`    // per shard, and for the run on all the data
	Batch       int    `json:"batch"`
	Seed        uint64 `json:"seed"`
	TrainSize   int    `json:"train_size"` // first N MNIST training images (0: all)
	TestSize    int    `json:"test_size"`
	TestSamples int    `json:"test_samples"` // S of the posterior average (0: mean weights only)
}

// DefaultMergeConfig: 4 shards of MNIST learnt by IVON, otherwise the
// continual protocol's settings.
func DefaultMergeConfig() MergeConfig {
	return MergeConfig{Shards: 4, Optimizer: "ivon", Hidden: slices.Clone(DefaultHidden), Epochs: DefaultEpochs,
		Batch: DefaultBatch, Seed: DefaultSeed, TestSamples: DefaultTestSamples}
}

// MaxShards bounds MergeConfig.Shards.
const MaxShards = 1024

// Validate checks every field and returns a *ConfigError naming the first
// invalid one.
func (c MergeConfig) Validate() error {
	bad := func(field string, v any, reason string) error {
		return &ConfigError{Field: field, Value: v, Reason: reason}
	}
	switch {
	case c.Shards < 2 || c.Shards > MaxShards:
		return bad("shards", c.Shards, fmt.Sprintf("must lie in [2, %d]", MaxShards))
	case !slices.Contains(blr.Names(), c.Optimizer):
		return bad("optimizer", c.Optimizer, "unknown")
	case !train.IsBayesian(c.Optimizer):
		return bad("optimizer", c.Optimizer, "learns no posterior to merge; want ivon, vogn, vadam, ogn or iblr-diag")
	}
	cc := Config{Data: PermutedMNIST, Tasks: 1, Methods: []string{c.Optimizer}, Hidden: c.Hidden, Epochs: c.Epochs,
		Batch: c.Batch, TrainSize: c.TrainSize, TestSize: c.TestSize, TestSamples: c.TestSamples}
	return cc.Validate()
}

// MergeResult is the outcome of Merge: test accuracies of each shard's
// posterior alone, of the merged posterior, of the plain average of the
// shards' means, and of one posterior learnt on all the data.
type MergeResult struct {
	Config MergeConfig `json:"config"`
	Model  string      `json:"model"`
	ShardN []int       `json:"shard_examples"`
	TrainN int         `json:"train_examples"`
	TestN  int         `json:"test_examples"`
	Shards []Accuracy  `json:"shards"`
	Merged Accuracy    `json:"merged"`
	// Average is the plain average of the shards' means (mean weights
	// only: it has no precision).
	Average Accuracy `json:"average_of_means"`
	All     Accuracy `json:"all_data"`
	// Floored counts the shard precisions below the prior's that were
	// raised to it before merging (see Merge).
	Floored int     `json:"floored"`
	Seconds float64 `json:"seconds"`
}

// Merge runs the merging experiment on MNIST's training and test sets:
// the training set is dealt at random (from cfg.Seed) into K disjoint shards
// of nearly equal size; on each, the optimizer learns a posterior q_k from
// the same initial weights and the same prior N(0, P₀⁻¹) (the optimizer's
// default P₀) with DataSize the shard's size; blr.MergeDiag combines them
// into λ = Σₖλₖ − (K−1)λ₀. The same optimizer learns one posterior on all
// the data for comparison. Every posterior is tested with the mean weights
// and with the posterior average.
//
// A shard posterior's precision N_k(h_k+δ_k) can fall below the prior's P₀
// where its curvature estimate h_k is negative (IVON's Price estimate; never
// VOGN's Fisher), and then the merged precision need not be positive; such
// entries are raised to P₀ (h_k = 0, the shard adds no information there)
// before merging and counted in Floored.
func Merge(cfg MergeConfig, trainSet, testSet *data.Set, log io.Writer) (*MergeResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkSets(trainSet, testSet); err != nil {
		return nil, err
	}
	if trainSet.N < cfg.Shards {
		return nil, &ConfigError{Field: "shards", Value: cfg.Shards, Reason: fmt.Sprintf("more than the %d training examples", trainSet.N)}
	}
	start := time.Now()
	hidden := cfg.Hidden
	if hidden == nil {
		hidden = DefaultHidden
	}
	m, err := newModel(trainSet.D, hidden, 1, trainSet.Classes)
	if err != nil {
		return nil, err
	}
	res := &MergeResult{Config: cfg, Model: modelName(trainSet.D, hidden, 1, trainSet.Classes), TrainN: trainSet.N, TestN: testSet.N}
	res.Config.Hidden = slices.Clone(hidden)
	test := Task{Name: testSet.Name, Test: testSet}
	evalKey := func(i uint64) uint64 { return derive(cfg.Seed, streamEval, i) }
	// fit learns a posterior on set from the initial weights.
	fit := func(set *data.Set, i uint64) (mean, prec []float32, p0 float64, err error) {
		w, err := initialWeights(m, cfg.Seed)
		if err != nil {
			return nil, nil, 0, err
		}
		l, err := newLearner(m, cfg.Optimizer, w, []Task{{Name: set.Name, Train: set}}, true, cfg.Epochs, cfg.Batch,
			derive(cfg.Seed, streamBatch, i), derive(cfg.Seed, streamNoise, i), derive(cfg.Seed, streamLabel, i))
		if err != nil {
			return nil, nil, 0, err
		}
		if err := l.run(); err != nil {
			return nil, nil, 0, err
		}
		o := l.opt.Options()
		return w, l.opt.Precision(nil), o.PriorPrecision / o.Temperature, nil
	}
	order := rand.New(rand.NewPCG(cfg.Seed, 0x6d65726765)).Perm(trainSet.N) // "merge"
	k := cfg.Shards
	var means, precs [][]float32
	var p0 float64
	for s := range k {
		idx := slices.Clone(order[s*trainSet.N/k : (s+1)*trainSet.N/k])
		slices.Sort(idx)
		shard, err := trainSet.Subset(idx)
		if err != nil {
			return nil, err
		}
		shard.Name = fmt.Sprintf("%s shard %d/%d", trainSet.Name, s+1, k)
		mean, prec, pp, err := fit(shard, uint64(s))
		if err != nil {
			return nil, fmt.Errorf("continual: merge: shard %d: %w", s+1, err)
		}
		p0 = pp
		a, err := m.evaluate(test, mean, prec, cfg.TestSamples, evalKey(uint64(s)))
		if err != nil {
			return nil, err
		}
		res.ShardN = append(res.ShardN, shard.N)
		res.Shards = append(res.Shards, a)
		means, precs = append(means, mean), append(precs, prec)
		if log != nil {
			fmt.Fprintf(log, "shard %d/%d (%d examples): accuracy %.4f (%s)\n", s+1, k, shard.N, a.Mean, time.Since(start).Round(time.Millisecond))
		}
	}
	n := len(means[0])
	prior, err := expfam.NewDiagGaussian(make([]float64, n), filled(n, p0))
	if err != nil {
		return nil, err
	}
	qs := make([]*expfam.DiagGaussian, k)
	avg := make([]float32, n)
	for s := range k {
		mean, prec := make([]float64, n), make([]float64, n)
		for j := range n {
			mean[j] = float64(means[s][j])
			prec[j] = float64(precs[s][j])
			if prec[j] < p0 {
				prec[j] = p0
				res.Floored++
			}
			avg[j] += means[s][j] / float32(k)
		}
		if qs[s], err = expfam.NewDiagGaussian(mean, prec); err != nil {
			return nil, fmt.Errorf("continual: merge: shard %d: %w", s+1, err)
		}
	}
	merged, err := blr.MergeDiag(prior, qs)
	if err != nil {
		return nil, fmt.Errorf("continual: merge: %w", err)
	}
	mm, mp := merged.Mean(nil), merged.Precision(nil)
	mean, prec := make([]float32, n), make([]float32, n)
	for j := range n {
		mean[j], prec[j] = float32(mm[j]), float32(mp[j])
	}
	if res.Merged, err = m.evaluate(test, mean, prec, cfg.TestSamples, evalKey(uint64(k))); err != nil {
		return nil, err
	}
	if res.Average, err = m.evaluate(test, avg, nil, 0, 0); err != nil {
		return nil, err
	}
	allMean, allPrec, _, err := fit(trainSet, uint64(k))
	if err != nil {
		return nil, fmt.Errorf("continual: merge: all data: %w", err)
	}
	if res.All, err = m.evaluate(test, allMean, allPrec, cfg.TestSamples, evalKey(uint64(k+1))); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

func filled(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// WriteFile writes the result as indented JSON to path, atomically.
func (r *MergeResult) WriteFile(path string) error { return writeJSON(path, r) }
