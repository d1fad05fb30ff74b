package nn_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bayesrule/blr/nn"
	"gonum.org/v1/gonum/diff/fd"
)

// Tests written from mutation testing of package nn: each pins behaviour
// that a single-point change of the code altered without failing any other
// test. The oracles are independent of the code under test: finite
// differences, per-example loops over batches of one, the Gauss-Newton
// matrix JᵀHJ formed by brute force, and closed forms.

// mutNet builds a float64 network with initial parameters perturbed by
// N(0, 0.1²) (nonzero biases) and a batch of N(0, 1) inputs with random
// labels.
func mutNet(t *testing.T, in nn.Shape, k, batch int, seed uint64, layers ...nn.Layer) (*nn.Network[float64], []float64, nn.Batch[float64]) {
	t.Helper()
	n, err := nn.New[float64](in, nn.SoftmaxCrossEntropy{}, layers...)
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(seed, 7))
	params := make([]float64, n.NumParams())
	if err := n.Init(params, rnd); err != nil {
		t.Fatal(err)
	}
	for i := range params {
		params[i] += 0.1 * rnd.NormFloat64()
	}
	b := nn.Batch[float64]{X: make([]float64, batch*in.Size()), Labels: make([]int, batch)}
	for i := range b.X {
		b.X[i] = rnd.NormFloat64()
	}
	for i := range b.Labels {
		b.Labels[i] = rnd.IntN(k)
	}
	return n, params, b
}

// oneExample returns example i of b as a batch of one.
func oneExample(b nn.Batch[float64], in, i int) nn.Batch[float64] {
	return nn.Batch[float64]{X: b.X[i*in : (i+1)*in], Labels: b.Labels[i : i+1]}
}

// relErr is max_j |got_j − want_j| / max(1, |want_j|) over the indices in
// idx, and the worst index.
func relErr(got, want []float64, idx []int) (float64, int) {
	worst, at := 0.0, -1
	for _, j := range idx {
		d := math.Abs(got[j]-want[j]) / max(1, math.Abs(want[j]))
		if d > worst || math.IsNaN(d) {
			worst, at = d, j
		}
	}
	return worst, at
}

// TestMutantsWideStridedConvCurvature pins the curvature of a strided
// convolution whose output has more than 512 pixels (half of convWidth), so
// that the im2col layer takes one example per piece and (its padded channel
// count equal to Out) reads the output gradient in place: as the first
// layer (no input gradient wanted) its backward pass must still form the
// per-example squares. On the convolution's parameters, as the first layer
// and after another, it checks the gradient against central differences of
// the loss, the empirical Fisher against (1/M)Σᵢ gᵢ⊙gᵢ with each gᵢ from a
// batch of one, and the GGN diagonal against (1/M)Σᵢ diag(JᵢᵀHᵢJᵢ) with Jᵢ
// by central differences of the logits and Hᵢ = diag(p) − ppᵀ, all within
// 1e-6.
func TestMutantsWideStridedConvCurvature(t *testing.T) {
	const k, batch = 3, 3
	tests := []struct {
		name   string
		in     nn.Shape
		layers []nn.Layer
		block  int // the Layout index of the strided convolution's weights
	}{
		{"first layer", nn.Shape{C: 1, H: 46, W: 46}, []nn.Layer{nn.Conv2D{Out: 4, Size: 2, Stride: 2}, nn.Flatten{}, nn.Dense{Out: k}}, 0},
		{"second layer", nn.Shape{C: 1, H: 46, W: 46}, []nn.Layer{nn.Conv2D{Out: 1, Size: 1}, nn.Tanh{}, nn.Conv2D{Out: 4, Size: 2, Stride: 2}, nn.Dense{Out: k}}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, params, b := mutNet(t, tc.in, k, batch, 3, tc.layers...)
			in := tc.in.Size()
			conv := n.Layout()[tc.block]
			if conv.Name != "Conv2D.W" || conv.Len != 16 {
				t.Fatalf("block %d is %+v, want the 4×1×2×2 Conv2D.W", tc.block, conv)
			}
			idx := make([]int, 0, conv.Len+4)
			for j := range conv.Len + 4 { // W, then the 4 biases
				idx = append(idx, conv.Offset+j)
			}
			grad := make([]float64, len(params))
			fisher := make([]float64, len(params))
			ggn := make([]float64, len(params))
			if _, err := n.EmpiricalFisherDiag(fisher, grad, params, b); err != nil {
				t.Fatal(err)
			}
			if _, err := n.GGNDiag(ggn, nil, params, b); err != nil {
				t.Fatal(err)
			}
			p := append([]float64(nil), params...)
			wantGrad := make([]float64, len(params))
			wantFisher := make([]float64, len(params))
			wantGGN := make([]float64, len(params))
			settings := &fd.Settings{Formula: fd.Central, Step: 1e-5}
			for _, j := range idx {
				wantGrad[j] = fd.Derivative(func(v float64) float64 {
					p[j] = v
					l, err := n.Loss(nil, p, b)
					if err != nil {
						t.Fatal(err)
					}
					p[j] = params[j]
					return l
				}, params[j], settings)
			}
			gi := make([]float64, len(params))
			for i := range batch {
				e := oneExample(b, in, i)
				if _, err := n.Loss(gi, params, e); err != nil {
					t.Fatal(err)
				}
				z, err := n.Forward(params, e.X, 1)
				if err != nil {
					t.Fatal(err)
				}
				prob := softmax(z)
				for _, j := range idx {
					wantFisher[j] += gi[j] * gi[j] / batch
					// Column j of Jᵢ by central differences of the logits.
					col := make([]float64, k)
					for _, sign := range []float64{1, -1} {
						p[j] = params[j] + sign*1e-5
						zs, err := n.Forward(p, e.X, 1)
						if err != nil {
							t.Fatal(err)
						}
						for c := range k {
							col[c] += sign * zs[c] / 2e-5
						}
					}
					p[j] = params[j]
					// colᵀ(diag(p) − ppᵀ)col
					var a, m float64
					for c := range k {
						a += prob[c] * col[c] * col[c]
						m += prob[c] * col[c]
					}
					wantGGN[j] += (a - m*m) / batch
				}
			}
			for _, c := range []struct {
				what      string
				got, want []float64
			}{{"gradient", grad, wantGrad}, {"empirical Fisher", fisher, wantFisher}, {"GGN", ggn, wantGGN}} {
				if d, j := relErr(c.got, c.want, idx); d > 1e-6 {
					t.Errorf("%s[%d] = %v, want %v (relative error %.2g)", c.what, j, c.got[j], c.want[j], d)
				}
			}
		})
	}
}

// softmax returns softmax(z).
func softmax(z []float64) []float64 {
	m := z[0]
	for _, v := range z {
		m = max(m, v)
	}
	p := make([]float64, len(z))
	var s float64
	for c, v := range z {
		p[c] = math.Exp(v - m)
		s += p[c]
	}
	for c := range p {
		p[c] /= s
	}
	return p
}

// TestMutantsCheckBuffers pins Network.CheckBuffers on a network with two
// batch-norm layers of 2 and 3 channels (buffers: means₁, variances₁,
// means₂, variances₂): any finite mean and any finite variance ≥ 0
// (including 0 and values in (0, 1)) are accepted, and a non-finite mean or
// a negative or non-finite variance is rejected with an error naming its
// layer and channel; a wrong length is rejected.
func TestMutantsCheckBuffers(t *testing.T) {
	n, err := nn.New[float64](nn.Vec(3), nn.SoftmaxCrossEntropy{},
		nn.Dense{Out: 2}, nn.BatchNorm{}, nn.Dense{Out: 3}, nn.BatchNorm{Affine: true}, nn.Dense{Out: 2})
	if err != nil {
		t.Fatal(err)
	}
	valid := []float64{-3, 0.25, 0, 0.5, -1e300, 7, 2, 0.999, 1e-300, 1e300}
	if err := n.CheckBuffers(valid); err != nil {
		t.Fatalf("valid buffers: %v", err)
	}
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		at   int
		v    float64
		want string // "" for accepted
	}{
		{0, nan, "layer 1 (batch norm): running mean of channel 0"},
		{1, -inf, "layer 1 (batch norm): running mean of channel 1"},
		{2, -0.5, "layer 1 (batch norm): running variance of channel 0"},
		{3, inf, "layer 1 (batch norm): running variance of channel 1"},
		{3, nan, "layer 1 (batch norm): running variance of channel 1"},
		{4, inf, "layer 3 (batch norm): running mean of channel 0"},
		{6, nan, "layer 3 (batch norm): running mean of channel 2"},
		{7, -1e-300, "layer 3 (batch norm): running variance of channel 0"},
		{9, inf, "layer 3 (batch norm): running variance of channel 2"},
		{2, 0, ""},
		{9, 0.5, ""},
		{6, -2, ""},
	}
	for _, tc := range tests {
		b := append([]float64(nil), valid...)
		b[tc.at] = tc.v
		err := n.CheckBuffers(b)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("buffer %d = %v: %v, want accepted", tc.at, tc.v, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("buffer %d = %v: error %v, want one containing %q", tc.at, tc.v, err, tc.want)
		}
	}
	if err := n.CheckBuffers(valid[:9]); err == nil {
		t.Error("9 buffers for 10 accepted")
	}
}

// TestMutantsBatchNormDefaults pins BatchNorm's defaults Momentum 0 → 0.1
// and Eps 0 → 1e-5: after one training forward from the initial running
// averages (mean 0, variance 1) they are 0.1·(batch mean) and
// 0.9 + 0.1·(unbiased batch variance), and the outputs are
// (x − mean)/√(biased variance + 1e-5); the running averages with
// Momentum 0.3 are checked the same way.
func TestMutantsBatchNormDefaults(t *testing.T) {
	x := []float64{1, -2, 0.5, 3, 4, 0.25, -1, 1e-3} // 4 examples × 2 channels, the variance of channel 1 small
	for _, tc := range []struct {
		bn  nn.BatchNorm
		mom float64
		eps float64
	}{
		{nn.BatchNorm{}, 0.1, 1e-5},
		{nn.BatchNorm{Momentum: 0.3, Eps: 0.01}, 0.3, 0.01},
	} {
		n, err := nn.New[float64](nn.Vec(2), nn.GaussianNLL{}, tc.bn)
		if err != nil {
			t.Fatal(err)
		}
		y, err := n.Forward(nil, x, 4)
		if err != nil {
			t.Fatal(err)
		}
		buf := n.Buffers()
		for c := range 2 {
			var m, ss float64
			for i := range 4 {
				m += x[2*i+c] / 4
			}
			for i := range 4 {
				ss += (x[2*i+c] - m) * (x[2*i+c] - m)
			}
			if got, want := buf[c], tc.mom*m; math.Abs(got-want) > 1e-14 {
				t.Errorf("%+v: running mean %d = %v, want %v", tc.bn, c, got, want)
			}
			if got, want := buf[2+c], 1-tc.mom+tc.mom*ss/3; math.Abs(got-want) > 1e-14 {
				t.Errorf("%+v: running variance %d = %v, want %v", tc.bn, c, got, want)
			}
			for i := range 4 {
				want := (x[2*i+c] - m) / math.Sqrt(ss/4+tc.eps)
				if got := y[2*i+c]; math.Abs(got-want) > 1e-12*max(1, math.Abs(want)) {
					t.Errorf("%+v: y[%d, %d] = %v, want %v", tc.bn, i, c, got, want)
				}
			}
		}
	}
}

// TestMutantsLeNet5Shape pins LeNet5's input shape, 1×28×28 (29 rows give
// the same parameter count), its output size and parameter count.
func TestMutantsLeNet5Shape(t *testing.T) {
	n, err := nn.LeNet5[float32]()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n.InShape(), (nn.Shape{C: 1, H: 28, W: 28}); got != want {
		t.Errorf("InShape = %+v, want %+v", got, want)
	}
	if got := n.OutShape().Size(); got != 10 {
		t.Errorf("OutShape().Size() = %d, want 10", got)
	}
	if got := n.NumParams(); got != 61706 {
		t.Errorf("NumParams = %d, want 61706", got)
	}
}

// TestMutantsGaussianNLLClosedForm pins GaussianNLL, with its default
// precision (0 → τ = 1) and τ = 2.5, on a single dense layer z = Wx + b:
// the loss is (1/M)Σᵢ Σ_k [τ(y_ik − z_ik)²/2 − ½log(τ/2π)] with z from
// Forward, the gradient is (1/M)Σᵢ τ(z_ik − y_ik)·(x_ij, 1), and the GGN
// diagonal is τ·(1/M)Σᵢ x_ij² for W_kj and τ for b_k, within 1e-13.
func TestMutantsGaussianNLLClosedForm(t *testing.T) {
	const in, out, batch = 3, 2, 4
	for _, tc := range []struct {
		loss nn.GaussianNLL
		tau  float64
	}{{nn.GaussianNLL{}, 1}, {nn.GaussianNLL{Precision: 2.5}, 2.5}} {
		n, err := nn.New[float64](nn.Vec(in), tc.loss, nn.Dense{Out: out})
		if err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(5, 5))
		params := make([]float64, n.NumParams())
		for i := range params {
			params[i] = rnd.NormFloat64()
		}
		b := nn.Batch[float64]{X: make([]float64, batch*in), Y: make([]float64, batch*out)}
		for i := range b.X {
			b.X[i] = rnd.NormFloat64()
		}
		for i := range b.Y {
			b.Y[i] = rnd.NormFloat64()
		}
		z, err := n.Forward(params, b.X, batch)
		if err != nil {
			t.Fatal(err)
		}
		z = append([]float64(nil), z...)
		var wantLoss float64
		wantGrad := make([]float64, len(params))
		wantGGN := make([]float64, len(params))
		for i := range batch {
			for k := range out {
				r := z[i*out+k] - b.Y[i*out+k]
				wantLoss += (tc.tau*r*r/2 - 0.5*math.Log(tc.tau/(2*math.Pi))) / batch
				for j := range in {
					x := b.X[i*in+j]
					wantGrad[k*in+j] += tc.tau * r * x / batch
					wantGGN[k*in+j] += tc.tau * x * x / batch
				}
				wantGrad[out*in+k] += tc.tau * r / batch
				wantGGN[out*in+k] += tc.tau / batch
			}
		}
		grad := make([]float64, len(params))
		ggn := make([]float64, len(params))
		loss, err := n.GGNDiag(ggn, grad, params, b)
		if err != nil {
			t.Fatal(err)
		}
		all := make([]int, len(params))
		for j := range all {
			all[j] = j
		}
		if math.Abs(loss-wantLoss) > 1e-13*max(1, math.Abs(wantLoss)) {
			t.Errorf("τ = %v: loss %v, want %v", tc.tau, loss, wantLoss)
		}
		if d, j := relErr(grad, wantGrad, all); d > 1e-13 {
			t.Errorf("τ = %v: grad[%d] = %v, want %v", tc.tau, j, grad[j], wantGrad[j])
		}
		if d, j := relErr(ggn, wantGGN, all); d > 1e-13 {
			t.Errorf("τ = %v: GGN[%d] = %v, want %v", tc.tau, j, ggn[j], wantGGN[j])
		}
	}
}

// TestMutantsInitValues pins Network.Init's documented values over every
// block of the Layout, whatever the vector held before: Dense and Conv2D
// weights in [−√(6/fan_in), √(6/fan_in)] and of both signs, their biases 0,
// BatchNorm γ = 1 and β = 0.
func TestMutantsInitValues(t *testing.T) {
	n, err := nn.New[float64](nn.Shape{C: 2, H: 5, W: 5}, nn.SoftmaxCrossEntropy{},
		nn.Conv2D{Out: 3, Size: 3, Stride: 2}, nn.BatchNorm{Affine: true}, nn.Flatten{}, nn.Dense{Out: 4}, nn.BatchNorm{Affine: true}, nn.Dense{Out: 2})
	if err != nil {
		t.Fatal(err)
	}
	params := make([]float64, n.NumParams())
	for i := range params {
		params[i] = 9
	}
	if err := n.Init(params, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		len  int
		fan  float64 // fan-in of a weight block; 0: a constant block
		c    float64 // the constant
	}{
		{"Conv2D.W", 3 * 2 * 3 * 3, 2 * 3 * 3, 0}, {"Conv2D.b", 3, 0, 0},
		{"BatchNorm.gamma", 3, 0, 1}, {"BatchNorm.beta", 3, 0, 0},
		{"Dense.W", 4 * 12, 12, 0}, {"Dense.b", 4, 0, 0}, // 3×2×2 conv outputs
		{"BatchNorm.gamma", 4, 0, 1}, {"BatchNorm.beta", 4, 0, 0},
		{"Dense.W", 2 * 4, 4, 0}, {"Dense.b", 2, 0, 0},
	}
	layout := n.Layout()
	if len(layout) != len(want) {
		t.Fatalf("%d blocks, want %d", len(layout), len(want))
	}
	for bi, blk := range layout {
		w := want[bi]
		if blk.Name != w.name || blk.Len != w.len {
			t.Fatalf("block %d is %+v, want %s of %d", bi, blk, w.name, w.len)
		}
		v := params[blk.Offset : blk.Offset+blk.Len]
		if w.fan == 0 {
			for i, x := range v {
				if x != w.c {
					t.Errorf("block %d %s[%d] = %v, want %v", bi, blk.Name, i, x, w.c)
				}
			}
			continue
		}
		s := math.Sqrt(6 / w.fan)
		var pos, neg int
		for i, x := range v {
			if math.Abs(x) > s {
				t.Errorf("block %d %s[%d] = %v outside ±%v", bi, blk.Name, i, x, s)
			}
			if x > 0 {
				pos++
			} else if x < 0 {
				neg++
			}
		}
		if pos == 0 || neg == 0 {
			t.Errorf("block %d %s: %d positive and %d negative weights", bi, blk.Name, pos, neg)
		}
	}
}

// TestMutantsOutputShapes pins the output shapes ⌊(H + 2·Pad − Size)/Stride⌋
// + 1 of Conv2D and ⌊(H − Size)/Stride⌋ + 1 of MaxPool at their limits: a
// window exactly as large as the (padded) input is accepted and gives one
// row or column, one larger is a *ConfigError on layers[0].Size; a window
// of size 1 is accepted.
func TestMutantsOutputShapes(t *testing.T) {
	tests := []struct {
		name  string
		in    nn.Shape
		layer nn.Layer
		want  nn.Shape // zero: rejected
	}{
		{"conv size = H", nn.Shape{C: 1, H: 3, W: 5}, nn.Conv2D{Out: 2, Size: 3}, nn.Shape{C: 2, H: 1, W: 3}},
		{"conv size = W", nn.Shape{C: 2, H: 6, W: 4}, nn.Conv2D{Out: 3, Size: 4, Stride: 2}, nn.Shape{C: 3, H: 2, W: 1}},
		{"conv size = H + 2·pad", nn.Shape{C: 1, H: 3, W: 3}, nn.Conv2D{Out: 1, Size: 5, Pad: 1}, nn.Shape{C: 1, H: 1, W: 1}},
		{"conv stride 3", nn.Shape{C: 1, H: 8, W: 7}, nn.Conv2D{Out: 2, Size: 2, Stride: 3, Pad: 1}, nn.Shape{C: 2, H: 3, W: 3}},
		{"conv size = H + 1", nn.Shape{C: 1, H: 3, W: 5}, nn.Conv2D{Out: 2, Size: 4}, nn.Shape{}},
		{"conv size = W + 2·pad + 1", nn.Shape{C: 1, H: 9, W: 3}, nn.Conv2D{Out: 2, Size: 6, Pad: 1}, nn.Shape{}},
		{"pool size = H", nn.Shape{C: 2, H: 3, W: 7}, nn.MaxPool{Size: 3}, nn.Shape{C: 2, H: 1, W: 2}},
		{"pool size = W", nn.Shape{C: 1, H: 5, W: 2}, nn.MaxPool{Size: 2, Stride: 1}, nn.Shape{C: 1, H: 4, W: 1}},
		{"pool size = H + 1", nn.Shape{C: 1, H: 3, W: 7}, nn.MaxPool{Size: 4}, nn.Shape{}},
		{"pool size 1", nn.Shape{C: 2, H: 3, W: 4}, nn.MaxPool{Size: 1}, nn.Shape{C: 2, H: 3, W: 4}},
		{"pool size 1 stride 2", nn.Shape{C: 1, H: 5, W: 4}, nn.MaxPool{Size: 1, Stride: 2}, nn.Shape{C: 1, H: 3, W: 2}},
		{"conv size 1", nn.Shape{C: 2, H: 3, W: 4}, nn.Conv2D{Out: 5, Size: 1}, nn.Shape{C: 5, H: 3, W: 4}},
	}
	for _, tc := range tests {
		n, err := nn.New[float64](tc.in, nn.GaussianNLL{}, tc.layer)
		if tc.want == (nn.Shape{}) {
			var ce *nn.ConfigError
			if !errors.As(err, &ce) || ce.Field != "layers[0].Size" {
				t.Errorf("%s: error %v, want a *ConfigError on layers[0].Size", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := n.OutShape(); got != tc.want {
			t.Errorf("%s: OutShape %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// maxSource is a rand.Source whose Float64 is 1 − 2⁻⁵³, the largest it
// can be: MCFisherDiag then draws the last class.
type maxSource struct{}

func (maxSource) Uint64() uint64 { return math.MaxUint64 }

// TestMutantsMCFisherLastClass pins MCFisherDiag's draw when the uniform is
// 1 − 2⁻⁵³: the label is the last class, also where the float32
// probabilities sum to less than that (logits 0, 1, 2: the guard against Σp
// < 1), so that on one dense layer z = Wx + b the Fisher is
// (1/M)Σᵢ (p − e_y)² ⊗ (xᵢ², 1) with p = softmax(b) (W = 0), within 1e-6.
// With logits 0, 1, 2, −200 the last class's float32 probability is
// flushed to 0 and the others sum below 1 − 2⁻⁵³: the label is then class
// 2, the last with p > 0, never the flushed one (float32 only: in float64
// nothing is flushed).
func TestMutantsMCFisherLastClass(t *testing.T) {
	x := []float64{0.5, -2, 1.5, 0.25} // 2 examples of 2 inputs
	for _, tc := range []struct {
		logits    []float64
		label     int
		inFloat64 bool
	}{
		{[]float64{0, 1, 2}, 2, true},
		{[]float64{0, 0, 0}, 2, true},
		{[]float64{2, 1, 0}, 2, true},
		{[]float64{0, 1, 2, -200}, 2, false},
	} {
		logits, k := tc.logits, len(tc.logits)
		p := softmax(logits)
		want := make([]float64, 2*k+k)
		for i := range 2 {
			for c := range k {
				g := p[c]
				if c == tc.label {
					g--
				}
				for j := range 2 {
					want[c*2+j] += g * g * x[2*i+j] * x[2*i+j] / 2
				}
				want[2*k+c] += g * g / 2
			}
		}
		check := func(name string, got []float64) {
			for j := range want {
				if math.Abs(got[j]-want[j]) > 1e-6*max(1, math.Abs(want[j])) {
					t.Errorf("%s, logits %v: fisher[%d] = %v, want %v", name, logits, j, got[j], want[j])
				}
			}
		}
		{
			n, err := nn.New[float32](nn.Vec(2), nn.SoftmaxCrossEntropy{}, nn.Dense{Out: k})
			if err != nil {
				t.Fatal(err)
			}
			params := make([]float32, n.NumParams())
			for c, v := range logits {
				params[2*k+c] = float32(v)
			}
			b := nn.Batch[float32]{X: make([]float32, 4), Labels: []int{0, 1}}
			for i, v := range x {
				b.X[i] = float32(v)
			}
			f := make([]float32, len(params))
			if _, err := n.MCFisherDiag(f, nil, params, b, rand.New(maxSource{})); err != nil {
				t.Fatal(err)
			}
			got := make([]float64, len(f))
			for j, v := range f {
				got[j] = float64(v)
			}
			check("float32", got)
		}
		if !tc.inFloat64 {
			continue
		}
		n, err := nn.New[float64](nn.Vec(2), nn.SoftmaxCrossEntropy{}, nn.Dense{Out: k})
		if err != nil {
			t.Fatal(err)
		}
		params := make([]float64, n.NumParams())
		copy(params[2*k:], logits)
		f := make([]float64, len(params))
		if _, err := n.MCFisherDiag(f, nil, params, nn.Batch[float64]{X: x, Labels: []int{0, 1}}, rand.New(maxSource{})); err != nil {
			t.Fatal(err)
		}
		check("float64", f)
	}
}

// TestMutantsDropoutZero pins Dropout{P: 0} in training mode (plain and
// inverted): it is the identity, needs no generator (no SetRand) and draws
// nothing from one that is set; on Dense then Dropout the outputs are
// Wx + b (within 1e-14).
func TestMutantsDropoutZero(t *testing.T) {
	x := []float64{1, -2, 0.5, 3, 0.25, -1} // 2 examples of 3 inputs
	params := []float64{0.5, -1, 2, 0.25, 1.5, -0.75, 0.1, -0.2}
	for _, d := range []nn.Dropout{{}, {Inverted: true}} {
		for _, withRand := range []bool{false, true} {
			n, err := nn.New[float64](nn.Vec(3), nn.GaussianNLL{}, nn.Dense{Out: 2}, d)
			if err != nil {
				t.Fatal(err)
			}
			rnd := rand.New(rand.NewPCG(8, 9))
			if withRand {
				n.SetRand(rnd)
			}
			z, err := n.Forward(params, x, 2)
			if err != nil {
				t.Fatalf("%+v, SetRand %v: %v", d, withRand, err)
			}
			for i := range 2 {
				for k := range 2 {
					want := params[6+k]
					for j := range 3 {
						want += params[3*k+j] * x[3*i+j]
					}
					if math.Abs(z[2*i+k]-want) > 1e-14 {
						t.Errorf("%+v, SetRand %v: z[%d, %d] = %v, want %v", d, withRand, i, k, z[2*i+k], want)
					}
				}
			}
			if got, want := rnd.Uint64(), rand.New(rand.NewPCG(8, 9)).Uint64(); got != want {
				t.Errorf("%+v, SetRand %v: the generator advanced", d, withRand)
			}
		}
	}
}
