package continual

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
)

// TestEvaluateSeveralChunks pins evaluate's chunking (evalChunk examples a
// forward pass) and its permutation of the inputs: on a permuted test set
// of more than two chunks, both accuracies equal a direct count over the
// full network's outputs on rows permuted by hand (a posterior of huge
// precision averages networks equal to the mean).
func TestEvaluateSeveralChunks(t *testing.T) {
	const d, k = 12, 3
	m, err := newModel(d, []int{5}, 1, k)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := initialWeights(m, 4)
	set := synthetic(2*evalChunk+37, d, k, 8)
	for _, perm := range [][]int{nil, data.PermutationFromSeed(d, 3)} {
		x := make([]float32, set.N*d)
		for i := range set.N {
			for f := range d {
				src := f
				if perm != nil {
					src = perm[f]
				}
				x[i*d+f] = set.X[i*d+src]
			}
		}
		out, err := m.full.Forward(w, x, set.N)
		if err != nil {
			t.Fatal(err)
		}
		correct := 0
		for i := range set.N {
			best := 0
			for c := 1; c < k; c++ {
				if out[i*k+c] > out[i*k+best] {
					best = c
				}
			}
			if best == set.Y[i] {
				correct++
			}
		}
		prec := make([]float32, len(w))
		for i := range prec {
			prec[i] = 1e20
		}
		a, err := m.evaluate(Task{Name: "x", Train: set, Test: set, Perm: perm}, w, prec, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := float64(correct) / float64(set.N)
		if a.Mean != want || a.Average != want {
			t.Fatalf("perm %v: accuracy %+v, want %g for both", perm != nil, a, want)
		}
	}
}

// TestArgmaxFirstOfTies pins that argmax32 and argmax64 return the first
// index of the largest value, ties included.
func TestArgmaxFirstOfTies(t *testing.T) {
	for _, tc := range []struct {
		z    []float64
		want int
	}{
		{[]float64{3}, 0},
		{[]float64{0.5, 0.5}, 0},
		{[]float64{0.2, 0.4, 0.4}, 1},
		{[]float64{1, 0, 1}, 0},
		{[]float64{-2, -1, -3}, 1},
		{[]float64{0, 0, 0, 7}, 3},
	} {
		z32 := make([]float32, len(tc.z))
		for i, v := range tc.z {
			z32[i] = float32(v)
		}
		if g32, g64 := argmax32(z32), argmax64(tc.z); g32 != tc.want || g64 != tc.want {
			t.Errorf("argmax of %v: %d (float32), %d (float64), want %d", tc.z, g32, g64, tc.want)
		}
	}
}

// TestPredictiveChoice pins predictive: the posterior average only for a
// Bayesian method with S > 0 samples, else the mean weights and S = 0.
func TestPredictiveChoice(t *testing.T) {
	for _, tc := range []struct {
		bayes   bool
		samples int
		want    string
		wantS   int
	}{
		{true, 10, PredictiveAverage, 10},
		{true, 1, PredictiveAverage, 1},
		{true, 0, PredictiveMean, 0},
		{false, 10, PredictiveMean, 0},
		{false, 0, PredictiveMean, 0},
	} {
		if got, s := predictive(tc.bayes, tc.samples); got != tc.want || s != tc.wantS {
			t.Errorf("predictive(%v, %d) = %q, %d; want %q, %d", tc.bayes, tc.samples, got, s, tc.want, tc.wantS)
		}
	}
}

// TestOracleNonFiniteLoss pins the oracle's check of its loss: weights of
// NaN give a NaN loss, which is a *blr.NonFiniteError, on the direct path
// and on the multi-head path.
func TestOracleNonFiniteLoss(t *testing.T) {
	m, err := newModel(12, []int{4}, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	a := synthetic(5, 12, 2, 1)
	for _, direct := range []bool{true, false} {
		n := m.full.NumParams()
		if direct {
			n = m.head.NumParams()
		}
		theta := make([]float32, n)
		for i := range theta {
			theta[i] = float32(math.NaN())
		}
		o := &oracle{m: m, direct: direct, groups: []group{{head: 1, x: a.X, labels: a.Y}}}
		_, err := o.Eval(theta, make([]float32, n), nil, blr.CurvNone)
		var nf *blr.NonFiniteError
		if !errors.As(err, &nf) {
			t.Errorf("direct %v: NaN weights gave %v, want a NonFiniteError", direct, err)
		}
	}
	// Finite weights give a finite loss, and no error (the check is not
	// a blanket failure).
	theta, _ := initialWeights(m, 2)
	o := &oracle{m: m, groups: []group{{head: 1, x: a.X, labels: a.Y}}}
	if l, err := o.Eval(theta, make([]float32, len(theta)), nil, blr.CurvNone); err != nil || !(l > 0) {
		t.Fatalf("finite weights: loss %g, %v", l, err)
	}
}

// TestEmptySetsRejected pins checkSets: a nil or an empty training or test
// set is a ConfigError on "data", for both benchmarks.
func TestEmptySetsRejected(t *testing.T) {
	full := synthetic(20, 12, 10, 1)
	empty := &data.Set{X: []float32{}, Y: []int{}, N: 0, D: 12, Classes: 10, Name: "empty"}
	for _, tc := range []struct {
		name      string
		tr, te    *data.Set
		permuted  bool
		wantField string
	}{
		{"empty train, permuted", empty, full, true, "data"},
		{"empty test, permuted", full, empty, true, "data"},
		{"nil test, permuted", full, nil, true, "data"},
		{"empty train, split", empty, full, false, "data"},
		{"empty test, split", full, empty, false, "data"},
	} {
		var err error
		if tc.permuted {
			_, err = NewPermuted(tc.tr, tc.te, 2)
		} else {
			_, err = NewSplit(tc.tr, tc.te, 2)
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.wantField {
			t.Errorf("%s: %v, want a ConfigError on %q", tc.name, err, tc.wantField)
		}
	}
}

// TestNewPermutedShape pins the permuted benchmark's layout: one head of
// Classes outputs, task 1 unpermuted and task j ≥ 2 permuted by
// data.PermutationFromSeed(D, j−1), every task on the same sets.
func TestNewPermutedShape(t *testing.T) {
	tr, te := synthetic(30, 12, 4, 1), synthetic(20, 12, 4, 2)
	b, err := NewPermuted(tr, te, 3)
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != PermutedMNIST || b.Heads != 1 || b.Width != 4 || len(b.Tasks) != 3 {
		t.Fatalf("%s: %d heads of %d, %d tasks; want %s, 1 of 4, 3", b.Name, b.Heads, b.Width, len(b.Tasks), PermutedMNIST)
	}
	for j, task := range b.Tasks {
		if task.Head != 0 || task.Train != tr || task.Test != te {
			t.Fatalf("task %d: head %d, or other sets", j, task.Head)
		}
		if j == 0 {
			if task.Perm != nil {
				t.Fatalf("task 1 is permuted")
			}
			continue
		}
		if want := data.PermutationFromSeed(12, uint64(j)); !slices.Equal(task.Perm, want) {
			t.Fatalf("task %d: permutation %v, want %v", j+1, task.Perm, want)
		}
	}
}

// TestProtocolConstants pins the protocol of the package documentation:
// MLP 784-100-100-10, 5 tasks, 5 epochs of batches of 128, seed 1, S = 10;
// learning rates ivon 0.1, vogn 0.01, adam 0.001, and the first task's prior
// N(0, P₀⁻¹) with P₀ = 1 for every Bayesian optimizer (none for adam).
func TestProtocolConstants(t *testing.T) {
	for _, c := range []struct {
		name          string
		hidden        []int
		epochs, batch int
		seed          uint64
		samples       int
	}{
		{"DefaultConfig", DefaultConfig().Hidden, DefaultConfig().Epochs, DefaultConfig().Batch, DefaultConfig().Seed, DefaultConfig().TestSamples},
		{"DefaultMergeConfig", DefaultMergeConfig().Hidden, DefaultMergeConfig().Epochs, DefaultMergeConfig().Batch, DefaultMergeConfig().Seed, DefaultMergeConfig().TestSamples},
	} {
		if !slices.Equal(c.hidden, []int{100, 100}) || c.epochs != 5 || c.batch != 128 || c.seed != 1 || c.samples != 10 {
			t.Errorf("%s: hidden %v, %d epochs, batch %d, seed %d, S %d; want [100 100], 5, 128, 1, 10",
				c.name, c.hidden, c.epochs, c.batch, c.seed, c.samples)
		}
	}
	if c := DefaultConfig(); c.Tasks != 5 {
		t.Errorf("DefaultConfig: %d tasks, want 5", c.Tasks)
	}
	for _, tc := range []struct {
		opt    string
		lr, p0 float64
	}{
		{"ivon", 0.1, 1}, {"vogn", 0.01, 1}, {"vadam", 0.001, 1}, {"ogn", 0.01, 1}, {"adam", 0.001, 0},
	} {
		s, ok := protocolSettings[tc.opt]
		if !ok || s.LR != tc.lr || s.PriorPrecision != tc.p0 {
			t.Errorf("%s: %+v (present %v), want LR %g and prior precision %g", tc.opt, s, ok, tc.lr, tc.p0)
		}
	}
}

// TestMergeShardBounds pins MergeConfig.Validate's range of shards,
// [2, MaxShards] with MaxShards = 1024.
func TestMergeShardBounds(t *testing.T) {
	if MaxShards != 1024 {
		t.Fatalf("MaxShards = %d, want 1024", MaxShards)
	}
	for _, tc := range []struct {
		shards int
		ok     bool
	}{{1, false}, {2, true}, {1024, true}, {1025, false}} {
		c := DefaultMergeConfig()
		c.Shards = tc.shards
		err := c.Validate()
		var ce *ConfigError
		if tc.ok && err != nil || !tc.ok && (!errors.As(err, &ce) || ce.Field != "shards") {
			t.Errorf("%d shards: %v, want ok %v", tc.shards, err, tc.ok)
		}
	}
}

// TestDeriveIsSplitMix64 pins the seed derivation to SplitMix64's
// finaliser, against the first output of Vigna's splitmix64.c seeded with
// 0 (0xe220a8397b1dcdaf) and a plain recomputation: the streams of every
// published run depend on it.
func TestDeriveIsSplitMix64(t *testing.T) {
	if got := mix64(0); got != 0xe220a8397b1dcdaf {
		t.Fatalf("mix64(0) = %#x, want 0xe220a8397b1dcdaf", got)
	}
	ref := func(x uint64) uint64 {
		x += 0x9e3779b97f4a7c15
		z := x
		z ^= z >> 30
		z *= 0xbf58476d1ce4e5b9
		z ^= z >> 27
		z *= 0x94d049bb133111eb
		return z ^ z>>31
	}
	for _, x := range []uint64{1, 2, 0xdeadbeef, 1<<63 | 12345, math.MaxUint64} {
		if got, want := mix64(x), ref(x); got != want {
			t.Errorf("mix64(%#x) = %#x, want %#x", x, got, want)
		}
	}
	if got, want := derive(7, streamEval, 3), ref(ref(7^streamEval)+3); got != want {
		t.Errorf("derive(7, eval, 3) = %#x, want %#x", got, want)
	}
}

// TestLoadErrors pins Load's two errors: an invalid config is a
// ConfigError on its field, found before any data is read; a valid config
// whose directory holds no MNIST returns the loader's error as it is (not a
// ConfigError about empty sets built from what did not load).
func TestLoadErrors(t *testing.T) {
	c := DefaultConfig()
	c.Tasks = 0
	_, err := Load(c, t.TempDir())
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "tasks" {
		t.Fatalf("0 tasks: %v, want a ConfigError on tasks", err)
	}
	c = DefaultConfig()
	c.TrainSize, c.TestSize = 10, 10
	b, err := Load(c, t.TempDir())
	if err == nil || b != nil || errors.As(err, &ce) {
		t.Fatalf("no MNIST in the directory: benchmark %v, error %v; want the loader's error", b, err)
	}
}
