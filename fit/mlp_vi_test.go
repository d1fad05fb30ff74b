package fit

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/nn"
	"gonum.org/v1/gonum/mat"
)

func moonsTable(n int, seed uint64) (*mat.Dense, []float64) {
	mx, my := data.TwoMoons(n, 0.1, seed)
	x := mat.NewDense(len(mx), 2, nil)
	for i, r := range mx {
		x.SetRow(i, r)
	}
	return x, my
}

// TestMLPGaussNewton checks the full GGN of the MLP against package nn:
// its diagonal is N times nn's mean GGN diagonal, for a 3-class classifier,
// a 2-class one and a regression network, and it is symmetric.
func TestMLPGaussNewton(t *testing.T) {
	x, y := moonsTable(60, 3)
	y3 := slices.Clone(y)
	for i := range y3 {
		if i%5 == 0 {
			y3[i] = 2
		}
	}
	for _, c := range []struct {
		name string
		y    []float64
		opt  Options
	}{
		{"binary", y, Options{Model: ModelMLP, PriorPrecision: 1, Hidden: 7}},
		{"3 classes", y3, Options{Model: ModelMLP, PriorPrecision: 1, Hidden: 5}},
		{"regression", y, Options{Model: ModelMLP, PriorPrecision: 1, Hidden: 6, Regression: true, NoisePrecision: 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := newMLPProblem(x, c.y, c.opt.resolved())
			if err != nil {
				t.Fatal(err)
			}
			mf, err := newMLPFull(p.mlp, p.n)
			if err != nil {
				t.Fatal(err)
			}
			d := p.dim
			theta := make([]float64, d)
			for j := range theta {
				theta[j] = math.Sin(float64(3*j + 1))
			}
			ggn := make([]float64, d*d)
			mf.GaussNewton(ggn, theta)
			diag := make([]float64, d)
			var b nn.Batch[float64]
			all := make([]int, p.n)
			for i := range all {
				all[i] = i
			}
			p.mlp.batch(&b, all)
			if _, err := p.mlp.net.GGNDiag(diag, nil, theta, b); err != nil {
				t.Fatal(err)
			}
			for j := range d {
				want := float64(p.n) * diag[j]
				if got := ggn[j*d+j]; math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
					t.Fatalf("GGN[%d,%d] = %g, nn gives %g", j, j, got, want)
				}
				for k := range j {
					if ggn[j*d+k] != ggn[k*d+j] {
						t.Fatalf("GGN not symmetric at %d,%d", j, k)
					}
				}
			}
		})
	}
}

// TestMLPVI fits full-Gaussian VI to two moons: it classifies the training
// set, its ELBO is at least vi-diag's (within 3 standard errors), reruns
// are bit-identical, and a network too large is refused.
func TestMLPVI(t *testing.T) {
	x, y := moonsTable(200, 21)
	opt := Options{Model: ModelMLP, Method: MethodVI, PriorPrecision: 1, Hidden: 16, Epochs: 100, LR: 0.1, Seed: 4, TestSamples: 50}
	post, err := Fit(x, y, opt)
	if err != nil {
		t.Fatal(err)
	}
	met, err := post.Evaluate(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if post.Precision == nil || !post.HasELBO || !(post.ELBOStdErr > 0) || post.Iterations != mlpVISteps {
		t.Fatalf("posterior: precision %v, ELBO %v ± %g, %d iterations", post.Precision != nil, post.HasELBO, post.ELBOStdErr, post.Iterations)
	}
	t.Logf("vi: acc %.3f NLL %.3f ELBO %.2f ± %.2f", met.Accuracy, met.NLL, post.ELBO, post.ELBOStdErr)
	if !(met.Accuracy > 0.9) {
		t.Errorf("training accuracy %g", met.Accuracy)
	}

	dopt := opt
	dopt.Method = MethodVIDiag
	diag, err := Fit(x, y, dopt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("vi-diag: ELBO %.2f ± %.2f", diag.ELBO, diag.ELBOStdErr)
	se := math.Hypot(post.ELBOStdErr, diag.ELBOStdErr)
	if post.ELBO < diag.ELBO-3*se {
		t.Errorf("full VI's ELBO %g below vi-diag's %g by more than 3 standard errors (%g)", post.ELBO, diag.ELBO, se)
	}

	again, err := Fit(x, y, opt)
	if err != nil {
		t.Fatal(err)
	}
	met2, _ := again.Evaluate(x, y)
	if !slices.Equal(post.Mean, again.Mean) || !mat.Equal(post.Precision, again.Precision) || post.ELBO != again.ELBO || met != met2 {
		t.Error("two runs with the same seed differ")
	}

	big := opt
	big.Hidden = 1000 // D = 2·1000 + 1000 + 2·1000 + 2 = 5002
	_, err = Fit(x, y, big)
	var oe *OptionError
	if !errors.Is(err, ErrOption) || !errors.As(err, &oe) || oe.Field != "Hidden" {
		t.Errorf("a network of 5002 weights: %v", err)
	}
}
