package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bayesrule/blr/metrics"
)

// TestMoonsUncertainty checks the demo's claim: the posterior average is
// more uncertain far from the data than the point estimate (higher mean
// entropy there, better out-of-distribution detection by entropy), with the
// same accuracy on test points.
func TestMoonsUncertainty(t *testing.T) {
	cfg := defaultMoons
	cfg.Grid = 20
	fit, err := fitMoons(cfg)
	if err != nil {
		t.Fatal(err)
	}
	score := func(test, ood []float64) (acc, oodEnt, auroc float64) {
		s, err := metrics.Evaluate(twoClass(test), 2, fit.testY)
		if err != nil {
			t.Fatal(err)
		}
		in, _ := metrics.PredictiveEntropy(twoClass(test), 2)
		out, _ := metrics.PredictiveEntropy(twoClass(ood), 2)
		a, err := metrics.AUROC(out, in)
		if err != nil {
			t.Fatal(err)
		}
		return s.Accuracy, mean(out), a
	}
	accMAP, entMAP, aurocMAP := score(fit.test.mapP, fit.ood.mapP)
	accB, entB, aurocB := score(fit.test.bayesP, fit.ood.bayesP)
	t.Logf("MAP: acc %.4f, OOD entropy %.3f, AUROC %.3f; posterior average: acc %.4f, OOD entropy %.3f, AUROC %.3f; %d rule steps",
		accMAP, entMAP, aurocMAP, accB, entB, aurocB, fit.steps)
	if accMAP < 0.98 || accB < 0.98 {
		t.Errorf("test accuracy MAP %.4f, posterior average %.4f: want ≥ 0.98", accMAP, accB)
	}
	if !(entB > entMAP+0.2) {
		t.Errorf("mean entropy far from the data: posterior average %.3f, MAP %.3f", entB, entMAP)
	}
	if !(aurocB > aurocMAP+0.2) {
		t.Errorf("OOD AUROC: posterior average %.3f, MAP %.3f", aurocB, aurocMAP)
	}
	for i, p := range fit.bayes {
		if math.IsNaN(p) || p < 0 || p > 1 {
			t.Fatalf("grid probability %d = %g", i, p)
		}
	}
}

func TestDemoMoons(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"demo", "moons", "--grid", "40", "--out", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, f := range []string{"moons.png", "moons_reliability.png", "moons_entropy.png"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s: no PNG: %v", f, err)
		}
	}
	if !strings.Contains(out.String(), "posterior average") {
		t.Errorf("output lacks the posterior-average row:\n%s", out.String())
	}
	for _, bad := range [][]string{{"--features", "0"}, {"--prior-precision", "-1"}, {"--lengthscale", "Inf"}, {"--n", "2"}, {"--grid", "5"}} {
		var o, e bytes.Buffer
		if code := run(append([]string{"demo", "moons", "--out", dir}, bad...), &o, &e); code != 1 || !strings.Contains(e.String(), bad[0]) {
			t.Errorf("%v: exit %d, stderr %q", bad, code, e.String())
		}
	}
}

// TestMoonsDeterministic checks that the same seed gives bit-identical
// predictions.
func TestMoonsDeterministic(t *testing.T) {
	cfg := defaultMoons
	cfg.Grid = 10
	a, err := fitMoons(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fitMoons(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2][]float64{{a.bayes, b.bayes}, {a.mapP, b.mapP}, {a.test.bayesP, b.test.bayesP}, {a.ood.bayesP, b.ood.bayesP}} {
		for i := range pair[0] {
			if math.Float64bits(pair[0][i]) != math.Float64bits(pair[1][i]) {
				t.Fatalf("prediction %d differs between runs: %v vs %v", i, pair[0][i], pair[1][i])
			}
		}
	}
}
