package blr

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// copyModel returns precomputed derivatives, so that a benchmark times the
// rule and the family, not the model.
type copyModel struct {
	g, h []float64 // h: D×D for Hess, length D for HessDiag
}

func (m copyModel) Grad(grad, _ []float64) float64 { copy(grad, m.g); return 0 }
func (m copyModel) Hess(hess, _ []float64)         { copy(hess, m.h) }

type copyDiagModel struct{ g, h []float64 }

func (m copyDiagModel) Grad(grad, _ []float64) float64 { copy(grad, m.g); return 0 }
func (m copyDiagModel) HessDiag(hess, _ []float64)     { copy(hess, m.h) }

var bench1000 = sync.OnceValues(func() (*mat.SymDense, []float64) {
	r := rand.New(rand.NewPCG(1, 2))
	const d = 1000
	s := spd(d, 1, r)
	g := make([]float64, d)
	for i := range g {
		g[i] = r.NormFloat64()
	}
	return s, g
})

func benchFullStep(b *testing.B, iblr bool) {
	h, g := bench1000()
	d := len(g)
	start := mat.NewSymDense(d, nil)
	start.ScaleSym(2, h) // so that Ĝ = H − S ≠ 0 for iBLR
	q, err := expfam.NewFullGaussian(make([]float64, d), start)
	if err != nil {
		b.Fatal(err)
	}
	rule := Rule{
		Estimator:            &Delta{Model: copyModel{g: g, h: symRaw(h)}},
		Rate:                 Constant(0.5),
		PositivityPreserving: iblr,
	}
	var s State
	if _, err := rule.Step(q, &s, nil); err != nil { // warm-up: buffers
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := rule.Step(q, &s, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFullStep1000 is one Rule.Step with the delta method on a
// FullGaussian, D = 1000 (the model's Hess copies a precomputed SPD matrix).
func BenchmarkFullStep1000(b *testing.B) { benchFullStep(b, false) }

// BenchmarkIBLRStep1000 is the same step with PositivityPreserving.
func BenchmarkIBLRStep1000(b *testing.B) { benchFullStep(b, true) }

// BenchmarkCholeskySolve1000 is the baseline: gonum's mat.Cholesky Factorize
// and SolveVecTo on the same matrix.
func BenchmarkCholeskySolve1000(b *testing.B) {
	h, g := bench1000()
	var ch mat.Cholesky
	x := mat.NewVecDense(len(g), nil)
	rhs := mat.NewVecDense(len(g), g)
	ch.Factorize(h) // warm-up: the factor's storage
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if !ch.Factorize(h) {
			b.Fatal("not PD")
		}
		if err := ch.SolveVecTo(x, rhs); err != nil {
			b.Fatal(err)
		}
	}
}

const diagBenchDim = 1_000_000

var benchDiag = sync.OnceValues(func() ([]float64, []float64) {
	r := rand.New(rand.NewPCG(3, 4))
	g, h := make([]float64, diagBenchDim), make([]float64, diagBenchDim)
	for i := range g {
		g[i] = r.NormFloat64()
		h[i] = 0.5 + r.Float64()
	}
	return g, h
})

// BenchmarkDiagStep1e6 is one Rule.Step with the delta method on a
// DiagGaussian of 10⁶ parameters. SetBytes counts one read and one write of
// λ (2·10⁶ float64), as BenchmarkCopy1e6 does, so the MB/s columns compare.
func BenchmarkDiagStep1e6(b *testing.B) {
	g, h := benchDiag()
	ones := make([]float64, diagBenchDim)
	for i := range ones {
		ones[i] = 1
	}
	q, err := expfam.NewDiagGaussian(make([]float64, diagBenchDim), ones)
	if err != nil {
		b.Fatal(err)
	}
	rule := Rule{Estimator: &Delta{Model: copyDiagModel{g: g, h: h}}, Rate: Constant(0.5)}
	var s State
	if _, err := rule.Step(q, &s, nil); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(2 * 8 * 2 * diagBenchDim)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := rule.Step(q, &s, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCopy1e6 copies a λ-sized vector (2·10⁶ float64): the memory
// bandwidth a diagonal step is measured against.
func BenchmarkCopy1e6(b *testing.B) {
	src, dst := make([]float64, 2*diagBenchDim), make([]float64, 2*diagBenchDim)
	for i := range src {
		src[i] = float64(i)
	}
	b.SetBytes(2 * 8 * 2 * diagBenchDim)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		copy(dst, src)
	}
}
