package randn

import (
	"fmt"
	"runtime"
	"sync"
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

// TestFiller: a Filler's pieces, run on two goroutines at once or by
// Finish after some of them, write the bits of FillSerial (and again after
// a Reset), for lengths
// around the lane kernel's blocks and pieces, through the lane kernels and
// the scalar code, in float32 and float64.
func TestFiller(t *testing.T) {
	eachKernel(t, func(name string) {
		for _, n := range []int{0, 1, 7, 8, 9, 4 * pieceDraws, 4*pieceDraws + 3, 3*4*pieceDraws + 17, 545810} {
			want := make([]float32, n)
			FillSerial(want, 99)
			for _, pieces := range []int{0, 1, 2, -1} { // −1: two goroutines take every piece
				got := make([]float32, n)
				var f Filler[float32]
				f.Reset(got, 99)
				if pieces < 0 {
					var wg sync.WaitGroup
					for range 2 {
						wg.Go(func() {
							for f.Piece() {
							}
						})
					}
					wg.Wait()
				} else {
					for range pieces {
						f.Piece()
					}
				}
				f.Finish()
				if f.Piece() {
					t.Errorf("%s n=%d: Piece after Finish reports draws left", name, n)
				}
				same(t, fmt.Sprintf("%s Filler (%d pieces first)", name, pieces), n, 99, got, want)
			}
			want64, got64 := make([]float64, n), make([]float64, n)
			FillSerial(want64, 98)
			var f64 Filler[float64]
			f64.Reset(got64, 98)
			f64.Finish()
			same(t, name+" float64 Filler", n, 98, got64, want64)
		}
	})
}
