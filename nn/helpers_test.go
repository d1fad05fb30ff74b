package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// netCase is a small network on random data, used by the gradient and
// curvature checks.
type netCase struct {
	name   string
	in     Shape
	loss   Loss
	layers []Layer
	batch  int
	eval   bool // evaluation mode, after one training pass to move the running averages
	masks  bool // fix random dropout masks
}

// netCases covers every layer kind (both batch-norm modes with and without
// affine parameters, dropout in both scalings, overlapping pooling, strided
// and padded convolutions) and both losses.
func netCases() []netCase {
	img := Shape{C: 2, H: 7, W: 6}
	return []netCase{
		{name: "Dense", in: Vec(5), loss: SoftmaxCrossEntropy{}, layers: []Layer{Dense{Out: 3}}, batch: 4},
		{name: "Dense ReLU Dense", in: Vec(5), loss: SoftmaxCrossEntropy{}, layers: []Layer{Dense{Out: 6}, ReLU{}, Dense{Out: 3}}, batch: 5},
		{name: "Dense Tanh Dense", in: Vec(4), loss: SoftmaxCrossEntropy{}, layers: []Layer{Dense{Out: 6}, Tanh{}, Dense{Out: 4}}, batch: 3},
		{name: "GaussianNLL", in: Vec(4), loss: GaussianNLL{Precision: 2.5}, layers: []Layer{Dense{Out: 5}, Tanh{}, Dense{Out: 2}}, batch: 4},
		{name: "GaussianNLL default precision", in: Vec(3), loss: GaussianNLL{}, layers: []Layer{Dense{Out: 3}, ReLU{}, Dense{Out: 1}}, batch: 6},
		{name: "Conv2D Flatten", in: img, loss: SoftmaxCrossEntropy{}, layers: []Layer{Conv2D{Out: 3, Size: 3, Pad: 1}, Tanh{}, Conv2D{Out: 2, Size: 2, Stride: 2}, Flatten{}, Dense{Out: 3}}, batch: 3},
		{name: "Conv2D stride pad", in: img, loss: SoftmaxCrossEntropy{}, layers: []Layer{Conv2D{Out: 2, Size: 3, Stride: 2, Pad: 2}, Tanh{}, Conv2D{Out: 3, Size: 3, Stride: 3, Pad: 1}, Flatten{}, Dense{Out: 2}}, batch: 3},
		{name: "MaxPool", in: img, loss: SoftmaxCrossEntropy{}, layers: []Layer{Conv2D{Out: 3, Size: 3, Pad: 1}, ReLU{}, MaxPool{Size: 2}, Flatten{}, Dense{Out: 3}}, batch: 4},
		{name: "MaxPool overlapping", in: img, loss: SoftmaxCrossEntropy{}, layers: []Layer{Conv2D{Out: 2, Size: 2}, MaxPool{Size: 3, Stride: 2}, Dense{Out: 3}}, batch: 3},
		{name: "BatchNorm affine train", in: Vec(4), loss: SoftmaxCrossEntropy{}, layers: []Layer{Dense{Out: 5}, BatchNorm{Affine: true}, Tanh{}, Dense{Out: 3}}, batch: 6},
		{name: "BatchNorm plain train", in: Vec(4), loss: SoftmaxCrossEntropy{}, layers: []Layer{Dense{Out: 5}, BatchNorm{}, Tanh{}, Dense{Out: 3}}, batch: 6},
		{name: "BatchNorm affine eval", in: Vec(4), loss: SoftmaxCrossEntropy{}, layers: []Layer{Dense{Out: 5}, BatchNorm{Affine: true, Momentum: 0.5}, Tanh{}, Dense{Out: 3}}, batch: 6, eval: true},
		{name: "BatchNorm plain eval", in: Vec(4), loss: GaussianNLL{}, layers: []Layer{Dense{Out: 5}, BatchNorm{Momentum: 0.5}, Tanh{}, Dense{Out: 2}}, batch: 6, eval: true},
		{name: "BatchNorm conv train", in: img, loss: SoftmaxCrossEntropy{}, layers: []Layer{Conv2D{Out: 3, Size: 3}, BatchNorm{Affine: true}, Tanh{}, Flatten{}, Dense{Out: 3}}, batch: 4},
		{name: "Dropout fixed mask", in: Vec(5), loss: SoftmaxCrossEntropy{}, layers: []Layer{Dense{Out: 6}, Dropout{P: 0.3}, Tanh{}, Dense{Out: 3}}, batch: 4, masks: true},
		{name: "Dropout inverted fixed mask", in: Vec(5), loss: SoftmaxCrossEntropy{}, layers: []Layer{Dense{Out: 6}, Tanh{}, Dropout{P: 0.5, Inverted: true}, Dense{Out: 3}}, batch: 4, masks: true},
		{name: "Dropout eval", in: Vec(5), loss: SoftmaxCrossEntropy{}, layers: []Layer{Dense{Out: 6}, Dropout{P: 0.3}, Tanh{}, Dense{Out: 3}}, batch: 4, eval: true},
	}
}

// setup builds the case's network in float64 with parameters and data.
func (c netCase) setup(t *testing.T, seed uint64) (*Network[float64], []float64, Batch[float64]) {
	t.Helper()
	n, err := New[float64](c.in, c.loss, c.layers...)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	rnd := rand.New(rand.NewPCG(seed, 99))
	params := make([]float64, n.NumParams())
	if err := n.Init(params, rnd); err != nil {
		t.Fatal(err)
	}
	for i := range params {
		params[i] += 0.1 * rnd.NormFloat64() // nonzero biases, γ ≠ 1
	}
	b := randomBatch(n, c.batch, rnd)
	if c.masks {
		for i, l := range c.layers {
			if _, ok := l.(Dropout); !ok {
				continue
			}
			size := n.layers[i].(*dropout[float64]).n
			mask := make([]float64, c.batch*size)
			for j := range mask {
				if rnd.Float64() < 0.6 {
					mask[j] = 1
				}
			}
			if err := n.SetDropoutMask(i, mask); err != nil {
				t.Fatal(err)
			}
		}
	}
	if c.eval {
		n.SetRand(rnd)
		if _, err := n.Loss(nil, params, b); err != nil { // moves the running averages
			t.Fatal(err)
		}
		n.SetTraining(false)
	}
	return n, params, b
}

// randomBatch draws inputs from N(0, 1), labels uniformly and targets from
// N(0, 1).
func randomBatch[F Float](n *Network[F], batch int, rnd *rand.Rand) Batch[F] {
	b := Batch[F]{X: make([]F, batch*n.InShape().Size())}
	for i := range b.X {
		b.X[i] = F(rnd.NormFloat64())
	}
	k := n.OutShape().Size()
	switch n.loss.(type) {
	case SoftmaxCrossEntropy:
		b.Labels = make([]int, batch)
		for i := range b.Labels {
			b.Labels[i] = rnd.IntN(k)
		}
	case GaussianNLL:
		b.Y = make([]F, batch*k)
		for i := range b.Y {
			b.Y[i] = F(rnd.NormFloat64())
		}
	}
	return b
}

// maxRelDiff returns max over i of |a_i − b_i| / max(1, |b_i|) and the index.
func maxRelDiff(a, b []float64) (float64, int) {
	worst, at := 0.0, -1
	for i := range a {
		d := math.Abs(a[i]-b[i]) / max(1, math.Abs(b[i]))
		if d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	return worst, at
}

// example returns example i of b as a batch of one.
func example[F Float](n *Network[F], b Batch[F], i int) Batch[F] {
	in, k := n.InShape().Size(), n.OutShape().Size()
	e := Batch[F]{X: b.X[i*in : (i+1)*in]}
	if b.Labels != nil {
		e.Labels = b.Labels[i : i+1]
	}
	if b.Y != nil {
		e.Y = b.Y[i*k : (i+1)*k]
	}
	return e
}
