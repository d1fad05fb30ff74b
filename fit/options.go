package fit

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bayesrule/blr"
)

// Model names a model, as `--model` spells it.
type Model string

// The models.
const (
	ModelLogistic    Model = "logistic"
	ModelMultinomial Model = "multinomial"
	ModelLinear      Model = "linear"
	ModelMLP         Model = "mlp"
)

// Models lists the model names in the order `blr fit` documents them.
var Models = []Model{ModelLogistic, ModelMultinomial, ModelLinear, ModelMLP}

// Method names a way to get the posterior, as `--method` spells it.
type Method string

// The methods.
const (
	MethodMAP     Method = "map"
	MethodLaplace Method = "laplace"
	MethodVI      Method = "vi"
	MethodVIDiag  Method = "vi-diag"
	MethodVOGN    Method = "vogn"
	MethodIVON    Method = "ivon"
)

// Methods lists every method, in the order Compare runs them.
var Methods = []Method{MethodMAP, MethodLaplace, MethodVI, MethodVIDiag, MethodVOGN, MethodIVON}

// Predictive names how the posterior predictive integral is taken, as
// `--predictive` spells it.
type Predictive string

// The predictives. The zero value is the model's default (see the package
// documentation).
const (
	PredictDefault    Predictive = ""
	PredictQuadrature Predictive = "quadrature"
	PredictProbit     Predictive = "probit"
	PredictSample     Predictive = "sample"
)

// ErrOption is wrapped by every error about an invalid Options value.
var ErrOption = errors.New("fit: invalid option")

// ErrData is wrapped by every error about invalid data (a shape, a label, a
// non-finite value).
var ErrData = errors.New("fit: invalid data")

// OptionError names an invalid option, its value and why.
type OptionError struct {
	Field  string
	Value  any
	Reason string
}

// Error implements the error interface.
func (e *OptionError) Error() string {
	return fmt.Sprintf("fit: %s = %v: %s", e.Field, e.Value, e.Reason)
}

// Unwrap makes errors.Is(err, ErrOption) true.
func (e *OptionError) Unwrap() error { return ErrOption }

// DataError names the invalid piece of data (e.g. "y[3]", "x[2,5]"), its
// value and why.
type DataError struct {
	Field  string
	Value  any
	Reason string
}

// Error implements the error interface.
func (e *DataError) Error() string {
	return fmt.Sprintf("fit: %s = %v: %s", e.Field, e.Value, e.Reason)
}

// Unwrap makes errors.Is(err, ErrData) true.
func (e *DataError) Unwrap() error { return ErrData }

// Limits on the options, so that no setting can ask for an allocation that
// exhausts memory or a loop that runs for days: each is far beyond what a
// table that Fit can hold in memory needs. The counts match package train's
// limits on the same kinds of value where the cost is alike (train.MaxEpochs,
// train.MaxSamples).
const (
	// MaxClasses bounds Options.Classes (and the classes of the labels): a
	// multinomial GLM has at least one parameter per class, and at most
	// MaxParams in all.
	MaxClasses = MaxParams
	// MaxSamples bounds TrainSamples, the Monte Carlo draws per example and
	// iteration of multinomial VI (train.MaxSamples).
	MaxSamples = 1 << 12
	// MaxTestSamples bounds TestSamples, the Monte Carlo draws per test row
	// of PredictSample. It is larger than MaxSamples: the draws are
	// streamed (no memory) and cheap, and a precision check of the
	// predictive takes 20000.
	MaxTestSamples = 1 << 16
	// MaxEpochs bounds Epochs.
	MaxEpochs = 1 << 20
	// MaxIterations bounds MaxIter.
	MaxIterations = 1 << 20
	// MaxBatchSize bounds BatchSize (a batch larger than the table is the
	// whole table).
	MaxBatchSize = 1 << 24
	// MaxHidden bounds Hidden, the width of the MLP's hidden layer.
	MaxHidden = 1 << 16
	// MaxPrecision bounds PriorPrecision, InterceptPrecision,
	// NoisePrecision and NoisePriorPrecision: a precision of 10¹² is a
	// standard deviation of 10⁻⁶, and far larger ones (10³⁰⁸) overflow the
	// products of the methods (τ·XᵀX, δ·θ²) into Inf and NaN. It is the
	// engine's bound on its prior precision (blr.MaxPrecision).
	MaxPrecision = blr.MaxPrecision
)

// Options configures Fit. Model, Method and PriorPrecision are required; a
// zero value of any other field means its documented default. The count-like
// fields and the precisions have upper limits (MaxClasses, MaxSamples,
// MaxTestSamples, MaxEpochs, MaxIterations, MaxBatchSize, MaxHidden,
// MaxPrecision).
type Options struct {
	// Model and Method select what is fitted and how.
	Model  Model
	Method Method
	// PriorPrecision is δ > 0, the precision of the prior N(0, δ⁻¹) on each
	// weight, on the sum-of-losses scale; at most MaxPrecision.
	PriorPrecision float64
	// InterceptPrecision is the intercept's prior precision δ₀ > 0, at most
	// MaxPrecision; 0 means PriorPrecision. It must be 0 with NoIntercept.
	InterceptPrecision float64
	// NoIntercept drops the intercept column.
	NoIntercept bool
	// NoisePrecision is linear regression's known noise precision τ > 0, at
	// most MaxPrecision; 0 learns it (θ gains ρ = log τ). It must be 0 for
	// the classification models.
	NoisePrecision float64
	// NoisePriorPrecision is the precision of the prior N(0, ·⁻¹) on
	// ρ = log τ when the noise is learnt, at most MaxPrecision; 0 means
	// 0.01.
	NoisePriorPrecision float64
	// Classes is the number K of classes of the multinomial model and the
	// classifying MLP, at most MaxClasses (and, for the multinomial model,
	// at most MaxParams parameters, K × the design's columns, and
	// N·K² ≤ MaxScoreEntries for N rows); 0 means 1 + the largest training
	// label. It must be 0 for the other models.
	Classes int
	// Predictive is the predictive integral; "" means the model's default.
	Predictive Predictive
	// TrainSamples is the number of Monte Carlo draws per example where the
	// training expectations are by Monte Carlo (multinomial VI), at most
	// MaxSamples; 0 means 256.
	TrainSamples int
	// TestSamples is the number of Monte Carlo draws per test row of
	// PredictSample, at most MaxTestSamples; 0 means 2000 (200 for the
	// MLP).
	TestSamples int
	// Seed seeds every random choice; the same seed gives bit-identical
	// results.
	Seed uint64
	// MaxIter caps the iterations of the deterministic methods, at most
	// MaxIterations; 0 means 100 for MAP and Laplace and 10000 for VI.
	MaxIter int
	// Tol is the relative convergence tolerance; 0 means 1e-10.
	Tol float64
	// Epochs is the number of passes over the data of VOGN and IVON (and
	// the MLP's methods), at most MaxEpochs; 0 means 200.
	Epochs int
	// BatchSize is their minibatch size, at most MaxBatchSize; 0 means 32
	// (or N if smaller).
	BatchSize int
	// LR is their mean step size α (for the MLP's vi-diag, the rule's ρ);
	// 0 means 0.1, or 0.01 for the MLP.
	LR float64
	// Hidden is the width of the MLP's hidden layer (ReLU), at most
	// MaxHidden (and the network at most MaxMLPParams weights); 0 means 32.
	Hidden int
	// Regression makes the MLP a regression network with Gaussian noise of
	// precision NoisePrecision (0 means 1) instead of a classifier.
	Regression bool
}

// resolved is Options with its defaults applied. InterceptPrecision stays 0
// without an intercept and Hidden stays 0 for the GLMs, so that validate
// can tell those given for nothing, and a Posterior's Options pass Fit
// again.
func (o Options) resolved() Options {
	if o.InterceptPrecision == 0 && !o.NoIntercept {
		o.InterceptPrecision = o.PriorPrecision
	}
	if o.NoisePriorPrecision == 0 {
		o.NoisePriorPrecision = 0.01
	}
	if o.Predictive == PredictDefault {
		switch o.Model {
		case ModelLogistic:
			o.Predictive = PredictQuadrature
		case ModelMultinomial:
			o.Predictive = PredictSample
		}
	}
	if o.TrainSamples == 0 {
		o.TrainSamples = 256
	}
	if o.TestSamples == 0 {
		o.TestSamples = 2000
		if o.Model == ModelMLP {
			o.TestSamples = 200
		}
	}
	if o.Hidden == 0 && o.Model == ModelMLP {
		o.Hidden = 32
	}
	if o.Model == ModelMLP && o.Regression && o.NoisePrecision == 0 {
		o.NoisePrecision = 1
	}
	if o.MaxIter == 0 {
		switch o.Method {
		case MethodMAP, MethodLaplace:
			o.MaxIter = 100
		default:
			o.MaxIter = 10000
		}
	}
	if o.Tol == 0 {
		o.Tol = 1e-10
	}
	if o.Epochs == 0 {
		o.Epochs = 200
	}
	if o.BatchSize == 0 {
		o.BatchSize = 32
	}
	if o.LR == 0 {
		o.LR = 0.1
		if o.Model == ModelMLP {
			// Steps of 0.1 diverge on some tables (a weight whose
			// Gauss–Newton curvature vanishes gets a step of α/δ).
			o.LR = 0.01
		}
	}
	return o
}

// precision checks a precision: finite, > 0 and at most MaxPrecision.
func precision(field string, v float64) error {
	if !(v > 0 && v <= MaxPrecision) {
		return &OptionError{Field: field, Value: v, Reason: fmt.Sprintf("want a value in (0, %g]", MaxPrecision)}
	}
	return nil
}

// Validate checks the options on their own, before any data is seen, and
// returns an *OptionError naming the first invalid field. Fit calls it; a
// caller may call it first to refuse bad options before reading a table.
// What depends on the data too (the multinomial model's K × columns
// parameters, the MLP's weights) Fit checks once it has the table.
func (o Options) Validate() error { return o.resolved().validate() }

// validate checks resolved options.
func (o Options) validate() error {
	switch o.Model {
	case ModelLogistic, ModelMultinomial, ModelLinear, ModelMLP:
	default:
		return &OptionError{Field: "Model", Value: fmt.Sprintf("%q", o.Model), Reason: "unknown; want one of " + joinNames(Models)}
	}
	switch o.Method {
	case MethodMAP, MethodLaplace, MethodVI, MethodVIDiag, MethodVOGN, MethodIVON:
	default:
		return &OptionError{Field: "Method", Value: fmt.Sprintf("%q", o.Method), Reason: "unknown; want one of " + joinNames(Methods)}
	}
	if err := precision("PriorPrecision", o.PriorPrecision); err != nil {
		return err
	}
	if o.NoIntercept && o.InterceptPrecision != 0 {
		// resolved leaves it 0 without an intercept, so this one was given.
		return &OptionError{Field: "InterceptPrecision", Value: o.InterceptPrecision, Reason: "applies to the intercept, which is dropped"}
	}
	if !o.NoIntercept {
		if err := precision("InterceptPrecision", o.InterceptPrecision); err != nil {
			return err
		}
	}
	if o.NoisePrecision != 0 {
		if err := precision("NoisePrecision", o.NoisePrecision); err != nil {
			return err
		}
	}
	if err := precision("NoisePriorPrecision", o.NoisePriorPrecision); err != nil {
		return err
	}
	if o.Model != ModelLinear && !(o.Model == ModelMLP && o.Regression) && o.NoisePrecision != 0 {
		return &OptionError{Field: "NoisePrecision", Value: o.NoisePrecision, Reason: "applies to linear regression and the regression MLP only"}
	}
	if o.Regression && o.Model != ModelMLP {
		return &OptionError{Field: "Regression", Value: true, Reason: "selects the MLP's task; for linear regression use the linear model"}
	}
	if o.Model == ModelMLP {
		switch {
		case o.NoIntercept:
			return &OptionError{Field: "NoIntercept", Value: true, Reason: "the MLP's layers always have biases"}
		case o.Predictive != PredictDefault && o.Predictive != PredictSample:
			return &OptionError{Field: "Predictive", Value: o.Predictive, Reason: "the MLP's predictive is by sampling"}
		case o.Hidden < 1 || o.Hidden > MaxHidden:
			return &OptionError{Field: "Hidden", Value: o.Hidden, Reason: fmt.Sprintf("want a width in [1, %d] (or 0 for the default 32)", MaxHidden)}
		}
	} else if o.Hidden != 0 {
		// resolved leaves it 0 for the GLMs, so this one was given.
		return &OptionError{Field: "Hidden", Value: o.Hidden, Reason: "applies to the MLP only"}
	}
	if o.Classes < 0 || o.Classes == 1 || o.Classes > MaxClasses {
		return &OptionError{Field: "Classes", Value: o.Classes, Reason: fmt.Sprintf("want 0 (from the labels) or a number of classes in [2, %d]", MaxClasses)}
	}
	if o.Classes != 0 && o.Model != ModelMultinomial && !(o.Model == ModelMLP && !o.Regression) {
		return &OptionError{Field: "Classes", Value: o.Classes, Reason: "applies to the multinomial model and the classifying MLP only"}
	}
	switch o.Predictive {
	case PredictDefault:
	case PredictQuadrature:
		if o.Model == ModelMultinomial {
			return &OptionError{Field: "Predictive", Value: o.Predictive, Reason: "the multiclass integral is K-dimensional; use sample (the default) or probit"}
		}
	case PredictProbit, PredictSample:
	default:
		return &OptionError{Field: "Predictive", Value: fmt.Sprintf("%q", o.Predictive), Reason: "unknown; want quadrature, probit or sample"}
	}
	if (o.Model == ModelLinear || o.Regression) && o.Predictive != PredictDefault {
		return &OptionError{Field: "Predictive", Value: o.Predictive, Reason: "linear regression's predictive is exact; leave it unset"}
	}
	for _, c := range []struct {
		f   string
		v   int
		max int
	}{
		{"TrainSamples", o.TrainSamples, MaxSamples},
		{"TestSamples", o.TestSamples, MaxTestSamples},
		{"MaxIter", o.MaxIter, MaxIterations},
		{"Epochs", o.Epochs, MaxEpochs},
		{"BatchSize", o.BatchSize, MaxBatchSize},
	} {
		if c.v < 1 || c.v > c.max {
			return &OptionError{Field: c.f, Value: c.v, Reason: fmt.Sprintf("want a count in [1, %d] (or 0 for the default)", c.max)}
		}
	}
	if !(o.Tol > 0 && o.Tol < 1) {
		return &OptionError{Field: "Tol", Value: o.Tol, Reason: "want a value in (0, 1)"}
	}
	if !(o.LR > 0 && o.LR <= 1) {
		return &OptionError{Field: "LR", Value: o.LR, Reason: "want a value in (0, 1]"}
	}
	return nil
}

func joinNames[T ~string](names []T) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}
