package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// TestConfigErrors checks that every invalid setting gives a *ConfigError
// naming the field.
func TestConfigErrors(t *testing.T) {
	img := Shape{C: 1, H: 6, W: 6}
	tests := []struct {
		name   string
		in     Shape
		loss   Loss
		layers []Layer
		field  string
	}{
		{"bad shape", Shape{C: 0, H: 1, W: 1}, SoftmaxCrossEntropy{}, []Layer{Dense{Out: 2}}, "in"},
		{"no loss", Vec(2), nil, []Layer{Dense{Out: 2}}, "loss"},
		{"no layers", Vec(2), SoftmaxCrossEntropy{}, nil, "layers"},
		{"nil layer", Vec(2), SoftmaxCrossEntropy{}, []Layer{nil}, "layers[0]"},
		{"Dense.Out", Vec(2), SoftmaxCrossEntropy{}, []Layer{Dense{Out: 0}}, "layers[0].Out"},
		{"Conv2D.Out", img, SoftmaxCrossEntropy{}, []Layer{Conv2D{Out: -1, Size: 3}}, "layers[0].Out"},
		{"Conv2D.Size", img, SoftmaxCrossEntropy{}, []Layer{Conv2D{Out: 2}}, "layers[0].Size"},
		{"Conv2D too large", img, SoftmaxCrossEntropy{}, []Layer{Conv2D{Out: 2, Size: 7}}, "layers[0].Size"},
		{"Conv2D.Stride", img, SoftmaxCrossEntropy{}, []Layer{Conv2D{Out: 2, Size: 3, Stride: -1}}, "layers[0].Stride"},
		{"Conv2D.Pad", img, SoftmaxCrossEntropy{}, []Layer{Conv2D{Out: 2, Size: 3, Pad: -1}}, "layers[0].Pad"},
		{"MaxPool.Size", img, SoftmaxCrossEntropy{}, []Layer{MaxPool{}}, "layers[0].Size"},
		{"MaxPool too large", img, SoftmaxCrossEntropy{}, []Layer{ReLU{}, MaxPool{Size: 7}}, "layers[1].Size"},
		{"MaxPool.Stride", img, SoftmaxCrossEntropy{}, []Layer{MaxPool{Size: 2, Stride: -2}}, "layers[0].Stride"},
		{"Dropout.P = 1", Vec(2), SoftmaxCrossEntropy{}, []Layer{Dropout{P: 1}}, "layers[0].P"},
		{"Dropout.P NaN", Vec(2), SoftmaxCrossEntropy{}, []Layer{Dropout{P: math.NaN()}}, "layers[0].P"},
		{"BatchNorm.Momentum", Vec(2), SoftmaxCrossEntropy{}, []Layer{BatchNorm{Momentum: 1.5}}, "layers[0].Momentum"},
		{"BatchNorm.Eps", Vec(2), SoftmaxCrossEntropy{}, []Layer{BatchNorm{Eps: -1}}, "layers[0].Eps"},
		{"BatchNorm.Eps Inf", Vec(2), SoftmaxCrossEntropy{}, []Layer{BatchNorm{Eps: math.Inf(1)}}, "layers[0].Eps"},
		{"one class", Vec(2), SoftmaxCrossEntropy{}, []Layer{Dense{Out: 1}}, "output size"},
		{"GaussianNLL.Precision", Vec(2), GaussianNLL{Precision: -1}, []Layer{Dense{Out: 1}}, "GaussianNLL.Precision"},
		{"GaussianNLL.Precision NaN", Vec(2), GaussianNLL{Precision: math.NaN()}, []Layer{Dense{Out: 1}}, "GaussianNLL.Precision"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New[float32](tt.in, tt.loss, tt.layers...)
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) || ce.Field != tt.field {
				t.Fatalf("err = %v, want a *ConfigError for field %q", err, tt.field)
			}
		})
	}
	if _, err := MLP[float32](0, nil, 3, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("MLP(in=0): err = %v, want ErrConfig", err)
	}
}

// TestInputErrors checks that inputs that do not fit give an *InputError
// naming the argument, and never a panic.
func TestInputErrors(t *testing.T) {
	n, err := New[float64](Vec(3), SoftmaxCrossEntropy{}, Dense{Out: 4}, Dropout{P: 0.5}, Dense{Out: 2})
	if err != nil {
		t.Fatal(err)
	}
	g, err := New[float64](Vec(3), GaussianNLL{}, Dense{Out: 2})
	if err != nil {
		t.Fatal(err)
	}
	p := make([]float64, n.NumParams())
	pg := make([]float64, g.NumParams())
	x := make([]float64, 6)
	ok := Batch[float64]{X: x, Labels: []int{0, 1}}
	rnd := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"short params", func() error { _, err := n.Loss(nil, p[1:], ok); return err }, "len(params)"},
		{"short grad", func() error { _, err := n.Loss(p[1:], p, ok); return err }, "len(grad)"},
		{"ragged X", func() error { _, err := n.Loss(nil, p, Batch[float64]{X: x[:5], Labels: []int{0}}); return err }, "len(X)"},
		{"empty X", func() error { _, err := n.Loss(nil, p, Batch[float64]{}); return err }, "len(X)"},
		{"labels count", func() error { _, err := n.Loss(nil, p, Batch[float64]{X: x, Labels: []int{0}}); return err }, "len(Labels)"},
		{"label range", func() error { _, err := n.Loss(nil, p, Batch[float64]{X: x, Labels: []int{0, 2}}); return err }, "Labels[1]"},
		{"negative label", func() error { _, err := n.Loss(nil, p, Batch[float64]{X: x, Labels: []int{-1, 0}}); return err }, "Labels[0]"},
		{"targets", func() error { _, err := g.Loss(nil, pg, Batch[float64]{X: x, Y: []float64{1}}); return err }, "len(Y)"},
		{"no dropout generator", func() error { _, err := n.Loss(nil, p, ok); return err }, "SetRand"},
		{"forward batch", func() error { _, err := n.Forward(p, x, 0); return err }, "batch"},
		{"forward x", func() error { _, err := n.Forward(p, x, 3); return err }, "len(x)"},
		{"fisher nil", func() error { _, err := n.EmpiricalFisherDiag(nil, nil, p, ok); return err }, "fisher"},
		{"fisher length", func() error { _, err := n.EmpiricalFisherDiag(p[1:], nil, p, ok); return err }, "len(dst)"},
		{"MC rnd nil", func() error { _, err := n.MCFisherDiag(p, nil, p, ok, nil); return err }, "rnd"},
		{"ggn nil", func() error { _, err := n.GGNDiag(nil, nil, p, ok); return err }, "ggn"},
		{"mask layer range", func() error { return n.SetDropoutMask(3, nil) }, "layer"},
		{"mask layer kind", func() error { return n.SetDropoutMask(0, nil) }, "layer"},
		{"mask length", func() error { return n.SetDropoutMask(1, make([]float64, 3)) }, "len(mask)"},
		{"mask value", func() error { return n.SetDropoutMask(1, []float64{1, 0, 0.5, 1}) }, "mask[2]"},
		{"mask batch", func() error {
			if err := n.SetDropoutMask(1, make([]float64, 4)); err != nil {
				return err
			}
			defer n.SetDropoutMask(1, nil)
			_, err := n.Loss(nil, p, ok)
			return err
		}, "dropout mask of layers[1]"},
		{"init length", func() error { return n.Init(p[1:], rnd) }, "len(params)"},
		{"init rnd", func() error { return n.Init(p, nil) }, "rnd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInput) || ie.Field != tt.field {
				t.Fatalf("err = %v, want an *InputError for field %q", err, tt.field)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("message %q does not name %q", err, tt.field)
			}
		})
	}
}

// trainingStep is one step of the optimizers' inner loop: loss, gradient
// and the empirical Fisher at the same parameters.
func trainingStep[F Float](t testing.TB, n *Network[F], fisher, grad, params []F, b Batch[F]) {
	if _, err := n.EmpiricalFisherDiag(fisher, grad, params, b); err != nil {
		t.Fatal(err)
	}
}

// testNets are float32 networks of every kind at a moderate batch.
func testNets(t testing.TB) map[string]*Network[float32] {
	lenet, err := LeNet5[float32]()
	if err != nil {
		t.Fatal(err)
	}
	mlp, err := MLP[float32](784, []int{64, 32}, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	bn, err := New[float32](Vec(50), SoftmaxCrossEntropy{}, Dense{Out: 40}, BatchNorm{}, ReLU{}, Dropout{P: 0.2}, Dense{Out: 30}, BatchNorm{Affine: true}, Tanh{}, Dense{Out: 5})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*Network[float32]{"LeNet5": lenet, "MLP": mlp, "BatchNorm Dropout": bn}
}

// TestDeterministicAcrossGOMAXPROCS checks that loss, gradient, empirical
// and MC Fisher and GGN are bit-identical under GOMAXPROCS 1 and 2.
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for name, n := range testNets(t) {
		rnd := rand.New(rand.NewPCG(1, 2))
		params := make([]float32, n.NumParams())
		if err := n.Init(params, rnd); err != nil {
			t.Fatal(err)
		}
		b := randomBatch(n, 37, rnd)
		var outs [2][4][]float32
		var losses [2]float64
		for i, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			n.SetRand(rand.New(rand.NewPCG(3, 4)))
			for j := range outs[i] {
				outs[i][j] = make([]float32, len(params))
			}
			var err error
			losses[i], err = n.EmpiricalFisherDiag(outs[i][0], outs[i][1], params, b)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := n.MCFisherDiag(outs[i][2], nil, params, b, rand.New(rand.NewPCG(5, 6))); err != nil {
				t.Fatal(err)
			}
			if _, err := n.GGNDiag(outs[i][3], nil, params, b); err != nil {
				t.Fatal(err)
			}
		}
		if losses[0] != losses[1] {
			t.Errorf("%s: loss %v with GOMAXPROCS=1, %v with 2", name, losses[0], losses[1])
		}
		for j, what := range []string{"empirical Fisher", "gradient", "MC Fisher", "GGN"} {
			for k := range params {
				if math.Float32bits(outs[0][j][k]) != math.Float32bits(outs[1][j][k]) {
					t.Errorf("%s: %s[%d] = %v with GOMAXPROCS=1, %v with 2", name, what, k, outs[0][j][k], outs[1][j][k])
					break
				}
			}
		}
	}
}

// TestZeroAllocs checks that a warm training step (forward, loss, gradient
// and empirical Fisher) and a warm GGN allocate nothing.
func TestZeroAllocs(t *testing.T) {
	for name, n := range testNets(t) {
		rnd := rand.New(rand.NewPCG(1, 2))
		n.SetRand(rnd)
		params := make([]float32, n.NumParams())
		if err := n.Init(params, rnd); err != nil {
			t.Fatal(err)
		}
		b := randomBatch(n, 16, rnd)
		fisher, grad := make([]float32, len(params)), make([]float32, len(params))
		step := func() {
			trainingStep(t, n, fisher, grad, params, b)
			if _, err := n.Loss(grad, params, b); err != nil {
				t.Fatal(err)
			}
			if _, err := n.MCFisherDiag(fisher, nil, params, b, rnd); err != nil {
				t.Fatal(err)
			}
		}
		step()
		if a := testing.AllocsPerRun(5, step); a != 0 {
			t.Errorf("%s: %v allocations per training step, want 0", name, a)
		}
	}
}

// TestFloat32MatchesFloat64 checks that the float32 path computes what the
// float64 path does, within float32 accuracy: loss to 1e-5 and gradient and
// empirical Fisher to 1e-3 of their largest entry.
func TestFloat32MatchesFloat64(t *testing.T) {
	layers := LeNet5Layers()
	n32, _ := New[float32](Shape{C: 1, H: 28, W: 28}, SoftmaxCrossEntropy{}, layers...)
	n64, _ := New[float64](Shape{C: 1, H: 28, W: 28}, SoftmaxCrossEntropy{}, layers...)
	rnd := rand.New(rand.NewPCG(7, 8))
	p64 := make([]float64, n64.NumParams())
	if err := n64.Init(p64, rnd); err != nil {
		t.Fatal(err)
	}
	b64 := randomBatch(n64, 8, rnd)
	p32 := make([]float32, len(p64))
	for i, v := range p64 {
		p32[i] = float32(v)
	}
	b32 := Batch[float32]{X: make([]float32, len(b64.X)), Labels: b64.Labels}
	for i, v := range b64.X {
		b32.X[i] = float32(v)
	}
	f64, g64 := make([]float64, len(p64)), make([]float64, len(p64))
	f32, g32 := make([]float32, len(p64)), make([]float32, len(p64))
	l64, err := n64.EmpiricalFisherDiag(f64, g64, p64, b64)
	if err != nil {
		t.Fatal(err)
	}
	l32, err := n32.EmpiricalFisherDiag(f32, g32, p32, b32)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(l32-l64) > 1e-5*max(1, math.Abs(l64)) {
		t.Errorf("loss %v in float32, %v in float64", l32, l64)
	}
	for _, c := range []struct {
		name string
		a    []float32
		b    []float64
	}{{"gradient", g32, g64}, {"empirical Fisher", f32, f64}} {
		var scale, worst float64
		for i, v := range c.b {
			scale = max(scale, math.Abs(v))
			worst = max(worst, math.Abs(float64(c.a[i])-v))
		}
		if worst > 1e-3*scale {
			t.Errorf("%s: float32 and float64 differ by %.3g, largest entry %.3g", c.name, worst, scale)
		}
	}
}

// TestBatchSizes checks that a network that has seen a larger batch gives a
// smaller one exactly what a fresh network gives.
func TestBatchSizes(t *testing.T) {
	fresh := testNets(t)
	for name, n := range testNets(t) {
		rnd := rand.New(rand.NewPCG(1, 2))
		params := make([]float32, n.NumParams())
		if err := n.Init(params, rnd); err != nil {
			t.Fatal(err)
		}
		big, small := randomBatch(n, 9, rnd), randomBatch(n, 4, rnd)
		g1, g2 := make([]float32, len(params)), make([]float32, len(params))
		f1, f2 := make([]float32, len(params)), make([]float32, len(params))
		n.SetRand(rand.New(rand.NewPCG(5, 5)))
		if _, err := n.Loss(g1, params, big); err != nil {
			t.Fatal(err)
		}
		n.SetRand(rand.New(rand.NewPCG(6, 6)))
		l1, err := n.EmpiricalFisherDiag(f1, g1, params, small)
		if err != nil {
			t.Fatal(err)
		}
		f := fresh[name]
		copy(f.Buffers(), n.Buffers()) // the running averages moved once more in n
		f.SetRand(rand.New(rand.NewPCG(6, 6)))
		l2, err := f.EmpiricalFisherDiag(f2, g2, params, small)
		if err != nil {
			t.Fatal(err)
		}
		if l1 != l2 {
			t.Errorf("%s: loss %v after a larger batch, %v fresh", name, l1, l2)
		}
		for i := range g1 {
			if g1[i] != g2[i] || f1[i] != f2[i] {
				t.Errorf("%s: grad, fisher[%d] = %v, %v after a larger batch, %v, %v fresh", name, i, g1[i], f1[i], g2[i], f2[i])
				break
			}
		}
	}
}
