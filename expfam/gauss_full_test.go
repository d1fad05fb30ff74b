package expfam

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// fullDirection returns the plain direction d = MuGrad(g, H) − EntropyGrad.
func fullDirection(q *FullGaussian, g, h []float64) []float64 {
	dir := q.MuGrad(nil, g, h)
	ent := q.EntropyGrad(nil)
	for i := range dir {
		dir[i] -= ent[i]
	}
	return dir
}

func symData(s *mat.SymDense) []float64 {
	d := s.SymmetricDim()
	out := make([]float64, d*d)
	for i := range d {
		for j := range d {
			out[i*d+j] = s.At(i, j)
		}
	}
	return out
}

// TestCholeskyBlocked checks the blocked factorisation across block edges:
// UᵀU = S and agreement with gonum's mat.Cholesky.
func TestCholeskyBlocked(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	sizes := []int{1, 2, 63, 64, 65, 130, 200}
	if !testing.Short() {
		sizes = append(sizes, 400)
	}
	for _, d := range sizes {
		s := randSPD(r, d)
		a := symData(s)
		if !cholesky(d, a) {
			t.Fatalf("D=%d: factorisation failed", d)
		}
		var ref mat.Cholesky
		if !ref.Factorize(s) {
			t.Fatalf("D=%d: gonum factorisation failed", d)
		}
		var u mat.TriDense
		ref.UTo(&u)
		var worst float64
		for i := range d {
			for j := i; j < d; j++ {
				worst = math.Max(worst, math.Abs(a[i*d+j]-u.At(i, j)))
			}
		}
		if worst > 1e-12 {
			t.Fatalf("D=%d: U differs from gonum's by %g", d, worst)
		}
		// A matrix that is not PD past the first block is refused.
		bad := symData(s)
		bad[(d-1)*d+d-1] = -1
		if cholesky(d, bad) {
			t.Fatalf("D=%d: a matrix with a negative diagonal entry was factorised", d)
		}
	}
}

// TestBlockedKernels checks solveUT and gramUpper against the unblocked BLAS
// calls across block edges.
func TestBlockedKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, d := range []int{1, 5, 64, 65, 200, 250} {
		u := symData(randSPD(r, d))
		if !cholesky(d, u) {
			t.Fatal("not PD")
		}
		x := make([]float64, d*d)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		got := append([]float64(nil), x...)
		solveUT(d, u, got)
		want := append([]float64(nil), x...)
		blas64.Trsm(blas.Left, blas.Trans, 1, upper(d, u), blas64.General{Rows: d, Cols: d, Stride: d, Data: want})
		if e := maxAbsDiff(got, want); e > 1e-12*math.Max(1, maxAbs(want)) {
			t.Fatalf("D=%d: solveUT differs from Trsm by %g", d, e)
		}
		gotC, wantC := make([]float64, d*d), make([]float64, d*d)
		gramUpper(d, -0.5, x, gotC)
		blas64.Syrk(blas.Trans, -0.5, blas64.General{Rows: d, Cols: d, Stride: d, Data: x}, 0, blas64.Symmetric{Uplo: blas.Upper, N: d, Stride: d, Data: wantC})
		for i := range d {
			for j := i; j < d; j++ {
				if e := math.Abs(gotC[i*d+j] - wantC[i*d+j]); e > 1e-12*float64(d) {
					t.Fatalf("D=%d: gramUpper[%d,%d] = %g, Syrk %g", d, i, j, gotC[i*d+j], wantC[i*d+j])
				}
			}
		}
	}
}

// TestFullIBLRIndefinite is the worked example of the reference: from
// S = [[2,.3],[.3,1]] with Ĥ = [[−3,1],[1,.5]] and ρ = .9 the plain rule's
// precision has determinant −2.2399 and is refused; iBLR's has +2.76.
func TestFullIBLRIndefinite(t *testing.T) {
	s := mat.NewSymDense(2, []float64{2, 0.3, 0.3, 1})
	q, err := NewFullGaussian([]float64{0.5, -1}, s)
	if err != nil {
		t.Fatal(err)
	}
	const rho = 0.9
	dir := fullDirection(q, []float64{0.2, 0.1}, []float64{-3, 1, 1, 0.5})
	lam := q.Natural(nil)
	plain := make([]float64, len(lam))
	for i := range lam {
		plain[i] = lam[i] - rho*dir[i]
	}
	if det := 4 * (plain[2]*plain[5] - plain[3]*plain[4]); math.Abs(det+2.2399) > 1e-12 {
		t.Fatalf("plain det S′ = %.6g, want −2.2399", det)
	}
	if err := q.Clone().SetNatural(plain); !errors.Is(err, ErrDomain) {
		t.Fatalf("plain step: err = %v, want ErrDomain", err)
	}
	next, err := q.Retract(nil, dir, rho)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.SetNatural(next); err != nil {
		t.Fatalf("iBLR step: %v", err)
	}
	p := q.Precision(nil)
	// S′ = S + ρĜ + ½ρ²ĜS⁻¹Ĝ computed by hand: det = 2.7614….
	if det := p.At(0, 0)*p.At(1, 1) - p.At(0, 1)*p.At(1, 0); math.Abs(det-2.76) > 0.005 {
		t.Fatalf("iBLR det S′ = %.6g, want about 2.76", det)
	}
}

// refIBLR evaluates S′ = S + ρĜ + ½ρ²ĜS⁻¹Ĝ and m′ = m − ρS′⁻¹ĝ directly with
// dense inverses.
func refIBLR(s *mat.SymDense, m, g []float64, h *mat.Dense, rho float64) (*mat.Dense, []float64) {
	d := len(m)
	var gg, sinv, t1, sp mat.Dense
	gg.Sub(h, s)
	if err := sinv.Inverse(s); err != nil {
		panic(err)
	}
	t1.Mul(&gg, &sinv)
	t1.Mul(&t1, &gg)
	t1.Scale(0.5*rho*rho, &t1)
	sp.Scale(rho, &gg)
	sp.Add(&sp, s)
	sp.Add(&sp, &t1)
	var spinv mat.Dense
	if err := spinv.Inverse(&sp); err != nil {
		panic(err)
	}
	step := mat.NewVecDense(d, nil)
	step.MulVec(&spinv, mat.NewVecDense(d, g))
	m2 := make([]float64, d)
	for i := range m2 {
		m2[i] = m[i] - rho*step.AtVec(i)
	}
	return &sp, m2
}

// TestFullRetractFormula checks Retract against the direct formulas on random
// moderate inputs, indefinite Ĥ included.
func TestFullRetractFormula(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for k := range 1000 {
		d := 1 + r.IntN(5)
		s := randSPD(r, d)
		q, err := NewFullGaussian(uniform(r, d, -3, 3), s)
		if err != nil {
			t.Fatal(err)
		}
		m := q.Mean(nil)
		g := uniform(r, d, -5, 5)
		h := mat.NewDense(d, d, nil)
		for i := range d {
			for j := i; j < d; j++ {
				v := 4 * r.NormFloat64()
				h.Set(i, j, v)
				h.Set(j, i, v)
			}
		}
		rho := 0.05 + 0.95*r.Float64()
		next, err := q.Retract(nil, fullDirection(q, g, h.RawMatrix().Data), rho)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.SetNatural(next); err != nil {
			t.Fatalf("#%d: iBLR step refused: %v", k, err)
		}
		sp, m2 := refIBLR(s, m, g, h, rho)
		got := q.Precision(nil)
		scale := math.Max(1, mat.Norm(sp, math.Inf(1)))
		for i := range d {
			for j := range d {
				if e := math.Abs(got.At(i, j) - sp.At(i, j)); e > 1e-12*scale {
					t.Fatalf("#%d: S′[%d,%d] = %.17g, want %.17g", k, i, j, got.At(i, j), sp.At(i, j))
				}
			}
		}
		if e := maxAbsDiff(q.Mean(nil), m2); e > 1e-10*math.Max(1, maxAbs(m2)) {
			t.Fatalf("#%d: m′ = %v, want %v", k, q.Mean(nil), m2)
		}
	}
}

// TestFullRetractFixedPoint: with Ĝ = 0 the mean block is exactly the plain
// step and the matrix block equals it up to rounding.
func TestFullRetractFixedPoint(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	for k := range 1000 {
		d := 1 + r.IntN(5)
		q, err := NewFullGaussian(uniform(r, d, -3, 3), randSPD(r, d))
		if err != nil {
			t.Fatal(err)
		}
		h := q.Natural(nil)[d:] // Ĥ = S, so Ĝ = 0
		for i := range h {
			h[i] *= -2
		}
		dir := fullDirection(q, uniform(r, d, -5, 5), h)
		for _, x := range dir[d:] {
			if x != 0 {
				t.Fatalf("#%d: d₂ = %v, want 0", k, dir[d:])
			}
		}
		rho := r.Float64()
		got, err := q.Retract(nil, dir, rho)
		if err != nil {
			t.Fatal(err)
		}
		want := plainStep(q.Natural(nil), dir, rho)
		if !bitsEqual(got[:d], want[:d]) {
			t.Fatalf("#%d: λ₁′ = %v, plain step %v", k, got[:d], want[:d])
		}
		if e := maxAbsDiff(got[d:], want[d:]); e > 1e-14*maxAbs(want[d:]) {
			t.Fatalf("#%d: λ₂′ differs from the plain step by %g", k, e)
		}
	}
}

// TestFullRetractAdversarial scales S and Ĝ over 1e±150 (Ĝ indefinite): where
// the exact S′ is representable it is positive definite with S′ − ½S ⪰ 0 up to
// rounding; where it overflows Retract returns a *DomainError.
func TestFullRetractAdversarial(t *testing.T) {
	r := rand.New(rand.NewPCG(47, 48))
	s0 := randSPD(r, 3)
	g0 := []float64{-3, 1, 0.2, 1, 0.5, -1, 0.2, -1, 2}
	for _, ls := range []float64{-150, -60, 0, 60, 150} {
		for _, lg := range []float64{-150, -60, 0, 60, 150, 200} {
			for _, rho := range []float64{1e-3, 0.5, 1} {
				a, b := math.Pow(10, ls), math.Pow(10, lg)
				var s mat.SymDense
				s.ScaleSym(a, s0)
				q, err := NewFullGaussian([]float64{1, -1, 0.5}, &s)
				if err != nil {
					t.Fatal(err)
				}
				// d = [0, ½Ĝ] gives Ĝ = b·G₀ (symmetric).
				dir := make([]float64, 12)
				for i, v := range g0 {
					dir[3+i] = 0.5 * b * v
				}
				next, err := q.Retract(nil, dir, rho)
				// log10 of ½ρ²‖Ĝ‖²/‖S‖, the size of S′ when Ĝ dominates.
				size := 2*math.Log10(rho) + 2*lg - ls
				switch {
				case size > 310:
					if !errors.Is(err, ErrDomain) {
						t.Fatalf("ls=%g lg=%g ρ=%g: S′ overflows, err = %v", ls, lg, rho, err)
					}
					continue
				case size > 300:
					continue // too near the edge to call
				}
				if err != nil {
					t.Fatalf("ls=%g lg=%g ρ=%g: %v", ls, lg, rho, err)
				}
				p := q.Clone()
				if err := p.SetNatural(next); err != nil {
					t.Fatalf("ls=%g lg=%g ρ=%g: S′ refused: %v", ls, lg, rho, err)
				}
				// S′ − ½S ⪰ 0: eigenvalues ≥ −1e-12‖S′‖.
				sp := p.(*FullGaussian).Precision(nil)
				var diff mat.SymDense
				diff.AddSym(sp, scaled(-0.5, &s))
				// Normalise: gonum's eigensolver is not scale-safe at 1e±300.
				diff.ScaleSym(1/maxAbs(symData(&diff)), &diff)
				var ev mat.EigenSym
				if !ev.Factorize(&diff, false) {
					t.Fatal("eigen decomposition failed")
				}
				vals := ev.Values(nil)
				top := math.Max(math.Abs(vals[0]), math.Abs(vals[len(vals)-1]))
				if vals[0] < -1e-12*top {
					t.Fatalf("ls=%g lg=%g ρ=%g: S′ − ½S has eigenvalue %g (largest %g)", ls, lg, rho, vals[0], top)
				}
			}
		}
	}
}

func scaled(f float64, s *mat.SymDense) *mat.SymDense {
	var out mat.SymDense
	out.ScaleSym(f, s)
	return &out
}

// TestFullSetNaturalSymmetrises: the matrix block's symmetric part is used,
// and Natural returns it.
func TestFullSetNaturalSymmetrises(t *testing.T) {
	q, err := NewFullGaussian([]float64{0, 0}, mat.NewSymDense(2, []float64{1, 0, 0, 1}))
	if err != nil {
		t.Fatal(err)
	}
	lam := []float64{1, 2, -1, -0.25, -0.35, -2} // λ₂ not symmetric
	if err := q.SetNatural(lam); err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 2, -1, -0.3, -0.3, -2}
	if got := q.Natural(nil); maxAbsDiff(got, want) > 1e-16 {
		t.Fatalf("Natural = %v, want %v", got, want)
	}
	p := q.Precision(nil)
	if p.At(0, 1) != 0.6 || p.At(1, 0) != 0.6 || p.At(0, 0) != 2 || p.At(1, 1) != 4 {
		t.Fatalf("precision %v, want [[2 .6] [.6 4]]", mat.Formatted(p))
	}
}

// TestFullAccessors checks Precision, Covariance, Cholesky and Mean against
// one another.
func TestFullAccessors(t *testing.T) {
	r := rand.New(rand.NewPCG(49, 50))
	for range 100 {
		d := 1 + r.IntN(6)
		s := randSPD(r, d)
		m := uniform(r, d, -2, 2)
		q, err := NewFullGaussian(m, s)
		if err != nil {
			t.Fatal(err)
		}
		if !bitsEqual(q.Mean(nil), m) {
			t.Fatalf("mean %v, want %v as given", q.Mean(nil), m)
		}
		if !mat.Equal(q.Precision(nil), s) {
			t.Fatal("Precision is not the given precision")
		}
		var id mat.Dense
		id.Mul(q.Precision(nil), q.Covariance(nil))
		if !mat.EqualApprox(&id, eye(d), 1e-12) {
			t.Fatalf("S·Covariance ≠ I:\n%v", mat.Formatted(&id))
		}
		var back mat.SymDense
		q.Cholesky(nil).ToSym(&back)
		if !mat.EqualApprox(&back, s, 1e-12) {
			t.Fatal("Cholesky does not reproduce S")
		}
		empty := &mat.SymDense{}
		if q.Precision(empty) != empty || empty.SymmetricDim() != d {
			t.Fatal("Precision did not fill an empty destination")
		}
	}
}

func eye(d int) *mat.Dense {
	e := mat.NewDense(d, d, nil)
	for i := range d {
		e.Set(i, i, 1)
	}
	return e
}

func TestNewFullGaussianRejects(t *testing.T) {
	cases := []struct {
		name string
		mean []float64
		prec *mat.SymDense
		want error
	}{
		{"empty", nil, mat.NewSymDense(1, nil), ErrLength},
		{"nil precision", []float64{0}, nil, ErrLength},
		{"size", []float64{0, 0}, mat.NewSymDense(3, nil), ErrLength},
		{"NaN mean", []float64{math.NaN()}, mat.NewSymDense(1, []float64{1}), ErrDomain},
		{"NaN precision", []float64{0, 0}, mat.NewSymDense(2, []float64{1, math.NaN(), math.NaN(), 1}), ErrDomain},
		{"not PD", []float64{0, 0}, mat.NewSymDense(2, []float64{1, 2, 2, 1}), ErrDomain},
		{"zero", []float64{0}, mat.NewSymDense(1, []float64{0}), ErrDomain},
		{"λ₁ overflows", []float64{1e300}, mat.NewSymDense(1, []float64{1e300}), ErrDomain},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := NewFullGaussian(c.mean, c.prec)
			if !errors.Is(err, c.want) || q != nil {
				t.Fatalf("NewFullGaussian = %v, %v; want an error wrapping %v", q, err, c.want)
			}
		})
	}
}
