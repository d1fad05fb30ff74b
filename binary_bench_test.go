package blr_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/nn"
)

// benchNet is the network of the step benchmarks: an MLP 784-512-512-10
// with batch norm without affine parameters after every dense layer (the
// BayesBiNN architecture, smaller), in float32, with a fixed minibatch of
// 100 random images; with dropout, a non-inverted Dropout(0.2) before every
// dense layer.
func benchNet(b *testing.B, dropout bool) (*nn.Network[float32], nn.Batch[float32]) {
	var layers []nn.Layer
	for _, h := range []int{512, 512} {
		if dropout {
			layers = append(layers, nn.Dropout{P: 0.2})
		}
		layers = append(layers, nn.Dense{Out: h}, nn.BatchNorm{Eps: 1e-4, Momentum: 0.15}, nn.ReLU{})
	}
	if dropout {
		layers = append(layers, nn.Dropout{P: 0.2})
	}
	layers = append(layers, nn.Dense{Out: 10}, nn.BatchNorm{Eps: 1e-4, Momentum: 0.15})
	net, err := nn.New[float32](nn.Vec(784), nn.SoftmaxCrossEntropy{}, layers...)
	if err != nil {
		b.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 1))
	net.SetRand(rnd)
	const m = 100
	batch := nn.Batch[float32]{X: make([]float32, m*784), Labels: make([]int, m)}
	for i := range batch.X {
		batch.X[i] = rnd.Float32()
	}
	for i := range batch.Labels {
		batch.Labels[i] = rnd.IntN(10)
	}
	return net, batch
}

// weightMask marks the dense weights (not biases) of net.
func weightMask(net *nn.Network[float32]) []bool {
	mask := make([]bool, net.NumParams())
	for _, blk := range net.Layout() {
		if strings.HasSuffix(blk.Name, ".W") {
			for j := range blk.Len {
				mask[blk.Offset+j] = true
			}
		}
	}
	return mask
}

// BenchmarkNetStep times one training step (forward, backward and the
// optimizer's update) of each optimizer on the same network and minibatch.
// "oracle" is the forward and backward pass alone.
func BenchmarkNetStep(b *testing.B) {
	const n = 60000
	cases := []struct {
		name    string
		dropout bool
		build   func(net *nn.Network[float32], p []float32) (func(blr.Oracle[float32]) error, error)
	}{
		{"oracle", false, func(_ *nn.Network[float32], p []float32) (func(blr.Oracle[float32]) error, error) {
			g := make([]float32, len(p))
			return func(o blr.Oracle[float32]) error { _, err := o.Eval(p, g, nil, blr.CurvNone); return err }, nil
		}},
		{"adam", false, func(_ *nn.Network[float32], p []float32) (func(blr.Oracle[float32]) error, error) {
			d, err := blr.Adam(p, blr.Config{})
			return func(o blr.Oracle[float32]) error { _, err := d.Step(o, nil); return err }, err
		}},
		{"ivon", false, func(_ *nn.Network[float32], p []float32) (func(blr.Oracle[float32]) error, error) {
			d, err := blr.IVON(p, blr.Config{DataSize: n, Steps: 1000})
			rnd := &blr.FastNormals[float32]{Key: 1}
			return func(o blr.Oracle[float32]) error { _, err := d.Step(o, rnd); return err }, err
		}},
		{"mixture-ivon-K3", false, func(net *nn.Network[float32], p []float32) (func(blr.Oracle[float32]) error, error) {
			ps := [][]float32{p, append([]float32(nil), p...), append([]float32(nil), p...)}
			d, err := blr.MixtureIVON(ps, blr.Config{DataSize: n, Steps: 1000})
			rnd := &blr.FastNormals[float32]{Key: 1}
			return func(o blr.Oracle[float32]) error { _, err := d.Step(o, rnd); return err }, err
		}},
		{"ste", false, func(net *nn.Network[float32], p []float32) (func(blr.Oracle[float32]) error, error) {
			d, err := blr.STE(p, blr.BinaryConfig{Mask: weightMask(net)})
			return func(o blr.Oracle[float32]) error { _, err := d.Step(o, nil); return err }, err
		}},
		{"bayesbinn", false, func(net *nn.Network[float32], p []float32) (func(blr.Oracle[float32]) error, error) {
			d, err := blr.BayesBiNN(p, blr.BinaryConfig{DataSize: n, Mask: weightMask(net)})
			rnd := rand.New(rand.NewPCG(2, 2))
			return func(o blr.Oracle[float32]) error { _, err := d.Step(o, rnd); return err }, err
		}},
		{"bayesbinn-relaxed-τ0.3", false, func(net *nn.Network[float32], p []float32) (func(blr.Oracle[float32]) error, error) {
			d, err := blr.BayesBiNN(p, blr.BinaryConfig{DataSize: n, Mask: weightMask(net), Temperature: 0.3, Eps: blr.Off, InitScale: 1})
			rnd := rand.New(rand.NewPCG(2, 2))
			return func(o blr.Oracle[float32]) error { _, err := d.Step(o, rnd); return err }, err
		}},
		{"dropout", true, func(net *nn.Network[float32], p []float32) (func(blr.Oracle[float32]) error, error) {
			d, err := blr.NewDropout(p, blr.DropoutConfig{DataSize: n})
			return func(o blr.Oracle[float32]) error { _, err := d.Step(o); return err }, err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			net, batch := benchNet(b, c.dropout)
			p := make([]float32, net.NumParams())
			if err := net.Init(p, rand.New(rand.NewPCG(3, 3))); err != nil {
				b.Fatal(err)
			}
			step, err := c.build(net, p)
			if err != nil {
				b.Fatal(err)
			}
			o := blr.OracleFunc[float32](func(theta, grad, _ []float32, _ blr.CurvatureKind) (float64, error) {
				return net.Loss(grad, theta, batch)
			})
			if err := step(o); err != nil { // warm-up: buffers
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := step(o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUpdate times the optimizers' own work on 600 000 weights, with an
// oracle that only copies a stored gradient (no network).
func BenchmarkUpdate(b *testing.B) {
	const d, n = 600_000, 60000
	g := make([]float32, d)
	rnd := rand.New(rand.NewPCG(5, 5))
	for j := range g {
		g[j] = float32(rnd.NormFloat64()) * 1e-3
	}
	o := blr.OracleFunc[float32](func(_, grad, _ []float32, _ blr.CurvatureKind) (float64, error) {
		copy(grad, g)
		return 0, nil
	})
	init := func() []float32 {
		p := make([]float32, d)
		for j := range p {
			p[j] = float32(rnd.NormFloat64())
		}
		return p
	}
	cases := []struct {
		name  string
		build func(p []float32) (func() error, error)
	}{
		{"adam", func(p []float32) (func() error, error) {
			e, err := blr.Adam(p, blr.Config{})
			return func() error { _, err := e.Step(o, nil); return err }, err
		}},
		{"ste", func(p []float32) (func() error, error) {
			e, err := blr.STE(p, blr.BinaryConfig{})
			return func() error { _, err := e.Step(o, nil); return err }, err
		}},
		{"bayesbinn-published", func(p []float32) (func() error, error) {
			e, err := blr.BayesBiNN(p, blr.BinaryConfig{DataSize: n})
			r := rand.New(rand.NewPCG(1, 1))
			return func() error { _, err := e.Step(o, r); return err }, err
		}},
		{"bayesbinn-relaxed-τ0.3", func(p []float32) (func() error, error) {
			e, err := blr.BayesBiNN(p, blr.BinaryConfig{DataSize: n, Temperature: 0.3, Eps: blr.Off, InitScale: blr.Off})
			r := rand.New(rand.NewPCG(1, 1))
			return func() error { _, err := e.Step(o, r); return err }, err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			step, err := c.build(init())
			if err != nil {
				b.Fatal(err)
			}
			if err := step(); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := step(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
