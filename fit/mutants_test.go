package fit

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/diff/fd"
)

// Tests from mutation testing of fit.

// TestExampleGradFiniteDifferences pins the per-example gradient that the
// engine methods (VOGN, IVON) use against central finite differences of the
// per-example loss it returns, for known noise and for learnt noise (where
// θ gains ρ = log τ and ℓᵢ = ½τr² − ½ρ, so ∂ℓᵢ/∂ρ = ½τr² − ½).
func TestExampleGradFiniteDifferences(t *testing.T) {
	x, y := synthLinear(30, 3, 4, 7)
	tests := []struct {
		name  string
		opt   Options
		theta []float64
	}{
		{"known noise", Options{Model: ModelLinear, Method: MethodVOGN, NoisePrecision: 2}, []float64{0.3, -0.2, 0.5, 0.1}},
		{"learnt noise", Options{Model: ModelLinear, Method: MethodVOGN}, []float64{0.3, -0.2, 0.5, 0.1, 0.7}},
		{"learnt noise, ρ < 0", Options{Model: ModelLinear, Method: MethodIVON}, []float64{-0.4, 0.6, 0.2, -0.3, -1.2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := newProblem(x, y, tc.opt.resolved())
			if err != nil {
				t.Fatal(err)
			}
			if p.dim != len(tc.theta) {
				t.Fatalf("dim %d, want %d", p.dim, len(tc.theta))
			}
			g := make([]float64, p.dim)
			for _, i := range []int{0, 7, 29} {
				p.exampleGrad(g, i, tc.theta)
				loss := func(th []float64) float64 { return p.exampleGrad(make([]float64, p.dim), i, th) }
				want := fd.Gradient(nil, loss, tc.theta, &fd.Settings{Formula: fd.Central, Step: 1e-5})
				for j := range g {
					if math.Abs(g[j]-want[j]) > 1e-6*math.Max(1, math.Abs(want[j])) {
						t.Errorf("row %d: ∂ℓ/∂θ%d = %.12g, finite differences %.12g", i, j, g[j], want[j])
					}
				}
			}
		})
	}
}

// TestMultinomialLabelRange: with K classes given, a label must lie in
// [0, K) — K itself is refused as a data error (options.go documents the
// range), and K − 1 is accepted.
func TestMultinomialLabelRange(t *testing.T) {
	tests := []struct {
		name    string
		y       []float64
		classes int
		ok      bool
	}{
		{"K−1 accepted", []float64{0, 1, 2}, 3, true},
		{"K refused", []float64{0, 1, 3}, 3, false},
		{"K refused, K = 2", []float64{2, 0}, 2, false},
		{"negative refused", []float64{0, -1}, 3, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, k, err := checkLabels("y", tc.y, len(tc.y), ModelMultinomial, tc.classes)
			if tc.ok {
				if err != nil || k != tc.classes {
					t.Fatalf("got K = %d, %v; want %d, nil", k, err, tc.classes)
				}
				return
			}
			if !errors.Is(err, ErrData) {
				t.Fatalf("got %v, want a data error", err)
			}
		})
	}
}

// TestMaxIterDefault pins the documented defaults of Options.MaxIter: 0
// means 100 for MAP and Laplace and 10000 for the VI methods.
func TestMaxIterDefault(t *testing.T) {
	for _, tc := range []struct {
		m    Method
		want int
	}{{MethodMAP, 100}, {MethodLaplace, 100}, {MethodVI, 10000}, {MethodVIDiag, 10000}} {
		if got := (Options{Method: tc.m}).resolved().MaxIter; got != tc.want {
			t.Errorf("%s: MaxIter %d, want %d", tc.m, got, tc.want)
		}
	}
}

// TestMLPRegressionPredictiveDensity: for a MAP regression network the
// predictive density of each test y is the Gaussian N(y | f(x), 1/τ) at the
// network's output, log p = ½log(τ/2π) − ½τ(y − f)², recomputed here from
// the returned mean.
func TestMLPRegressionPredictiveDensity(t *testing.T) {
	x, y := moonsTable(40, 5)
	for i := range y {
		y[i] = 2*y[i] - 0.5 + 0.3*x.At(i, 0)
	}
	for _, tau := range []float64{3, 0.5} {
		post, err := Fit(x, y, Options{Model: ModelMLP, Method: MethodMAP, PriorPrecision: 1, Hidden: 4, Regression: true, NoisePrecision: tau, Epochs: 3})
		if err != nil {
			t.Fatal(err)
		}
		mean, logp, err := post.PredictRegression(x, y)
		if err != nil {
			t.Fatal(err)
		}
		for i := range y {
			r := y[i] - mean[i]
			want := 0.5*math.Log(tau/(2*math.Pi)) - 0.5*tau*r*r
			if math.Abs(logp[i]-want) > 1e-12*(1+math.Abs(want)) {
				t.Fatalf("τ = %g, row %d: log p = %.15g, want %.15g", tau, i, logp[i], want)
			}
		}
	}
}

// TestMLPELBOStdErrOfPointMass: the ELBO's Monte Carlo standard error is
// √(sample variance / S) of the draws' data losses; for a q whose variance
// is 1e-30 every draw has the same loss, so the standard error must vanish
// (up to rounding of the one-pass variance), whatever the ELBO is.
func TestMLPELBOStdErrOfPointMass(t *testing.T) {
	x, y := moonsTable(40, 6)
	for _, opt := range []Options{
		{Model: ModelMLP, PriorPrecision: 1, Hidden: 4},
		{Model: ModelMLP, PriorPrecision: 1, Hidden: 3, Regression: true, NoisePrecision: 2},
	} {
		p, err := newMLPProblem(x, y, opt.resolved())
		if err != nil {
			t.Fatal(err)
		}
		m, prec := make([]float64, p.dim), make([]float64, p.dim)
		for j := range m {
			m[j] = math.Sin(float64(2*j + 1))
			prec[j] = 1e30
		}
		q, err := expfam.NewDiagGaussian(m, prec)
		if err != nil {
			t.Fatal(err)
		}
		elbo, se, err := p.mlpELBO(q)
		if err != nil {
			t.Fatal(err)
		}
		if !(se >= 0 && se <= 1e-6*(1+math.Abs(elbo))) {
			t.Fatalf("regression %v: standard error %g of a point mass (ELBO %g)", opt.Regression, se, elbo)
		}
	}
}

// TestWriteCompareTableErrorRows: a method that failed prints its error in
// its row, and a method that succeeded prints its metrics, ELBO and
// iterations (with * when not converged), never an error.
func TestWriteCompareTableErrorRows(t *testing.T) {
	ok := &Posterior{Options: Options{Model: ModelLogistic}, HasELBO: true, ELBO: -12.3456, Iterations: 7}
	rows := []CompareRow{
		{Method: MethodMAP, Posterior: ok, Metrics: Metrics{Accuracy: 0.9, NLL: 0.25, ECE: 0.03, Brier: 0.125}, Seconds: 0.5},
		{Method: MethodVI, Err: errors.New("boom")},
	}
	var b strings.Builder
	if err := WriteCompareTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), b.String())
	}
	for _, tc := range []struct {
		line      string
		want, not []string
	}{
		{lines[1], []string{"map", "0.9000", "0.2500", "0.0300", "0.1250", "-12.3456", "7*", "0.500"}, []string{"error"}},
		{lines[2], []string{"vi", "error: boom"}, nil},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.line, w) {
				t.Errorf("line %q lacks %q", tc.line, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(tc.line, w) {
				t.Errorf("line %q has %q", tc.line, w)
			}
		}
	}
}
