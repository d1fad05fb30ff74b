package blr_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/internal/table"
)

// TestBinaryRows runs the exact rows of binary weights and dropout: each
// must agree with its plain reference within 1e-12 (rel).
func TestBinaryRows(t *testing.T) {
	for _, c := range []struct {
		name  string
		check func() (float64, error)
	}{
		{"STE", table.CheckSTE},
		{"BinaryConnect", table.CheckBinaryConnect},
		{"exact enumeration", table.CheckBayesBiNNExact},
		{"dropout", table.CheckDropout},
	} {
		t.Run(c.name, func(t *testing.T) {
			dev, err := c.check()
			if err != nil {
				t.Fatal(err)
			}
			if !(dev <= 1e-12) {
				t.Fatalf("deviation %g > 1e-12", dev)
			}
			t.Logf("deviation %.3g", dev)
		})
	}
}

// TestSTESettings: STE and BinaryConnect equal their plain recursions for
// several step sizes, data sizes and priors (η = ρN, decay 1/N).
func TestSTESettings(t *testing.T) {
	const steps = 60
	p := table.NewProblem(64, 4, 8, steps, 3)
	n := float64(len(p.X))
	lam := []float64{0.3, -0.2, 0, 0.7, -1.1} // λ = 0 has sign +1
	tests := []struct {
		name  string
		build func([]float64) (*blr.Binary[float64], error)
		want  [][]float64
	}{
		{"ste η=0.01", func(w []float64) (*blr.Binary[float64], error) {
			return blr.STE(w, blr.BinaryConfig{LR: 0.01})
		}, table.PlainSTE(lam, steps, p.Grad, 0.01, 0, 0)},
		{"ste η=0.3 N=64", func(w []float64) (*blr.Binary[float64], error) {
			return blr.STE(w, blr.BinaryConfig{LR: 0.3, DataSize: n})
		}, table.PlainSTE(lam, steps, p.Grad, 0.3, 0, 0)},
		{"binaryconnect ρ=1e-3", func(w []float64) (*blr.Binary[float64], error) {
			return blr.BinaryConnect(w, blr.BinaryConfig{LR: 1e-3, DataSize: n})
		}, table.PlainSTE(lam, steps, p.Grad, 1e-3*n, 1/n, 0)},
		{"binaryconnect ρ=0.01 prior 0.8", func(w []float64) (*blr.Binary[float64], error) {
			return blr.BinaryConnect(w, blr.BinaryConfig{LR: 0.01, DataSize: n, PriorProb: 0.8})
		}, table.PlainSTE(lam, steps, p.Grad, 0.01*n, 1/n, 0.5*math.Log(0.8/0.2))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.build(slices.Clone(lam))
			if err != nil {
				t.Fatal(err)
			}
			got, err := table.RunBinary(b, p, steps, nil)
			if err != nil {
				t.Fatal(err)
			}
			if dev := table.TrajectoryDev(got, tc.want); !(dev <= 1e-12) {
				t.Fatalf("deviation %g > 1e-12", dev)
			}
		})
	}
}

// recordOracle returns a fixed gradient and records the points it was asked
// about.
type recordOracle struct {
	grad []float64
	seen [][]float64
	fail error
	bad  int // call index (from 1) at which the gradient is NaN; 0: never
}

func (r *recordOracle) Eval(theta, grad, _ []float64, _ blr.CurvatureKind) (float64, error) {
	r.seen = append(r.seen, slices.Clone(theta))
	if r.fail != nil {
		return 0, r.fail
	}
	copy(grad, r.grad)
	if r.bad == len(r.seen) {
		grad[0] = math.NaN()
	}
	return 1, nil
}

// TestBinaryEvaluationPoints: the delta estimators evaluate at sign λ (with
// sign 0 = +1) and tanh λ; fixed entries are passed through; params hold
// the mode network.
func TestBinaryEvaluationPoints(t *testing.T) {
	params := []float64{0.5, -2, math.Copysign(0, -1), 7, -0.25} // sign(−0) = +1
	mask := []bool{true, true, true, false, true}
	for _, est := range []blr.BinaryEstimator{blr.BinaryDeltaSign, blr.BinaryDeltaMean} {
		t.Run(est.String(), func(t *testing.T) {
			p := slices.Clone(params)
			b, err := blr.NewBinary(p, blr.BinaryOptions{DataSize: 1, LR: 0.1, Estimator: est, Samples: 1, Mask: mask})
			if err != nil {
				t.Fatal(err)
			}
			if want := []float64{1, -1, 1, 7, -1}; !slices.Equal(p, want) {
				t.Fatalf("params after construction %v, want the mode %v", p, want)
			}
			o := &recordOracle{grad: make([]float64, 5)}
			if _, err := b.Step(o, nil); err != nil {
				t.Fatal(err)
			}
			want := []float64{1, -1, 1, 7, -1}
			if est == blr.BinaryDeltaMean {
				want = []float64{math.Tanh(0.5), math.Tanh(-2), 0, 7, math.Tanh(-0.25)}
			}
			if !slices.Equal(o.seen[0], want) {
				t.Fatalf("evaluated at %v, want %v", o.seen[0], want)
			}
		})
	}
}

// TestBinaryMaskFixed: entries outside the mask keep their values and the
// latent vector has one entry per binary weight.
func TestBinaryMaskFixed(t *testing.T) {
	p := []float64{0.2, 3.5, -0.4, -1.5}
	b, err := blr.BayesBiNN(p, blr.BinaryConfig{DataSize: 10, LR: 0.1, Mask: []bool{true, false, true, false}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Dim() != 2 || len(b.Latent()) != 2 {
		t.Fatalf("Dim %d, latent %d, want 2", b.Dim(), len(b.Latent()))
	}
	if want := []float64{10, -10}; !slices.Equal(b.Latent(), want) {
		t.Fatalf("latent %v, want %v (InitScale 10 by sign)", b.Latent(), want)
	}
	o := &recordOracle{grad: []float64{1, 1, -1, 1}}
	rnd := rand.New(rand.NewPCG(1, 1))
	for range 5 {
		if _, err := b.Step(o, rnd); err != nil {
			t.Fatal(err)
		}
	}
	for _, th := range o.seen {
		if th[1] != 3.5 || th[3] != -1.5 {
			t.Fatalf("fixed entries changed in the oracle's θ: %v", th)
		}
	}
	if p[1] != 3.5 || p[3] != -1.5 {
		t.Fatalf("fixed entries changed in params: %v", p)
	}
}

// TestBinaryMomentum: with β > 0 the step is λ ← λ − α v/(1−βᵗ),
// v ← βv + (1−β)(Nĝ + λ − λ₀), checked against the recursion written out.
func TestBinaryMomentum(t *testing.T) {
	const beta, alpha, n, steps = 0.9, 1e-3, 50.0, 20
	p := table.NewProblem(50, 2, 50, steps, 8)
	lam := []float64{0.4, -0.3, 0.1}
	b, err := blr.NewBinary(slices.Clone(lam), blr.BinaryOptions{DataSize: n, LR: alpha, Beta: beta, Estimator: blr.BinaryDeltaSign, Samples: 1, Entropy: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := table.RunBinary(b, p, steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := slices.Clone(lam)
	v := make([]float64, 3)
	w := make([]float64, 3)
	g := make([]float64, 3)
	var want [][]float64
	for s := 1; s <= steps; s++ {
		for j := range l {
			w[j] = 1
			if l[j] < 0 {
				w[j] = -1
			}
		}
		p.Grad(s, w, g)
		for j := range l {
			v[j] = beta*v[j] + (1-beta)*(n*g[j]+l[j])
			l[j] -= alpha / (1 - math.Pow(beta, float64(s))) * v[j]
		}
		want = append(want, slices.Clone(l))
	}
	if dev := table.TrajectoryDev(got, want); !(dev <= 1e-12) {
		t.Fatalf("deviation %g > 1e-12", dev)
	}
}

// TestBinaryConfigErrors: every invalid setting gives a *ConfigError that
// names the field and wraps ErrConfig; nothing panics.
func TestBinaryConfigErrors(t *testing.T) {
	p := func() []float64 { return []float64{0.1, -0.2} }
	ok := blr.BinaryOptions{DataSize: 10, LR: 0.1, Estimator: blr.BinaryDeltaSign, Samples: 1}
	with := func(f func(o *blr.BinaryOptions)) blr.BinaryOptions {
		o := ok
		f(&o)
		return o
	}
	tests := []struct {
		name  string
		build func() error
		field string
	}{
		{"empty params", func() error { _, err := blr.NewBinary([]float64{}, ok); return err }, "params"},
		{"NaN param", func() error { _, err := blr.NewBinary([]float64{math.NaN()}, ok); return err }, "params[0]"},
		{"N 0", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.DataSize = 0 }))
			return err
		}, "DataSize"},
		{"N Inf", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.DataSize = math.Inf(1) }))
			return err
		}, "DataSize"},
		{"LR NaN", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.LR = math.NaN() }))
			return err
		}, "LR"},
		{"ρ > 1 with entropy", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.LR, o.Entropy = 1.5, true }))
			return err
		}, "LR"},
		{"β = 1", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.Beta = 1 }))
			return err
		}, "Beta"},
		{"no estimator", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.Estimator = blr.BinaryDefault }))
			return err
		}, "Estimator"},
		{"samples 0", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.Samples = 0 }))
			return err
		}, "Samples"},
		{"samples 2 delta", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.Samples = 2 }))
			return err
		}, "Samples"},
		{"τ 0 gumbel", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.Estimator = blr.BinaryGumbel }))
			return err
		}, "Temperature"},
		{"τ for delta", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.Temperature = 1 }))
			return err
		}, "Temperature"},
		{"ε < 0", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) {
				o.Estimator, o.Temperature, o.Eps = blr.BinaryGumbel, 1, -1
			}))
			return err
		}, "Eps"},
		{"prior without entropy", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.PriorNatural = 1 }))
			return err
		}, "PriorNatural"},
		{"mask length", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.Mask = []bool{true} }))
			return err
		}, "Mask"},
		{"mask empty", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.Mask = []bool{false, false} }))
			return err
		}, "Mask"},
		{"exact too big", func() error {
			_, err := blr.NewBinary(make([]float64, 21), with(func(o *blr.BinaryOptions) { o.Estimator = blr.BinaryExact }))
			return err
		}, "Estimator"},
		{"init scale NaN", func() error {
			_, err := blr.NewBinary(p(), with(func(o *blr.BinaryOptions) { o.InitScale = math.NaN() }))
			return err
		}, "InitScale"},
		{"ste negative LR", func() error { _, err := blr.STE(p(), blr.BinaryConfig{LR: -2}); return err }, "LR"},
		{"ste temperature", func() error { _, err := blr.STE(p(), blr.BinaryConfig{Temperature: 1}); return err }, "Temperature"},
		{"binaryconnect no N", func() error { _, err := blr.BinaryConnect(p(), blr.BinaryConfig{}); return err }, "DataSize"},
		{"bayesbinn no N", func() error { _, err := blr.BayesBiNN(p(), blr.BinaryConfig{}); return err }, "DataSize"},
		{"bayesbinn prior 1", func() error { _, err := blr.BayesBiNN(p(), blr.BinaryConfig{DataSize: 5, PriorProb: 1}); return err }, "PriorProb"},
		{"bayesbinn samples -1", func() error { _, err := blr.BayesBiNN(p(), blr.BinaryConfig{DataSize: 5, Samples: -1}); return err }, "Samples"},
		{"bayesbinn ρ 2", func() error { _, err := blr.BayesBiNN(p(), blr.BinaryConfig{DataSize: 5, LR: 2}); return err }, "LR"},
		{"bayesbinn τ Inf", func() error {
			_, err := blr.BayesBiNN(p(), blr.BinaryConfig{DataSize: 5, Temperature: math.Inf(1)})
			return err
		}, "Temperature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.build()
			var ce *blr.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, blr.ErrConfig) {
				t.Fatalf("got %v, want a *blr.ConfigError", err)
			}
			if ce.Field != tc.field {
				t.Fatalf("field %q, want %q (%v)", ce.Field, tc.field, err)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(ce.Value)) {
				t.Fatalf("message %q does not show the value", err)
			}
		})
	}
	// Setters refuse bad values too.
	b, err := blr.BayesBiNN(p(), blr.BinaryConfig{DataSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, lr := range []float64{0, -1, math.NaN(), 2} {
		if err := b.SetLR(lr); !errors.Is(err, blr.ErrConfig) {
			t.Errorf("SetLR(%g) = %v, want a config error", lr, err)
		}
	}
	if err := b.SetPrior([]float64{1}); !errors.Is(err, blr.ErrConfig) {
		t.Errorf("SetPrior of the wrong length = %v", err)
	}
	if err := b.SetPrior([]float64{1, math.Inf(1)}); !errors.Is(err, blr.ErrConfig) {
		t.Errorf("SetPrior(Inf) = %v", err)
	}
	if err := b.SetSteps(-1); !errors.Is(err, blr.ErrConfig) {
		t.Errorf("SetSteps(-1) = %v", err)
	}
	if _, err := b.Step(&recordOracle{grad: make([]float64, 2)}, nil); !errors.Is(err, blr.ErrConfig) {
		t.Errorf("a gumbel step without a generator = %v", err)
	}
}

// TestBinaryTransactional: an oracle error or a NaN gradient refuses the
// step and leaves λ, the momentum, params and the step count unchanged.
func TestBinaryTransactional(t *testing.T) {
	for _, c := range []struct {
		name string
		o    *recordOracle
		is   error
	}{
		{"oracle error", &recordOracle{grad: []float64{1, 1, 1}, fail: errors.New("boom")}, nil},
		{"NaN gradient", &recordOracle{grad: []float64{1, 1, 1}, bad: 1}, blr.ErrNonFinite},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := []float64{0.5, -0.5, 2}
			b, err := blr.BayesBiNN(p, blr.BinaryConfig{DataSize: 5, LR: 0.1, Beta1: 0.5, Temperature: 0.5, Eps: blr.Off, InitScale: blr.Off})
			if err != nil {
				t.Fatal(err)
			}
			rnd := rand.New(rand.NewPCG(2, 2))
			good := &recordOracle{grad: []float64{0.3, -0.1, 0.2}}
			if _, err := b.Step(good, rnd); err != nil {
				t.Fatal(err)
			}
			lam, mom, pp := slices.Clone(b.Latent()), slices.Clone(b.Momentum()), slices.Clone(p)
			_, err = b.Step(c.o, rnd)
			if err == nil || (c.is != nil && !errors.Is(err, c.is)) {
				t.Fatalf("got %v, want an error", err)
			}
			if !slices.Equal(b.Latent(), lam) || !slices.Equal(b.Momentum(), mom) || !slices.Equal(p, pp) || b.Steps() != 1 {
				t.Fatal("the refused step changed the state")
			}
		})
	}
}

// TestBinaryDeterministic: the same seed gives bit-identical latent weights,
// for GOMAXPROCS 1 and 2, with enough weights that the Gumbel draws run on
// two goroutines.
func TestBinaryDeterministic(t *testing.T) {
	const d = 1 << 16
	run := func(procs int) []float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		p := make([]float32, d)
		r := rand.New(rand.NewPCG(4, 4))
		for j := range p {
			p[j] = float32(r.NormFloat64())
		}
		b, err := blr.BayesBiNN(p, blr.BinaryConfig{DataSize: 100, LR: 0.05, Temperature: 0.3, Samples: 2})
		if err != nil {
			t.Fatal(err)
		}
		o := blr.OracleFunc[float32](func(theta, grad, _ []float32, _ blr.CurvatureKind) (float64, error) {
			for j, w := range theta {
				grad[j] = w - 0.3*float32(j%7-3)
			}
			return 0, nil
		})
		rnd := rand.New(rand.NewPCG(9, 9))
		for range 3 {
			if _, err := b.Step(o, rnd); err != nil {
				t.Fatal(err)
			}
		}
		return slices.Clone(b.Latent())
	}
	a, b, c := run(1), run(2), run(2)
	if !slices.Equal(a, b) || !slices.Equal(b, c) {
		t.Fatal("runs with the same seed differ")
	}
}

// TestSampleNetwork: sampled networks are ±1 with p(+1) = sigmoid(2λ) and
// keep the fixed entries.
func TestSampleNetwork(t *testing.T) {
	lam := []float64{0, 0.5, -1, 3}
	p := append(slices.Clone(lam), 42)
	b, err := blr.NewBinary(p, blr.BinaryOptions{DataSize: 1, LR: 0.1, Estimator: blr.BinaryDeltaSign, Samples: 1, Mask: []bool{true, true, true, true, false}})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(3, 3))
	const s = 20000
	plus := make([]float64, 4)
	w := make([]float64, 5)
	for range s {
		b.SampleNetwork(w, rnd)
		if w[4] != 42 {
			t.Fatalf("fixed entry %g", w[4])
		}
		for j := range 4 {
			if w[j] != 1 && w[j] != -1 {
				t.Fatalf("w[%d] = %g is not ±1", j, w[j])
			}
			if w[j] == 1 {
				plus[j]++
			}
		}
	}
	for j, l := range lam {
		pr := 1 / (1 + math.Exp(-2*l))
		got := plus[j] / s
		if se := math.Sqrt(pr * (1 - pr) / s); math.Abs(got-pr) > 5*se+1e-12 {
			t.Errorf("p(w%d = +1) = %.4f, want %.4f ± %.4f", j, got, pr, se)
		}
	}
	if got := b.Mode(nil); !slices.Equal(got, []float64{1, 1, -1, 1, 42}) {
		t.Errorf("mode %v", got)
	}
	if mu := b.Expectation(nil); math.Abs(mu[1]-math.Tanh(0.5)) > 1e-15 {
		t.Errorf("expectation %v", mu)
	}
}

// TestBinaryStepAllocs: after the first step, a step allocates nothing, at
// a size where the work is split between two goroutines.
func TestBinaryStepAllocs(t *testing.T) {
	const d = 100_000
	o := blr.OracleFunc[float32](func(theta, grad, _ []float32, _ blr.CurvatureKind) (float64, error) {
		for j, w := range theta {
			grad[j] = 0.01 * w
		}
		return 0, nil
	})
	for _, c := range []struct {
		name  string
		build func(p []float32) (*blr.Binary[float32], error)
	}{
		{"ste", func(p []float32) (*blr.Binary[float32], error) { return blr.STE(p, blr.BinaryConfig{}) }},
		{"bayesbinn", func(p []float32) (*blr.Binary[float32], error) {
			return blr.BayesBiNN(p, blr.BinaryConfig{DataSize: 1000, Beta1: 0.5})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := make([]float32, d)
			for j := range p {
				p[j] = float32(j%5) - 2
			}
			b, err := c.build(p)
			if err != nil {
				t.Fatal(err)
			}
			rnd := rand.New(rand.NewPCG(1, 1))
			if _, err := b.Step(o, rnd); err != nil {
				t.Fatal(err)
			}
			if a := testing.AllocsPerRun(10, func() { _, _ = b.Step(o, rnd) }); a != 0 {
				t.Fatalf("%v allocations per step", a)
			}
		})
	}
}

// TestBinaryFlushTiny: latent weights with no data gradient decay as
// λ ← (1−ρ)λ under BinaryConnect's entropy term; with ρ = 0.5 they pass
// 2⁻¹⁰⁰ within a few dozen steps. Without momentum every λ keeps its sign
// and ends held at 2⁻¹⁰⁰ in magnitude, never below; with momentum no entry
// of λ or of the momentum lies in (0, 2⁻¹⁰⁰) in magnitude.
func TestBinaryFlushTiny(t *testing.T) {
	zero := blr.OracleFunc[float32](func(_, grad, _ []float32, _ blr.CurvatureKind) (float64, error) {
		clear(grad)
		return 0, nil
	})
	start := func() []float32 {
		w := make([]float32, 37)
		for j := range w {
			w[j] = float32(math.Pow(10, -20-float64(j%9))) * float32(1-2*(j%2))
		}
		return w
	}
	tiny := func(x []float32) int {
		for j, v := range x {
			if v != 0 && math.Abs(float64(v)) < 0x1p-100 {
				return j
			}
		}
		return -1
	}
	for _, beta := range []float64{blr.Off, 0.5} {
		w := start()
		b, err := blr.BinaryConnect(slices.Clone(w), blr.BinaryConfig{LR: 0.5, DataSize: 1, Beta1: beta})
		if err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(1, 2))
		for step := range 200 {
			if _, err := b.Step(zero, rnd); err != nil {
				t.Fatal(err)
			}
			if j := tiny(b.Latent()); j >= 0 {
				t.Fatalf("β %g, step %d: λ[%d] = %g lies below 2⁻¹⁰⁰", beta, step, j, b.Latent()[j])
			}
			if j := tiny(b.Momentum()); j >= 0 {
				t.Fatalf("β %g, step %d: momentum[%d] = %g lies below 2⁻¹⁰⁰", beta, step, j, b.Momentum()[j])
			}
		}
		if beta != blr.Off {
			continue
		}
		for j, l := range b.Latent() {
			if want := float32(math.Copysign(0x1p-100, float64(w[j]))); l != want {
				t.Errorf("λ[%d] = %g after 200 halvings from %g: want %g", j, l, w[j], want)
			}
		}
	}
}
