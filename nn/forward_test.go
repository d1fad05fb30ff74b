package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvForwardDirect checks Conv2D's output against the convolution sum
// written out directly, for strides, paddings and kernel sizes.
func TestConvForwardDirect(t *testing.T) {
	tests := []struct {
		in   Shape
		conv Conv2D
	}{
		{Shape{C: 1, H: 28, W: 28}, Conv2D{Out: 6, Size: 5, Pad: 2}},
		{Shape{C: 6, H: 14, W: 14}, Conv2D{Out: 16, Size: 5}},
		{Shape{C: 2, H: 7, W: 6}, Conv2D{Out: 3, Size: 3, Stride: 2, Pad: 1}},
		{Shape{C: 3, H: 5, W: 8}, Conv2D{Out: 2, Size: 2, Stride: 3, Pad: 2}},
		{Shape{C: 2, H: 4, W: 4}, Conv2D{Out: 2, Size: 1}},
	}
	for _, tt := range tests {
		n, err := New[float64](tt.in, GaussianNLL{}, tt.conv)
		if err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(1, 1))
		p := make([]float64, n.NumParams())
		for i := range p {
			p[i] = rnd.NormFloat64()
		}
		batch := 3
		x := make([]float64, batch*tt.in.Size())
		for i := range x {
			x[i] = rnd.NormFloat64()
		}
		y, err := n.Forward(p, x, batch)
		if err != nil {
			t.Fatal(err)
		}
		out, k, s, pad := n.OutShape(), tt.conv.Size, tt.conv.stride(), tt.conv.Pad
		ckk := tt.in.C * k * k
		for b := range batch {
			for co := range out.C {
				for oy := range out.H {
					for ox := range out.W {
						want := p[out.C*ckk+co]
						for c := range tt.in.C {
							for ki := range k {
								for kj := range k {
									iy, ix := oy*s+ki-pad, ox*s+kj-pad
									if iy < 0 || iy >= tt.in.H || ix < 0 || ix >= tt.in.W {
										continue
									}
									want += p[co*ckk+(c*k+ki)*k+kj] * x[b*tt.in.Size()+(c*tt.in.H+iy)*tt.in.W+ix]
								}
							}
						}
						got := y[b*out.Size()+(co*out.H+oy)*out.W+ox]
						if math.Abs(got-want) > 1e-12*max(1, math.Abs(want)) {
							t.Fatalf("%v on %v: y[%d,%d,%d,%d] = %v, want %v", tt.conv, tt.in, b, co, oy, ox, got, want)
						}
					}
				}
			}
		}
	}
}

// TestLayerValues checks layer outputs on small hand-computed inputs.
func TestLayerValues(t *testing.T) {
	tests := []struct {
		name   string
		in     Shape
		layers []Layer
		params []float64
		x      []float64
		want   []float64
	}{
		{"Dense", Vec(2), []Layer{Dense{Out: 2}}, []float64{1, 2, 3, 4, 0.5, -0.5}, []float64{1, -1}, []float64{-0.5, -1.5}},
		{"ReLU", Vec(3), []Layer{ReLU{}}, nil, []float64{-1, 0, 2}, []float64{0, 0, 2}},
		{"Tanh", Vec(2), []Layer{Tanh{}}, nil, []float64{0, 1}, []float64{0, math.Tanh(1)}},
		{"MaxPool", Shape{C: 1, H: 2, W: 4}, []Layer{MaxPool{Size: 2}}, nil, []float64{1, 5, 2, 0, 3, -1, 7, 7}, []float64{5, 7}},
		{"MaxPool stride 1", Shape{C: 1, H: 2, W: 3}, []Layer{MaxPool{Size: 2, Stride: 1}}, nil, []float64{1, 5, 2, 3, -1, 7}, []float64{5, 7}},
		{"Flatten", Shape{C: 2, H: 1, W: 2}, []Layer{Flatten{}}, nil, []float64{1, 2, 3, 4}, []float64{1, 2, 3, 4}},
		{"Dropout eval", Vec(2), []Layer{Dropout{P: 0.25}}, nil, []float64{4, 8}, []float64{3, 6}},
		{"Dropout inverted eval", Vec(2), []Layer{Dropout{P: 0.25, Inverted: true}}, nil, []float64{4, 8}, []float64{4, 8}},
		{"BatchNorm eval", Vec(2), []Layer{BatchNorm{Affine: true, Eps: 1e-300}}, []float64{2, 3, 1, -1}, []float64{1, 2}, []float64{3, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := New[float64](tt.in, GaussianNLL{}, tt.layers...)
			if err != nil {
				t.Fatal(err)
			}
			n.SetTraining(false)
			y, err := n.Forward(tt.params, tt.x, 1)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				if math.Abs(y[i]-tt.want[i]) > 1e-15 {
					t.Fatalf("y = %v, want %v", y, tt.want)
				}
			}
		})
	}
}

// TestBatchNormTraining checks batch statistics, the running averages and
// Buffers: outputs have mean 0 and variance 1 per channel, the running mean
// moves by Momentum towards the batch mean and the running variance towards
// the unbiased batch variance.
func TestBatchNormTraining(t *testing.T) {
	n, err := New[float64](Shape{C: 2, H: 2, W: 1}, GaussianNLL{}, BatchNorm{Momentum: 0.25, Eps: 1e-300})
	if err != nil {
		t.Fatal(err)
	}
	// Two examples of 2 channels × 2 pixels: channel 0 holds 1, 2, 3, 6;
	// channel 1 holds 0, 0, 4, 4.
	x := []float64{1, 2, 0, 0, 3, 6, 4, 4}
	y, err := n.Forward(nil, x, 2)
	if err != nil {
		t.Fatal(err)
	}
	for c, want := range [][2]float64{{3, 14.0 / 3}, {2, 16.0 / 3}} { // mean, unbiased variance
		var m, v float64
		for b := range 2 {
			for i := range 2 {
				m += y[b*4+c*2+i] / 4
				v += y[b*4+c*2+i] * y[b*4+c*2+i] / 4
			}
		}
		if math.Abs(m) > 1e-15 || math.Abs(v-1) > 1e-14 {
			t.Errorf("channel %d: output mean %g, variance %g; want 0, 1", c, m, v)
		}
		bufs := n.Buffers()
		if rm, rv := bufs[c], bufs[2+c]; math.Abs(rm-0.25*want[0]) > 1e-15 || math.Abs(rv-(0.75+0.25*want[1])) > 1e-15 {
			t.Errorf("channel %d: running mean, variance = %g, %g; want %g, %g", c, rm, rv, 0.25*want[0], 0.75+0.25*want[1])
		}
	}
}

// TestDropoutMasks checks drawn masks: the kept fraction is 1−P within 5
// standard errors, kept units are scaled by 1/(1−P) when inverted, and a
// fixed mask is applied as given.
func TestDropoutMasks(t *testing.T) {
	for _, inverted := range []bool{false, true} {
		p := 0.3
		n, err := New[float32](Vec(1000), GaussianNLL{}, Dropout{P: p, Inverted: inverted})
		if err != nil {
			t.Fatal(err)
		}
		n.SetRand(rand.New(rand.NewPCG(1, 2)))
		batch := 20
		x := make([]float32, batch*1000)
		for i := range x {
			x[i] = 1
		}
		y, err := n.Forward(nil, x, batch)
		if err != nil {
			t.Fatal(err)
		}
		keep := float32(1)
		if inverted {
			keep = float32(1 / (1 - p))
		}
		kept := 0
		for _, v := range y {
			switch v {
			case 0:
			case keep:
				kept++
			default:
				t.Fatalf("inverted=%v: output %v is neither 0 nor %v", inverted, v, keep)
			}
		}
		frac, se := float64(kept)/float64(len(y)), math.Sqrt(p*(1-p)/float64(len(y)))
		if math.Abs(frac-(1-p)) > 5*se {
			t.Errorf("inverted=%v: kept fraction %.4f, want %.4f ± %.4f", inverted, frac, 1-p, 5*se)
		}
	}
	n, _ := New[float64](Vec(3), GaussianNLL{}, Dropout{P: 0.5})
	if err := n.SetDropoutMask(0, []float64{1, 0, 1}); err != nil {
		t.Fatal(err)
	}
	y, err := n.Forward(nil, []float64{2, 3, 4}, 1)
	if err != nil || y[0] != 2 || y[1] != 0 || y[2] != 4 {
		t.Errorf("fixed mask: y = %v, %v; want [2 0 4]", y, err)
	}
}

// TestModels checks the model constructors' sizes.
func TestModels(t *testing.T) {
	lenet, err := LeNet5[float32]()
	if err != nil {
		t.Fatal(err)
	}
	// conv1 6·25+6, conv2 16·150+16, dense 400·120+120, 120·84+84, 84·10+10.
	if got, want := lenet.NumParams(), 156+2416+48120+10164+850; got != want {
		t.Errorf("LeNet5 has %d parameters, want %d", got, want)
	}
	if got := lenet.OutShape(); got != Vec(10) {
		t.Errorf("LeNet5 output %v, want 10×1×1", got)
	}
	mlp, err := MLP[float64](784, []int{500, 300}, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mlp.NumParams(), 784*500+500+500*300+300+300*10+10; got != want {
		t.Errorf("MLP has %d parameters, want %d", got, want)
	}
	var total int
	for _, b := range mlp.Layout() {
		if b.Offset != total {
			t.Errorf("block %+v starts at %d, want %d", b, b.Offset, total)
		}
		total += b.Len
	}
	if total != mlp.NumParams() {
		t.Errorf("Layout covers %d parameters, want %d", total, mlp.NumParams())
	}
}
