package nn

// MLP is a multilayer perceptron on vectors of in features: a Dense layer
// of each width in hidden, each followed by ReLU, then a Dense layer of out
// outputs and the loss (SoftmaxCrossEntropy when loss is nil).
func MLP[F Float](in int, hidden []int, out int, loss Loss) (*Network[F], error) {
	if in < 1 {
		return nil, &ConfigError{Field: "in", Value: in, Reason: "must be ≥ 1"}
	}
	if loss == nil {
		loss = SoftmaxCrossEntropy{}
	}
	var layers []Layer
	for _, h := range hidden {
		layers = append(layers, Dense{Out: h}, ReLU{})
	}
	layers = append(layers, Dense{Out: out})
	return New[F](Vec(in), loss, layers...)
}

// LeNet5Layers are the layers of LeNet-5 for 28×28×1 images (LeCun et al.,
// "Gradient-based learning applied to document recognition", Proc. IEEE
// 86(11), 1998, with ReLU and max pooling): conv 6@5×5 pad 2, ReLU, max-pool
// 2, conv 16@5×5, ReLU, max-pool 2, flatten, dense 120, ReLU, dense 84,
// ReLU, dense 10.
func LeNet5Layers() []Layer {
	return []Layer{
		Conv2D{Out: 6, Size: 5, Pad: 2}, ReLU{}, MaxPool{Size: 2},
		Conv2D{Out: 16, Size: 5}, ReLU{}, MaxPool{Size: 2},
		Flatten{},
		Dense{Out: 120}, ReLU{},
		Dense{Out: 84}, ReLU{},
		Dense{Out: 10},
	}
}

// LeNet5 is [LeNet5Layers] on 28×28×1 inputs with softmax cross-entropy over
// 10 classes; it has 61 706 parameters.
func LeNet5[F Float]() (*Network[F], error) {
	return New[F](Shape{C: 1, H: 28, W: 28}, SoftmaxCrossEntropy{}, LeNet5Layers()...)
}
