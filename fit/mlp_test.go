package fit

import (
	"math"
	"slices"
	"testing"

	"github.com/bayesrule/blr/data"
	"gonum.org/v1/gonum/mat"
)

// TestMLP fits the one-hidden-layer MLP with every method it supports, as
// a classifier and as a regression network: the fits run, score sensibly
// on their training data, rerun bit-identically, and refuse bad options (full VI of a large network among them;
// full VI itself is tested in mlp_vi_test.go).
func TestMLP(t *testing.T) {
	mx, my := data.TwoMoons(200, 0.1, 21)
	xc := mat.NewDense(len(mx), 2, nil)
	for i, r := range mx {
		xc.SetRow(i, r)
	}
	yc := my
	xr, yr := synthLinear(120, 2, 4, 22)
	for _, task := range []struct {
		name       string
		regression bool
	}{{"classification", false}, {"regression", true}} {
		x, y := xc, yc
		if task.regression {
			x, y = xr, yr
		}
		for _, m := range []Method{MethodMAP, MethodLaplace, MethodVIDiag, MethodVOGN, MethodIVON} {
			t.Run(task.name+"/"+string(m), func(t *testing.T) {
				opt := Options{Model: ModelMLP, Regression: task.regression, Method: m, PriorPrecision: 1, Hidden: 16, Epochs: 100, LR: 0.1, Seed: 4, TestSamples: 20}
				post, err := Fit(x, y, opt)
				if err != nil {
					t.Fatal(err)
				}
				met, err := post.Evaluate(x, y)
				if err != nil {
					t.Fatal(err)
				}
				again, _ := Fit(x, y, opt)
				met2, _ := again.Evaluate(x, y)
				if !slices.Equal(post.Mean, again.Mean) || met != met2 || post.ELBO != again.ELBO {
					t.Error("two runs with the same seed differ")
				}
				if m != MethodMAP && (!post.HasELBO || math.IsNaN(post.ELBO) || post.ELBOStdErr <= 0) {
					t.Errorf("ELBO %g ± %g (has %v)", post.ELBO, post.ELBOStdErr, post.HasELBO)
				}
				if task.regression {
					t.Logf("RMSE %.3f loglik %.3f ELBO %.2f ± %.2f", met.RMSE, met.LogLik, post.ELBO, post.ELBOStdErr)
					if !(met.RMSE < 2) {
						t.Errorf("training RMSE %g", met.RMSE)
					}
				} else {
					t.Logf("acc %.3f NLL %.3f ELBO %.2f ± %.2f", met.Accuracy, met.NLL, post.ELBO, post.ELBOStdErr)
					// Two moons: a linear boundary gets about 0.87; the
					// network should do better.
					if !(met.Accuracy > 0.9) {
						t.Errorf("training accuracy %g", met.Accuracy)
					}
				}
			})
		}
	}
	for _, bad := range []Options{
		{Model: ModelMLP, Method: MethodVI, PriorPrecision: 1, Hidden: 1000},
		{Model: ModelMLP, Method: MethodMAP, PriorPrecision: 1, NoIntercept: true},
		{Model: ModelMLP, Method: MethodMAP, PriorPrecision: 1, Predictive: PredictProbit},
		{Model: ModelLogistic, Method: MethodMAP, PriorPrecision: 1, Regression: true},
	} {
		if _, err := Fit(xc, yc, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
