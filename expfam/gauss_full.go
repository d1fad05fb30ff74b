package expfam

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// lapackImpl provides the unblocked Cholesky kernel of the diagonal blocks.
var lapackImpl gonum.Implementation

// FullGaussian is q = N(m, S⁻¹) over θ ∈ ℝᴰ with a learnt mean m and a learnt
// dense precision S.
//
// Its sufficient statistic is T(θ) = (θ, θθᵀ) with a constant base measure.
// λ has length D + D², the second block a D×D matrix in row-major order under
// the Frobenius product (see the package doc):
//
//	λ = [S m, −½S],  μ = [m, S⁻¹ + m mᵀ],  ∇_μH(q) = −λ,
//
// and A(λ) = ½mᵀSm − ½log det S + ½D log 2π. The domain is S symmetric
// positive definite (its Cholesky factorisation succeeds) with every entry of
// λ finite.
//
// SetNatural uses the symmetric part (λ₂ + λ₂ᵀ)/2 of the matrix block, so an
// update from a slightly asymmetric Hessian estimate is accepted, and Natural
// returns that symmetric part; for a symmetric λ₂ the round trip
// SetNatural(λ); Natural() is exact.
//
// q keeps S, its upper Cholesky factor U (S = UᵀU = LLᵀ with L = Uᵀ) and m.
// The factorisation is a blocked right-looking Cholesky on the registered
// blas64 implementation, run so that SetNatural and Retract allocate nothing
// after the first call (gonum's mat.Cholesky allocates on every Factorize);
// [FullGaussian.Cholesky] returns it as a gonum mat.Cholesky. Methods are not
// safe for concurrent use; Clone per goroutine.
type FullGaussian struct {
	d    int
	lam1 []float64 // λ₁ = S m, as set
	prec []float64 // S, D×D row-major, both triangles
	fac  []float64 // U in the upper triangle (the lower one is scratch)
	u    blas64.Triangular
	mean []float64 // m = S⁻¹λ₁

	// Scratch: a candidate S and U (the S buffer is also iBLR's work
	// matrix), the candidate mean, and a vector.
	precS, facS, meanS, v []float64
}

func newFull(d int) *FullGaussian {
	f := &FullGaussian{
		d:     d,
		lam1:  make([]float64, d),
		prec:  make([]float64, d*d),
		fac:   make([]float64, d*d),
		mean:  make([]float64, d),
		precS: make([]float64, d*d),
		facS:  make([]float64, d*d),
		meanS: make([]float64, d),
		v:     make([]float64, d),
	}
	f.u = upper(d, f.fac)
	return f
}

func upper(d int, data []float64) blas64.Triangular {
	return blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: d, Stride: d, Data: data}
}

// cholBlock is the block size of the factorisation; cholPanel bounds the
// columns of each matrix-multiply call, so that gonum runs it serially and
// without allocating.
const (
	cholBlock = 64
	cholPanel = 3 * cholBlock
)

// cholesky overwrites the upper triangle of the d×d row-major a with U such
// that A = UᵀU, reading only A's upper triangle, and reports whether A is
// positive definite. It is the blocked right-looking algorithm: for each block
// row J, A_JJ −= U_·Jᵀ U_·J, factor A_JJ, then solve U_JJᵀ U_J,rest =
// A_J,rest − U_·Jᵀ U_·rest.
func cholesky(d int, a []float64) bool {
	bi := blas64.Implementation()
	for j := 0; j < d; j += cholBlock {
		jb := min(cholBlock, d-j)
		if j > 0 {
			bi.Dsyrk(blas.Upper, blas.Trans, jb, j, -1, a[j:], d, 1, a[j*d+j:], d)
		}
		if !lapackImpl.Dpotf2(blas.Upper, jb, a[j*d+j:], d) {
			return false
		}
		rest := d - j - jb
		if rest == 0 {
			continue
		}
		if j > 0 {
			for c := j + jb; c < d; c += cholPanel {
				cw := min(cholPanel, d-c)
				bi.Dgemm(blas.Trans, blas.NoTrans, jb, cw, j, -1, a[j:], d, a[c:], d, 1, a[j*d+c:], d)
			}
		}
		bi.Dtrsm(blas.Left, blas.Upper, blas.Trans, blas.NonUnit, jb, rest, 1, a[j*d+j:], d, a[j*d+j+jb:], d)
	}
	return true
}

// solveUT overwrites the d×d row-major b with U⁻ᵀb, i.e. solves UᵀB = b, for
// the upper triangular u. It goes by block rows, left-looking:
// U_IIᵀ B_I = b_I − U_{<I,I}ᵀ B_{<I}, so that the bulk of the work is in
// matrix multiplies with a long inner dimension.
func solveUT(d int, u, b []float64) {
	bi := blas64.Implementation()
	for i := 0; i < d; i += cholBlock {
		ib := min(cholBlock, d-i)
		if i > 0 {
			for c := 0; c < d; c += cholPanel {
				cw := min(cholPanel, d-c)
				bi.Dgemm(blas.Trans, blas.NoTrans, ib, cw, i, -1, u[i:], d, b[c:], d, 1, b[i*d+c:], d)
			}
		}
		bi.Dtrsm(blas.Left, blas.Upper, blas.Trans, blas.NonUnit, ib, d, 1, u[i*d+i:], d, b[i*d:], d)
	}
}

// gramUpper writes alpha·bᵀb into the upper triangle of the d×d row-major c
// (and into the lower part of its diagonal blocks), by blocks.
func gramUpper(d int, alpha float64, b, c []float64) {
	bi := blas64.Implementation()
	for i := 0; i < d; i += cholBlock {
		ib := min(cholBlock, d-i)
		for j := i; j < d; j += cholPanel {
			jw := min(cholPanel, d-j)
			bi.Dgemm(blas.Trans, blas.NoTrans, ib, jw, d, alpha, b[i:], d, b[j:], d, 0, c[i*d+j:], d)
		}
	}
}

// NewFullGaussian returns N(mean, precision⁻¹). The mean must be finite and
// the precision finite, symmetric (only its upper triangle is read) and
// positive definite. Both are copied; the mean is stored as given and λ₁ = S m
// is computed from it.
func NewFullGaussian(mean []float64, precision *mat.SymDense) (*FullGaussian, error) {
	const fam = "FullGaussian"
	d := len(mean)
	if d == 0 {
		return nil, gaussLenError(fam, "mean", 0, 1)
	}
	if precision == nil {
		return nil, gaussLenError(fam, "precision (nil)", 0, d)
	}
	if n := precision.SymmetricDim(); n != d {
		return nil, gaussLenError(fam, "precision (rows)", n, d)
	}
	for i, m := range mean {
		if !gaussFinite(m) {
			return nil, &DomainError{Family: fam, Field: fmt.Sprintf("mean[%d]", i), Value: m, Reason: "not finite"}
		}
	}
	f := newFull(d)
	s := f.prec
	for i := range d {
		for j := i; j < d; j++ {
			v := precision.At(i, j)
			if !gaussFinite(v) {
				return nil, &DomainError{Family: fam, Field: fmt.Sprintf("precision[%d,%d]", i, j), Value: v, Reason: "not finite"}
			}
			s[i*d+j], s[j*d+i] = v, v
		}
	}
	copy(f.fac, s)
	if !cholesky(d, f.fac) {
		return nil, f.notPD(s)
	}
	copy(f.mean, mean)
	blas64.Symv(1, f.sym(s), vec(f.mean), 0, vec(f.lam1))
	for i, l := range f.lam1 {
		if !gaussFinite(l) {
			return nil, &DomainError{Family: fam, Field: fmt.Sprintf("natural[%d]", i), Value: l, Reason: "precision·mean overflows"}
		}
	}
	return f, nil
}

func vec(x []float64) blas64.Vector { return blas64.Vector{N: len(x), Inc: 1, Data: x} }

func (f *FullGaussian) sym(data []float64) blas64.Symmetric {
	return blas64.Symmetric{Uplo: blas.Upper, N: f.d, Stride: f.d, Data: data}
}

func (f *FullGaussian) general(data []float64) blas64.General {
	return blas64.General{Rows: f.d, Cols: f.d, Stride: f.d, Data: data}
}

// logDet returns log det S = 2Σᵢ log Uᵢᵢ.
func (f *FullGaussian) logDet() float64 {
	var ld float64
	for i := range f.d {
		ld += math.Log(f.fac[i*f.d+i])
	}
	return 2 * ld
}

// notPD returns the error for a precision whose factorisation failed; the
// value reported is the smallest diagonal entry.
func (f *FullGaussian) notPD(s []float64) error {
	lo := math.Inf(1)
	for i := range f.d {
		lo = math.Min(lo, s[i*f.d+i])
	}
	return &DomainError{Family: "FullGaussian", Field: "precision (smallest diagonal entry)", Value: lo, Reason: "not positive definite: the Cholesky factorisation failed"}
}

// Dim returns D + D².
func (f *FullGaussian) Dim() int { return f.d + f.d*f.d }

// ParamDim returns D.
func (f *FullGaussian) ParamDim() int { return f.d }

// Natural writes λ = [S m, −½S] (the matrix block row-major, symmetric).
func (f *FullGaussian) Natural(dst []float64) []float64 {
	dst = alloc(dst, f.Dim())
	copy(dst, f.lam1)
	out := dst[f.d:]
	for i, s := range f.prec {
		out[i] = -0.5 * s
	}
	return dst
}

// Expectation writes μ = [m, S⁻¹ + m mᵀ]. It computes S⁻¹ and allocates.
func (f *FullGaussian) Expectation(dst []float64) []float64 {
	d := f.d
	dst = alloc(dst, f.Dim())
	copy(dst, f.mean)
	inv := f.Covariance(nil).RawSymmetric()
	out := dst[d:]
	for i := range d {
		for j := i; j < d; j++ {
			v := inv.Data[i*inv.Stride+j] + f.mean[i]*f.mean[j]
			out[i*d+j], out[j*d+i] = v, v
		}
	}
	return dst
}

// EntropyGrad writes ∇_μH(q) = −λ = [−S m, ½S] (the base measure is constant).
func (f *FullGaussian) EntropyGrad(dst []float64) []float64 {
	dst = alloc(dst, f.Dim())
	for i, l := range f.lam1 {
		dst[i] = -l
	}
	out := dst[f.d:]
	for i, s := range f.prec {
		out[i] = 0.5 * s
	}
	return dst
}

// symTile is the tile edge for passes that read a matrix and its transpose.
const symTile = 64

// SetNatural sets λ. The precision is S = −(λ₂ + λ₂ᵀ), twice the negated
// symmetric part of the matrix block. A non-finite entry, an S that is not
// positive definite or a mean S⁻¹λ₁ that is not finite gives a *DomainError
// and leaves q unchanged (the candidate is built and factorised in scratch
// space and swapped in on success).
func (f *FullGaussian) SetNatural(lam []float64) error {
	const fam = "FullGaussian"
	d := f.d
	checkLen(len(lam), f.Dim())
	l1, l2 := lam[:d], lam[d:]
	for i, l := range l1 {
		if !gaussFinite(l) {
			return &DomainError{Family: fam, Field: fmt.Sprintf("natural[%d]", i), Value: l, Reason: "not finite"}
		}
	}
	s, u := f.precS, f.facS
	for ib := 0; ib < d; ib += symTile {
		ie := min(ib+symTile, d)
		for jb := ib; jb < d; jb += symTile {
			je := min(jb+symTile, d)
			for i := ib; i < ie; i++ {
				row := l2[i*d : i*d+d]
				for j := max(jb, i); j < je; j++ {
					v := -(row[j] + l2[j*d+i])
					if v-v != 0 {
						return f.badEntry(l2, i, j, v)
					}
					s[i*d+j], s[j*d+i], u[i*d+j] = v, v, v
				}
			}
		}
	}
	if !cholesky(d, u) {
		return f.notPD(s)
	}
	ut := upper(d, u)
	m := f.meanS
	copy(m, l1)
	blas64.Trsv(blas.Trans, ut, vec(m))
	blas64.Trsv(blas.NoTrans, ut, vec(m))
	for i, x := range m {
		if !gaussFinite(x) {
			return &DomainError{Family: fam, Field: fmt.Sprintf("mean[%d]", i), Value: x, Reason: "S⁻¹λ₁ is not finite"}
		}
	}
	copy(f.lam1, l1)
	f.prec, f.precS = f.precS, f.prec
	f.fac, f.facS = f.facS, f.fac
	f.mean, f.meanS = f.meanS, f.mean
	f.u = ut
	return nil
}

// badEntry names the entry of λ₂ behind a non-finite precision entry v at (i, j).
func (f *FullGaussian) badEntry(l2 []float64, i, j int, v float64) error {
	d := f.d
	for _, k := range [2]int{i*d + j, j*d + i} {
		if !gaussFinite(l2[k]) {
			return &DomainError{Family: "FullGaussian", Field: fmt.Sprintf("natural[%d] (λ₂[%d,%d])", d+k, k/d, k%d), Value: l2[k], Reason: "not finite"}
		}
	}
	return &DomainError{Family: "FullGaussian", Field: fmt.Sprintf("precision[%d,%d]", i, j), Value: v, Reason: "−(λ₂+λ₂ᵀ) overflows"}
}

// Entropy returns H(q) = ½D(1 + log 2π) − ½log det S.
func (f *FullGaussian) Entropy() float64 {
	return 0.5 * (float64(f.d)*(1+log2Pi) - f.logDet())
}

// LogPartition returns A(λ) = ½mᵀSm − ½log det S + ½D log 2π, with ∇A(λ) = μ
// under the Frobenius convention.
func (f *FullGaussian) LogPartition() float64 {
	var q float64
	for i, l := range f.lam1 {
		q += l * f.mean[i]
	}
	return 0.5 * (q - f.logDet() + float64(f.d)*log2Pi)
}

// LogProb returns log q(θ) = ½log det S − ½D log 2π − ½‖U(θ−m)‖².
func (f *FullGaussian) LogProb(theta []float64) float64 {
	checkLen(len(theta), f.d)
	z := f.v
	for i, t := range theta {
		z[i] = t - f.mean[i]
	}
	blas64.Trmv(blas.NoTrans, f.u, vec(z))
	q := blas64.Dot(vec(z), vec(z))
	return 0.5 * (f.logDet() - float64(f.d)*log2Pi - q)
}

// Sample writes θ = m + U⁻¹ε, ε ~ N(0, I), into dst; with S = UᵀU = LLᵀ
// (L = Uᵀ) this is m + L⁻ᵀε, whose covariance is S⁻¹.
func (f *FullGaussian) Sample(dst []float64, rnd *rand.Rand) []float64 {
	dst = alloc(dst, f.d)
	for i := range dst {
		dst[i] = rnd.NormFloat64()
	}
	blas64.Trsv(blas.NoTrans, f.u, vec(dst))
	for i, m := range f.mean {
		dst[i] += m
	}
	return dst
}

// Mean writes m.
func (f *FullGaussian) Mean(dst []float64) []float64 {
	dst = alloc(dst, f.d)
	copy(dst, f.mean)
	return dst
}

// Precision returns a copy of S in dst. If dst is nil a new matrix is
// allocated; an empty dst is resized; otherwise dst must be D×D.
func (f *FullGaussian) Precision(dst *mat.SymDense) *mat.SymDense {
	dst = f.symDst(dst)
	dst.CopySym(mat.NewSymDense(f.d, f.prec))
	return dst
}

// Covariance returns S⁻¹ = U⁻¹U⁻ᵀ in dst (allocated if nil, resized if empty,
// else it must be D×D), computed from the Cholesky factor; when S is
// ill-conditioned its entries carry a relative error of about cond(S)·ε.
func (f *FullGaussian) Covariance(dst *mat.SymDense) *mat.SymDense {
	dst = f.symDst(dst)
	raw := dst.RawSymmetric()
	d := f.d
	for i := range d {
		copy(raw.Data[i*raw.Stride+i:i*raw.Stride+d], f.fac[i*d+i:i*d+d])
	}
	lapack64.Potri(blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: d, Stride: raw.Stride, Data: raw.Data})
	return dst
}

// Cholesky returns the factorisation S = UᵀU as a gonum mat.Cholesky in dst
// (allocated if nil); it is a copy.
func (f *FullGaussian) Cholesky(dst *mat.Cholesky) *mat.Cholesky {
	if dst == nil {
		dst = new(mat.Cholesky)
	}
	dst.SetFromU(mat.NewTriDense(f.d, mat.Upper, f.fac))
	return dst
}

func (f *FullGaussian) symDst(dst *mat.SymDense) *mat.SymDense {
	if dst == nil {
		return mat.NewSymDense(f.d, nil)
	}
	if dst.IsEmpty() {
		dst.ReuseAsSym(f.d)
		return dst
	}
	checkLen(dst.SymmetricDim(), f.d)
	return dst
}

// Layout returns FullHessian.
func (f *FullGaussian) Layout() HessianLayout { return FullHessian }

// MuGrad writes ∇_μE_q[f] = [g − H m, ½H] (Bonnet and Price), given g = E_q[∇f]
// (length D) and H = E_q[∇²f] (D×D row-major, symmetric; λ uses its symmetric
// part).
func (f *FullGaussian) MuGrad(dst, g, h []float64) []float64 {
	d := f.d
	checkLen(len(g), d)
	checkLen(len(h), d*d)
	dst = alloc(dst, f.Dim())
	mv := vec(f.mean)
	out := dst[d:]
	for i := range d {
		row := h[i*d : i*d+d]
		dst[i] = g[i] - blas64.Dot(vec(row), mv)
		o := out[i*d : i*d+d]
		for j, x := range row {
			o[j] = 0.5 * x
		}
	}
	return dst
}

// PrecisionMul writes S v into dst, which must not overlap v.
func (f *FullGaussian) PrecisionMul(dst, v []float64) []float64 {
	checkLen(len(v), f.d)
	dst = alloc(dst, f.d)
	blas64.Symv(1, f.sym(f.prec), vec(v), 0, vec(dst))
	return dst
}

// Retract implements Retractor: the improved rule (iBLR) of Lin, Schmidt &
// Khan (2020), https://arxiv.org/abs/2002.10060, for a full Gaussian.
//
// The plain direction is d = ∇_μE_q[ℓ̄] + λ, so by MuGrad d = [ĝ − Ĝm, ½Ĝ]
// with Ĝ = Ĥ − S; Retract reads Ĝ = d₂ + d₂ᵀ and writes
//
//	S′ = S + ρĜ + ½ρ²ĜS⁻¹Ĝ,   λ₁′ = S′m − ρĝ,   λ₂′ = −½S′,
//
// so that m′ = m − ρS′⁻¹ĝ (the mean step uses the updated precision).
//
// Derivation of the evaluated form: with X = S + ρĜ,
// X S⁻¹ X = S + 2ρĜ + ρ²ĜS⁻¹Ĝ, so S′ = ½(S + X S⁻¹ X). With S = LLᵀ and
// B = L⁻¹X this is S′ = ½(S + BᵀB): a positive definite matrix plus a Gram
// matrix, symmetric by construction, and ⪰ ½S for every symmetric Ĝ, indefinite
// ones included. It is the matrix analogue of s(1+(1+r)²)/2 (corrections,
// point 18): no intermediate exceeds S′ in magnitude by more than a modest
// factor, so it overflows only when S′ does, and its rounding error is
// relative to ‖S′‖ rather than to ‖ρĜ‖. B costs a triangular solve and BᵀB a
// rank-D update (both blocked over serial matrix multiplies), about 2D³ flops
// beside the D³/3 of the next factorisation (corrections, point 17).
//
// The mean block is evaluated as λ₁′ = λ₁ − ρd₁ + ½ρ²Ĝ S⁻¹(Ĝm), which equals
// S′m − ρĝ, so that with Ĝ = 0 λ₁′ is exactly the plain step; the matrix block
// then equals the plain one up to rounding (BᵀB = LLᵀ ≈ S). dst must not
// overlap dir. A non-finite result gives a *DomainError.
func (f *FullGaussian) Retract(dst, dir []float64, rho float64) ([]float64, error) {
	d := f.d
	checkLen(len(dir), f.Dim())
	dst = alloc(dst, f.Dim())
	d1, d2 := dir[:d], dir[d:]
	s := f.prec
	x := f.precS // work matrix X, then B; scratch until the next SetNatural
	v := f.v     // Ĝm
	clear(v)
	m := f.mean
	for ib := 0; ib < d; ib += symTile {
		ie := min(ib+symTile, d)
		for jb := ib; jb < d; jb += symTile {
			je := min(jb+symTile, d)
			for i := ib; i < ie; i++ {
				row := d2[i*d : i*d+d]
				var vi float64
				for j := max(jb, i); j < je; j++ {
					g := row[j] + d2[j*d+i]
					xv := s[i*d+j] + rho*g
					x[i*d+j], x[j*d+i] = xv, xv
					vi += g * m[j]
					if j != i {
						v[j] += g * m[i]
					}
				}
				v[i] += vi
			}
		}
	}
	// λ₁′ = λ₁ − ρd₁ + ½ρ² Ĝ S⁻¹ (Ĝm).
	blas64.Trsv(blas.Trans, f.u, vec(v))
	blas64.Trsv(blas.NoTrans, f.u, vec(v))
	z := f.meanS // scratch until the next SetNatural
	g2 := f.general(d2)
	blas64.Gemv(blas.NoTrans, 1, g2, vec(v), 0, vec(z))
	blas64.Gemv(blas.Trans, 1, g2, vec(v), 1, vec(z))
	c := 0.5 * rho * rho
	for i, l := range f.lam1 {
		l -= rho * d1[i]
		if z[i] != 0 {
			l += c * z[i]
		}
		if !gaussFinite(l) {
			return nil, &DomainError{Family: "FullGaussian", Field: fmt.Sprintf("natural[%d]", i), Value: l, Reason: "the iBLR update is not finite"}
		}
		dst[i] = l
	}
	// B = L⁻¹X = U⁻ᵀX, then −½S′ = −¼(S + BᵀB).
	solveUT(d, f.fac, x)
	out := dst[d:]
	gramUpper(d, -0.25, x, out)
	for ib := 0; ib < d; ib += symTile {
		ie := min(ib+symTile, d)
		for jb := ib; jb < d; jb += symTile {
			je := min(jb+symTile, d)
			for i := ib; i < ie; i++ {
				for j := max(jb, i); j < je; j++ {
					o := out[i*d+j] - 0.25*s[i*d+j]
					if o-o != 0 {
						return nil, &DomainError{Family: "FullGaussian", Field: fmt.Sprintf("precision[%d,%d]", i, j), Value: -2 * o, Reason: "the iBLR update is not finite"}
					}
					out[i*d+j], out[j*d+i] = o, o
				}
			}
		}
	}
	return dst, nil
}

// KL returns KL(q‖p) for p = N(mp, Sp⁻¹):
//
//	½[tr(Sp S⁻¹) − D + log det S − log det Sp + (mp−m)ᵀSp(mp−m)].
//
// With S = UᵀU, Sp = UpᵀUp and the upper triangular X = Up U⁻¹ (so
// Xᵢᵢ = Up,ᵢᵢ/Uᵢᵢ) this is ½[Σᵢ(Xᵢᵢ² − 1 − log Xᵢᵢ²) + Σᵢ<ⱼXᵢⱼ² + ‖Up(mp−m)‖²],
// a sum of non-negative terms that is exactly 0 for p = q. It allocates and
// panics with ErrLength if the dimensions differ.
func (f *FullGaussian) KL(p *FullGaussian) float64 {
	d := f.d
	checkLen(p.d, d)
	x := make([]float64, d*d)
	for i := range d {
		copy(x[i*d+i:i*d+d], p.fac[i*d+i:i*d+d])
	}
	blas64.Trsm(blas.Right, blas.NoTrans, 1, f.u, f.general(x))
	var kl float64
	for i := range d {
		xi := x[i*d+i]
		t := (xi - 1) * (xi + 1)
		kl += t - math.Log1p(t)
		for _, xij := range x[i*d+i+1 : i*d+d] {
			kl += xij * xij
		}
	}
	dm := make([]float64, d)
	for i := range dm {
		dm[i] = p.mean[i] - f.mean[i]
	}
	blas64.Trmv(blas.NoTrans, p.u, vec(dm))
	kl += blas64.Dot(vec(dm), vec(dm))
	return 0.5 * kl
}

// Clone returns an independent copy.
func (f *FullGaussian) Clone() Family {
	c := newFull(f.d)
	copy(c.lam1, f.lam1)
	copy(c.prec, f.prec)
	copy(c.fac, f.fac)
	copy(c.mean, f.mean)
	return c
}
