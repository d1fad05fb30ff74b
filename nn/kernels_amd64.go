//go:build amd64 && !purego

package nn

import "github.com/bayesrule/blr/internal/vec"

// The assembly kernels need AVX2 and FMA; without them the Go versions run.
var (
	tile32   func(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32, nt int, mask *int32, rows, mode int)
	wdot32   = vec.HasAVX2FMA()
	gather32 func(nv int, dst, src *float32, d *int32, kk int)
	tileT32  func(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32, tmp *float32, rows, mode int)
	pool32   func(npairs, nfull, rem int, x *float32, w int, y *float32, idx *int32, iota *int32, imask, omask *int32)
	spread32 func(nrows, w int, src *float32, sstr int, dst *float32, dstr, zeros int, cmask, zmask *int32)
	poolB32  func(npairs, nfull, rem int, dx *float32, w, ld int, dy, y *float32, idx *int32, iota *int32, imask, omask *int32)
)

func init() {
	if wdot32 {
		tile32, gather32, pool32, poolB32, spread32, tileT32 = tile6x16, gather8, pool2relu, pool2reluBack, spread, tileT16
	}
}

// tile6x16 is tileKern for float32 (tileRows × tileCols = 6 × 16); mask
// holds 16 int32, −1 for the columns of the last tile to store (nil: all);
// mode is that of tileKern.
//
//go:noescape
func tile6x16(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32, nt int, mask *int32, rows, mode int)

// wdot32x4x3 is wdotKern for float32 with a 4×3 block.
//
//go:noescape
func wdot32x4x3(nex, kv int, a *float32, lda, astr int, b *float32, o *int32, bstr int, acc *float32)

// wdot32x6x2 is wdotKern for float32 with a 6×2 block.
//
//go:noescape
func wdot32x6x2(nex, kv int, a *float32, lda, astr int, b *float32, o *int32, bstr int, acc *float32)

// gather8 is gatherKern for float32 (nv vectors); kk ≥ 1.
//
//go:noescape
func gather8(nv int, dst, src *float32, d *int32, kk int)

// pool2relu is the float32 kernel of maxPool.pool2ReLU: 2×2 windows with
// stride 2, then max(·, 0), over npairs pairs of rows of width w.
//
//go:noescape
func pool2relu(npairs, nfull, rem int, x *float32, w int, y *float32, idx *int32, iota *int32, imask, omask *int32)

// tileT16 is tileTKern for float32: rows ≤ 6 pixels × 16 channels.
//
//go:noescape
func tileT16(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32, tmp *float32, rows, mode int)

// pool2reluBack is the float32 kernel of maxPool.pool2ReLUBack.
//
//go:noescape
func pool2reluBack(npairs, nfull, rem int, dx *float32, w, ld int, dy, y *float32, idx *int32, iota *int32, imask, omask *int32)

// spread is spreadKern for float32.
//
//go:noescape
func spread(nrows, w int, src *float32, sstr int, dst *float32, dstr, zeros int, cmask, zmask *int32)
