package randn

import (
	"math"
	"runtime"
	"testing"
)

// TestFillSerial: FillSerial writes Fill's bits, on both sides of the
// parallel threshold, with GOMAXPROCS 2 (where Fill splits), through the
// lane kernels and the scalar code.
func TestFillSerial(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	eachKernel(t, func(name string) {
		for _, n := range []int{0, 1, 17, parallelLen - 1, parallelLen, 100003} {
			a, b := make([]float32, n), make([]float32, n)
			Fill(a, 21)
			FillSerial(b, 21)
			for i := range a {
				if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
					t.Fatalf("%s, n=%d: FillSerial[%d] = %v, Fill %v", name, n, i, b[i], a[i])
				}
			}
			c, d := make([]float64, n), make([]float64, n)
			Fill(c, 22)
			FillSerial(d, 22)
			for i := range c {
				if math.Float64bits(c[i]) != math.Float64bits(d[i]) {
					t.Fatalf("%s, n=%d: float64 FillSerial[%d] = %v, Fill %v", name, n, i, d[i], c[i])
				}
			}
		}
	})
}
