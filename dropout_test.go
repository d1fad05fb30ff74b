package blr_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/internal/table"
	"github.com/bayesrule/blr/nn"
)

// TestResponsibilityApproximation: for a sample w̃ = z·m + σε from the
// two-component mixture of one unit's weights, the responsibility of the
// second component, (1−p)N(w̃; m, σ²I)/q(w̃), tends to z as σ → 0, which is
// the approximation that turns the mixture rule into dropout.
func TestResponsibilityApproximation(t *testing.T) {
	const p = 0.4
	m := []float64{0.3, -0.5, 0.8, 0.1, -0.2}
	rnd := rand.New(rand.NewPCG(6, 6))
	prev := math.Inf(1)
	for _, sigma := range []float64{0.3, 0.1, 0.03} {
		var worst float64
		for range 2000 {
			z := 0.0
			if rnd.Float64() >= p {
				z = 1
			}
			var d0, d1 float64 // squared distances to 0 and to m
			for _, mj := range m {
				w := z*mj + sigma*rnd.NormFloat64()
				d0 += w * w
				d1 += (w - mj) * (w - mj)
			}
			// r = 1/(1 + (p/(1−p))·exp(−(d0−d1)/(2σ²))), without overflow.
			a := math.Log(p/(1-p)) - (d0-d1)/(2*sigma*sigma)
			r := 1 / (1 + math.Exp(a))
			worst = math.Max(worst, math.Abs(r-z))
		}
		if !(worst < prev) {
			t.Errorf("σ = %g: max |r − z| = %g did not fall (was %g)", sigma, worst, prev)
		}
		prev = worst
	}
	if !(prev < 1e-6) {
		t.Errorf("at σ = 0.03, max |r − z| = %g, want < 1e-6", prev)
	}
}

// TestDropoutGroups: the weights of the Dense layer after each dropout
// layer are grouped by the unit they read; biases are never dropped.
func TestDropoutGroups(t *testing.T) {
	net, err := nn.New[float64](nn.Vec(3), nn.SoftmaxCrossEntropy{},
		nn.Dropout{P: 0.2}, nn.Dense{Out: 2}, nn.ReLU{}, nn.Dropout{P: 0.5}, nn.Dense{Out: 2})
	if err != nil {
		t.Fatal(err)
	}
	group, p, err := table.DropoutGroups(net)
	if err != nil {
		t.Fatal(err)
	}
	// Layout: W1 (2×3), b1 (2), W2 (2×2), b2 (2).
	want := []int{0, 1, 2, 0, 1, 2, -1, -1, 3, 4, 3, 4, -1, -1}
	if !slices.Equal(group, want) || !slices.Equal(p, []float64{0.2, 0.2, 0.2, 0.5, 0.5}) {
		t.Fatalf("groups %v p %v, want %v", group, p, want)
	}
	bad, err := nn.New[float64](nn.Vec(3), nn.SoftmaxCrossEntropy{}, nn.Dropout{P: 0.2}, nn.BatchNorm{}, nn.Dense{Out: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := table.DropoutGroups(bad); err == nil {
		t.Fatal("dropout into batch norm accepted")
	}
}

func dropoutFixture(t *testing.T) ([]float64, []int, []float64) {
	t.Helper()
	m := []float64{1, 2, 3, 4, 5, 6, 0.5}
	return m, []int{0, 0, 1, 1, 2, 2, -1}, []float64{0.5, 0.25, 0.9}
}

// TestDropoutSample: a sampled network zeroes whole units with their drop
// probabilities and keeps the undropped weights; the same generator state
// gives the same network.
func TestDropoutSample(t *testing.T) {
	m, group, p := dropoutFixture(t)
	d, err := blr.NewDropout(slices.Clone(m), blr.DropoutConfig{DataSize: 10, Group: group, P: p})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 1))
	const s = 20000
	dropped := make([]float64, 3)
	w := make([]float64, len(m))
	for range s {
		d.Sample(w, rnd)
		if w[6] != 0.5 {
			t.Fatalf("undropped weight %g", w[6])
		}
		for u := range 3 {
			a, b := w[2*u] == 0, w[2*u+1] == 0
			if a != b {
				t.Fatalf("unit %d dropped partly: %v", u, w)
			}
			if a {
				dropped[u]++
			} else if w[2*u] != m[2*u] || w[2*u+1] != m[2*u+1] {
				t.Fatalf("kept unit %d changed: %v", u, w)
			}
		}
	}
	for u, pu := range p {
		if se := math.Sqrt(pu * (1 - pu) / s); math.Abs(dropped[u]/s-pu) > 5*se {
			t.Errorf("unit %d dropped %.4f, want %.4f", u, dropped[u]/s, pu)
		}
	}
	a := d.Sample(nil, rand.New(rand.NewPCG(5, 5)))
	b := d.Sample(nil, rand.New(rand.NewPCG(5, 5)))
	if !slices.Equal(a, b) {
		t.Fatal("same seed, different samples")
	}
	v := d.Variance(nil) // α = 0.5, the default step; ρ = 1; N = 10
	if math.Abs(v[0]-0.5*0.5/10) > 1e-18 || math.Abs(v[6]-0.5/10) > 1e-18 {
		t.Fatalf("variances %v: want α(1−p)/(ρN)", v)
	}
}

// TestDropoutStep: one step is m ← m − α(ĝ + (1−p)δ⊙m); a bad gradient
// refuses the step.
func TestDropoutStep(t *testing.T) {
	m, group, p := dropoutFixture(t)
	params := slices.Clone(m)
	d, err := blr.NewDropout(params, blr.DropoutConfig{DataSize: 10, LR: 0.5, PriorPrecision: 4, Group: group, P: p})
	if err != nil {
		t.Fatal(err)
	}
	g := []float64{1, -1, 0.5, 0, 2, -2, 1}
	o := &recordOracle{grad: g}
	if _, err := d.Step(o); err != nil {
		t.Fatal(err)
	}
	for j := range m {
		pj := 0.0
		if group[j] >= 0 {
			pj = p[group[j]]
		}
		want := m[j] - 0.5*(g[j]+(1-pj)*0.4*m[j])
		if math.Abs(params[j]-want) > 1e-15 {
			t.Errorf("m[%d] = %g, want %g", j, params[j], want)
		}
	}
	before := slices.Clone(params)
	if _, err := d.Step(&recordOracle{grad: g, bad: 1}); !errors.Is(err, blr.ErrNonFinite) {
		t.Fatalf("got %v, want a non-finite error", err)
	}
	if _, err := d.Step(&recordOracle{grad: g, fail: errors.New("boom")}); err == nil {
		t.Fatal("oracle error not returned")
	}
	if !slices.Equal(params, before) || d.Steps() != 1 {
		t.Fatal("a refused step changed the state")
	}
}

// TestDropoutConfigErrors: invalid settings give a *ConfigError naming the
// field.
func TestDropoutConfigErrors(t *testing.T) {
	m, group, p := dropoutFixture(t)
	tests := []struct {
		name  string
		cfg   blr.DropoutConfig
		field string
	}{
		{"no N", blr.DropoutConfig{}, "DataSize"},
		{"LR Off", blr.DropoutConfig{DataSize: 1, LR: blr.Off}, "LR"},
		{"LR NaN", blr.DropoutConfig{DataSize: 1, LR: math.NaN()}, "LR"},
		{"ρ 2", blr.DropoutConfig{DataSize: 1, Rate: 2}, "Rate"},
		{"prior -3", blr.DropoutConfig{DataSize: 1, PriorPrecision: -3}, "PriorPrecision"},
		{"group length", blr.DropoutConfig{DataSize: 1, Group: []int{0}, P: p}, "Group"},
		{"group range", blr.DropoutConfig{DataSize: 1, Group: []int{0, 0, 1, 1, 2, 2, 3}, P: p}, "Group[6]"},
		{"p = 1", blr.DropoutConfig{DataSize: 1, Group: group, P: []float64{0.5, 1, 0.1}}, "P[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := blr.NewDropout(slices.Clone(m), tc.cfg)
			var ce *blr.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("got %v, want a *blr.ConfigError on %s", err, tc.field)
			}
		})
	}
}

// TestDropoutFlushTiny: weight decay alone (zero gradient) halves the
// weights at every step; none is ever stored below 2⁻¹⁰⁰ in magnitude, and
// all end at zero.
func TestDropoutFlushTiny(t *testing.T) {
	m := make([]float32, 11)
	for j := range m {
		m[j] = float32(math.Pow(10, -25-float64(j%8)))
	}
	d, err := blr.NewDropout(m, blr.DropoutConfig{LR: 0.5, PriorPrecision: 1, DataSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	zero := blr.OracleFunc[float32](func(_, grad, _ []float32, _ blr.CurvatureKind) (float64, error) {
		clear(grad)
		return 0, nil
	})
	for step := range 200 {
		if _, err := d.Step(zero); err != nil {
			t.Fatal(err)
		}
		for j, v := range d.Mean() {
			if v != 0 && math.Abs(float64(v)) < 0x1p-100 {
				t.Fatalf("step %d: m[%d] = %g is below 2⁻¹⁰⁰", step, j, v)
			}
		}
	}
	for j, v := range d.Mean() {
		if v != 0 {
			t.Fatalf("m[%d] = %g after 200 halvings", j, v)
		}
	}
}
