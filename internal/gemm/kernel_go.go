package gemm

// Register tile of the plain-Go micro-kernel. Amd64 has sixteen floating-
// point registers: eight sums, four values of B and two of A fit, while a
// 4×4 tile spills its sums to the stack on every step (measured 7.8 against
// 5.0 GFLOP/s on one core for a 128×300×500 float32 product).
const (
	goMR = 2
	goNR = 4
)

// kernGo adds the product of a packed 2×kc panel of A and a kc×4 panel of B
// (row p at b[p·ldb:]) to the 2×4 tile of C at c[0]. The eight sums are kept
// in locals so that the compiler can hold them in registers.
func kernGo[F Float](kc int, a, b []F, ldb int, c []F, ldc int) {
	var c00, c01, c02, c03 F
	var c10, c11, c12, c13 F
	a = a[:kc*goMR]
	b = b[:(kc-1)*ldb+goNR]
	for p, q := 0, 0; p < len(a); p, q = p+goMR, q+ldb {
		aa := a[p : p+2 : p+2]
		bb := b[q : q+4 : q+4]
		a0, a1 := aa[0], aa[1]
		b0, b1, b2, b3 := bb[0], bb[1], bb[2], bb[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	r := c[0:4:4]
	r[0] += c00
	r[1] += c01
	r[2] += c02
	r[3] += c03
	r = c[ldc : ldc+4 : ldc+4]
	r[0] += c10
	r[1] += c11
	r[2] += c12
	r[3] += c13
}

// The plain-Go implementations.
var (
	goImpl32 = impl[float32]{mr: goMR, nr: goNR, kc: 256, mc: 128, nc: 2048, kern: kernGo[float32]}
	goImpl64 = impl[float64]{mr: goMR, nr: goNR, kc: 256, mc: 64, nc: 2048, kern: kernGo[float64]}
)
