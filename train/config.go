package train

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
)

// ErrConfig is wrapped by every error that reports an invalid Config field.
var ErrConfig = errors.New("train: invalid configuration")

// ConfigError names an invalid setting by its command-line flag (without the
// dashes, e.g. "epochs", "hess-init"), its value, and what is wrong.
type ConfigError struct {
	Field  string
	Value  any
	Reason string
}

// Error formats the error as "train: FIELD = VALUE: REASON".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("train: %s = %v: %s", e.Field, e.Value, e.Reason)
}

// Unwrap makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// Defaults of a run: `blr train` with no flags trains the MLP on MNIST with
// IVON for 2 epochs.
const (
	DefaultData         = "mnist"
	DefaultModel        = "mlp"
	DefaultOptimizer    = "ivon"
	DefaultEpochs       = 2
	DefaultBatch        = 128
	DefaultSeed         = 1
	DefaultTrainSamples = 1
	// DefaultBayesTestSamples is the number of networks the posterior
	// average draws at test time for the optimizers that learn a posterior
	// (ogn, vogn, vadam, ivon, iblr-diag, bayesbinn, dropout, mixture); see
	// DefaultTestSamples.
	DefaultBayesTestSamples = 10
	// DefaultComponents is K of the optimizer "mixture".
	DefaultComponents = 3
	// DefaultDropout is the drop probability of the optimizer "dropout".
	DefaultDropout = 0.2
)

// DefaultHidden are the hidden widths of the default MLP, 784-500-300-10.
var DefaultHidden = []int{500, 300}

// Limits on sizes that come from user input, so that no setting can ask for
// an allocation that panics.
const (
	MaxParams  = 1 << 26 // weights of a network (256 MiB per float32 vector)
	MaxEpochs  = 1 << 20
	MaxSamples = 1 << 12 // Monte Carlo samples per step or per prediction
	// MaxComponents bounds Config.Components.
	MaxComponents = 64
	// MaxBatch bounds Config.Batch (--batch): about a million examples per
	// step, far more than any training set here holds (a batch larger than
	// the training set is allowed and is the whole set).
	MaxBatch = 1 << 20
)

// Config is everything that decides a training run's result. It is stored in
// the training state, so that a resumed run goes on with the same settings.
//
// The eight hyperparameter fields (LR, PriorPrecision, Beta1, Beta2,
// HessInit, Temperature, BayesBiNNEps, ClipRadius) follow blr.Config: 0
// takes the default and blr.Off asks for an actual zero (the command line
// maps an explicit `--beta1 0` to blr.Off). The default is the validated recipe of
// the data set, model and optimizer where there is one (RecipeFor: the
// Fashion-MNIST recipes of adam, ivon, vogn and mixture), else the
// optimizer's own default (validated on MNIST); an empty Schedule likewise
// takes the recipe's, else "constant".
type Config struct {
	// Data names the training set, "mnist" or "fashion-mnist" (the sets
	// themselves are passed to New; LoadSets reads them).
	Data string `json:"data"`
	// Model is "mlp" (784-Hidden-10 with ReLU) or "lenet" (nn.LeNet5).
	Model string `json:"model"`
	// Hidden are the MLP's hidden widths (empty: none, a linear softmax
	// model); nil with "mlp" means DefaultHidden. It must be empty for
	// "lenet".
	Hidden []int `json:"hidden"`
	// Optimizer is a registered name (Names): sgd, rmsprop, adam, adamw,
	// ogn, vogn, vadam, ivon, iblr-diag (package blr's diagonal-Gaussian
	// engine), ste, binaryconnect, bayesbinn (binary weights), dropout and
	// mixture, or one added with Register.
	Optimizer string `json:"optimizer"`
	// Epochs is the number of passes over the training set, ≥ 1.
	Epochs int `json:"epochs"`
	// Batch is the minibatch size, in [1, MaxBatch]; a batch larger than
	// the training set takes the whole set at each step.
	Batch int `json:"batch"`
	// Seed seeds every random draw of the run.
	Seed uint64 `json:"seed"`
	// TrainSamples is the number of Monte Carlo weight samples per step,
	// ≥ 1 (only the sampling optimizers vogn, vadam, ivon, iblr-diag,
	// bayesbinn and mixture accept more than 1).
	TrainSamples int `json:"train_samples"`
	// TestSamples is the number S of networks drawn from the posterior for
	// the posterior-average prediction; 0 predicts with the mean weights.
	TestSamples int `json:"test_samples"`
	// TrainSize and TestSize, when > 0, keep only the first that many
	// examples of the training and test sets (quick runs and tests).
	TrainSize int `json:"train_size"`
	TestSize  int `json:"test_size"`
	// Validation, when in (0, 1), holds out that fraction of the training
	// set (after TrainSize; drawn with Seed, see data.Set.Split), trains on
	// the rest and evaluates on the held-out part instead of the test set:
	// the split on which to choose hyperparameters.
	Validation float64 `json:"validation"`
	// Hyperparameter overrides (blr.Config's LR, PriorPrecision, Beta1,
	// Beta2, HessInit).
	LR             float64 `json:"lr"`
	PriorPrecision float64 `json:"prior_precision"`
	Beta1          float64 `json:"beta1"`
	Beta2          float64 `json:"beta2"`
	HessInit       float64 `json:"hess_init"`
	// Temperature is τ: BayesBiNN's Gumbel-softmax temperature (default
	// 1e-10), or the posterior tempering of the Gaussian optimizers that
	// take one (blr.Config.Temperature, default 1). 0 takes the default,
	// blr.Off asks for an actual zero; optimizers without a temperature
	// refuse it.
	Temperature float64 `json:"temperature,omitempty"`
	// BayesBiNNEps is ε of BayesBiNN's Gumbel-softmax estimator, whose
	// factor is s = (1−w²+ε)/(τ(1−μ²+ε)) (see blr.BayesBiNN): 0 takes the
	// default, the published 1e-10 (which with τ = 1e-10 is the published
	// small-temperature variant); blr.Off asks for ε = 0, the exact
	// estimator of the relaxed objective's gradient. Only bayesbinn takes
	// it (Spec.Takes lists "bayesbinn-eps"); the others refuse it.
	BayesBiNNEps float64 `json:"bayesbinn_eps,omitempty"`
	// ClipRadius clips every entry of the preconditioned mean step of ivon,
	// vogn and mixture (blr.Config.ClipRadius, default none); 0 takes the
	// default, blr.Off asks for no clipping; the optimizers that do not clip
	// refuse it.
	ClipRadius float64 `json:"clip_radius,omitempty"`
	// Components is K, the number of mixture components of the optimizer
	// "mixture" (0: DefaultComponents); it must be 0 for the others.
	Components int `json:"components,omitempty"`
	// Dropout is the drop probability p of the (non-inverted) dropout
	// layers that the optimizer "dropout" trains with, one before every
	// dense layer of the MLP but the first (0: DefaultDropout); it must be
	// 0 for the other optimizers.
	Dropout float64 `json:"dropout,omitempty"`
	// BatchNorm puts a batch norm without affine parameters (ε 1e-4,
	// momentum 0.15, as BayesBiNN's MLP) after every dense layer of the
	// MLP, the last one included. Its running statistics are part of the
	// training state and of the posterior; with the optimizer "mixture"
	// each component keeps its own (the network it stands for is
	// evaluated with them, in training and at test time). The binary
	// optimizers (ste, binaryconnect, bayesbinn) need it: with ±1 weights
	// and no normalisation the MLP's logits reach thousands and it learns
	// nothing (10–15% accuracy on MNIST), so `blr train` sets it for them
	// unless --batchnorm=false is given.
	BatchNorm bool `json:"batchnorm,omitempty"`
	// Schedule is the learning-rate schedule: "constant" keeps the
	// optimizer's step size; "cosine" sets it to α·½(1+cos(πt/T)) before
	// step t of the run's T steps, α being the resolved --lr; "" takes the
	// recipe's (RecipeFor), else "constant".
	Schedule string `json:"schedule,omitempty"`
}

// DefaultConfig returns the configuration of `blr train` without flags: the
// MLP 784-500-300-10 on MNIST, IVON, 2 epochs of batches of 128, seed 1, one
// training sample and DefaultBayesTestSamples test samples.
func DefaultConfig() Config {
	return Config{
		Data: DefaultData, Model: DefaultModel, Hidden: slices.Clone(DefaultHidden),
		Optimizer: DefaultOptimizer, Epochs: DefaultEpochs, Batch: DefaultBatch, Seed: DefaultSeed,
		TrainSamples: DefaultTrainSamples, TestSamples: DefaultTestSamples(DefaultOptimizer),
	}
}

// IsBayesian reports whether the optimizer learns a posterior (ogn, vogn,
// vadam, ivon, iblr-diag, bayesbinn, dropout, mixture) rather than a point
// estimate (sgd, rmsprop, adam, adamw, whose h is a step-size heuristic and
// whose "precision" need not be positive; ste and binaryconnect, whose
// latent weights are not a posterior's natural parameters).
func IsBayesian(optimizer string) bool {
	s, ok := Lookup(optimizer)
	return ok && s.Bayesian
}

// DefaultTestSamples is the documented default of --test-samples:
// DefaultBayesTestSamples (10) for the optimizers that learn a posterior and
// 0 (the point network: the mean or mode weights) for the others.
func DefaultTestSamples(optimizer string) int {
	if IsBayesian(optimizer) {
		return DefaultBayesTestSamples
	}
	return 0
}

// normalize fills Hidden for the MLP, the recipe's hyperparameters and
// schedule (RecipeFor) and the defaults of Components and Dropout, and
// canonicalises names. It is idempotent: every default it fills is explicit
// afterwards.
func (c *Config) normalize() {
	c.Data = canonicalData(c.Data)
	c.Model = strings.ToLower(strings.TrimSpace(c.Model))
	c.Optimizer = strings.ToLower(strings.TrimSpace(c.Optimizer))
	c.Schedule = strings.ToLower(strings.TrimSpace(c.Schedule))
	if r, ok := RecipeFor(c.Data, c.Model, c.Optimizer); ok {
		r.fill(c)
	}
	if c.Schedule == "" {
		c.Schedule = "constant"
	}
	if c.Model == "mlp" && c.Hidden == nil {
		c.Hidden = slices.Clone(DefaultHidden)
	}
	if c.Model == "lenet" && len(c.Hidden) == 0 {
		c.Hidden = nil // stored as null whichever way it was given
	}
	switch FamilyOf(c.Optimizer) {
	case FamilyMixture:
		if c.Components == 0 {
			c.Components = DefaultComponents
		}
	case FamilyDropout:
		if c.Dropout == 0 {
			c.Dropout = DefaultDropout
		}
	}
}

// canonicalData maps the spellings data.Load accepts to "mnist" and
// "fashion-mnist".
func canonicalData(name string) string {
	switch n := strings.ToLower(strings.TrimSpace(name)); n {
	case "fashion_mnist", "fashionmnist":
		return "fashion-mnist"
	default:
		return n
	}
}

// Validate checks every field and returns a *ConfigError naming the first
// invalid one. Of the hyperparameters it checks the ranges and that the
// optimizer takes them (Spec.Takes); their values against the optimizer's
// own rules are New's to check.
func (c Config) Validate() error {
	c.normalize()
	bad := func(field string, v any, reason string) error {
		return &ConfigError{Field: field, Value: v, Reason: reason}
	}
	if !slices.Contains(data.ImageSets(), c.Data) {
		return bad("data", c.Data, "unknown; want one of "+strings.Join(data.ImageSets(), ", "))
	}
	switch c.Model {
	case "mlp":
		for i, h := range c.Hidden {
			if h < 1 {
				return bad("hidden", formatHidden(c.Hidden), fmt.Sprintf("width %d (layer %d) must be ≥ 1", h, i+1))
			}
		}
		if p := mlpParams(ImageSize, c.Hidden, Classes); p > MaxParams {
			return bad("hidden", formatHidden(c.Hidden), fmt.Sprintf("the MLP would have %.0f weights, more than the limit %d", p, MaxParams))
		}
	case "lenet":
		if len(c.Hidden) > 0 {
			return bad("hidden", formatHidden(c.Hidden), "applies to --model mlp only (lenet's layers are fixed)")
		}
	default:
		return bad("model", c.Model, "unknown; want mlp or lenet")
	}
	spec, ok := Lookup(c.Optimizer)
	if !ok {
		return bad("optimizer", c.Optimizer, "unknown; want one of "+strings.Join(Names(), ", "))
	}
	switch {
	case c.Epochs < 1 || c.Epochs > MaxEpochs:
		return bad("epochs", c.Epochs, fmt.Sprintf("must lie in [1, %d]", MaxEpochs))
	case c.Batch < 1 || c.Batch > MaxBatch:
		return bad("batch", c.Batch, fmt.Sprintf("must lie in [1, %d]", MaxBatch))
	case c.TrainSamples < 1 || c.TrainSamples > MaxSamples:
		return bad("train-samples", c.TrainSamples, fmt.Sprintf("must lie in [1, %d]", MaxSamples))
	case c.TrainSamples > 1 && !spec.Sampling:
		return bad("train-samples", c.TrainSamples, c.Optimizer+" does not sample weights while training; only "+strings.Join(samplingNames(), ", ")+" take more than 1")
	case c.TestSamples < 0 || c.TestSamples > MaxSamples:
		return bad("test-samples", c.TestSamples, fmt.Sprintf("must lie in [0, %d] (0: the mean weights)", MaxSamples))
	case c.TrainSize < 0:
		return bad("train-size", c.TrainSize, "must be ≥ 0 (0: the whole training set)")
	case c.TestSize < 0:
		return bad("test-size", c.TestSize, "must be ≥ 0 (0: the whole test set)")
	case !(c.Validation >= 0 && c.Validation < 1):
		return bad("validation", c.Validation, "must lie in [0, 1) (0: evaluate on the test set)")
	case c.Schedule != "constant" && c.Schedule != "cosine":
		return bad("schedule", c.Schedule, "unknown; want constant or cosine")
	case c.BayesBiNNEps != 0 && !slices.Contains(spec.Takes, "bayesbinn-eps"):
		return bad("bayesbinn-eps", showHyper(c.BayesBiNNEps), "applies to --optimizer bayesbinn only (the ε of its Gumbel-softmax estimator)")
	case c.Components < 0 || c.Components > MaxComponents:
		return bad("components", c.Components, fmt.Sprintf("must lie in [1, %d] (0: the default, %d)", MaxComponents, DefaultComponents))
	case c.Components != 0 && spec.Family != FamilyMixture:
		return bad("components", c.Components, "applies to --optimizer mixture only (the mixture family)")
	case c.Components > 1 && c.Model == "mlp" && float64(c.Components)*mlpParams(ImageSize, c.Hidden, Classes) > MaxParams:
		return bad("components", c.Components, fmt.Sprintf("%d copies of the MLP's weights would exceed the limit of %d", c.Components, MaxParams))
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return bad("dropout", c.Dropout, "must lie in [0, 1)")
	case c.Dropout != 0 && spec.Family != FamilyDropout:
		return bad("dropout", c.Dropout, "applies to --optimizer dropout only (dropout-SGD as the rule: the dropout family)")
	case c.Dropout != 0 && c.Model != "mlp":
		return bad("dropout", c.Dropout, "applies to --model mlp only (lenet's layers are fixed)")
	case c.Dropout != 0 && len(c.Hidden) == 0:
		return bad("dropout", c.Dropout, "needs a hidden layer: dropout acts on the hidden units (--hidden)")
	case c.BatchNorm && c.Model != "mlp":
		return bad("batchnorm", c.BatchNorm, "applies to --model mlp only (lenet's layers are fixed)")
	case spec.Family == FamilyBernoulli && c.Model != "mlp":
		return bad("model", c.Model, c.Optimizer+" trains ±1 weights, which need a batch norm after each layer, and lenet has none (its logits reach thousands and it does not learn); use --model mlp with --batchnorm")
	}
	for _, h := range c.hyperFields() {
		if v := *h.v; math.IsNaN(v) || math.IsInf(v, 0) || (v < 0 && v != blr.Off) {
			return bad(h.flag, v, "must be finite and ≥ 0 (0 in Config: the default; blr.Off: an explicit zero)")
		}
	}
	return checkTakes(&c, spec)
}

// showHyper shows a hyperparameter as the command line gives it: blr.Off
// (an explicit zero) as 0.
func showHyper(v float64) float64 {
	if v == blr.Off {
		return 0
	}
	return v
}

// ImageSize and Classes are the input size (28×28 pixels) and the number of
// classes of the image sets the models are built for.
const (
	ImageSize = 28 * 28
	Classes   = 10
)

// mlpParams counts the weights of an MLP, in float64 so that it cannot
// overflow.
func mlpParams(in int, hidden []int, out int) float64 {
	p, prev := 0.0, float64(in)
	for _, h := range hidden {
		p += (prev + 1) * float64(h)
		prev = float64(h)
	}
	return p + (prev+1)*float64(out)
}

// formatHidden writes widths as the --hidden flag takes them ("500,300";
// "none" for no hidden layer).
func formatHidden(h []int) string {
	if len(h) == 0 {
		return "none"
	}
	s := make([]string, len(h))
	for i, v := range h {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

// FormatHidden writes hidden widths as --hidden takes them: "500,300", or
// "none" for an MLP without hidden layers.
func FormatHidden(h []int) string { return formatHidden(h) }

// ParseHidden reads the --hidden flag: comma-separated widths ≥ 1, or "none"
// (or "") for no hidden layer.
func ParseHidden(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") {
		return []int{}, nil
	}
	parts := strings.Split(s, ",")
	out := make([]int, len(parts))
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 1 || v > MaxParams {
			return nil, &ConfigError{Field: "hidden", Value: s, Reason: fmt.Sprintf("width %q (layer %d) is not an integer in [1, %d]", p, i+1, MaxParams)}
		}
		out[i] = v
	}
	return out, nil
}

// engineConfig is the blr.Config of the run: the overrides, the data size N
// and the planned number of steps (from which the Bayesian optimizers choose
// β₂).
func engineConfig(c *Config, n, steps int) blr.Config {
	samples := 0
	if c.TrainSamples > 1 {
		samples = c.TrainSamples
	}
	return blr.Config{
		DataSize: float64(n), PriorPrecision: c.PriorPrecision, LR: c.LR,
		Beta1: c.Beta1, Beta2: c.Beta2, HessInit: c.HessInit,
		Samples: samples, Steps: steps, Temperature: c.Temperature, ClipRadius: c.ClipRadius,
	}
}

// engineFields maps blr.Config's field names to the flags that set them.
var engineFields = map[string]string{
	"LR": "lr", "PriorPrecision": "prior-precision", "Beta1": "beta1", "Beta2": "beta2",
	"HessInit": "hess-init", "Samples": "train-samples", "DataSize": "train-size",
	"Temperature": "temperature", "Components": "components", "components": "components",
	"Eps": "bayesbinn-eps", "ClipRadius": "clip-radius",
}

// engineError turns the engine's *blr.ConfigError into a *ConfigError that
// names the flag.
func engineError(err error) error {
	var ce *blr.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	field, ok := engineFields[ce.Field]
	if !ok {
		field = ce.Field
	}
	v := ce.Value
	if f, ok := v.(float64); ok && f == blr.Off {
		v = 0.0
	}
	return &ConfigError{Field: field, Value: v, Reason: ce.Reason}
}
