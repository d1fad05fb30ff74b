package randn

import (
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
			same(t, name+": FillSerial", n, 21, b, a)
			c, d := make([]float64, n), make([]float64, n)
			Fill(c, 22)
			FillSerial(d, 22)
			same(t, name+": float64 FillSerial", n, 22, d, c)
		}
	})
}
