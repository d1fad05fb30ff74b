package fit

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bayesrule/blr/glm"
	"gonum.org/v1/gonum/mat"
)

// limitsTable is a six-row table of two features with 0/1 labels.
func limitsTable() (*mat.Dense, []float64) {
	x := mat.NewDense(6, 2, []float64{0.1, 0.2, 0.3, -0.1, -0.2, 0.5, 0.7, 0.1, 0.2, 0.2, 0.9, 0.4})
	return x, []float64{0, 1, 0, 1, 0, 1}
}

// TestLimitsOptions: every count-like option and every precision has an
// upper limit, options a model ignores are refused, and the error is a
// *OptionError naming the field and the value, from Validate (no data) and
// from Fit, at once (no allocation or loop of the asked size).
func TestLimitsOptions(t *testing.T) {
	x, y := limitsTable()
	base := Options{Model: ModelLogistic, Method: MethodMAP, PriorPrecision: 1}
	multi := func(o Options) Options { o.Model = ModelMultinomial; return o }
	cases := []struct {
		name  string
		opt   func(Options) Options
		field string
		value string
	}{
		{"classes 99999999999", func(o Options) Options { o = multi(o); o.Classes = 99999999999; return o }, "Classes", "99999999999"},
		{"classes 1e9", func(o Options) Options { o = multi(o); o.Classes = 1000000000; return o }, "Classes", "1000000000"},
		{"classes 1e6", func(o Options) Options { o = multi(o); o.Classes = 1000000; return o }, "Classes", "1000000"},
		{"classes beyond MaxClasses", func(o Options) Options { o = multi(o); o.Classes = MaxClasses + 1; return o }, "Classes", "4097"},
		{"mlp classes", func(o Options) Options { o.Model = ModelMLP; o.Classes = 99999999999; return o }, "Classes", "99999999999"},
		{"test samples", func(o Options) Options { o = multi(o); o.TestSamples = 999999999999; return o }, "TestSamples", "999999999999"},
		{"test samples beyond", func(o Options) Options { o.TestSamples = MaxTestSamples + 1; return o }, "TestSamples", "65537"},
		{"train samples", func(o Options) Options { o.TrainSamples = MaxSamples + 1; return o }, "TrainSamples", "4097"},
		{"epochs", func(o Options) Options { o.Method = MethodIVON; o.Epochs = 99999999999; return o }, "Epochs", "99999999999"},
		{"max iter", func(o Options) Options { o.MaxIter = MaxIterations + 1; return o }, "MaxIter", "1048577"},
		{"batch size", func(o Options) Options { o.BatchSize = MaxBatchSize + 1; return o }, "BatchSize", "16777217"},
		{"hidden", func(o Options) Options { o.Model = ModelMLP; o.Hidden = MaxHidden + 1; return o }, "Hidden", "65537"},
		{"prior precision", func(o Options) Options { o.PriorPrecision = 1e13; return o }, "PriorPrecision", "1e+13"},
		{"prior precision Inf", func(o Options) Options { o.PriorPrecision = math.Inf(1); return o }, "PriorPrecision", "+Inf"},
		{"intercept precision", func(o Options) Options { o.InterceptPrecision = 1e308; return o }, "InterceptPrecision", "1e+308"},
		{"noise precision", func(o Options) Options { o.Model = ModelLinear; o.NoisePrecision = 1e308; return o }, "NoisePrecision", "1e+308"},
		{"noise prior precision", func(o Options) Options { o.Model = ModelLinear; o.NoisePriorPrecision = 1e300; return o }, "NoisePriorPrecision", "1e+300"},
		// Options the model ignores.
		{"classes for logistic", func(o Options) Options { o.Classes = 5; return o }, "Classes", "5"},
		{"classes for linear", func(o Options) Options { o.Model = ModelLinear; o.Classes = 3; return o }, "Classes", "3"},
		{"classes for the regression mlp", func(o Options) Options { o.Model = ModelMLP; o.Regression = true; o.Classes = 3; return o }, "Classes", "3"},
		{"intercept precision without intercept", func(o Options) Options { o.NoIntercept = true; o.InterceptPrecision = 3; return o }, "InterceptPrecision", "3"},
		{"hidden for logistic", func(o Options) Options { o.Hidden = 8; return o }, "Hidden", "8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opt := c.opt(base)
			for _, run := range []struct {
				name string
				f    func() error
			}{
				{"Validate", opt.Validate},
				{"Fit", func() error { _, err := Fit(x, y, opt); return err }},
			} {
				start := time.Now()
				err := run.f()
				if d := time.Since(start); d > time.Second {
					t.Errorf("%s took %v", run.name, d)
				}
				var oe *OptionError
				if !errors.As(err, &oe) || !errors.Is(err, ErrOption) {
					t.Fatalf("%s: error %v, want a *OptionError", run.name, err)
				}
				if oe.Field != c.field || !strings.Contains(err.Error(), c.field+" = "+c.value+": ") {
					t.Errorf("%s: error %q, want field %s = %s", run.name, err, c.field, c.value)
				}
			}
		})
	}
}

// TestLimitsAccepted: values at the limits and the zero defaults pass.
func TestLimitsAccepted(t *testing.T) {
	for _, opt := range []Options{
		{Model: ModelLogistic, Method: MethodMAP, PriorPrecision: MaxPrecision, InterceptPrecision: MaxPrecision},
		{Model: ModelLinear, Method: MethodVI, PriorPrecision: 1, NoisePrecision: MaxPrecision},
		{Model: ModelLinear, Method: MethodVI, PriorPrecision: 1, NoisePriorPrecision: MaxPrecision},
		{Model: ModelMultinomial, Method: MethodVI, PriorPrecision: 1, Classes: MaxClasses, TrainSamples: MaxSamples, TestSamples: MaxTestSamples, MaxIter: MaxIterations},
		{Model: ModelLogistic, Method: MethodIVON, PriorPrecision: 1, Epochs: MaxEpochs, BatchSize: MaxBatchSize},
		{Model: ModelMLP, Method: MethodVIDiag, PriorPrecision: 1, Hidden: MaxHidden, Classes: 2},
		{Model: ModelLogistic, Method: MethodMAP, PriorPrecision: 1, NoIntercept: true},
	} {
		if err := opt.Validate(); err != nil {
			t.Errorf("%+v: %v", opt, err)
		}
	}
}

// TestLimitsParams: the multinomial model's K × columns parameters are
// checked against MaxParams before the model is built, naming Classes when
// it was given (overflow-safe), and labels beyond MaxClasses are refused.
func TestLimitsParams(t *testing.T) {
	x, y := limitsTable() // 2 features: 3 columns with the intercept
	opt := Options{Model: ModelMultinomial, Method: MethodMAP, PriorPrecision: 1}
	for _, c := range []struct {
		classes     int
		noIntercept bool
		ok          bool
	}{
		{MaxParams / 3, false, true},      // 1365 × 3 = 4095
		{MaxParams/3 + 1, false, false},   // 1366 × 3 = 4098
		{MaxParams / 2, true, true},       // 2048 × 2 = 4096
		{MaxParams/2 + 1, true, false},    // 2049 × 2
		{math.MaxInt/3 + 1, false, false}, // K·cols overflows int
	} {
		o := opt
		o.Classes, o.NoIntercept = c.classes, c.noIntercept
		err := checkParams(x, o, c.classes)
		if c.ok != (err == nil) {
			t.Errorf("K = %d, no intercept %v: %v", c.classes, c.noIntercept, err)
		}
		var oe *OptionError
		if err != nil && (!errors.As(err, &oe) || oe.Field != "Classes" || !strings.Contains(err.Error(), "4096 parameters")) {
			t.Errorf("K = %d: error %v, want an *OptionError on Classes naming the limit", c.classes, err)
		}
	}
	o := opt
	o.Classes = MaxParams/3 + 1
	start := time.Now()
	if _, err := Fit(x, y, o); !errors.Is(err, ErrOption) || !strings.Contains(err.Error(), "Classes = 1366: 1366 classes × 3 coefficients (2 features + the intercept)") {
		t.Errorf("Fit with K = 1366: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing K = 1366 took %v", d)
	}
	// Classes from the labels: a data error.
	wide := mat.NewDense(6, 3, nil)
	lab := []float64{0, 1, 2, 0, 1, 1500}
	if _, err := Fit(wide, lab, opt); !errors.Is(err, ErrData) || !strings.Contains(err.Error(), "1501 classes × 4") {
		t.Errorf("1501 classes from the labels: %v", err)
	}
	lab[5] = MaxClasses
	if _, err := Fit(x, lab, opt); !errors.Is(err, ErrData) || !strings.Contains(err.Error(), "y[5]") {
		t.Errorf("label MaxClasses: %v", err)
	}
}

// TestLimitsMLPWeights: an MLP of more than MaxMLPParams weights is refused
// before it is built, naming Hidden.
func TestLimitsMLPWeights(t *testing.T) {
	x, y := limitsTable()
	start := time.Now()
	_, err := Fit(x, y, Options{Model: ModelMLP, Method: MethodVIDiag, PriorPrecision: 1, Hidden: MaxHidden, Classes: 4000})
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Field != "Hidden" || !strings.Contains(err.Error(), "weights") {
		t.Errorf("error %v, want an *OptionError on Hidden", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing took %v", d)
	}
}

// TestLimitsRefit: a posterior's Options (with the defaults filled in) pass
// Fit again, with and without an intercept; without one the intercept's
// precision stays 0, and a GLM's Hidden stays 0.
func TestLimitsRefit(t *testing.T) {
	x, y := limitsTable()
	for _, noIntercept := range []bool{false, true} {
		post, err := Fit(x, y, Options{Model: ModelLogistic, Method: MethodMAP, PriorPrecision: 2, NoIntercept: noIntercept})
		if err != nil {
			t.Fatal(err)
		}
		want := 2.0
		if noIntercept {
			want = 0
		}
		if got := post.Options.InterceptPrecision; got != want {
			t.Errorf("no intercept %v: InterceptPrecision %g, want %g", noIntercept, got, want)
		}
		if post.Options.Hidden != 0 {
			t.Errorf("Hidden %d for a GLM", post.Options.Hidden)
		}
		if _, err := Fit(x, y, post.Options); err != nil {
			t.Errorf("no intercept %v: refit with the posterior's options: %v", noIntercept, err)
		}
	}
}

// TestLimitsPrecisionAtBound: the deterministic methods give finite
// posteriors at the largest precisions allowed (a noise precision of 1e308
// gave a NaN estimate; it is now refused by validation).
func TestLimitsPrecisionAtBound(t *testing.T) {
	x, y := limitsTable()
	for _, opt := range []Options{
		{Model: ModelLinear, NoisePrecision: MaxPrecision, PriorPrecision: 1},
		{Model: ModelLinear, PriorPrecision: MaxPrecision},
		{Model: ModelLogistic, PriorPrecision: MaxPrecision},
	} {
		for _, m := range []Method{MethodMAP, MethodLaplace, MethodVI} {
			opt.Method = m
			post, err := Fit(x, y, opt)
			if err != nil {
				t.Errorf("%s %s: %v", opt.Model, m, err)
				continue
			}
			for j, v := range post.Mean {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s %s: mean[%d] = %g", opt.Model, m, j, v)
				}
			}
		}
	}
}

// TestLimitsScoreEntries: the multinomial model's K×K matrix per row is
// bounded (N·K² ≤ MaxScoreEntries) before it is allocated, for the training
// rows (naming Classes when given, else the rows) and the test rows.
func TestLimitsScoreEntries(t *testing.T) {
	n := 1000
	x := mat.NewDense(n, 1, nil)
	y := make([]float64, n)
	for i := range n {
		x.Set(i, 0, float64(i%7))
		y[i] = float64(i % 3)
	}
	opt := Options{Model: ModelMultinomial, Method: MethodMAP, PriorPrecision: 1, Classes: 400} // 400·2 parameters; 1000·400² entries
	start := time.Now()
	_, err := Fit(x, y, opt)
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Field != "Classes" || !strings.Contains(err.Error(), "1000 rows × 400² classes") {
		t.Errorf("K = 400 on 1000 rows: %v", err)
	}
	y[0] = 399 // the same K from the labels
	opt.Classes = 0
	if _, err := Fit(x, y, opt); !errors.Is(err, ErrData) || !strings.Contains(err.Error(), "x rows = 1000") {
		t.Errorf("K = 400 from the labels: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing took %v", d)
	}
	// Test rows: a posterior of K = 1000 classes predicts for at most 134 rows.
	post := &Posterior{Options: Options{Model: ModelMultinomial, Method: MethodLaplace, PriorPrecision: 1}.resolved(), Features: 1, Classes: 1000,
		prob: &problem{multinomial: &glm.Multinomial{}}}
	if _, err := post.PredictProba(mat.NewDense(200, 1, nil)); !errors.Is(err, ErrData) || !strings.Contains(err.Error(), "test x rows = 200") {
		t.Errorf("200 test rows of 1000 classes: %v", err)
	}
}
