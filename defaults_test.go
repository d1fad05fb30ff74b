package blr_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/nn"
)

// sparseTask is a 3-class problem on 64 inputs of which 48 are almost
// always 0, like the border pixels of MNIST: the data leave the weights of
// those inputs alone, so a learned h falls to about 0 there.
func sparseTask(n int, seed uint64) (x []float64, y []int) {
	rnd := rand.New(rand.NewPCG(seed, 0x5ba))
	const d, informative, classes = 64, 16, 3
	w := make([]float64, classes*informative)
	for j := range w {
		w[j] = rnd.NormFloat64()
	}
	x = make([]float64, n*d)
	y = make([]int, n)
	for i := range n {
		row := x[i*d : (i+1)*d]
		for j := range informative {
			row[j] = rnd.NormFloat64()
		}
		for j := informative; j < d; j++ {
			if rnd.Float64() < 0.01 {
				row[j] = 1
			}
		}
		best, arg := math.Inf(-1), 0
		for c := range classes {
			var s float64
			for j := range informative {
				s += w[c*informative+j] * row[j]
			}
			if s += 0.5 * rnd.NormFloat64(); s > best {
				best, arg = s, c
			}
		}
		y[i] = arg
	}
	return x, y
}

// trainMLP trains a 64-128-3 MLP with the named optimizer for the given
// epochs and returns the mean loss of the first steps and of the last
// epoch (NaN if a step was refused).
func trainMLP(t *testing.T, name string, cfg blr.Config, n, bs, epochs int) (first, last float64, d *blr.Diag[float64]) {
	t.Helper()
	x, y := sparseTask(n, 7)
	net, err := nn.MLP[float64](64, []int{128}, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps := n / bs * epochs
	cfg.DataSize, cfg.Steps = float64(n), steps
	d, err = blr.New(name, make([]float64, net.NumParams()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.Init(d.Mean(), rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	var batch nn.Batch[float64]
	o := blr.OracleFunc[float64](func(theta, grad, curv []float64, kind blr.CurvatureKind) (float64, error) {
		if kind == blr.CurvEmpiricalFisher {
			return net.EmpiricalFisherDiag(curv, grad, theta, batch)
		}
		return net.Loss(grad, theta, batch)
	})
	rnd := &blr.FastNormals[float64]{Key: 3}
	order := rand.New(rand.NewPCG(2, 2))
	for e := range epochs {
		perm := order.Perm(n)
		for b := 0; b+bs <= n; b += bs {
			xb := make([]float64, 0, bs*64)
			yb := make([]int, 0, bs)
			for _, i := range perm[b : b+bs] {
				xb = append(xb, x[i*64:(i+1)*64]...)
				yb = append(yb, y[i])
			}
			batch = nn.Batch[float64]{X: xb, Labels: yb}
			info, err := d.Step(o, rnd)
			if err != nil {
				return math.NaN(), math.NaN(), d
			}
			if e == 0 && b < 4*bs {
				first += info.Loss / 4
			}
			if e == epochs-1 {
				last += info.Loss / float64(n/bs)
			}
		}
	}
	return first, last, d
}

// TestDefaultsLearnNetwork: on a small network whose data leave most input
// weights alone, IVON and VOGN with only the data size and the planned
// steps train (the loss falls by half, no step is refused) while h learns
// (it leaves h₀ by orders of magnitude); the IVON settings before the
// validation sweep (P₀ = 1, h₀ = 0.5, lr 0.1, bench/validation.md) do not:
// once h falls to about 0 where the data are silent, the step there grows
// by α(h₀+δ)/δ.
func TestDefaultsLearnNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a network")
	}
	const n, bs, epochs = 4096, 64, 10
	for _, name := range []string{"ivon", "vogn"} {
		first, last, d := trainMLP(t, name, blr.Config{}, n, bs, epochs)
		if !(last < 0.5*first) {
			t.Errorf("%s defaults: loss %.3g (first steps) → %.3g (last epoch): did not learn", name, first, last)
		}
		h0 := d.Options().HessInit
		var moved int
		for _, h := range d.Hessian() {
			if h < h0/10 || h > 10*h0 {
				moved++
			}
		}
		if moved < d.Dim()/2 {
			t.Errorf("%s defaults: only %d of %d h moved by a factor 10 from h₀: h did not learn", name, moved, d.Dim())
		}
		hs := slices.Sorted(slices.Values(d.Hessian()))
		t.Logf("%s defaults: loss %.3f → %.3f; %d of %d h moved by a factor 10 from h₀ = %g; h quartiles %.2g %.2g %.2g",
			name, first, last, moved, d.Dim(), h0, hs[len(hs)/4], hs[len(hs)/2], hs[3*len(hs)/4])
	}
	first, last, _ := trainMLP(t, "ivon", blr.Config{PriorPrecision: 1, HessInit: 0.5, LR: 0.1}, n, bs, epochs)
	if last < 0.5*first {
		t.Errorf("ivon, old settings: loss %.3g → %.3g: the problem no longer shows why the defaults changed", first, last)
	}
	t.Logf("ivon, old settings: loss %.3f → %.3f", first, last)
}

// TestHessianWarningBoundary: β₂ = 1 − 5/T satisfies (1−β₂)·T ≥ 5, so no
// warning, whatever the rounding of 1 − 5/T (it used to say "5 < 5").
func TestHessianWarningBoundary(t *testing.T) {
	for _, steps := range []int{50, 844, 938, 4220, 4690, 123457} {
		if w := blr.HessianWarning(1-5/float64(steps), steps); w != "" {
			t.Errorf("T = %d: %s", steps, w)
		}
		if w := blr.HessianWarning(1-4.99/float64(steps), steps); w == "" {
			t.Errorf("T = %d: no warning for (1−β₂)·T = 4.99", steps)
		}
	}
}

// TestHessianWarningShortRun: with fewer than 5 steps no β₂ in [0, 1) can
// learn, so the warning says to train longer instead of advising a
// negative β₂ (it used to say "use Beta2 ≤ -4" for T = 1).
func TestHessianWarningShortRun(t *testing.T) {
	for _, steps := range []int{1, 2, 4} {
		w := blr.HessianWarning(0.9, steps)
		if !strings.Contains(w, "train longer") || strings.Contains(w, "≤ -") {
			t.Errorf("T = %d: %q", steps, w)
		}
	}
	if w := blr.HessianWarning(0.99, 5); !strings.HasSuffix(w, "use Beta2 ≤ 0") {
		t.Errorf("T = 5: %q, want the advice β₂ ≤ 0", w)
	}
}

// TestHessianWarningAdvice: the warning names Beta2For(T) only where that
// value learns; below 50 steps Beta2For keeps 0.9, which does not (it used
// to advise "Beta2 ≤ 0.861111 (blr.Beta2For(36) = 0.9)").
func TestHessianWarningAdvice(t *testing.T) {
	for _, tc := range []struct {
		steps int
		want  string
	}{
		{36, "use Beta2 ≤ 0.861111"},
		{49, "use Beta2 ≤ 0.897959"},
		{50, "use Beta2 ≤ 0.9 (blr.Beta2For(50) = 0.9)"},
		{4690, "use Beta2 ≤ 0.998934 (blr.Beta2For(4690) = 0.997868)"},
	} {
		if w := blr.HessianWarning(0.99999, tc.steps); !strings.HasSuffix(w, tc.want) {
			t.Errorf("T = %d: %q, want it to end with %q", tc.steps, w, tc.want)
		}
	}
}
