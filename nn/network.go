package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Network is a sequential model: layers, then a loss. It owns scratch space
// and the running statistics of its batch-norm layers; the parameters are a
// flat vector owned by the caller and passed to every call (see
// [Network.Layout] for their order). A Network is not safe for concurrent
// use; slices it returns stay valid until its next call.
type Network[F Float] struct {
	in, out    Shape
	specs      []Layer
	layers     []layer[F]
	offs       []int // layer i's parameters are params[offs[i]:offs[i+1]]
	firstParam int   // index of the first layer with parameters
	loss       Loss
	head       head[F]
	train      bool
	rnd        *rand.Rand
	bufs       []F
	hasBN      bool
	batchCap   int
	dy         []F
}

// New builds a network for examples of shape in. It returns a *ConfigError
// naming the first invalid layer field, or an invalid loss.
func New[F Float](in Shape, loss Loss, layers ...Layer) (*Network[F], error) {
	if !in.valid() {
		return nil, &ConfigError{Field: "in", Value: in, Reason: "every dimension must be ≥ 1"}
	}
	if loss == nil {
		return nil, &ConfigError{Field: "loss", Value: nil, Reason: "a loss is required"}
	}
	if len(layers) == 0 {
		return nil, &ConfigError{Field: "layers", Value: 0, Reason: "at least one layer is required"}
	}
	n := &Network[F]{in: in, specs: append([]Layer(nil), layers...), loss: loss, train: true, firstParam: len(layers)}
	shape := in
	n.offs = append(n.offs, 0)
	var nbuf int
	for i, spec := range layers {
		if spec == nil {
			return nil, &ConfigError{Field: fmt.Sprintf("layers[%d]", i), Value: nil, Reason: "nil layer"}
		}
		out, err := spec.outShape(shape, fmt.Sprintf("layers[%d]", i))
		if err != nil {
			return nil, err
		}
		l := build[F](spec, shape, out)
		np := 0
		for _, b := range l.blocks() {
			np += b.n
		}
		if np > 0 && n.firstParam == len(layers) {
			n.firstParam = i
		}
		if bn, ok := l.(*batchNorm[F]); ok {
			nbuf += 2 * bn.c
			n.hasBN = true
		}
		n.layers = append(n.layers, l)
		n.offs = append(n.offs, n.offs[i]+np)
		shape = out
	}
	if err := loss.check(shape); err != nil {
		return nil, err
	}
	fuseReLUPool(n.layers)
	chainPool(n.layers)
	n.out = shape
	n.head = newHead[F](loss, shape.Size())
	n.bufs = make([]F, nbuf)
	off := 0
	for _, l := range n.layers {
		switch l := l.(type) {
		case *batchNorm[F]:
			l.rmean, l.rvar = n.bufs[off:off+l.c], n.bufs[off+l.c:off+2*l.c]
			for c := range l.c {
				l.rvar[c] = 1
			}
			off += 2 * l.c
		case *dropout[F]:
			l.rnd = &n.rnd
		}
	}
	return n, nil
}

// NumParams is the length of the parameter vector.
func (n *Network[F]) NumParams() int { return n.offs[len(n.offs)-1] }

// InShape is the shape of one input example.
func (n *Network[F]) InShape() Shape { return n.in }

// OutShape is the shape of one output (K logits or K means).
func (n *Network[F]) OutShape() Shape { return n.out }

// Layers returns the layers the network was built from.
func (n *Network[F]) Layers() []Layer { return append([]Layer(nil), n.specs...) }

// Block is a named run of the parameter vector.
type Block struct {
	Layer  int    // index of the layer in the network
	Name   string // the layer kind and the parameter, e.g. "Dense.W", "BatchNorm.gamma"
	Offset int
	Len    int
}

// Layout lists the parameter blocks in the order of the parameter vector:
// for each layer with parameters, its weights then its biases (γ then β for
// batch norm).
func (n *Network[F]) Layout() []Block {
	var out []Block
	for i, l := range n.layers {
		off := n.offs[i]
		for _, b := range l.blocks() {
			out = append(out, Block{Layer: i, Name: n.specs[i].kind() + "." + b.name, Offset: off, Len: b.n})
			off += b.n
		}
	}
	return out
}

// Init writes initial parameters: dense and convolution weights from
// U(−√(6/fan_in), √(6/fan_in)) (He et al., "Delving deep into rectifiers",
// ICCV 2015, uniform form), biases 0, batch-norm γ = 1 and β = 0.
func (n *Network[F]) Init(params []F, rnd *rand.Rand) error {
	if len(params) != n.NumParams() {
		return &InputError{Field: "len(params)", Value: len(params), Reason: fmt.Sprintf("want NumParams() = %d", n.NumParams())}
	}
	if rnd == nil {
		return &InputError{Field: "rnd", Value: nil, Reason: "a generator is required"}
	}
	for i, l := range n.layers {
		l.initParams(params[n.offs[i]:n.offs[i+1]], rnd)
	}
	return nil
}

// SetTraining switches between training mode (the default: batch statistics
// in batch norm, masks in dropout) and evaluation mode.
func (n *Network[F]) SetTraining(on bool) { n.train = on }

// Training reports whether the network is in training mode.
func (n *Network[F]) Training() bool { return n.train }

// SetRand sets the generator from which dropout layers draw their masks in
// training mode. Networks with dropout need one unless every dropout layer
// has a fixed mask.
func (n *Network[F]) SetRand(rnd *rand.Rand) { n.rnd = rnd }

// SetDropoutMask fixes the keep mask of the dropout layer at index layer for
// the following training-mode calls: mask holds 0 (dropped) or 1 (kept) for
// every unit of every example, N×(the layer's input size), and the batch of
// every call must have N examples. A nil mask goes back to drawing masks.
func (n *Network[F]) SetDropoutMask(layer int, mask []F) error {
	if layer < 0 || layer >= len(n.layers) {
		return &InputError{Field: "layer", Value: layer, Reason: fmt.Sprintf("must be in [0, %d)", len(n.layers))}
	}
	d, ok := n.layers[layer].(*dropout[F])
	if !ok {
		return &InputError{Field: "layer", Value: layer, Reason: fmt.Sprintf("is a %s, not a Dropout", n.specs[layer].kind())}
	}
	if mask == nil {
		d.fixed = nil
		return nil
	}
	if len(mask) == 0 || len(mask)%d.n != 0 {
		return &InputError{Field: "len(mask)", Value: len(mask), Reason: fmt.Sprintf("must be a positive multiple of the layer size %d", d.n)}
	}
	for i, v := range mask {
		if v != 0 && v != 1 {
			return &InputError{Field: fmt.Sprintf("mask[%d]", i), Value: v, Reason: "must be 0 or 1"}
		}
	}
	d.fixed = append(d.fixed[:0], mask...)
	return nil
}

// Buffers returns the network's state that is not a parameter: for each
// batch-norm layer in order, its running means then its running variances.
// The slice is the network's own: copy it to save the state, copy into it to
// restore.
func (n *Network[F]) Buffers() []F { return n.bufs }

// CheckBuffers reports whether b can be the network's Buffers: as long, its
// running means finite and its running variances finite and ≥ 0. A saved
// state read from a file is checked with it before it is copied in.
func (n *Network[F]) CheckBuffers(b []F) error {
	if len(b) != len(n.bufs) {
		return fmt.Errorf("nn: %d batch-norm statistics, the network has %d", len(b), len(n.bufs))
	}
	off := 0
	for i, l := range n.layers {
		bn, ok := l.(*batchNorm[F])
		if !ok {
			continue
		}
		for c := range 2 * bn.c {
			v := float64(b[off+c])
			switch {
			case c < bn.c && (math.IsNaN(v) || math.IsInf(v, 0)):
				return fmt.Errorf("nn: layer %d (batch norm): running mean of channel %d = %g, want finite", i, c, v)
			case c >= bn.c && !(v >= 0 && !math.IsInf(v, 0)):
				return fmt.Errorf("nn: layer %d (batch norm): running variance of channel %d = %g, want finite and ≥ 0", i, c-bn.c, v)
			}
		}
		off += 2 * bn.c
	}
	return nil
}

// Forward computes the outputs (N×K logits or means) for a batch of inputs x
// (batch×InSize) under params. In training mode it updates the batch-norm
// running averages and draws dropout masks.
func (n *Network[F]) Forward(params, x []F, batch int) ([]F, error) {
	if err := n.checkCall(params, x, batch); err != nil {
		return nil, err
	}
	return n.forward(params, x, batch), nil
}

// Loss returns the minibatch mean (1/M)Σᵢℓᵢ of the per-example losses at
// params and, when grad is not nil, writes its gradient into grad (length
// NumParams). The squared minibatch gradient of RMSprop, Adam and Vadam is
// grad⊙grad.
func (n *Network[F]) Loss(grad, params []F, b Batch[F]) (float64, error) {
	batch, err := n.checkBatch(grad, nil, params, b)
	if err != nil {
		return 0, err
	}
	z := n.forward(params, b.X, batch)
	total := n.head.value(n.dy, z, b, batch)
	if grad != nil {
		n.backward(params, grad, nil, batch, false)
	}
	return total / float64(batch), nil
}

// EmpiricalFisherDiag writes the empirical Fisher diagonal (1/M)Σᵢ gᵢ⊙gᵢ,
// gᵢ = ∇ℓᵢ(params) at the data's labels, into fisher and, when grad is not
// nil, the minibatch gradient into grad; it returns the minibatch mean loss.
// One forward and one backward pass (two under batch statistics).
func (n *Network[F]) EmpiricalFisherDiag(fisher, grad, params []F, b Batch[F]) (float64, error) {
	if fisher == nil {
		return 0, &InputError{Field: "fisher", Value: nil, Reason: "a destination of length NumParams is required"}
	}
	batch, err := n.checkBatch(grad, fisher, params, b)
	if err != nil {
		return 0, err
	}
	z := n.forward(params, b.X, batch)
	total := n.head.value(n.dy, z, b, batch)
	clear(fisher)
	if n.coupled() {
		if grad != nil {
			n.backward(params, grad, nil, batch, false)
		}
		n.backward(params, nil, fisher, batch, true)
	} else {
		n.backward(params, grad, fisher, batch, false)
	}
	return total / float64(batch), nil
}

// MCFisherDiag writes a Monte Carlo Fisher diagonal (1/M)Σᵢ g̃ᵢ⊙g̃ᵢ into
// fisher, where g̃ᵢ is the gradient of ℓᵢ at a label ỹᵢ drawn from the
// model's predictive distribution p(y|xᵢ, params) with rnd (one draw per
// example); its expectation is the Gauss-Newton diagonal of
// [Network.GGNDiag]. When grad is not nil it writes the minibatch gradient at
// the data's labels. It returns the minibatch mean loss.
func (n *Network[F]) MCFisherDiag(fisher, grad, params []F, b Batch[F], rnd *rand.Rand) (float64, error) {
	if rnd == nil {
		return 0, &InputError{Field: "rnd", Value: nil, Reason: "a generator is required"}
	}
	if fisher == nil {
		return 0, &InputError{Field: "fisher", Value: nil, Reason: "a destination of length NumParams is required"}
	}
	batch, err := n.checkBatch(grad, fisher, params, b)
	if err != nil {
		return 0, err
	}
	z := n.forward(params, b.X, batch)
	total := n.head.value(n.dy, z, b, batch)
	if grad != nil {
		n.backward(params, grad, nil, batch, false)
	}
	clear(fisher)
	n.head.sample(n.dy, batch, rnd)
	n.backward(params, nil, fisher, batch, true)
	return total / float64(batch), nil
}

// GGNDiag writes the exact diagonal of the generalised Gauss-Newton matrix
// (1/M)Σᵢ diag(JᵢᵀHᵢJᵢ) into ggn, where Jᵢ is the Jacobian of example i's
// output with respect to the parameters and Hᵢ the Hessian of ℓᵢ in that
// output. It costs K backward passes for K outputs: Hᵢ = Σ_c aᵢ_c aᵢ_cᵀ and
// each pass squares the per-example gradients seeded with aᵢ_c. When grad is
// not nil it also writes the minibatch gradient. It returns the minibatch
// mean loss.
func (n *Network[F]) GGNDiag(ggn, grad, params []F, b Batch[F]) (float64, error) {
	if ggn == nil {
		return 0, &InputError{Field: "ggn", Value: nil, Reason: "a destination of length NumParams is required"}
	}
	batch, err := n.checkBatch(grad, ggn, params, b)
	if err != nil {
		return 0, err
	}
	z := n.forward(params, b.X, batch)
	total := n.head.value(n.dy, z, b, batch)
	if grad != nil {
		n.backward(params, grad, nil, batch, false)
	}
	clear(ggn)
	for c := range n.head.passes() {
		n.head.ggnSeed(n.dy, batch, c)
		n.backward(params, nil, ggn, batch, true)
	}
	return total / float64(batch), nil
}

// coupled reports whether examples interact (batch norm under batch
// statistics), so that per-example passes need the statistics frozen.
func (n *Network[F]) coupled() bool { return n.train && n.hasBN }

// checkCall validates the arguments of a forward pass and sizes the scratch.
func (n *Network[F]) checkCall(params, x []F, batch int) error {
	if len(params) != n.NumParams() {
		return &InputError{Field: "len(params)", Value: len(params), Reason: fmt.Sprintf("want NumParams() = %d", n.NumParams())}
	}
	if batch < 1 {
		return &InputError{Field: "batch", Value: batch, Reason: "must be ≥ 1"}
	}
	if len(x) != batch*n.in.Size() {
		return &InputError{Field: "len(x)", Value: len(x), Reason: fmt.Sprintf("want batch·InSize = %d·%d", batch, n.in.Size())}
	}
	if n.train {
		for i, l := range n.layers {
			d, ok := l.(*dropout[F])
			if !ok {
				continue
			}
			switch {
			case d.fixed != nil && len(d.fixed) != batch*d.n:
				return &InputError{Field: fmt.Sprintf("dropout mask of layers[%d]", i), Value: len(d.fixed), Reason: fmt.Sprintf("has length %d, want %d for this batch", len(d.fixed), batch*d.n)}
			case d.fixed == nil && d.p > 0 && n.rnd == nil:
				return &InputError{Field: "SetRand", Value: nil, Reason: fmt.Sprintf("layers[%d] is a Dropout in training mode without a fixed mask: call SetRand", i)}
			}
		}
	}
	if batch > n.batchCap {
		for _, l := range n.layers {
			l.reserve(batch)
		}
		n.head.reserve(batch)
		n.dy = grow(n.dy, batch*n.out.Size())
		n.batchCap = batch
	}
	return nil
}

// checkBatch validates a minibatch and the output slices and returns its
// size.
func (n *Network[F]) checkBatch(grad, curv, params []F, b Batch[F]) (int, error) {
	in := n.in.Size()
	if len(b.X) == 0 || len(b.X)%in != 0 {
		return 0, &InputError{Field: "len(X)", Value: len(b.X), Reason: fmt.Sprintf("must be a positive multiple of InSize = %d", in)}
	}
	batch := len(b.X) / in
	if grad != nil && len(grad) != n.NumParams() {
		return 0, &InputError{Field: "len(grad)", Value: len(grad), Reason: fmt.Sprintf("want NumParams() = %d", n.NumParams())}
	}
	if curv != nil && len(curv) != n.NumParams() {
		return 0, &InputError{Field: "len(dst)", Value: len(curv), Reason: fmt.Sprintf("want NumParams() = %d", n.NumParams())}
	}
	if err := n.head.checkTargets(b, batch); err != nil {
		return 0, err
	}
	return batch, n.checkCall(params, b.X, batch)
}

func (n *Network[F]) forward(params, x []F, batch int) []F {
	h := x
	for i, l := range n.layers {
		h = l.forward(params[n.offs[i]:n.offs[i+1]], h, batch, n.train)
	}
	return h
}

// backward runs one backward pass from n.dy (per-example, unscaled) and
// writes the gradient of the mean loss into grad and adds the mean of the
// per-example squares into sq, when not nil.
func (n *Network[F]) backward(params, grad, sq []F, batch int, frozen bool) {
	d := n.dy[:batch*n.out.Size()]
	scale := 1 / F(batch)
	for i := len(n.layers) - 1; i >= n.firstParam; i-- {
		lo, hi := n.offs[i], n.offs[i+1]
		ps := pass[F]{scale: scale, needDx: i > n.firstParam, frozen: frozen}
		if grad != nil && hi > lo {
			ps.grad = grad[lo:hi]
		}
		if sq != nil && hi > lo {
			ps.sq = sq[lo:hi]
		}
		d = n.layers[i].backward(params[lo:hi], d, batch, ps)
	}
}
