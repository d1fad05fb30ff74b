package glm

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestWeightedGram checks Xᵀdiag(w)X against a naive sum, for weights of
// both signs, serial and chunked sizes, and that the chunked result is
// bit-identical with 1 and 4 threads.
func TestWeightedGram(t *testing.T) {
	for _, c := range []struct{ n, d int }{{50, 3}, {5000, 30}} {
		r := rand.New(rand.NewPCG(uint64(c.n), 1))
		x := mat.NewDense(c.n, c.d, nil)
		for i := range c.n {
			for j := range c.d {
				x.Set(i, j, r.NormFloat64())
			}
		}
		for _, signed := range []bool{false, true} {
			w := make([]float64, c.n)
			for i := range w {
				w[i] = r.Float64()
				if signed && i%3 == 0 {
					w[i] = -w[i]
				}
			}
			want := make([]float64, c.d*c.d)
			for i := range c.n {
				for j := range c.d {
					for k := range c.d {
						want[j*c.d+k] += w[i] * x.At(i, j) * x.At(i, k)
					}
				}
			}
			var g gram
			prev := runtime.GOMAXPROCS(1)
			one := make([]float64, c.d*c.d)
			g.weighted(one, x, w)
			runtime.GOMAXPROCS(4)
			four := make([]float64, c.d*c.d)
			g.weighted(four, x, w)
			runtime.GOMAXPROCS(prev)
			if !slices.Equal(one, four) {
				t.Errorf("n=%d d=%d signed=%v: 1 and 4 threads differ", c.n, c.d, signed)
			}
			for j := range want {
				if math.Abs(one[j]-want[j]) > 1e-10*float64(c.n) {
					t.Errorf("n=%d d=%d signed=%v: entry %d = %g, naive %g", c.n, c.d, signed, j, one[j], want[j])
					break
				}
			}
		}
	}
}
