package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/internal/vec"
)

// Loss is the per-example loss ℓᵢ on a network's output:
// [SoftmaxCrossEntropy] or [GaussianNLL]. The set is closed.
type Loss interface {
	check(out Shape) error
	kind() string
}

// SoftmaxCrossEntropy treats the K outputs as logits z of a categorical
// distribution: ℓᵢ = log Σ_c exp(z_c) − z_{yᵢ}, with integer labels in
// [Batch].Labels. Its Hessian in z is diag(p) − ppᵀ, p = softmax(z).
type SoftmaxCrossEntropy struct{}

// GaussianNLL treats the K outputs as the mean of a Gaussian with fixed
// precision τ on every output: ℓᵢ = Σ_k [τ(y_k − z_k)²/2 − ½log(τ/2π)], with
// targets in [Batch].Y. Its Hessian in z is τI.
type GaussianNLL struct {
	Precision float64 // τ > 0; 0 means 1
}

func (SoftmaxCrossEntropy) kind() string { return "SoftmaxCrossEntropy" }
func (GaussianNLL) kind() string         { return "GaussianNLL" }

func (SoftmaxCrossEntropy) check(out Shape) error {
	if out.Size() < 2 {
		return &ConfigError{Field: "output size", Value: out.Size(), Reason: "SoftmaxCrossEntropy needs at least 2 classes"}
	}
	return nil
}

func (l GaussianNLL) precision() float64 {
	if l.Precision == 0 {
		return 1
	}
	return l.Precision
}

func (l GaussianNLL) check(Shape) error {
	if !(l.Precision >= 0) || math.IsInf(l.Precision, 1) {
		return &ConfigError{Field: "GaussianNLL.Precision", Value: l.Precision, Reason: "must be finite and > 0 (0 means 1)"}
	}
	return nil
}

// Batch is a minibatch: inputs and, depending on the loss, labels or
// targets. The number of examples is len(X)/InSize.
type Batch[F Float] struct {
	X      []F   // inputs, N×InSize, row-major
	Labels []int // SoftmaxCrossEntropy: the class of each example, in [0, K)
	Y      []F   // GaussianNLL: the targets, N×K
}

// head is the implementation of a loss for element type F. All its outputs
// are per example and unscaled: dy row i is ∂ℓᵢ/∂zᵢ.
type head[F Float] interface {
	checkTargets(b Batch[F], batch int) error
	reserve(batch int)
	// value returns Σᵢℓᵢ and writes dy = ∂ℓᵢ/∂zᵢ.
	value(dy, z []F, b Batch[F], batch int) float64
	// sample writes dy for labels drawn from the predictive distribution at
	// the z of the last value call.
	sample(dy []F, batch int, rnd *rand.Rand)
	// passes is the number of backward passes of the exact GGN.
	passes() int
	// ggnSeed writes dy for pass c: rows aᵢ with Σ_c aᵢaᵢᵀ = Hᵢ.
	ggnSeed(dy []F, batch, c int)
}

func newHead[F Float](l Loss, k int) head[F] {
	switch l := l.(type) {
	case SoftmaxCrossEntropy:
		return &softmaxCE[F]{k: k}
	case GaussianNLL:
		return &gaussNLL[F]{k: k, tau: l.precision()}
	}
	panic(fmt.Sprintf("nn: unknown loss %T", l)) // unreachable: the set is closed
}

type softmaxCE[F Float] struct {
	k    int
	prob []F // softmax of the last value call
}

func (h *softmaxCE[F]) reserve(batch int) { h.prob = grow(h.prob, batch*h.k) }

func (h *softmaxCE[F]) checkTargets(b Batch[F], batch int) error {
	if len(b.Labels) != batch {
		return &InputError{Field: "len(Labels)", Value: len(b.Labels), Reason: fmt.Sprintf("want %d (one per example)", batch)}
	}
	for i, y := range b.Labels {
		if y < 0 || y >= h.k {
			return &InputError{Field: fmt.Sprintf("Labels[%d]", i), Value: y, Reason: fmt.Sprintf("must be in [0, %d)", h.k)}
		}
	}
	return nil
}

func (h *softmaxCE[F]) value(dy, z []F, b Batch[F], batch int) float64 {
	var total float64
	for i := range batch {
		row := z[i*h.k : (i+1)*h.k]
		p := h.prob[i*h.k : (i+1)*h.k]
		d := dy[i*h.k : (i+1)*h.k]
		m := float64(row[0])
		for _, v := range row {
			m = max(m, float64(v))
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - m)
		}
		lse := m + math.Log(s)
		for c, v := range row {
			p[c] = normalOrZero[F](math.Exp(float64(v) - lse))
			d[c] = p[c]
		}
		y := b.Labels[i]
		d[y]--
		total += lse - float64(row[y])
	}
	return total
}

func (h *softmaxCE[F]) sample(dy []F, batch int, rnd *rand.Rand) {
	for i := range batch {
		p := h.prob[i*h.k : (i+1)*h.k]
		d := dy[i*h.k : (i+1)*h.k]
		u := rnd.Float64()
		y := -1
		var cum float64
		for c, v := range p {
			cum += float64(v)
			if u < cum {
				y = c
				break
			}
		}
		if y < 0 {
			// u is above Σp < 1 by rounding: the last class with p > 0 (a
			// class whose p was flushed to 0 is never drawn).
			y = h.k - 1
			for y > 0 && p[y] == 0 {
				y--
			}
		}
		copy(d, p)
		d[y]--
	}
}

func (h *softmaxCE[F]) passes() int { return h.k }

// ggnSeed writes aᵢ = √p_c (e_c − p) for example i: Σ_c aᵢaᵢᵀ = diag(p) − ppᵀ.
func (h *softmaxCE[F]) ggnSeed(dy []F, batch, c int) {
	for i := range batch {
		p := h.prob[i*h.k : (i+1)*h.k]
		d := dy[i*h.k : (i+1)*h.k]
		s := F(math.Sqrt(float64(p[c])))
		for j, v := range p {
			d[j] = -s * v
		}
		d[c] += s
	}
}

type gaussNLL[F Float] struct {
	k   int
	tau float64
}

func (h *gaussNLL[F]) reserve(int) {}

func (h *gaussNLL[F]) checkTargets(b Batch[F], batch int) error {
	if len(b.Y) != batch*h.k {
		return &InputError{Field: "len(Y)", Value: len(b.Y), Reason: fmt.Sprintf("want %d (%d examples × %d outputs)", batch*h.k, batch, h.k)}
	}
	return nil
}

func (h *gaussNLL[F]) value(dy, z []F, b Batch[F], batch int) float64 {
	var total float64
	tau := F(h.tau)
	for i, v := range z[:batch*h.k] {
		r := float64(v) - float64(b.Y[i])
		total += 0.5 * h.tau * r * r
		dy[i] = tau * (v - b.Y[i])
	}
	return total - 0.5*float64(batch*h.k)*math.Log(h.tau/(2*math.Pi))
}

// sample writes τ(z − ỹ) = √τ·ε for ỹ ~ N(z, 1/τ), up to a sign that the
// squares do not see.
func (h *gaussNLL[F]) sample(dy []F, batch int, rnd *rand.Rand) {
	s := math.Sqrt(h.tau)
	for i := range dy[:batch*h.k] {
		dy[i] = F(s * rnd.NormFloat64())
	}
}

func (h *gaussNLL[F]) passes() int { return h.k }

// ggnSeed writes √τ·e_c for every example: Σ_c aaᵀ = τI.
func (h *gaussNLL[F]) ggnSeed(dy []F, batch, c int) {
	d := dy[:batch*h.k]
	clear(d)
	s := F(math.Sqrt(h.tau))
	for i := range batch {
		d[i*h.k+c] = s
	}
}

// normalOrZero converts a probability to F, as zero where it is below
// vec.Tiny (2⁻¹⁰⁰ ≈ 7.9e-31 in float32), the engine's flush threshold. A
// confident network's wrong classes reach such probabilities late in
// training, and their products with the weights in the backward pass would
// be subnormal, which is slow on x86; as gradients they are zero for any
// purpose.
func normalOrZero[F Float](v float64) F {
	if v < vec.Tiny[F]() {
		return 0
	}
	return F(v)
}
