package blr_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/bayesrule/blr"
)

// quadMixOracle is ℓ_avg = Σⱼ ½aⱼθⱼ² + bⱼθⱼ, optionally failing on a call.
type quadMixOracle struct {
	a, b   []float64
	calls  int
	failAt int // call (from 1) that returns NaN; 0: never
}

func (o *quadMixOracle) Eval(theta, grad, _ []float64, _ blr.CurvatureKind) (float64, error) {
	o.calls++
	var l float64
	for j, th := range theta {
		grad[j] = o.a[j]*th + o.b[j]
		l += 0.5*o.a[j]*th*th + o.b[j]*th
	}
	if o.calls == o.failAt {
		grad[0] = math.NaN()
	}
	return l, nil
}

// TestMixtureIsIndependentIVON: under the responsibility approximation the
// mixture of K IVON components is K independent IVON runs: with the same
// noise sequence the iterates are bit-identical.
func TestMixtureIsIndependentIVON(t *testing.T) {
	const k, steps = 3, 50
	cfg := blr.Config{DataSize: 20, LR: 0.1, Beta2: 0.99, HessInit: 1, Samples: 2}
	a, b := []float64{1, 3, 0.5}, []float64{-1, 0.5, 2}
	starts := [][]float64{{1, 1, 1}, {-2, 0, 1}, {0.5, -0.5, 3}}
	mp := make([][]float64, k)
	for i := range mp {
		mp[i] = slices.Clone(starts[i])
	}
	mix, err := blr.MixtureIVON(mp, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sep := make([]*blr.Diag[float64], k)
	for i := range sep {
		if sep[i], err = blr.IVON(slices.Clone(starts[i]), cfg); err != nil {
			t.Fatal(err)
		}
	}
	o := &quadMixOracle{a: a, b: b}
	n1, n2 := &blr.FastNormals[float64]{Key: 7}, &blr.FastNormals[float64]{Key: 7}
	for range steps {
		if _, err := mix.Step(o, n1); err != nil {
			t.Fatal(err)
		}
		for _, e := range sep {
			if _, err := e.Step(o, n2); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, e := range sep {
		c := mix.Component(i)
		if !slices.Equal(c.Mean(), e.Mean()) || !slices.Equal(c.Hessian(), e.Hessian()) || !slices.Equal(c.Momentum(), e.Momentum()) {
			t.Fatalf("component %d differs from its separate run", i)
		}
	}
	if w := mix.Weights(nil); w[0] != 1.0/3 || len(w) != 3 {
		t.Fatalf("weights %v", w)
	}
}

// TestMixtureTransactional: a component whose step fails leaves every
// component as it was before the call, including those already stepped.
func TestMixtureTransactional(t *testing.T) {
	cfg := blr.Config{DataSize: 20, LR: 0.1, Beta2: 0.99, HessInit: 1}
	mp := [][]float64{{1, 1}, {-1, 2}}
	mix, err := blr.MixtureIVON(mp, cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := &quadMixOracle{a: []float64{1, 2}, b: []float64{0, 1}}
	noise := &blr.FastNormals[float64]{Key: 1}
	if _, err := mix.Step(o, noise); err != nil {
		t.Fatal(err)
	}
	type snap struct{ m, h, g []float64 }
	var before []snap
	for i := range 2 {
		c := mix.Component(i)
		before = append(before, snap{slices.Clone(c.Mean()), slices.Clone(c.Hessian()), slices.Clone(c.Momentum())})
	}
	o.failAt = o.calls + 2 // component 1's evaluation
	if _, err := mix.Step(o, noise); !errors.Is(err, blr.ErrNonFinite) {
		t.Fatalf("got %v, want a non-finite error", err)
	}
	for i := range 2 {
		c := mix.Component(i)
		if !slices.Equal(c.Mean(), before[i].m) || !slices.Equal(c.Hessian(), before[i].h) || !slices.Equal(c.Momentum(), before[i].g) || c.Steps() != 1 {
			t.Fatalf("component %d changed by a refused step", i)
		}
	}
}

// TestMixtureConfigErrors: no components, a shared parameter slice and
// mismatched sizes are refused with a *ConfigError.
func TestMixtureConfigErrors(t *testing.T) {
	cfg := blr.Config{DataSize: 10}
	p := []float64{1, 2}
	e1, err := blr.IVON(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := blr.IVON(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e3, err := blr.IVON([]float64{1, 2, 3}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func() error{
		"none":       func() error { _, err := blr.NewDiagMixture[float64](); return err },
		"nil":        func() error { _, err := blr.NewDiagMixture(e1, nil); return err },
		"shared":     func() error { _, err := blr.NewDiagMixture(e1, e2); return err },
		"mismatched": func() error { _, err := blr.NewDiagMixture(e1, e3); return err },
		"no params":  func() error { _, err := blr.MixtureIVON[float64](nil, cfg); return err },
		"bad config": func() error { _, err := blr.MixtureIVON([][]float64{{1}}, blr.Config{}); return err },
	} {
		if err := f(); !errors.Is(err, blr.ErrConfig) {
			t.Errorf("%s: got %v, want a config error", name, err)
		}
	}
}

// TestMixtureStepComponents: StepComponents steps component k with
// oracle(k), in order, and equals Step when every component gets the same
// oracle; a component's own oracle changes only that component; nil
// oracles are refused and leave the components as they were.
func TestMixtureStepComponents(t *testing.T) {
	cfg := blr.Config{DataSize: 20, LR: 0.1, Beta2: 0.99, HessInit: 1, Samples: 2}
	starts := [][]float64{{1, 1}, {-1, 2}, {0.5, -3}}
	mk := func() *blr.DiagMixture[float64] {
		mp := make([][]float64, len(starts))
		for i := range mp {
			mp[i] = slices.Clone(starts[i])
		}
		m, err := blr.MixtureIVON(mp, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	shared := &quadMixOracle{a: []float64{1, 2}, b: []float64{0, 1}}
	other := &quadMixOracle{a: []float64{3, 0.5}, b: []float64{-1, 2}}
	a, b, c := mk(), mk(), mk()
	na, nb, nc := &blr.FastNormals[float64]{Key: 3}, &blr.FastNormals[float64]{Key: 3}, &blr.FastNormals[float64]{Key: 3}
	var order []int
	for range 20 {
		if _, err := a.Step(shared, na); err != nil {
			t.Fatal(err)
		}
		order = order[:0]
		if _, err := b.StepComponents(func(k int) blr.Oracle[float64] { order = append(order, k); return shared }, nb); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(order, []int{0, 1, 2}) {
			t.Fatalf("oracles asked in the order %v", order)
		}
		if _, err := c.StepComponents(func(k int) blr.Oracle[float64] {
			if k == 1 {
				return other
			}
			return shared
		}, nc); err != nil {
			t.Fatal(err)
		}
	}
	for k := range starts {
		if !slices.Equal(a.Component(k).Mean(), b.Component(k).Mean()) || !slices.Equal(a.Component(k).Hessian(), b.Component(k).Hessian()) {
			t.Fatalf("component %d: StepComponents with one oracle differs from Step", k)
		}
		same := slices.Equal(a.Component(k).Mean(), c.Component(k).Mean())
		if same != (k != 1) {
			t.Errorf("component %d: same as with the shared oracle = %v", k, same)
		}
	}
	before := slices.Clone(a.Component(0).Mean())
	for name, f := range map[string]func() error{
		"nil function": func() error { _, err := a.StepComponents(nil, na); return err },
		"nil oracle": func() error {
			_, err := a.StepComponents(func(k int) blr.Oracle[float64] {
				if k == 2 {
					return nil
				}
				return shared
			}, na)
			return err
		},
		"nil Step oracle": func() error { _, err := a.Step(nil, na); return err },
	} {
		if err := f(); !errors.Is(err, blr.ErrConfig) {
			t.Errorf("%s: got %v, want a config error", name, err)
		}
		if !slices.Equal(a.Component(0).Mean(), before) || a.Component(0).Steps() != 20 {
			t.Errorf("%s: component 0 changed", name)
		}
	}
}
