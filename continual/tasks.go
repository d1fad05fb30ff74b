package continual

import (
	"fmt"

	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/train"
)

// Task is one task of a benchmark: its training and test images, a pixel
// permutation applied to them on the fly (so that T permuted copies of MNIST
// cost no memory), and the output head that predicts it.
type Task struct {
	Name        string
	Train, Test *data.Set
	// Perm, when not nil, reorders every image as data.Permute does:
	// feature f of the task's image is feature Perm[f] of the stored one.
	Perm []int
	// Head is the index of the task's output head.
	Head int
}

// Benchmark is a sequence of tasks for a network with Heads output heads
// of Width outputs each (the labels of every task lie in [0, Width)).
type Benchmark struct {
	Name         string
	Heads, Width int
	Tasks        []Task
}

// permSeed is the seed of task j's permutation (j ≥ 1; task 0 is MNIST).
func permSeed(j int) uint64 { return uint64(j) }

// NewPermuted builds permuted MNIST with T tasks from MNIST's training and
// test sets: task 1 unpermuted, task j ≥ 2 permuted by
// data.PermutationFromSeed(D, j−1); one head of train.Classes outputs.
func NewPermuted(trainSet, testSet *data.Set, tasks int) (*Benchmark, error) {
	if err := checkSets(trainSet, testSet); err != nil {
		return nil, err
	}
	if tasks < 1 || tasks > MaxTasks {
		return nil, &ConfigError{Field: "tasks", Value: tasks, Reason: fmt.Sprintf("must lie in [1, %d]", MaxTasks)}
	}
	b := &Benchmark{Name: PermutedMNIST, Heads: 1, Width: trainSet.Classes}
	for j := range tasks {
		t := Task{Name: "task 1 (identity)", Train: trainSet, Test: testSet}
		if j > 0 {
			t.Name = fmt.Sprintf("task %d (permutation %d)", j+1, permSeed(j))
			t.Perm = data.PermutationFromSeed(trainSet.D, permSeed(j))
		}
		b.Tasks = append(b.Tasks, t)
	}
	return b, nil
}

// splitPairs are the digit pairs of split MNIST.
func splitPairs() [][]int { return data.SplitMNISTTasks() }

// NewSplit builds the first T tasks of split MNIST from MNIST's training and
// test sets: task k keeps the digits {2k, 2k+1}, relabelled 0 and 1, and is
// predicted by head k of two outputs (task-incremental, multi-head).
func NewSplit(trainSet, testSet *data.Set, tasks int) (*Benchmark, error) {
	if err := checkSets(trainSet, testSet); err != nil {
		return nil, err
	}
	pairs := splitPairs()
	if tasks < 1 || tasks > len(pairs) {
		return nil, &ConfigError{Field: "tasks", Value: tasks, Reason: fmt.Sprintf("must lie in [1, %d] for %s", len(pairs), SplitMNIST)}
	}
	b := &Benchmark{Name: SplitMNIST, Heads: len(pairs), Width: 2}
	for k, pair := range pairs[:tasks] {
		tr, err := data.FilterClasses(trainSet, pair, true)
		if err != nil {
			return nil, fmt.Errorf("continual: split task %d: %w", k+1, err)
		}
		te, err := data.FilterClasses(testSet, pair, true)
		if err != nil {
			return nil, fmt.Errorf("continual: split task %d: %w", k+1, err)
		}
		if tr.N == 0 || te.N == 0 {
			// Name the set that is short: the training set when it lacks
			// the digits, else the test set.
			field, value := "train-size", trainSet.N
			if tr.N > 0 {
				field, value = "test-size", testSet.N
			}
			return nil, &ConfigError{Field: field, Value: value,
				Reason: fmt.Sprintf("split task %d (digits %d, %d) has %d training and %d test images; want at least one of each", k+1, pair[0], pair[1], tr.N, te.N)}
		}
		b.Tasks = append(b.Tasks, Task{Name: fmt.Sprintf("task %d (digits %d/%d)", k+1, pair[0], pair[1]), Train: tr, Test: te, Head: k})
	}
	return b, nil
}

func checkSets(trainSet, testSet *data.Set) error {
	for _, s := range []*data.Set{trainSet, testSet} {
		if s == nil || s.N == 0 {
			return &ConfigError{Field: "data", Value: "empty", Reason: "need non-empty training and test sets"}
		}
		if err := s.Validate(); err != nil {
			return fmt.Errorf("continual: %w", err)
		}
	}
	if trainSet.D != testSet.D || trainSet.Classes != testSet.Classes {
		return &ConfigError{Field: "data", Value: testSet.Name, Reason: fmt.Sprintf("test set has %d features and %d classes; the training set %d and %d", testSet.D, testSet.Classes, trainSet.D, trainSet.Classes)}
	}
	return nil
}

// Load reads MNIST from dir ("" for its default place; see data.LoadMNIST),
// keeps cfg.TrainSize and cfg.TestSize images, and builds cfg's benchmark.
func Load(cfg Config, dir string) (*Benchmark, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	trainSet, testSet, err := train.LoadSets("mnist", dir, cfg.TrainSize, cfg.TestSize)
	if err != nil {
		return nil, err
	}
	return Build(cfg, trainSet, testSet)
}

// Build forms cfg's benchmark from MNIST's training and test sets.
func Build(cfg Config, trainSet, testSet *data.Set) (*Benchmark, error) {
	if cfg.Data == SplitMNIST {
		return NewSplit(trainSet, testSet, cfg.Tasks)
	}
	return NewPermuted(trainSet, testSet, cfg.Tasks)
}

// row writes example i of s, permuted by perm when not nil, into dst.
func row(dst []float32, s *data.Set, i int, perm []int) {
	src := s.X[i*s.D : (i+1)*s.D]
	if perm == nil {
		copy(dst, src)
		return
	}
	for f, p := range perm {
		dst[f] = src[p]
	}
}
