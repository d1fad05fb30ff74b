// Package nn is a small neural-network engine with hand-written
// backpropagation, built for the Bayesian learning rule: it gives the loss,
// its gradient and the curvature estimates that OGN, VOGN, RMSprop, Adam and
// IVON need, at any parameter vector the caller passes (a mean m or a
// sampled θ).
//
// # Networks and parameters
//
// A [Network] is a sequence of layers ([Dense], [Conv2D], [MaxPool], [ReLU],
// [Tanh], [Flatten], [Dropout], [BatchNorm]) followed by a loss
// ([SoftmaxCrossEntropy] or [GaussianNLL]), built by [New] or by the model
// constructors [MLP] and [LeNet5]. It is generic over the element type:
// float32 for speed, float64 for exactness and gradient checks. Its
// parameters live in one flat vector that the caller owns and passes to every
// call; [Network.Layout] says which part belongs to which layer. A network
// holds only scratch space and the running statistics of its batch-norm
// layers, so one network serves any number of parameter vectors, but it is
// not safe for concurrent use.
//
// Data are row-major: a batch of N inputs is an N×InSize slice, and an image
// is stored channel by channel (C×H×W). Convolutions of stride 1 read the
// unrolled input (im2col) in place from a zero-padded copy of each example,
// with AVX2 kernels on amd64 (convdirect.go); other strides unroll it. A ReLU
// followed by max pooling is applied by the pooling layer (max is monotone),
// with the same bits.
//
// # Losses and scale
//
// [Network.Loss] returns the minibatch mean (1/M)Σᵢℓᵢ and its gradient.
// The curvature entry points return minibatch means of per-example
// quantities, on the same scale:
//
//   - [Network.EmpiricalFisherDiag]: (1/M)Σᵢ gᵢ⊙gᵢ with gᵢ = ∇ℓᵢ at the data's
//     labels (the "per-example squared gradients" of OGN and VOGN as
//     published; a biased estimate of the Gauss-Newton diagonal, Kunstner et
//     al. 2019, arXiv:1905.12558).
//   - [Network.MCFisherDiag]: the same with labels drawn from the model's
//     predictive distribution, one draw per example: an unbiased estimate of
//     the Gauss-Newton diagonal.
//   - [Network.GGNDiag]: the exact Gauss-Newton diagonal (1/M)Σᵢ
//     diag(JᵢᵀHᵢJᵢ), where Jᵢ is the Jacobian of example i's output and Hᵢ
//     the Hessian of its loss in the output; it costs one backward pass per
//     output (K passes for K classes).
//   - The squared minibatch gradient ĝ⊙ĝ of RMSprop, Adam and Vadam needs no
//     entry point: square the gradient that Loss writes.
//
// For dense layers the per-example squares come from one extra product,
// Σᵢ(δᵢxᵢᵀ)⊙(δᵢxᵢᵀ) = (δ⊙δ)ᵀ(x⊙x); convolutions form each example's
// gradient from its unrolled input and square it.
//
// # Batch normalisation and dropout
//
// In training mode ([Network.SetTraining]) batch-norm layers normalise with
// the statistics of the minibatch and update their running averages; in
// evaluation mode they use the running averages. Under batch statistics an
// example's output depends on the other examples, so per-example gradients
// are not defined. The curvature entry points then use the per-example
// gradients of the network with the batch statistics held fixed at their
// current values (a stop-gradient through the mean and variance): each
// example's term depends on that example alone, and the estimates are those
// of evaluation mode with the running averages replaced by the batch
// statistics. The gradient they write alongside, and the one [Network.Loss]
// writes, is the exact gradient through the batch statistics.
//
// Dropout layers draw a fresh Bernoulli mask per example and per unit on
// every training-mode forward pass, from the generator given to
// [Network.SetRand], unless [Network.SetDropoutMask] fixed the mask. Masks
// are per example, so every curvature estimate stays per example.
//
// # Speed and determinism
//
// Products go through package internal/gemm (pure Go with assembly
// micro-kernels by default, OpenBLAS with -tags openblas).
//
// With the Go products, a Dense layer whose batch of inputs is mostly zeros
// (at most 35% nonzeros, measured on every batch) multiplies over the
// nonzeros only: the forward pass adds, for each example, the rows of Wᵀ
// of its nonzero inputs, and the weight gradient adds, for each input, the
// output gradients of the examples where it is nonzero; the input gradient
// stays a dense product. MNIST's pixels are about 81% zeros (a batch of 128
// has about 19% nonzeros), so the first layer of an MLP does about a fifth
// of the multiply-adds, and the forward and backward pass of the MLP
// 784-500-300-10 take about 15% less time (measured 3.6 against 4.2 ms per
// batch of 128 on two shared cores). Fashion-MNIST's pixels (about 50%
// zeros) stay above the threshold; hidden layers after a ReLU take the
// sparse path whenever their batch is sparse enough (in an IVON run on
// Fashion-MNIST most batches of the MLP's two hidden layers do; in an Adam
// run on MNIST none does). With OpenBLAS the dense products are faster and
// the sparse path is off. The choice depends on the batch alone, so it is
// deterministic; results differ from the dense products' in the last bits
// (and the AVX2 products, which fuse multiply and add, from the plain Go
// loops of other machines). Work is split
// between two goroutines by fixed rules that depend on the shapes only, and
// every reduction runs in a fixed order, so results are bit-identical for
// any GOMAXPROCS (with OpenBLAS, for a fixed OPENBLAS_NUM_THREADS only).
// After the first call at a given batch size a training step allocates
// nothing.
package nn
