package fit

import (
	"errors"
	"fmt"
	"math"
	"strings"
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

// Options configures Fit. Model, Method and PriorPrecision are required; a
// zero value of any other field means its documented default.
type Options struct {
	// Model and Method select what is fitted and how.
	Model  Model
	Method Method
	// PriorPrecision is δ > 0, the precision of the prior N(0, δ⁻¹) on each
	// weight, on the sum-of-losses scale.
	PriorPrecision float64
	// InterceptPrecision is the intercept's prior precision δ₀ > 0; 0 means
	// PriorPrecision.
	InterceptPrecision float64
	// NoIntercept drops the intercept column.
	NoIntercept bool
	// NoisePrecision is linear regression's known noise precision τ > 0; 0
	// learns it (θ gains ρ = log τ).
	NoisePrecision float64
	// NoisePriorPrecision is the precision of the prior N(0, ·⁻¹) on
	// ρ = log τ when the noise is learnt; 0 means 0.01.
	NoisePriorPrecision float64
	// Classes is the number K of classes of the multinomial model; 0 means
	// 1 + the largest training label.
	Classes int
	// Predictive is the predictive integral; "" means the model's default.
	Predictive Predictive
	// TrainSamples is the number of Monte Carlo draws per example where the
	// training expectations are by Monte Carlo (multinomial VI); 0 means 256.
	TrainSamples int
	// TestSamples is the number of Monte Carlo draws per test row of
	// PredictSample; 0 means 2000.
	TestSamples int
	// Seed seeds every random choice; the same seed gives bit-identical
	// results.
	Seed uint64
	// MaxIter caps the iterations of the deterministic methods; 0 means 100
	// for MAP and Laplace and 10000 for VI.
	MaxIter int
	// Tol is the relative convergence tolerance; 0 means 1e-10.
	Tol float64
	// Epochs is the number of passes over the data of VOGN and IVON; 0
	// means 200.
	Epochs int
	// BatchSize is their minibatch size; 0 means 32 (or N if smaller).
	BatchSize int
	// LR is their mean step size α (for the MLP's vi-diag, the rule's ρ);
	// 0 means 0.1, or 0.01 for the MLP.
	LR float64
	// Hidden is the width of the MLP's hidden layer (ReLU); 0 means 32.
	Hidden int
	// Regression makes the MLP a regression network with Gaussian noise of
	// precision NoisePrecision (0 means 1) instead of a classifier.
	Regression bool
}

// resolved is Options with its defaults applied.
func (o Options) resolved() Options {
	if o.InterceptPrecision == 0 {
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
	if o.Hidden == 0 {
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

func positive(field string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return &OptionError{Field: field, Value: v, Reason: "want a finite value > 0"}
	}
	return nil
}

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
	if err := positive("PriorPrecision", o.PriorPrecision); err != nil {
		return err
	}
	if err := positive("InterceptPrecision", o.InterceptPrecision); err != nil {
		return err
	}
	if o.NoisePrecision != 0 {
		if err := positive("NoisePrecision", o.NoisePrecision); err != nil {
			return err
		}
	}
	if err := positive("NoisePriorPrecision", o.NoisePriorPrecision); err != nil {
		return err
	}
	if o.Model != ModelLinear && !(o.Model == ModelMLP && o.Regression) && o.NoisePrecision != 0 {
		return &OptionError{Field: "NoisePrecision", Value: o.NoisePrecision, Reason: "applies to linear regression and the regression MLP only"}
	}
	if o.Regression && o.Model != ModelMLP {
		return &OptionError{Field: "Regression", Value: true, Reason: "selects the MLP's task; for a linear model use ModelLinear"}
	}
	if o.Model == ModelMLP {
		switch {
		case o.NoIntercept:
			return &OptionError{Field: "NoIntercept", Value: true, Reason: "the MLP's layers always have biases"}
		case o.Predictive != PredictDefault && o.Predictive != PredictSample:
			return &OptionError{Field: "Predictive", Value: o.Predictive, Reason: "the MLP's predictive is by sampling"}
		case o.Hidden < 1 || o.Hidden > 1<<16:
			return &OptionError{Field: "Hidden", Value: o.Hidden, Reason: "want a width in [1, 65536] (or 0 for the default 32)"}
		}
	}
	if o.Classes < 0 || o.Classes == 1 {
		return &OptionError{Field: "Classes", Value: o.Classes, Reason: "want 0 (from the labels) or ≥ 2"}
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
		f string
		v int
	}{{"TrainSamples", o.TrainSamples}, {"TestSamples", o.TestSamples}, {"MaxIter", o.MaxIter}, {"Epochs", o.Epochs}, {"BatchSize", o.BatchSize}} {
		if c.v < 1 {
			return &OptionError{Field: c.f, Value: c.v, Reason: "want ≥ 1 (or 0 for the default)"}
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
