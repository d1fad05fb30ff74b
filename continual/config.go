package continual

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/train"
)

// Benchmark names (Config.Data).
const (
	PermutedMNIST = "permuted-mnist"
	SplitMNIST    = "split-mnist"
)

// Defaults of the protocol (see the package documentation).
const (
	DefaultData        = PermutedMNIST
	DefaultTasks       = 5
	DefaultEpochs      = 5
	DefaultBatch       = 128
	DefaultSeed        = 1
	DefaultTestSamples = 10
	DefaultJoint       = "adam"
)

// DefaultMethods are the sequential methods of the protocol: IVON and VOGN
// with posterior as prior, and Adam fine-tuning.
var DefaultMethods = []string{"ivon", "vogn", "adam"}

// DefaultHidden are the hidden widths of the protocol's MLP, 784-100-100-10.
var DefaultHidden = []int{100, 100}

// Limits on sizes that come from user input.
const (
	MaxTasks   = 100     // permuted-MNIST tasks
	MaxEpochs  = 10000   // epochs per task
	MaxSamples = 1 << 12 // test-time posterior samples
)

// FineTuneSuffix turns a Bayesian optimizer's name into its fine-tuning
// ablation: "ivon-ft" carries the weights from task to task but not the
// posterior.
const FineTuneSuffix = "-ft"

// ErrConfig is wrapped by every error that reports an invalid Config field.
var ErrConfig = errors.New("continual: invalid configuration")

// ConfigError names an invalid setting by its command-line flag (without
// the dashes), its value and what is wrong.
type ConfigError struct {
	Field  string
	Value  any
	Reason string
}

// Error formats the error as "continual: FIELD = VALUE: REASON".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("continual: %s = %v: %s", e.Field, e.Value, e.Reason)
}

// Unwrap makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// Config is everything that decides an experiment's result.
type Config struct {
	// Data is the benchmark: PermutedMNIST or SplitMNIST.
	Data string `json:"data"`
	// Tasks is the number T of tasks learnt in sequence (split MNIST has
	// at most 5).
	Tasks int `json:"tasks"`
	// Methods are the sequential methods, each an optimizer name of package
	// blr: a Bayesian one (ivon, vogn, vadam, ogn, iblr-diag) learns with
	// posterior as prior, a point estimate (adam, sgd, …) fine-tunes, and a
	// Bayesian name with FineTuneSuffix fine-tunes without the prior.
	Methods []string `json:"methods"`
	// Joint is the optimizer of the joint-training upper bound; "" skips it.
	Joint string `json:"joint"`
	// Hidden are the MLP's hidden widths; nil means DefaultHidden.
	Hidden []int `json:"hidden"`
	// Epochs per task, ≥ 1 (joint: epochs over the union).
	Epochs int `json:"epochs"`
	// Batch is the minibatch size, in [1, train.MaxBatch].
	Batch int `json:"batch"`
	// Seed seeds the initial weights, the minibatch orders and the noise.
	Seed uint64 `json:"seed"`
	// TrainSize and TestSize, when > 0, keep only the first that many
	// MNIST training and test images (before the tasks are formed).
	TrainSize int `json:"train_size"`
	TestSize  int `json:"test_size"`
	// TestSamples is the number S of networks of the posterior average
	// for the Bayesian optimizers; 0 predicts with their mean weights.
	TestSamples int `json:"test_samples"`
}

// DefaultConfig returns the protocol of the package documentation:
// permuted MNIST, 5 tasks, ivon, vogn and adam, joint adam, MLP
// 784-100-100-10, 5 epochs per task of batches of 128, all the data, seed 1,
// 10 test samples.
func DefaultConfig() Config {
	return Config{
		Data: DefaultData, Tasks: DefaultTasks, Methods: slices.Clone(DefaultMethods),
		Joint: DefaultJoint, Hidden: slices.Clone(DefaultHidden), Epochs: DefaultEpochs,
		Batch: DefaultBatch, Seed: DefaultSeed, TestSamples: DefaultTestSamples,
	}
}

// Method is one sequential method, parsed from its name.
type Method struct {
	Name      string // as given in Config.Methods
	Optimizer string // the blr optimizer
	Prior     bool   // posterior as prior (Bayesian optimizers without "-ft")
}

// Bayesian reports whether the method's optimizer learns a posterior.
func (m Method) Bayesian() bool { return train.IsBayesian(m.Optimizer) }

// Mode says how the method goes from task to task, for people.
func (m Method) Mode() string {
	if m.Prior {
		return "posterior as prior"
	}
	return "fine-tuning"
}

// ParseMethod reads a method name of Config.Methods.
func ParseMethod(name string) (Method, error) {
	opt := strings.TrimSuffix(name, FineTuneSuffix)
	ft := opt != name
	if !slices.Contains(blr.Names(), opt) {
		return Method{}, &ConfigError{Field: "optimizer", Value: name,
			Reason: "unknown; want one of " + strings.Join(blr.Names(), ", ") + " (a Bayesian one may end in " + FineTuneSuffix + ")"}
	}
	if ft && !train.IsBayesian(opt) {
		return Method{}, &ConfigError{Field: "optimizer", Value: name,
			Reason: opt + " learns no posterior, so it always fine-tunes: drop " + FineTuneSuffix}
	}
	return Method{Name: name, Optimizer: opt, Prior: train.IsBayesian(opt) && !ft}, nil
}

// MaxTasksOf is the largest number of tasks of a benchmark.
func MaxTasksOf(data string) int {
	if data == SplitMNIST {
		return len(splitPairs())
	}
	return MaxTasks
}

// hidden returns the hidden widths, DefaultHidden when nil.
func (c *Config) hidden() []int {
	if c.Hidden == nil {
		return DefaultHidden
	}
	return c.Hidden
}

// Validate checks every field and returns a *ConfigError naming the first
// invalid one.
func (c Config) Validate() error {
	bad := func(field string, v any, reason string) error {
		return &ConfigError{Field: field, Value: v, Reason: reason}
	}
	switch c.Data {
	case PermutedMNIST, SplitMNIST:
	default:
		return bad("data", c.Data, "unknown; want "+PermutedMNIST+" or "+SplitMNIST)
	}
	if mx := MaxTasksOf(c.Data); c.Tasks < 1 || c.Tasks > mx {
		return bad("tasks", c.Tasks, fmt.Sprintf("must lie in [1, %d] for %s", mx, c.Data))
	}
	if len(c.Methods) == 0 && c.Joint == "" {
		return bad("optimizer", "", "want at least one method (or a joint optimizer)")
	}
	for i, name := range c.Methods {
		if _, err := ParseMethod(name); err != nil {
			return err
		}
		if slices.Contains(c.Methods[:i], name) {
			return bad("optimizer", name, "given twice")
		}
	}
	if c.Joint != "" && !slices.Contains(blr.Names(), c.Joint) {
		return bad("joint", c.Joint, "unknown; want one of "+strings.Join(blr.Names(), ", ")+" (or none)")
	}
	for i, h := range c.Hidden {
		if h < 1 || h > 1<<16 {
			return bad("hidden", train.FormatHidden(c.Hidden), fmt.Sprintf("width %d (layer %d) must lie in [1, 65536]", h, i+1))
		}
	}
	if len(c.Hidden) > 16 {
		return bad("hidden", train.FormatHidden(c.Hidden), "at most 16 hidden layers")
	}
	switch {
	case c.Epochs < 1 || c.Epochs > MaxEpochs:
		return bad("epochs", c.Epochs, fmt.Sprintf("must lie in [1, %d]", MaxEpochs))
	case c.Batch < 1 || c.Batch > train.MaxBatch:
		return bad("batch", c.Batch, fmt.Sprintf("must lie in [1, %d]", train.MaxBatch))
	case c.TrainSize < 0:
		return bad("train-size", c.TrainSize, "must be ≥ 0 (0: all the training images)")
	case c.TestSize < 0:
		return bad("test-size", c.TestSize, "must be ≥ 0 (0: all the test images)")
	case c.TestSamples < 0 || c.TestSamples > MaxSamples:
		return bad("test-samples", c.TestSamples, fmt.Sprintf("must lie in [0, %d] (0: the mean weights)", MaxSamples))
	}
	return nil
}
