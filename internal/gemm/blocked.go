package gemm

import (
	"runtime"

	"github.com/bayesrule/blr/internal/pool"
)

// impl is one blocked implementation: the register tile of its micro-kernel
// and the cache blocks around it.
type impl[F Float] struct {
	mr, nr     int // register tile of the micro-kernel
	kc, mc, nc int // cache blocks: kc×nr panels of B stay in L1, mc×kc of A in L2
	// kern adds the product of a packed mr×kc panel of A and a kc×nr panel
	// of B to the mr×nr tile of C at c[0] with leading dimension ldc. Row p
	// of the B panel is b[p·ldb : p·ldb+nr]: ldb = nr for a packed panel,
	// the leading dimension of B for a panel read in place.
	kern func(kc int, a, b []F, ldb int, c []F, ldc int)
	// dot, when not nil, computes the products that useDot selects.
	dot *dotImpl[F]
	// whole, when not nil, computes a whole call itself (a library such as
	// OpenBLAS); only mr and nr are used then, as the multiples at which
	// split cuts the rows and the columns.
	whole func(x *call[F])
}

// call is one product C ← α·op(A)·op(B) + β·C after argument checks.
type call[F Float] struct {
	im      *impl[F]
	tA, tB  bool
	m, n, k int
	alpha   F
	a       []F
	lda     int
	b       []F
	ldb     int
	beta    F
	c       []F
	ldc     int
	dot     bool // computed by the dot-product kernels
}

// worker holds the packing buffers of one goroutine taking part in a
// product, and the part of the product it is asked to compute.
type worker struct {
	a32, b32, t32 []float32
	a64, b64, t64 []float64
	s             call[float32]
	d             call[float64]
	wide          bool    // d, not s, is the job
	other         *worker // the second half's worker, when w offers it (Part)
}

// parallelWork is the least m·n·k, and parallelOut the least m·n, worth
// splitting between two goroutines: below them the hand-off costs more than
// it saves.
const (
	parallelWork = 48 * 48 * 48
	parallelOut  = 4096
)

// idle keeps workers, with their packing buffers, between products.
var idle = pool.NewFree[worker](8, nil)

func getWorker() *worker { return idle.Get() }

func putWorker(w *worker) {
	w.s, w.d = call[float32]{}, call[float64]{}
	idle.Put(w)
}

func (w *worker) run() {
	if w.wide {
		w.a64, w.b64, w.t64 = runBlocked(w.d.im, &w.d, w.a64, w.b64, w.t64)
		return
	}
	w.a32, w.b32, w.t32 = runBlocked(w.s.im, &w.s, w.a32, w.b32, w.t32)
}

// blocked computes x with the implementation im, on two goroutines when the
// product is large enough and GOMAXPROCS allows. The split is along m or n
// (never k), so the result does not depend on it.
func blocked[F Float](im *impl[F], x call[F], set func(w *worker, x call[F]), serial bool) {
	x.im = im
	x.dot = useDot(im.dot, &x) // a choice by shape only, made before any split
	halves(x, set, !serial && x.m*x.n*x.k >= parallelWork && x.m*x.n >= parallelOut && runtime.GOMAXPROCS(0) > 1)
}

// halves computes x (x.im set) with set storing a part of it in a worker.
// When parallel is true and split can cut x, it offers the second part to a
// helper goroutine (package pool) while the caller computes the first, and
// computes the second too if no helper has taken it by then; otherwise x is
// computed whole on the caller. It is the one two-goroutine path of the
// package, shared by the Go kernels and by the OpenBLAS build.
func halves[F Float](x call[F], set func(w *worker, x call[F]), parallel bool) {
	var second call[F]
	if parallel {
		x, second, parallel = split(x.im, x)
	}
	if !parallel {
		whole(x, set)
		return
	}
	w0, w1 := getWorker(), getWorker()
	set(w0, x)
	set(w1, second)
	w0.other = w1
	pool.Halves(w0)
	w0.other = nil
	putWorker(w0)
	putWorker(w1)
}

// Part computes w's product (half 0) or w.other's (half 1).
func (w *worker) Part(h int) {
	if h == 0 {
		w.run()
	} else {
		w.other.run()
	}
}

// whole computes x (x.im set) on the calling goroutine.
func whole[F Float](x call[F], set func(w *worker, x call[F])) {
	w := getWorker()
	set(w, x)
	w.run()
	putWorker(w)
}

// split cuts x into two products along its larger output dimension, at a
// multiple of the register tile. It reports false when x is too small.
func split[F Float](im *impl[F], x call[F]) (first, second call[F], ok bool) {
	first, second = x, x
	if x.m >= x.n {
		h := (x.m/2 + im.mr - 1) / im.mr * im.mr
		if h <= 0 || h >= x.m {
			return x, x, false
		}
		first.m, second.m = h, x.m-h
		if x.tA {
			second.a = x.a[h:]
		} else {
			second.a = x.a[h*x.lda:]
		}
		second.c = x.c[h*x.ldc:]
		return first, second, true
	}
	h := (x.n/2 + im.nr - 1) / im.nr * im.nr
	if h <= 0 || h >= x.n {
		return x, x, false
	}
	first.n, second.n = h, x.n-h
	if x.tB {
		second.b = x.b[h*x.ldb:]
	} else {
		second.b = x.b[h:]
	}
	second.c = x.c[h:]
	return first, second, true
}

// inPlaceRows is the largest m for which B is read in place.
const inPlaceRows = 32

// grow returns s with length n, reusing its storage when it is large enough.
func grow[F Float](s []F, n int) []F {
	if cap(s) < n {
		return make([]F, n)
	}
	return s[:n]
}

// runBlocked computes x on the calling goroutine with the packing buffers pa,
// pb and tmp, and returns the buffers (grown if needed) for reuse. With
// im.whole set it calls im.whole instead and needs no buffers.
func runBlocked[F Float](im *impl[F], x *call[F], pa, pb, tmp []F) ([]F, []F, []F) {
	if im.whole != nil {
		im.whole(x)
		return pa, pb, tmp
	}
	if x.dot {
		tmp = grow(tmp, max(12, im.mr*im.nr))
		runDot(im.dot, x, tmp)
		return pa, pb, tmp
	}
	m, n, k, c, ldc := x.m, x.n, x.k, x.c, x.ldc
	scale(x.beta, m, n, c, ldc)
	if k == 0 || x.alpha == 0 {
		return pa, pb, tmp
	}
	mr, nr := im.mr, im.nr
	kcMax := min(im.kc, k)
	pa = grow(pa, roundUp(min(im.mc, m), mr)*kcMax)
	pb = grow(pb, roundUp(min(im.nc, n), nr)*kcMax)
	tmp = grow(tmp, mr*nr)
	// Without transposition the rows of a kc×nr panel of B are contiguous
	// in B itself: when few row panels of A reuse it, full panels are read
	// in place and only the last, partial panel is packed (zero-padded).
	// Heavily reused panels are packed: in place, their kc rows lie on kc
	// different pages and miss the TLB.
	inPlace := !x.tB && m <= inPlaceRows
	for jc := 0; jc < n; jc += im.nc {
		ncb := min(im.nc, n-jc)
		for pc := 0; pc < k; pc += im.kc {
			kcb := min(im.kc, k-pc)
			var bsrc []F
			if inPlace {
				bsrc = x.b[pc*x.ldb+jc:]
				if full := ncb / nr * nr; full < ncb {
					packB(pb[full*kcb:], x.b, x.ldb, false, pc, jc+full, kcb, ncb-full, nr)
				}
			} else {
				packB(pb, x.b, x.ldb, x.tB, pc, jc, kcb, ncb, nr)
			}
			for ic := 0; ic < m; ic += im.mc {
				mcb := min(im.mc, m-ic)
				packA(pa, x.a, x.lda, x.tA, ic, pc, mcb, kcb, mr, x.alpha)
				macro(im, pa, pb, bsrc, x.ldb, tmp, c[ic*ldc+jc:], ldc, mcb, ncb, kcb)
			}
		}
	}
	return pa, pb, tmp
}

// macro multiplies a packed mcb×kcb block of A by a kcb×ncb block of B into
// C, one register tile at a time. Panels of B come from the packed block pb,
// or, when bsrc is not nil, full panels are read in place from bsrc (the
// block's first element, leading dimension ldb). Edge tiles go through tmp.
func macro[F Float](im *impl[F], pa, pb, bsrc []F, ldb int, tmp, c []F, ldc, mcb, ncb, kcb int) {
	mr, nr := im.mr, im.nr
	for jr := 0; jr < ncb; jr += nr {
		cols := min(nr, ncb-jr)
		bp, bld := pb[jr*kcb:(jr+nr)*kcb], nr
		if bsrc != nil && cols == nr {
			bp, bld = bsrc[jr:], ldb
		}
		for ir := 0; ir < mcb; ir += mr {
			rows := min(mr, mcb-ir)
			ap := pa[ir*kcb : (ir+mr)*kcb]
			ct := c[ir*ldc+jr:]
			if rows == mr && cols == nr {
				im.kern(kcb, ap, bp, bld, ct, ldc)
				continue
			}
			clear(tmp)
			im.kern(kcb, ap, bp, bld, tmp, nr)
			for i := range rows {
				dst := ct[i*ldc : i*ldc+cols]
				src := tmp[i*nr : i*nr+cols]
				for j, v := range src {
					dst[j] += v
				}
			}
		}
	}
}

// scale sets C ← β·C on the m×n block; β = 0 writes zeros without reading C.
func scale[F Float](beta F, m, n int, c []F, ldc int) {
	switch beta {
	case 1:
		return
	case 0:
		for i := range m {
			clear(c[i*ldc : i*ldc+n])
		}
	default:
		for i := range m {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// packA copies α·op(A)[i0:i0+mcb, p0:p0+kcb] into dst as consecutive mr×kcb
// panels, each stored column by column (mr values for each p), with the rows
// past mcb set to zero.
func packA[F Float](dst, a []F, lda int, trans bool, i0, p0, mcb, kcb, mr int, alpha F) {
	for ir := 0; ir < mcb; ir += mr {
		rows := min(mr, mcb-ir)
		panel := dst[ir*kcb : (ir+mr)*kcb]
		if !trans {
			for i := range rows {
				src := a[(i0+ir+i)*lda+p0 : (i0+ir+i)*lda+p0+kcb]
				for p, v := range src {
					panel[p*mr+i] = alpha * v
				}
			}
		} else {
			for p := range kcb {
				src := a[(p0+p)*lda+i0+ir : (p0+p)*lda+i0+ir+rows]
				d := panel[p*mr : p*mr+rows]
				for i, v := range src {
					d[i] = alpha * v
				}
			}
		}
		if rows < mr {
			for p := range kcb {
				clear(panel[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packB copies op(B)[p0:p0+kcb, j0:j0+ncb] into dst as consecutive kcb×nr
// panels, each stored row by row (nr values for each p), with the columns
// past ncb set to zero.
func packB[F Float](dst, b []F, ldb int, trans bool, p0, j0, kcb, ncb, nr int) {
	for jr := 0; jr < ncb; jr += nr {
		cols := min(nr, ncb-jr)
		panel := dst[jr*kcb : (jr+nr)*kcb]
		if !trans {
			for p := range kcb {
				off := (p0+p)*ldb + j0 + jr
				copy(panel[p*nr:p*nr+cols], b[off:off+cols])
			}
		} else {
			// A transpose: blocks of 32 values of p keep the 32 panel rows
			// being written in L1 while the columns are gathered.
			for pb := 0; pb < kcb; pb += 32 {
				pe := min(pb+32, kcb)
				for j := range cols {
					off := (j0+jr+j)*ldb + p0
					src := b[off+pb : off+pe]
					dst := panel[pb*nr+j:]
					for p, v := range src {
						dst[p*nr] = v
					}
				}
			}
		}
		if cols < nr {
			for p := range kcb {
				clear(panel[p*nr+cols : p*nr+nr])
			}
		}
	}
}
