package train

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/bayesrule/blr/metrics"
)

// trainedPosterior trains the tiny run of optimizer (with batch norm when bn)
// and returns its posterior.
func trainedPosterior(t *testing.T, optimizer string, bn bool) *Posterior {
	t.Helper()
	train, _, _ := sets(t)
	cfg := tinyConfig(optimizer)
	cfg.BatchNorm = bn
	if optimizer == "mixture" {
		cfg.Components = 2
	}
	tr, err := New(cfg, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, tr, tr.TotalSteps())
	return tr.Posterior()
}

// TestPredictMatchesEvaluate: Predict's probabilities are the ones Evaluate
// scores (the same metrics, bit for bit) for the point networks and the
// posterior average, for a Gaussian, a mixture with batch norm (per-component
// statistics), a binary and a dropout posterior.
func TestPredictMatchesEvaluate(t *testing.T) {
	_, test, _ := sets(t)
	for _, c := range []struct {
		opt string
		bn  bool
	}{{"ivon", false}, {"mixture", true}, {"bayesbinn", true}, {"dropout", false}} {
		p := trainedPosterior(t, c.opt, c.bn)
		for _, S := range []int{0, 5} {
			e, err := p.Evaluate(test, nil, S, 3)
			if err != nil {
				t.Fatal(err)
			}
			want := e.Mean
			if S > 0 {
				want = e.Average
			}
			pr, err := p.Predict(test.X, S, 3)
			if err != nil {
				t.Fatalf("%s S=%d: %v", c.opt, S, err)
			}
			got, err := metrics.Evaluate(pr.Probs, Classes, test.Y)
			if err != nil {
				t.Fatal(err)
			}
			if got != want.Summary {
				t.Errorf("%s S=%d: Predict scores %+v, Evaluate %+v", c.opt, S, got, want.Summary)
			}
			if pr.N != test.N || pr.Samples != S || len(pr.Entropy) != test.N {
				t.Errorf("%s S=%d: N %d, Samples %d, %d entropies", c.opt, S, pr.N, pr.Samples, len(pr.Entropy))
			}
		}
	}
}

// TestPredictUncertainty checks the split of the predictive entropy against
// a direct computation: networks drawn with SampleWeights and run with
// Forward, their softmax averaged, the entropies taken by hand.
func TestPredictUncertainty(t *testing.T) {
	_, test, _ := sets(t)
	p := trainedPosterior(t, "ivon", false)
	// A warmer posterior than the tiny run's, so that the networks disagree.
	for j := range p.Precision {
		p.Precision[j] /= 50
	}
	const S, seed, n = 6, 11, 20
	x := test.X[:n*ImageSize]
	pr, err := p.Predict(x, S, seed)
	if err != nil {
		t.Fatal(err)
	}
	net, err := NewPredictionNetwork(p.Config)
	if err != nil {
		t.Fatal(err)
	}
	net.SetTraining(false)
	avg := make([]float64, n*Classes)
	expected := make([]float64, n)
	for s := range S {
		theta, w, err := p.SampleWeights(nil, s, S, seed)
		if err != nil {
			t.Fatal(err)
		}
		z, err := net.Forward(theta, x, n)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			var sum float64
			for c := range Classes {
				sum += math.Exp(float64(z[i*Classes+c]))
			}
			for c := range Classes {
				q := math.Exp(float64(z[i*Classes+c])) / sum
				avg[i*Classes+c] += w * q
				expected[i] -= w * q * math.Log(q)
			}
		}
	}
	var someMI bool
	for i := range n {
		var h float64
		for c := range Classes {
			q := avg[i*Classes+c]
			if d := math.Abs(pr.Probs[i*Classes+c] - q); d > 1e-12 {
				t.Fatalf("image %d class %d: probability %g, direct %g", i, c, pr.Probs[i*Classes+c], q)
			}
			h -= q * math.Log(q)
		}
		mi := h - expected[i]
		for _, v := range [][3]float64{{pr.Entropy[i], h}, {pr.Expected[i], expected[i]}, {pr.MutualInfo[i], mi}} {
			if math.Abs(v[0]-v[1]) > 1e-9 {
				t.Fatalf("image %d: entropy %g / expected %g / mutual information %g, direct %g / %g / %g",
					i, pr.Entropy[i], pr.Expected[i], pr.MutualInfo[i], h, expected[i], mi)
			}
		}
		if !(pr.MutualInfo[i] >= 0) || pr.MutualInfo[i] > pr.Entropy[i] {
			t.Errorf("image %d: mutual information %g outside [0, %g]", i, pr.MutualInfo[i], pr.Entropy[i])
		}
		someMI = someMI || pr.MutualInfo[i] > 1e-3
		if c, q := pr.Class(i); q != slicesMax(pr.Probs[i*Classes:(i+1)*Classes]) || pr.Probs[i*Classes+c] != q {
			t.Errorf("image %d: Class = %d, %g", i, c, q)
		}
	}
	if !someMI {
		t.Error("the sampled networks never disagree")
	}
	// One point network: no disagreement.
	pt, err := p.Predict(x, 0, seed)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range pt.MutualInfo {
		if v != 0 || pt.Entropy[i] != pt.Expected[i] {
			t.Fatalf("point network, image %d: mutual information %g, entropy %g, expected %g", i, v, pt.Entropy[i], pt.Expected[i])
		}
	}
}

func slicesMax(v []float64) float64 {
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// TestPredictErrors: inputs that are not whole finite images, bad sample
// counts and an improper posterior are refused with errors naming them.
func TestPredictErrors(t *testing.T) {
	p := trainedPosterior(t, "ivon", false)
	img := make([]float32, 2*ImageSize)
	nan := make([]float32, ImageSize)
	nan[17] = float32(math.NaN())
	for _, c := range []struct {
		name string
		x    []float32
		S    int
		want string
	}{
		{"empty", nil, 1, "images"},
		{"part of an image", img[:ImageSize+3], 1, "whole number"},
		{"NaN pixel", nan, 1, "feature 17 of example 0"},
		{"negative samples", img, -1, "test-samples"},
		{"too many samples", img, MaxSamples + 1, "test-samples"},
	} {
		_, err := p.Predict(c.x, c.S, 1)
		var ce *ConfigError
		if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want a *ConfigError mentioning %q", c.name, err, c.want)
		}
	}
	adam := trainedPosterior(t, "adam", false)
	if _, err := adam.Predict(img, 3, 1); !errors.Is(err, ErrImproper) {
		t.Errorf("sampling Adam's point estimate: %v, want ErrImproper", err)
	}
	if pr, err := adam.Predict(img, 0, 1); err != nil || pr.N != 2 {
		t.Errorf("Adam's mean weights: %v, %v", pr, err)
	}
}

// TestEvaluateMutualInfoAUROC: Evaluate's OOD AUROC of the mutual
// information is the AUROC of Predict's MutualInfo on the OOD set against
// the test set, for the posterior average and a mixture's component means,
// and absent for one point network.
func TestEvaluateMutualInfoAUROC(t *testing.T) {
	_, test, ood := sets(t)
	if ood == nil {
		t.Skip("Fashion-MNIST is not installed")
	}
	for _, opt := range []string{"ivon", "mixture"} {
		p := trainedPosterior(t, opt, false)
		for _, S := range []int{0, 4} {
			e, err := p.Evaluate(test, ood, S, 5)
			if err != nil {
				t.Fatal(err)
			}
			got := e.Mean.OODAUROCMutualInfo
			if S > 0 {
				got = e.Average.OODAUROCMutualInfo
			}
			if opt == "ivon" && S == 0 {
				if got != nil {
					t.Errorf("one point network: mutual-information AUROC %v, want none", *got)
				}
				continue
			}
			in, err := p.Predict(test.X, S, 5)
			if err != nil {
				t.Fatal(err)
			}
			out, err := p.Predict(ood.X, S, 5)
			if err != nil {
				t.Fatal(err)
			}
			want, err := metrics.AUROC(out.MutualInfo, in.MutualInfo)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || *got != want {
				t.Errorf("%s S=%d: mutual-information AUROC %v, want %g", opt, S, got, want)
			}
		}
	}
}
