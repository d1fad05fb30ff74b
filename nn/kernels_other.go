//go:build !amd64 || purego

package nn

// Without assembly the Go kernels are the only ones.
var (
	tile32   func(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32, nt int, mask *int32, rows, mode int)
	wdot32   bool
	gather32 func(nv int, dst, src *float32, d *int32, kk int)
	tileT32  func(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32, tmp *float32, rows, mode int)
	pool32   func(npairs, nfull, rem int, x *float32, w int, y *float32, idx *int32, iota *int32, imask, omask *int32)
	spread32 func(nrows, w int, src *float32, sstr int, dst *float32, dstr, zeros int, cmask, zmask *int32)
	poolB32  func(npairs, nfull, rem int, dx *float32, w, ld int, dy, y *float32, idx *int32, iota *int32, imask, omask *int32)
)

func wdot32x4x3(int, int, *float32, int, int, *float32, *int32, int, *float32) {}
func wdot32x6x2(int, int, *float32, int, int, *float32, *int32, int, *float32) {}
