package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Layer describes one stage of a [Network]: [Dense], [Conv2D], [MaxPool],
// [ReLU], [Tanh], [Flatten], [Dropout] or [BatchNorm]. The set is closed.
type Layer interface {
	// outShape checks the layer against its input shape and returns its
	// output shape; field is the layer's name in errors ("layers[2]").
	outShape(in Shape, field string) (Shape, error)
	kind() string
}

// Dense is a fully connected layer y = Wx + b with W of size Out×In (In is
// the size of the input, which is flattened) and b of size Out. Its
// parameters are W, row by row, then b.
type Dense struct {
	Out int // number of outputs, ≥ 1
}

// Conv2D is a 2-D convolution (cross-correlation) with Out filters of
// Size×Size over all input channels, stride Stride and Pad zeros on every
// side. Its parameters are W (Out × In.C·Size·Size, each filter stored
// channel by channel, row by row) then the Out biases.
type Conv2D struct {
	Out    int // output channels, ≥ 1
	Size   int // kernel height and width, ≥ 1
	Stride int // 0 means 1
	Pad    int // zero padding on each side, ≥ 0
}

// MaxPool takes the maximum over Size×Size windows moved by Stride, channel
// by channel, without padding. The gradient goes to the first maximal entry
// of each window.
type MaxPool struct {
	Size   int // window height and width, ≥ 1
	Stride int // 0 means Size
}

// ReLU is max(x, 0) elementwise; its derivative at 0 is taken as 0.
type ReLU struct{}

// Tanh is tanh(x) elementwise.
type Tanh struct{}

// Flatten turns C×H×W examples into vectors of C·H·W features; the values do
// not move.
type Flatten struct{}

// Dropout multiplies each unit of each example by an independent mask
// z ~ Bernoulli(1−P) in training mode. Plain dropout (Inverted false)
// multiplies by z in training and by 1−P in evaluation, the form in which
// dropout-SGD is an instance of the Bayesian learning rule; inverted dropout
// multiplies by z/(1−P) in training and leaves evaluation unchanged.
type Dropout struct {
	P        float64 // drop probability, in [0, 1)
	Inverted bool
}

// BatchNorm normalises each channel over the batch (and over H×W for
// images): x̂ = (x−μ)/√(σ²+Eps), then y = γx̂ + β when Affine (parameters γ,
// then β, one per channel), else y = x̂. Training mode uses the minibatch's
// mean and biased variance and updates running averages with weight Momentum
// on the new value (the running variance uses the unbiased variance);
// evaluation mode uses the running averages. See the package documentation
// for what the curvature estimates do under batch statistics.
type BatchNorm struct {
	Affine   bool
	Momentum float64 // weight of the new batch in the running averages; 0 means 0.1
	Eps      float64 // added to the variance; 0 means 1e-5
}

func (Dense) kind() string     { return "Dense" }
func (Conv2D) kind() string    { return "Conv2D" }
func (MaxPool) kind() string   { return "MaxPool" }
func (ReLU) kind() string      { return "ReLU" }
func (Tanh) kind() string      { return "Tanh" }
func (Flatten) kind() string   { return "Flatten" }
func (Dropout) kind() string   { return "Dropout" }
func (BatchNorm) kind() string { return "BatchNorm" }

func (l Dense) outShape(in Shape, field string) (Shape, error) {
	if l.Out < 1 {
		return Shape{}, &ConfigError{Field: field + ".Out", Value: l.Out, Reason: "must be ≥ 1"}
	}
	return Vec(l.Out), nil
}

func (l Conv2D) stride() int { return max(l.Stride, 1) }

func (l Conv2D) outShape(in Shape, field string) (Shape, error) {
	switch {
	case l.Out < 1:
		return Shape{}, &ConfigError{Field: field + ".Out", Value: l.Out, Reason: "must be ≥ 1"}
	case l.Size < 1:
		return Shape{}, &ConfigError{Field: field + ".Size", Value: l.Size, Reason: "must be ≥ 1"}
	case l.Stride < 0:
		return Shape{}, &ConfigError{Field: field + ".Stride", Value: l.Stride, Reason: "must be ≥ 0 (0 means 1)"}
	case l.Pad < 0:
		return Shape{}, &ConfigError{Field: field + ".Pad", Value: l.Pad, Reason: "must be ≥ 0"}
	}
	h := (in.H+2*l.Pad-l.Size)/l.stride() + 1
	w := (in.W+2*l.Pad-l.Size)/l.stride() + 1
	if in.H+2*l.Pad < l.Size || in.W+2*l.Pad < l.Size {
		return Shape{}, &ConfigError{Field: field + ".Size", Value: l.Size, Reason: fmt.Sprintf("larger than the padded input %v", in)}
	}
	return Shape{C: l.Out, H: h, W: w}, nil
}

func (l MaxPool) stride() int {
	if l.Stride == 0 {
		return l.Size
	}
	return l.Stride
}

func (l MaxPool) outShape(in Shape, field string) (Shape, error) {
	switch {
	case l.Size < 1:
		return Shape{}, &ConfigError{Field: field + ".Size", Value: l.Size, Reason: "must be ≥ 1"}
	case l.Stride < 0:
		return Shape{}, &ConfigError{Field: field + ".Stride", Value: l.Stride, Reason: "must be ≥ 0 (0 means Size)"}
	case l.Size > in.H || l.Size > in.W:
		return Shape{}, &ConfigError{Field: field + ".Size", Value: l.Size, Reason: fmt.Sprintf("larger than the input %v", in)}
	}
	return Shape{C: in.C, H: (in.H-l.Size)/l.stride() + 1, W: (in.W-l.Size)/l.stride() + 1}, nil
}

func (ReLU) outShape(in Shape, _ string) (Shape, error)    { return in, nil }
func (Tanh) outShape(in Shape, _ string) (Shape, error)    { return in, nil }
func (Flatten) outShape(in Shape, _ string) (Shape, error) { return Vec(in.Size()), nil }

func (l Dropout) outShape(in Shape, field string) (Shape, error) {
	if !(l.P >= 0 && l.P < 1) {
		return Shape{}, &ConfigError{Field: field + ".P", Value: l.P, Reason: "must be in [0, 1)"}
	}
	return in, nil
}

func (l BatchNorm) momentum() float64 {
	if l.Momentum == 0 {
		return 0.1
	}
	return l.Momentum
}

func (l BatchNorm) eps() float64 {
	if l.Eps == 0 {
		return 1e-5
	}
	return l.Eps
}

func (l BatchNorm) outShape(in Shape, field string) (Shape, error) {
	if !(l.Momentum >= 0 && l.Momentum <= 1) {
		return Shape{}, &ConfigError{Field: field + ".Momentum", Value: l.Momentum, Reason: "must be in [0, 1] (0 means 0.1)"}
	}
	if !(l.Eps >= 0) || math.IsInf(l.Eps, 1) {
		return Shape{}, &ConfigError{Field: field + ".Eps", Value: l.Eps, Reason: "must be finite and ≥ 0 (0 means 1e-5)"}
	}
	return in, nil
}

// block is a named run of parameters inside a layer.
type block struct {
	name string
	n    int
}

// pass says what a backward pass through one layer must produce.
type pass[F Float] struct {
	grad   []F  // the layer's part of the gradient, overwritten; nil: not wanted
	sq     []F  // the layer's part of Σ scale·gᵢ⊙gᵢ, added to; nil: not wanted
	scale  F    // weight of each example's term, 1/M
	needDx bool // whether the gradient with respect to the input is needed
	frozen bool // hold batch statistics fixed (per-example passes)
}

// layer is the implementation of one stage for element type F.
type layer[F Float] interface {
	blocks() []block
	// reserve sizes scratch space for batches of up to batch examples.
	reserve(batch int)
	// forward returns the output for the batch x under parameters p; it may
	// keep x until the next forward.
	forward(p, x []F, batch int, train bool) []F
	// backward takes the gradient of the per-example losses with respect to
	// the output (unscaled) and returns the one with respect to the input
	// when ps.needDx.
	backward(p, dy []F, batch int, ps pass[F]) []F
	// initParams sets the layer's parameters to their initial values.
	initParams(p []F, rnd *rand.Rand)
}

// build makes the implementation of spec for input shape in.
func build[F Float](spec Layer, in, out Shape) layer[F] {
	switch l := spec.(type) {
	case Dense:
		return &dense[F]{in: in.Size(), out: l.Out, run: newRunner()}
	case Conv2D:
		return newConv[F](l, in, out)
	case MaxPool:
		return &maxPool[F]{in: in, outS: out, size: l.Size, stride: l.stride(), run: newRunner()}
	case ReLU:
		return &relu[F]{n: in.Size(), run: newRunner()}
	case Tanh:
		return &tanh[F]{n: in.Size()}
	case Flatten:
		return flatten[F]{}
	case Dropout:
		return &dropout[F]{n: in.Size(), p: l.P, inverted: l.Inverted}
	case BatchNorm:
		return &batchNorm[F]{c: in.C, hw: in.H * in.W, affine: l.Affine, mom: l.momentum(), eps: l.eps()}
	}
	panic(fmt.Sprintf("nn: unknown layer %T", spec)) // unreachable: the set is closed
}
