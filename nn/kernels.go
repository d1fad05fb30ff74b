package nn

import (
	"math"
	"unsafe"

	"github.com/bayesrule/blr/internal/gemm"
)

// The kernels of the direct convolution (convdirect.go) and of the pooling
// with a fused ReLU (pool.go). Each has a plain-Go version for any element
// type, used on other architectures, with -tags purego, without AVX2 and
// FMA, and in float64; and a float32 version in AVX2 assembly on amd64
// (kernels_amd64.s) that makes the same operations in the same order. The
// products use fused multiply-adds in assembly and round the product first
// in the Go float32 version, as package gemm does (so their last bits
// differ); sums, maxima and copies have the same bits in both.

// fused64 says that the Go kernels in float64 use fused multiply-adds, as
// package gemm's float64 kernels then do, so that the products of tileKern
// keep the bits of gemm's.
var fused64 = gemm.Backend() == "go-avx2"

// madd returns a·b + c, fused in float64 when fused64.
func madd[F Float](a, b, c F) F {
	if unsafe.Sizeof(a) == 8 && fused64 {
		return F(math.FMA(float64(a), float64(b), float64(c)))
	}
	return a*b + c
}

// Register tiles of the kernels.
const (
	tileRows = 6   // rows of a tile of tileKern
	tileCols = 16  // columns of a tile of tileKern
	lanes    = 8   // lanes of the accumulators of wdotKern and gatherKern
	kcBlock  = 256 // the block of package gemm along the inner dimension
)

// tileMask holds tileCols ones (−1) then tileCols zeros: the mask for v
// valid columns of a tile starts at tileMask[tileCols−v].
var tileMask = func() (m [2 * tileCols]int32) {
	for i := range tileCols {
		m[i] = -1
	}
	return m
}()

// The ways tileKern stores its sums s.
const (
	tileStore = iota // c = s
	tileBias         // c = s + bias[r]
	tileAdd          // c = s + c
)

// tileKern computes nt tiles of up to tileRows × tileCols values of
// C = A·B, side by side: for tile i < nt, r < rows and j < tileCols (j <
// valid in the last tile),
//
//	s = Σ_{t<k} a[t·tileRows+r]·b[off[t]+i·tileCols+j]   (summed in order of t, from 0)
//
// stored at c[r·ldc+i·tileCols+j] as mode says (tileStore, tileBias,
// tileAdd). s is never −0 (it starts at +0), so storing it has the bits of
// adding it to +0.
//
// a is a packed panel (k steps of tileRows values); row t of B starts at
// b[off[t]], and nt·tileCols values are read from it whatever valid is;
// offMax is the largest of off[:k]. It is the product of package gemm's
// micro-kernels with the rows of B at arbitrary offsets, which lets a
// convolution read its unrolled input (im2col) in place.
func tileKern[F Float](k int, a, b []F, off []int32, offMax int, c []F, ldc int, bias []F, mode, nt, valid, rows int) {
	if k <= 0 || rows <= 0 || valid <= 0 || nt <= 0 {
		return
	}
	w := (nt - 1) * tileCols
	_ = a[k*tileRows-1]
	_ = off[k-1]
	_ = b[offMax+w+tileCols-1]
	_ = c[(rows-1)*ldc+w+valid-1]
	if mode == tileBias {
		_ = bias[rows-1]
	}
	if unsafe.Sizeof(a[0]) == 4 && tile32 != nil {
		var bp *float32
		if mode == tileBias {
			bp = (*float32)(unsafe.Pointer(&bias[0]))
		}
		var mask *int32
		if valid < tileCols {
			mask = &tileMask[tileCols-valid]
		}
		tile32(k, (*float32)(unsafe.Pointer(&a[0])), (*float32)(unsafe.Pointer(&b[0])), &off[0],
			(*float32)(unsafe.Pointer(&c[0])), ldc, bp, nt, mask, rows, mode)
		return
	}
	var acc [tileCols]F
	for i := range nt {
		n := tileCols
		if i == nt-1 {
			n = valid
		}
		for r := range rows {
			clear(acc[:])
			for t := range k {
				av := a[t*tileRows+r]
				bv := b[int(off[t])+i*tileCols:][:tileCols]
				for j := range acc {
					acc[j] = madd(av, bv[j], acc[j])
				}
			}
			cr := c[r*ldc+i*tileCols:][:n]
			switch mode {
			case tileStore:
				copy(cr, acc[:])
			case tileBias:
				for j := range cr {
					cr[j] = acc[j] + bias[r]
				}
			default:
				for j := range cr {
					cr[j] = acc[j] + cr[j]
				}
			}
		}
	}
}

// tileTKern computes a transposed tile: the sums of tileKern for up to
// tileRows consecutive columns of B (pixels) and tileCols rows of the
// panel (channels): for r < rows and j < tileCols,
//
//	s = Σ_{t<k} a[t·tileCols+j]·b[off[t]+r]   (summed in order of t, from 0)
//
// stored at c[j·ldc+r] as mode says (tileStore, tileBias with bias[j],
// tileAdd). a is a packed panel (k steps of tileCols values); up to
// tileRows values are read from each row of B whatever rows is; tmp is
// scratch of tileRows·tileCols values. With tileCols channels it reads
// each broadcast value of the input once for 16 channels. A tile of at
// most 5 pixels costs 5/6 of one of 6.
func tileTKern[F Float](k int, a, b []F, off []int32, offMax int, c []F, ldc int, bias []F, mode int, tmp []F, rows int) {
	if k <= 0 || rows <= 0 {
		return
	}
	rows = min(rows, tileRows)
	_ = a[k*tileCols-1]
	_ = off[k-1]
	_ = b[offMax+tileRows-1]
	_ = c[(tileCols-1)*ldc+rows-1]
	if mode == tileBias {
		_ = bias[tileCols-1]
	}
	_ = tmp[tileRows*tileCols-1]
	if unsafe.Sizeof(a[0]) == 4 && tileT32 != nil {
		var bp *float32
		if mode == tileBias {
			bp = (*float32)(unsafe.Pointer(&bias[0]))
		}
		tileT32(k, (*float32)(unsafe.Pointer(&a[0])), (*float32)(unsafe.Pointer(&b[0])), &off[0],
			(*float32)(unsafe.Pointer(&c[0])), ldc, bp, (*float32)(unsafe.Pointer(&tmp[0])), rows, mode)
		return
	}
	for r := range rows {
		acc := tmp[r*tileCols:][:tileCols]
		clear(acc)
		for t := range k {
			bv := b[int(off[t])+r]
			av := a[t*tileCols:][:tileCols]
			for j := range acc {
				acc[j] = madd(bv, av[j], acc[j])
			}
		}
		for j, v := range acc {
			switch mode {
			case tileStore:
				c[j*ldc+r] = v
			case tileBias:
				c[j*ldc+r] = v + bias[j]
			default:
				c[j*ldc+r] = v + c[j*ldc+r]
			}
		}
	}
}

// wdotKern adds to acc the rows × cols block of dot products of rows of A
// with rows of B, in lanes: for r < rows, q < cols and l < lanes,
//
//	acc[((r·cols+q)·lanes+l] += Σ_{n<nex} Σ_{v<kv} a[n·astr+r·lda+v·lanes+l]·b[n·bstr+o[q]+v·lanes+l]
//
// summed in order of n then v. The block is 4×3 or 6×2.
func wdotKern[F Float](rows, cols, nex, kv int, a []F, lda, astr int, b []F, o []int32, bstr int, acc []F) {
	if nex <= 0 || kv <= 0 {
		return
	}
	maxOff := int32(0)
	for _, v := range o[:cols] {
		maxOff = max(maxOff, v)
	}
	_ = a[(nex-1)*astr+(rows-1)*lda+kv*lanes-1]
	_ = b[(nex-1)*bstr+int(maxOff)+kv*lanes-1]
	_ = acc[rows*cols*lanes-1]
	if unsafe.Sizeof(a[0]) == 4 && wdot32 {
		ap, bp := (*float32)(unsafe.Pointer(&a[0])), (*float32)(unsafe.Pointer(&b[0]))
		cp := (*float32)(unsafe.Pointer(&acc[0]))
		if rows == 4 {
			wdot32x4x3(nex, kv, ap, lda, astr, bp, &o[0], bstr, cp)
		} else {
			wdot32x6x2(nex, kv, ap, lda, astr, bp, &o[0], bstr, cp)
		}
		return
	}
	for n := range nex {
		for r := range rows {
			ar := a[n*astr+r*lda:][:kv*lanes]
			for q := range cols {
				br := b[n*bstr+int(o[q]):][:kv*lanes]
				s := acc[(r*cols+q)*lanes:][:lanes]
				for v := 0; v < len(ar); v += lanes {
					av, bv := ar[v:v+lanes], br[v:v+lanes]
					for l := range s {
						s[l] = madd(av[l], bv[l], s[l])
					}
				}
			}
		}
	}
}

// hsum sums the lanes of a wdotKern accumulator, always in the same order.
func hsum[F Float](s []F) F {
	s = s[:lanes]
	a0, a1, a2, a3 := s[0]+s[4], s[1]+s[5], s[2]+s[6], s[3]+s[7]
	return (a0 + a2) + (a1 + a3)
}

// gatherKern sums shifted runs of src: for i < lanes·nv,
//
//	dst[i] = Σ_{t<len(d)} src[d[t]+i]   (summed in order of t, from 0).
//
// It is col2im as a gather: each input-gradient value is written once.
func gatherKern[F Float](nv int, dst, src []F, d []int32) {
	n := lanes * nv
	if n <= 0 {
		return
	}
	maxOff := int32(0)
	for _, v := range d {
		maxOff = max(maxOff, v)
	}
	_ = dst[n-1]
	_ = src[int(maxOff)+n-1]
	if unsafe.Sizeof(dst[0]) == 4 && gather32 != nil && len(d) > 0 {
		gather32(nv, (*float32)(unsafe.Pointer(&dst[0])), (*float32)(unsafe.Pointer(&src[0])), &d[0], len(d))
		return
	}
	dst = dst[:n]
	clear(dst)
	for _, o := range d {
		s := src[o:][:n]
		for i, v := range s {
			dst[i] += v
		}
	}
}

// spreadKern copies nrows rows of w values, row r from src[r·sstr:] to
// dst[r·dstr:], each followed by zeros zeros: it lays out images with
// padding, and takes them back out.
func spreadKern[F Float](nrows, w int, src []F, sstr int, dst []F, dstr, zeros int) {
	if nrows <= 0 || w+zeros <= 0 {
		return
	}
	_ = src[(nrows-1)*sstr+w-1]
	_ = dst[(nrows-1)*dstr+w+zeros-1]
	if unsafe.Sizeof(src[0]) == 4 && spread32 != nil && w > 0 {
		spread32(nrows, w, (*float32)(unsafe.Pointer(&src[0])), sstr, (*float32)(unsafe.Pointer(&dst[0])), dstr, zeros,
			&tileMask[tileCols-w%lanes], &tileMask[tileCols-zeros%lanes])
		return
	}
	for r := range nrows {
		d := dst[r*dstr:][:w+zeros]
		copy(d, src[r*sstr:][:w])
		clear(d[w:])
	}
}
