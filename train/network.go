package train

import (
	"strings"

	"github.com/bayesrule/blr/nn"
)

// Batch-norm settings of --batchnorm: those of BayesBiNN's MLP (PyTorch's
// BatchNorm1d(eps=1e-4, momentum=0.15, affine=False)).
const (
	batchNormEps      = 1e-4
	batchNormMomentum = 0.15
)

// Layers returns the layers of the network a run of c trains (c must be
// valid). For "mlp", each hidden width h gives
//
//	[Dropout(p)] Dense(h) [BatchNorm] ReLU
//
// and the output Dense(10) [BatchNorm] follows, with a non-inverted
// Dropout(p) before it when there is a hidden layer: Dropout(p) comes before
// every dense layer but the first when c.Dropout > 0 (dropout acts on the
// hidden units, not on the pixels), and a batch norm without affine
// parameters after every dense layer when c.BatchNorm. Without either, the
// layers are nn.MLP's. "lenet" is nn.LeNet5Layers.
func Layers(c Config) ([]nn.Layer, error) {
	c.normalize()
	return layers(&c, c.Dropout)
}

// layers builds the layers of c (normalised) with dropout probability p.
func layers(c *Config, p float64) ([]nn.Layer, error) {
	switch c.Model {
	case "mlp":
		var ls []nn.Layer
		dense := func(width int, first bool) {
			if p > 0 && !first {
				ls = append(ls, nn.Dropout{P: p})
			}
			ls = append(ls, nn.Dense{Out: width})
			if c.BatchNorm {
				ls = append(ls, nn.BatchNorm{Eps: batchNormEps, Momentum: batchNormMomentum})
			}
		}
		for i, h := range c.Hidden {
			dense(h, i == 0)
			ls = append(ls, nn.ReLU{})
		}
		dense(Classes, len(c.Hidden) == 0)
		return ls, nil
	case "lenet":
		return nn.LeNet5Layers(), nil
	}
	return nil, &ConfigError{Field: "model", Value: c.Model, Reason: "unknown; want mlp or lenet"}
}

// NewNetwork builds the network a run of c trains (see Layers), with
// softmax cross-entropy over the 10 classes.
func NewNetwork(c Config) (*nn.Network[float32], error) {
	c.normalize()
	return build(&c, c.Dropout)
}

// build builds the network of c (normalised) with dropout probability p.
func build(c *Config, p float64) (*nn.Network[float32], error) {
	ls, err := layers(c, p)
	if err != nil {
		return nil, err
	}
	in := nn.Vec(ImageSize)
	if c.Model == "lenet" {
		in = nn.Shape{C: 1, H: 28, W: 28}
	}
	return nn.New[float32](in, nn.SoftmaxCrossEntropy{}, ls...)
}

// NewPredictionNetwork builds the network a posterior of c predicts with:
// the training network without its dropout layers (which have no
// parameters, so the parameter vector and the batch-norm buffers are laid
// out the same). MC dropout evaluates the sampled networks z ⊙ m on it.
func NewPredictionNetwork(c Config) (*nn.Network[float32], error) {
	c.normalize()
	return build(&c, 0)
}

// newNetwork builds the training network of c (already valid).
func newNetwork(c *Config) (*nn.Network[float32], error) { return NewNetwork(*c) }

// binaryMask marks the weights the binary optimizers binarise: those of the
// dense and convolution layers (blocks "….W"), not the biases, which keep
// their initial value (0) and are not trained.
func binaryMask(net *nn.Network[float32]) []bool {
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

// binaryIndex lists the entries of mask that are true.
func binaryIndex(mask []bool) []int {
	var idx []int
	for j, on := range mask {
		if on {
			idx = append(idx, j)
		}
	}
	return idx
}
