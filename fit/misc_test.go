package fit

import (
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestDeterminism: the same seed gives bit-identical posteriors and
// predictions for every model and method (the Monte Carlo ones included).
func TestDeterminism(t *testing.T) {
	xl, yl := synthLogistic(80, 3, 11)
	xm, ym := synthMulti(60, 2, 3, 12)
	xr, yr := synthLinear(50, 2, 2, 13)
	for _, c := range []struct {
		model Model
		x     *mat.Dense
		y     []float64
	}{{ModelLogistic, xl, yl}, {ModelMultinomial, xm, ym}, {ModelLinear, xr, yr}} {
		for _, m := range Methods {
			opt := Options{Model: c.model, Method: m, PriorPrecision: 1, Seed: 42, Epochs: 5, TrainSamples: 16, TestSamples: 50}
			if c.model == ModelLogistic {
				opt.Predictive = PredictSample
			}
			run := func() (*Posterior, Metrics) {
				post, err := Fit(c.x, c.y, opt)
				if err != nil {
					t.Fatalf("%s/%s: %v", c.model, m, err)
				}
				met, err := post.Evaluate(c.x, c.y)
				if err != nil {
					t.Fatalf("%s/%s: %v", c.model, m, err)
				}
				return post, met
			}
			a, ma := run()
			b, mb := run()
			if !slices.Equal(a.Mean, b.Mean) || a.ELBO != b.ELBO || ma != mb || !slices.Equal(a.PrecisionDiag, b.PrecisionDiag) ||
				(a.Precision != nil && !mat.Equal(a.Precision, b.Precision)) {
				t.Errorf("%s/%s: two runs with the same seed differ", c.model, m)
			}
		}
	}
}

// TestBadInput: invalid options and data give typed errors that name the
// field, and never panic.
func TestBadInput(t *testing.T) {
	x, y := synthLogistic(20, 2, 1)
	ok := Options{Model: ModelLogistic, Method: MethodMAP, PriorPrecision: 1}
	nan := mat.DenseCopyOf(x)
	nan.Set(3, 1, math.NaN())
	cases := []struct {
		name  string
		x     *mat.Dense
		y     []float64
		opt   func(Options) Options
		want  error
		field string
	}{
		{"unknown model", x, y, func(o Options) Options { o.Model = "svm"; return o }, ErrOption, "Model"},
		{"unknown method", x, y, func(o Options) Options { o.Method = "mcmc"; return o }, ErrOption, "Method"},
		{"zero prior", x, y, func(o Options) Options { o.PriorPrecision = 0; return o }, ErrOption, "PriorPrecision"},
		{"NaN prior", x, y, func(o Options) Options { o.PriorPrecision = math.NaN(); return o }, ErrOption, "PriorPrecision"},
		{"negative intercept prior", x, y, func(o Options) Options { o.InterceptPrecision = -1; return o }, ErrOption, "InterceptPrecision"},
		{"noise on logistic", x, y, func(o Options) Options { o.NoisePrecision = 2; return o }, ErrOption, "NoisePrecision"},
		{"negative noise", x, y, func(o Options) Options { o.Model = ModelLinear; o.NoisePrecision = -2; return o }, ErrOption, "NoisePrecision"},
		{"one class", x, y, func(o Options) Options { o.Classes = 1; return o }, ErrOption, "Classes"},
		{"unknown predictive", x, y, func(o Options) Options { o.Predictive = "exact"; return o }, ErrOption, "Predictive"},
		{"multiclass quadrature", x, y, func(o Options) Options { o.Model = ModelMultinomial; o.Predictive = PredictQuadrature; return o }, ErrOption, "Predictive"},
		{"predictive on linear", x, y, func(o Options) Options { o.Model = ModelLinear; o.Predictive = PredictProbit; return o }, ErrOption, "Predictive"},
		{"negative samples", x, y, func(o Options) Options { o.TestSamples = -3; return o }, ErrOption, "TestSamples"},
		{"tolerance 2", x, y, func(o Options) Options { o.Tol = 2; return o }, ErrOption, "Tol"},
		{"lr 5", x, y, func(o Options) Options { o.LR = 5; return o }, ErrOption, "LR"},
		{"label 2 for logistic", x, append(append([]float64(nil), y[:19]...), 2), func(o Options) Options { return o }, ErrData, "y[19]"},
		{"fractional class", x, append(append([]float64(nil), y[:19]...), 0.5), func(o Options) Options { o.Model = ModelMultinomial; return o }, ErrData, "y[19]"},
		{"class beyond Classes", x, append(append([]float64(nil), y[:19]...), 4), func(o Options) Options { o.Model = ModelMultinomial; o.Classes = 3; return o }, ErrData, "y[19]"},
		{"infinite target", x, append(append([]float64(nil), y[:19]...), math.Inf(1)), func(o Options) Options { o.Model = ModelLinear; return o }, ErrData, "y[19]"},
		{"label count", x, y[:5], func(o Options) Options { return o }, ErrData, "len(y)"},
		{"NaN feature", nan, y, func(o Options) Options { return o }, ErrData, "x[3,1]"},
		{"empty", &mat.Dense{}, nil, func(o Options) Options { return o }, ErrData, "x"},
		{"nil", nil, nil, func(o Options) Options { return o }, ErrData, "x"},
		{"mlp too large for full VI", x, y, func(o Options) Options { o.Model = ModelMLP; o.Method = MethodVI; o.Hidden = 2000; return o }, ErrOption, "Hidden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			_, err := Fit(c.x, c.y, c.opt(ok))
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want one wrapping %v", err, c.want)
			}
			var oe *OptionError
			var de *DataError
			switch {
			case errors.As(err, &oe) && oe.Field != c.field:
				t.Errorf("OptionError names %q, want %q", oe.Field, c.field)
			case errors.As(err, &de) && de.Field != c.field:
				t.Errorf("DataError names %q, want %q", de.Field, c.field)
			}
		})
	}
	// Test tables that do not match the fit.
	post, err := Fit(x, y, ok)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := post.Evaluate(mat.NewDense(2, 3, nil), []float64{0, 1}); !errors.Is(err, ErrData) {
		t.Errorf("a test table with 3 columns for 2 features: %v", err)
	}
	if _, err := post.Evaluate(x, y[:3]); !errors.Is(err, ErrData) {
		t.Errorf("3 test labels for 20 rows: %v", err)
	}
	if _, _, err := post.PredictRegression(x, y); !errors.Is(err, ErrOption) {
		t.Errorf("regression predictive of a classifier: %v", err)
	}
}

// TestOneClassTraining: with the intercept's proper prior, a training set
// of one class still has a finite MAP and posterior.
func TestOneClassTraining(t *testing.T) {
	x, _ := synthLogistic(30, 2, 3)
	y := make([]float64, 30)
	for _, m := range []Method{MethodMAP, MethodLaplace, MethodVI} {
		post, err := Fit(x, y, Options{Model: ModelLogistic, Method: m, PriorPrecision: 1})
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		for _, v := range post.Mean {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: mean %v", m, post.Mean)
			}
		}
	}
}

func TestClassificationMetrics(t *testing.T) {
	// Two rows, K = 2: (0.9, 0.1) label 0, (0.3, 0.7) label 0.
	m, err := ClassificationMetrics([]float64{0.9, 0.1, 0.3, 0.7}, []int{0, 0}, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := Metrics{N: 2, Classification: true,
		Accuracy: 0.5,
		NLL:      -(math.Log(0.9) + math.Log(0.3)) / 2,
		// bins 9 (conf .9, acc 1) and 7 (conf .7, acc 0): (0.1 + 0.7)/2
		ECE:   (math.Abs(1-0.9) + math.Abs(0-0.7)) / 2,
		Brier: ((0.1*0.1 + 0.1*0.1) + (0.7*0.7 + 0.7*0.7)) / 2,
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"accuracy", m.Accuracy, want.Accuracy}, {"NLL", m.NLL, want.NLL}, {"ECE", m.ECE, want.ECE}, {"Brier", m.Brier, want.Brier}} {
		if math.Abs(c.got-c.want) > 1e-15 {
			t.Errorf("%s = %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
	if _, err := ClassificationMetrics([]float64{0.5, 0.5}, []int{2}, 2); err == nil {
		t.Error("label 2 of 2 classes accepted")
	}
	if _, err := ClassificationMetrics([]float64{0.5}, []int{0}, 2); err == nil {
		t.Error("short probabilities accepted")
	}
	// A probability of exactly 1 lands in the last bin.
	m, _ = ClassificationMetrics([]float64{1, 0}, []int{0}, 2)
	if m.ECE != 0 || m.NLL != 0 {
		t.Errorf("certain and right: ECE %g NLL %g", m.ECE, m.NLL)
	}
}

// TestPredictives: the three logistic predictives agree within their
// stated accuracy, and MAP's plug-in differs from Laplace's integral.
func TestPredictives(t *testing.T) {
	x, y := synthLogistic(120, 3, 5)
	base := Options{Model: ModelLogistic, Method: MethodLaplace, PriorPrecision: 1, TestSamples: 20000, Seed: 3}
	probs := map[Predictive][]float64{}
	for _, p := range []Predictive{PredictQuadrature, PredictProbit, PredictSample} {
		o := base
		o.Predictive = p
		post, err := Fit(x, y, o)
		if err != nil {
			t.Fatal(err)
		}
		if probs[p], err = post.PredictProba(x); err != nil {
			t.Fatal(err)
		}
	}
	for i := range probs[PredictQuadrature] {
		q := probs[PredictQuadrature][i]
		if d := math.Abs(probs[PredictProbit][i] - q); d > 0.02 {
			t.Errorf("row %d: probit %g, quadrature %g", i/2, probs[PredictProbit][i], q)
		}
		if d := math.Abs(probs[PredictSample][i] - q); d > 4*0.5/math.Sqrt(20000) {
			t.Errorf("row %d: sample %g, quadrature %g", i/2, probs[PredictSample][i], q)
		}
	}
	// Multiclass: probit and sample both sum to one per row.
	xm, ym := synthMulti(60, 2, 3, 6)
	for _, p := range []Predictive{PredictProbit, PredictSample} {
		post, err := Fit(xm, ym, Options{Model: ModelMultinomial, Method: MethodLaplace, PriorPrecision: 1, Predictive: p})
		if err != nil {
			t.Fatal(err)
		}
		pr, err := post.PredictProba(xm)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(pr); i += 3 {
			if s := pr[i] + pr[i+1] + pr[i+2]; math.Abs(s-1) > 1e-12 {
				t.Errorf("%s row %d sums to %g", p, i/3, s)
			}
		}
	}
}

// TestRegressionPredictive: for known noise the predictive is Gaussian
// with variance xᵀΣx + 1/τ; learnt noise gives a finite log density close
// to the plug-in one on a well-determined problem.
func TestRegressionPredictive(t *testing.T) {
	x, y := synthLinear(200, 2, 4, 8)
	known, err := Fit(x, y, Options{Model: ModelLinear, Method: MethodLaplace, PriorPrecision: 1, NoisePrecision: 4})
	if err != nil {
		t.Fatal(err)
	}
	learnt, err := Fit(x, y, Options{Model: ModelLinear, Method: MethodVI, PriorPrecision: 1})
	if err != nil {
		t.Fatal(err)
	}
	mk, err := known.Evaluate(x, y)
	if err != nil {
		t.Fatal(err)
	}
	ml, err := learnt.Evaluate(x, y)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("known τ: RMSE %.4f loglik %.4f; learnt: RMSE %.4f loglik %.4f, τ ≈ %.3f", mk.RMSE, mk.LogLik, ml.RMSE, ml.LogLik, math.Exp(learnt.Mean[len(learnt.Mean)-1]))
	if math.Abs(mk.LogLik-ml.LogLik) > 0.05 || math.Abs(mk.RMSE-ml.RMSE) > 1e-3 {
		t.Errorf("known and learnt noise disagree: %+v vs %+v", mk, ml)
	}
	if tau := math.Exp(learnt.Mean[len(learnt.Mean)-1]); math.Abs(tau-4)/4 > 0.25 {
		t.Errorf("learnt τ ≈ %g, true 4", tau)
	}
}

// TestCompare runs every method on one split.
func TestCompare(t *testing.T) {
	x, y := synthLogistic(100, 3, 9)
	rows := Compare(x, y, x, y, Options{Model: ModelLogistic, PriorPrecision: 1, Epochs: 20}, nil)
	if len(rows) != len(Methods) {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Method, r.Err)
		}
	}
	var b strings.Builder
	if err := WriteCompareTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
}

// TestExtremeValues: huge or tiny features and targets give an answer or
// an error, never a panic or a NaN posterior reported as converged.
func TestExtremeValues(t *testing.T) {
	for _, scale := range []float64{1e300, 1e-300, 1e150} {
		x, y := synthLogistic(20, 2, 1)
		xs := mat.DenseCopyOf(x)
		xs.Scale(scale, xs)
		yl := make([]float64, len(y))
		for i, v := range y {
			yl[i] = v * scale
		}
		for _, c := range []struct {
			model Model
			y     []float64
		}{{ModelLogistic, y}, {ModelMultinomial, y}, {ModelLinear, yl}} {
			for _, m := range Methods {
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("scale %g %s/%s: panic %v", scale, c.model, m, r)
						}
					}()
					post, err := Fit(xs, c.y, Options{Model: c.model, Method: m, PriorPrecision: 1, Epochs: 2, MaxIter: 50})
					if err != nil {
						return
					}
					for _, v := range post.Mean {
						if math.IsNaN(v) && post.Converged {
							t.Errorf("scale %g %s/%s: NaN mean reported as converged", scale, c.model, m)
						}
					}
					_, _ = post.Evaluate(xs, c.y)
				}()
			}
		}
	}
	// Too many parameters for a dense precision.
	wide := mat.NewDense(3, MaxParams, nil)
	if _, err := Fit(wide, []float64{0, 1, 0}, Options{Model: ModelLogistic, Method: MethodMAP, PriorPrecision: 1}); !errors.Is(err, ErrData) {
		t.Errorf("%d features: %v", MaxParams, err)
	}
}

// TestThreadsBitIdentical: the parallel parts (the Gram matrices, the score
// variances and the quadratures) split the work by fixed rules, so one and
// four threads give the same bits.
func TestThreadsBitIdentical(t *testing.T) {
	x, y := synthLogistic(5000, 29, 31)
	run := func(procs int) *Posterior {
		prev := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(prev)
		post, err := Fit(x, y, Options{Model: ModelLogistic, Method: MethodVI, PriorPrecision: 1})
		if err != nil {
			t.Fatal(err)
		}
		return post
	}
	a, b := run(1), run(4)
	if !slices.Equal(a.Mean, b.Mean) || !mat.Equal(a.Precision, b.Precision) || a.ELBO != b.ELBO {
		t.Error("1 and 4 threads give different posteriors")
	}
}
