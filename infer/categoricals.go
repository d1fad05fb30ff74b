package infer

import (
	"fmt"
	"math"

	"github.com/bayesrule/blr/expfam"
)

// Categoricals is N independent categorical distributions over K classes,
// q(z) = ∏ᵢ q(zᵢ): the local factor of a mixture model or of a topic model,
// held as one family so that one step of the rule updates every row.
//
// Layout: row i has expfam.Categorical's layout, λᵢ ∈ ℝ^{K−1} the logits
// relative to the last class, λᵢₖ = log(πᵢₖ/πᵢ,K−1); λ is the concatenation
// of the N rows (length N(K−1)) and μ likewise holds πᵢ₀, …, πᵢ,K−2 for each
// row. The base measure is the counting measure (h ≡ 1), so EntropyGrad is
// −λ and the rule with ρ = 1 sets λ to minus the estimate: the exact
// conditionally conjugate update of every row at once. The domain is every
// entry finite. Methods are not safe for concurrent use.
type Categoricals struct {
	n, k int
	lam  []float64
}

// MaxCategoricalsEntries bounds N·K of NewCategoricals (and so of EM's
// responsibilities): λ and Probs hold N(K−1) and N·K numbers, 1 GiB each at
// the limit.
const MaxCategoricalsEntries = 1 << 27

// NewCategoricals returns N uniform categoricals over K ≥ 2 classes (N ≥ 1),
// with N·K ≤ MaxCategoricalsEntries.
func NewCategoricals(n, k int) (*Categoricals, error) {
	if n < 1 {
		return nil, inputErr("N", n, "want at least one row")
	}
	if k < 2 {
		return nil, inputErr("K", k, "want at least two classes")
	}
	if k > MaxCategoricalsEntries/n {
		return nil, inputErr("K", k, fmt.Sprintf("%d rows × %d classes is more than the limit of %d entries (MaxCategoricalsEntries)", n, k, MaxCategoricalsEntries))
	}
	return &Categoricals{n: n, k: k, lam: make([]float64, n*(k-1))}, nil
}

// Rows is N.
func (q *Categoricals) Rows() int { return q.n }

// Classes is K.
func (q *Categoricals) Classes() int { return q.k }

// Dim is N(K−1).
func (q *Categoricals) Dim() int { return len(q.lam) }

// Natural writes λ.
func (q *Categoricals) Natural(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	copy(dst, q.lam)
	return dst
}

// Expectation writes μ: for each row the probabilities of the first K−1
// classes.
func (q *Categoricals) Expectation(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	k1 := q.k - 1
	for i := range q.n {
		row := q.lam[i*k1 : (i+1)*k1]
		out := dst[i*k1 : (i+1)*k1]
		softmaxRef(out, row)
	}
	return dst
}

// Probs writes all K probabilities of every row, N×K row-major, into dst
// (allocated if nil).
func (q *Categoricals) Probs(dst []float64) []float64 {
	dst = alloc(dst, q.n*q.k)
	k1 := q.k - 1
	for i := range q.n {
		out := dst[i*q.k : (i+1)*q.k]
		out[k1] = softmaxRef(out[:k1], q.lam[i*k1:(i+1)*k1])
	}
	return dst
}

// softmaxRef writes the probabilities of the first K−1 classes for the
// logits lam relative to class K−1 (whose logit is 0) and returns the last
// class's probability.
func softmaxRef(out, lam []float64) float64 {
	mx := 0.0
	for _, l := range lam {
		if l > mx {
			mx = l
		}
	}
	last := math.Exp(-mx)
	s := last
	for j, l := range lam {
		e := math.Exp(l - mx)
		out[j] = e
		s += e
	}
	inv := 1 / s
	for j := range out {
		out[j] *= inv
	}
	return last * inv
}

// EntropyGrad writes ∇_μH(q) = −λ.
func (q *Categoricals) EntropyGrad(dst []float64) []float64 {
	dst = alloc(dst, len(q.lam))
	for i, l := range q.lam {
		dst[i] = -l
	}
	return dst
}

// SetNatural sets λ; a non-finite entry gives an error wrapping
// expfam.ErrDomain and leaves q unchanged.
func (q *Categoricals) SetNatural(lam []float64) error {
	if len(lam) != len(q.lam) {
		panic(expfam.ErrLength)
	}
	for i, v := range lam {
		if v-v != 0 { // NaN or ±Inf
			return &expfam.DomainError{Family: "Categoricals", Field: fmt.Sprintf("row %d logit %d", i/(q.k-1), i%(q.k-1)), Value: v, Reason: "not finite"}
		}
	}
	copy(q.lam, lam)
	return nil
}

// Entropy is Σᵢ H(q(zᵢ)), each H = A(λᵢ) − Σₖ πᵢₖλᵢₖ with
// A(λᵢ) = log(1 + Σₖ e^{λᵢₖ}) (no 0·log 0 for any finite λ).
func (q *Categoricals) Entropy() float64 {
	k1 := q.k - 1
	var h float64
	for i := range q.n {
		row := q.lam[i*k1 : (i+1)*k1]
		mx := 0.0
		for _, l := range row {
			if l > mx {
				mx = l
			}
		}
		s := math.Exp(-mx)
		for _, l := range row {
			s += math.Exp(l - mx)
		}
		a := mx + math.Log(s)
		var dot float64
		for _, l := range row {
			dot += math.Exp(l-mx) / s * l
		}
		h += a - dot
	}
	return h
}

// Clone returns an independent copy.
func (q *Categoricals) Clone() expfam.Family {
	return &Categoricals{n: q.n, k: q.k, lam: append([]float64(nil), q.lam...)}
}

// alloc returns dst (its length checked) or a new slice of length n.
func alloc(dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(expfam.ErrLength)
	}
	return dst
}

// reshape makes q hold n uniform rows, reusing its buffer when it can.
func (q *Categoricals) reshape(n int) {
	q.n = n
	q.lam = grow(q.lam, n*(q.k-1))
	clear(q.lam)
}
