package gemm

// dotImpl computes products C = α·A·Bᵀ + β·C element by element as dot
// products of rows of A with rows of B, both contiguous in k, without
// packing. It serves products with one small output dimension and a long
// inner one (the per-example weight gradients of convolutions), where
// packing the transposed B would cost more than the multiplication.
type dotImpl[F Float] struct {
	lanes int // values per vector register
	// k4x3 writes the 4×3 block of dot products of rows a[i·lda:] and
	// b[j·ldb:] over the first kv·lanes values into c (row-major).
	k4x3 func(kv int, a []F, lda int, b []F, ldb int, c []F)
	// k1 is the 1×1 case, with the same operations per element as k4x3,
	// so that an element's value does not depend on the block it falls in.
	k1 func(kv int, a, b []F) F
}

// useDot reports whether x should go through the dot-product kernels.
func useDot[F Float](d *dotImpl[F], x *call[F]) bool {
	return d != nil && x.tB && !x.tA && x.k >= 4*d.lanes && (x.m <= 16 || x.n <= 16)
}

// runDot computes x with the dot-product kernels; out is scratch of at
// least 12 values.
func runDot[F Float](d *dotImpl[F], x *call[F], out []F) {
	m, n, k := x.m, x.n, x.k
	a, b, c := x.a, x.b, x.c
	lda, ldb, ldc := x.lda, x.ldb, x.ldc
	kv := k / d.lanes
	head := kv * d.lanes
	// finish adds the tail of the dot product (p ≥ head) in order and
	// stores α·s + β·c.
	finish := func(i, j int, s F) {
		ar := a[i*lda+head : i*lda+k]
		br := b[j*ldb+head : j*ldb+k]
		for p, v := range ar {
			s += v * br[p]
		}
		ci := i*ldc + j
		if x.beta == 0 {
			c[ci] = x.alpha * s
		} else {
			c[ci] = x.alpha*s + x.beta*c[ci]
		}
	}
	single := func(i, j int) {
		var s F
		if kv > 0 {
			s = d.k1(kv, a[i*lda:], b[j*ldb:])
		}
		finish(i, j, s)
	}
	out = out[:12]
	i := 0
	for ; i+4 <= m; i += 4 {
		j := 0
		for ; j+3 <= n; j += 3 {
			if kv > 0 {
				d.k4x3(kv, a[i*lda:], lda, b[j*ldb:], ldb, out)
			}
			for r := range 4 {
				for s := range 3 {
					finish(i+r, j+s, out[3*r+s])
				}
			}
		}
		for ; j < n; j++ {
			for r := range 4 {
				single(i+r, j)
			}
		}
	}
	for ; i < m; i++ {
		for j := range n {
			single(i, j)
		}
	}
}
