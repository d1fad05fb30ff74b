package metrics

import (
	"errors"
	"math"
	"testing"
)

// relNear reports whether a and b agree to a relative tolerance (an
// infinity only with itself).
func relNear(a, b, tol float64) bool {
	if a == b {
		return true
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return false
	}
	return math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b))
}

// TestExtremeValues: values near the ends of the float64 range give the
// true result when it is representable and the documented infinity (never
// NaN) when it is not.
func TestExtremeValues(t *testing.T) {
	negInf, posInf := math.Inf(-1), math.Inf(1)
	tests := []struct {
		name string
		f    func() (float64, error)
		want float64
	}{
		// RMSE: finite whenever the true value is.
		{"rmse squares overflow", func() (float64, error) { return RMSE([]float64{1e308, 0}, []float64{-1e308, 0}) }, math.Sqrt2 * 1e308},
		{"rmse near max", func() (float64, error) { return RMSE([]float64{8e307}, []float64{-8e307}) }, 1.6e308},
		{"rmse squares underflow", func() (float64, error) { return RMSE([]float64{3e-200, 0}, []float64{-1e-200, 0}) }, math.Sqrt2 * 2e-200},
		{"rmse subnormal", func() (float64, error) { return RMSE([]float64{5e-324}, []float64{0}) }, 5e-324},
		{"rmse zero", func() (float64, error) { return RMSE([]float64{1e-300, 2}, []float64{1e-300, 2}) }, 0},
		{"rmse beyond max", func() (float64, error) { return RMSE([]float64{1e308}, []float64{-1e308}) }, posInf},
		// Gaussian log-likelihood: −Inf only when a log density is below −MaxFloat64.
		{"gauss ll zero density", func() (float64, error) {
			return GaussianLogLik([]float64{0}, []float64{1e-300}, []float64{1e10})
		}, negInf},
		{"gauss ll huge variance", func() (float64, error) {
			return GaussianLogLik([]float64{0}, []float64{1e308}, []float64{0})
		}, -0.5 * (math.Log(2*math.Pi) + math.Log(1e308))},
		{"gauss ll error and variance overflow", func() (float64, error) {
			return GaussianLogLik([]float64{-1e308}, []float64{1e308}, []float64{1e308})
		}, negInf},
		{"gauss ll square overflows", func() (float64, error) {
			return GaussianLogLik([]float64{0}, []float64{2}, []float64{1.4e154})
		}, -0.5*math.Log(4*math.Pi) - (1.4e154/2)*(1.4e154/2)},
		{"gauss ll error overflows", func() (float64, error) {
			return GaussianLogLik([]float64{-0.9e308}, []float64{1.79e308}, []float64{1e308})
		}, -0.5*(math.Log(2*math.Pi)+math.Log(1.79e308)) - 2*(0.95e308/math.Sqrt(1.79e308))*(0.95e308/math.Sqrt(1.79e308))},
		{"gauss ll sum overflows", func() (float64, error) {
			return GaussianLogLik([]float64{0, 0}, []float64{0.5, 0.5}, []float64{1.3e154, 1.3e154})
		}, -0.5*math.Log(math.Pi) - 1.3e154*1.3e154},
		// Mixture: −Inf when the density is 0 under every sample.
		{"mixture zero density", func() (float64, error) {
			return GaussianMixtureLogLik([][]float64{{0}}, [][]float64{{1e-300}}, []float64{1e10})
		}, negInf},
		{"mixture one sample zero", func() (float64, error) {
			return GaussianMixtureLogLik([][]float64{{0}, {0}}, [][]float64{{1e-300}, {1}}, []float64{1})
		}, -0.5*math.Log(2*math.Pi) - 0.5 - math.Log(2)},
		{"mixture sum overflows", func() (float64, error) {
			return GaussianMixtureLogLik([][]float64{{0, 0}}, [][]float64{{0.5, 0.5}}, []float64{1.3e154, 1.3e154})
		}, -0.5*math.Log(math.Pi) - 1.3e154*1.3e154},
	}
	for _, tc := range tests {
		got, err := tc.f()
		if err != nil || math.IsNaN(got) || !relNear(got, tc.want, 1e-14) {
			t.Errorf("%s = %.17g, %v; want %.17g", tc.name, got, err, tc.want)
		}
	}
}

// TestPredictiveEntropyEmpty: an empty p is an *InputError, as the package
// doc promises, not an empty result.
func TestPredictiveEntropyEmpty(t *testing.T) {
	for _, p := range [][]float64{nil, {}} {
		h, err := PredictiveEntropy(p, 2)
		var ie *InputError
		if !errors.As(err, &ie) || !errors.Is(err, ErrInput) || err.Error() != "metrics.PredictiveEntropy: p: no examples" {
			t.Errorf("PredictiveEntropy(%v, 2) = %v, %v; want the *InputError \"metrics.PredictiveEntropy: p: no examples\"", p, h, err)
		}
	}
}
