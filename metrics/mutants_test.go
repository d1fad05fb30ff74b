package metrics_test

// Tests added after mutation testing of the package: each pins down a
// behaviour that a single-point change of the code left undetected. Expected
// values are closed forms or re-computations written independently of the
// implementation.

import (
	"errors"
	"math"
	"testing"

	"github.com/bayesrule/blr/metrics"
)

// TestMutantInputErrorDetails pins the fields of the *InputError (Field,
// Index = −1 for a whole argument, Value), its full message, and the zero
// result that goes with every error.
func TestMutantInputErrorDetails(t *testing.T) {
	ninf := math.Inf(-1)
	for _, tc := range []struct {
		name  string
		f     func() (float64, error)
		field string
		index int
		value float64
		msg   string
	}{
		{"accuracy length", func() (float64, error) { return metrics.Accuracy([]float64{1, 0, 1}, 2, []int{0}) },
			"len(p)", -1, 0, "metrics.Accuracy: len(p): 3 probabilities, want len(y)·classes = 1·2"},
		{"nll row sum", func() (float64, error) { return metrics.NLL([]float64{1, 0, 0.5, 0.4}, 2, []int{0, 1}) },
			"p", -1, 0, "metrics.NLL: p: row 1 (example 1) sums to 0.9, not 1"},
		{"ece above 1", func() (float64, error) { return metrics.ECE([]float64{0.5, 0.5, 1.5, 0}, 2, []int{0, 0}) },
			"p", 2, 1.5, "metrics.ECE: p[2] = 1.5: probability outside [0, 1]"},
		{"brier above 1, one class", func() (float64, error) { return metrics.Brier([]float64{1.5}, 1, []int{0}) },
			"p", 0, 1.5, "metrics.Brier: p[0] = 1.5: probability outside [0, 1]"},
		{"auroc empty", func() (float64, error) { return metrics.AUROC([]float64{1}, nil) },
			"scores", -1, 0, "metrics.AUROC: scores: 1 positive and 0 negative scores; need at least one of each"},
		{"rmse -Inf", func() (float64, error) { return metrics.RMSE([]float64{0, ninf}, []float64{0, 0}) },
			"pred", 1, ninf, "metrics.RMSE: pred[1] = -Inf: not finite"},
		{"gauss ll -Inf mean", func() (float64, error) {
			return metrics.GaussianLogLik([]float64{ninf}, []float64{1}, []float64{0})
		}, "mean", 0, ninf, "metrics.GaussianLogLik: mean[0] = -Inf: not finite"},
		{"gauss ll -Inf y", func() (float64, error) {
			return metrics.GaussianLogLik([]float64{0}, []float64{1}, []float64{ninf})
		}, "y", 0, ninf, "metrics.GaussianLogLik: y[0] = -Inf: not finite"},
		{"gauss ll variance", func() (float64, error) {
			return metrics.GaussianLogLik([]float64{0, 0}, []float64{1, -1}, []float64{0, 0})
		}, "variance", 1, -1, "metrics.GaussianLogLik: variance[1] = -1: variance must be positive and finite"},
		{"mixture counts", func() (float64, error) {
			return metrics.GaussianMixtureLogLik([][]float64{{0}}, nil, []float64{1})
		}, "len(means), len(variances)", -1, 0, "metrics.GaussianMixtureLogLik: len(means), len(variances): 1 and 0 samples; need equal, non-zero counts"},
	} {
		got, err := tc.f()
		var ie *metrics.InputError
		if !errors.As(err, &ie) || !errors.Is(err, metrics.ErrInput) {
			t.Errorf("%s: err = %v, want an *InputError", tc.name, err)
			continue
		}
		if got != 0 {
			t.Errorf("%s: result %g with the error, want 0", tc.name, got)
		}
		if ie.Field != tc.field || ie.Index != tc.index || (tc.index >= 0 && ie.Value != tc.value) {
			t.Errorf("%s: Field, Index, Value = %q, %d, %g; want %q, %d, %g", tc.name, ie.Field, ie.Index, ie.Value, tc.field, tc.index, tc.value)
		}
		if err.Error() != tc.msg {
			t.Errorf("%s: message %q, want %q", tc.name, err.Error(), tc.msg)
		}
	}
}

// TestMutantEntropyZeros pins 0·log 0 = 0 in PredictiveEntropy and in
// Evaluate's MeanEntropy, for rows with zero probabilities.
func TestMutantEntropyZeros(t *testing.T) {
	binary := func(p float64) float64 { return -p*math.Log(p) - (1-p)*math.Log1p(-p) }
	p := []float64{
		1, 0, 0,
		0.5, 0, 0.5,
		0, 0.25, 0.75,
	}
	want := []float64{0, math.Ln2, binary(0.25)}
	h, err := metrics.PredictiveEntropy(p, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.IsNaN(h[i]) || math.Abs(h[i]-want[i]) > 1e-15 {
			t.Errorf("entropy of row %d = %g, want %g", i, h[i], want[i])
		}
	}
	s, err := metrics.Evaluate(p, 3, []int{0, 2, 1})
	if err != nil {
		t.Fatal(err)
	}
	if mean := (want[0] + want[1] + want[2]) / 3; math.IsNaN(s.MeanEntropy) || math.Abs(s.MeanEntropy-mean) > 1e-15 {
		t.Errorf("MeanEntropy = %g, want %g", s.MeanEntropy, mean)
	}
}

// TestMutantMeanOfOverflow pins the mean log-likelihood when the plain sum of
// unequal finite terms overflows to −Inf: the result is still the mean of
// the terms, each −½log(2πv) − (y−m)²/(2v) and summed here as halves.
func TestMutantMeanOfOverflow(t *testing.T) {
	mean := []float64{1e154, 1.2e154}
	variance := []float64{0.5, 0.5}
	y := []float64{0, 0}
	var want float64
	for i := range y {
		d := y[i] - mean[i]
		want += (-0.5*math.Log(2*math.Pi*variance[i]) - d*d/(2*variance[i])) / 2
	}
	if math.IsInf(want, 0) {
		t.Fatal("the expected mean is not finite")
	}
	got, err := metrics.GaussianLogLik(mean, variance, y)
	if err != nil || math.Abs(got-want) > 1e-14*math.Abs(want) {
		t.Errorf("GaussianLogLik = %.17g, %v; want %.17g", got, err, want)
	}
	got, err = metrics.GaussianMixtureLogLik([][]float64{mean}, [][]float64{variance}, y)
	if err != nil || math.Abs(got-want) > 1e-14*math.Abs(want) {
		t.Errorf("GaussianMixtureLogLik (one sample) = %.17g, %v; want %.17g", got, err, want)
	}
}
