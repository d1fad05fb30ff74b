package glm_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/glm"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
)

// mutDesign returns an n×d standard normal design and targets y = x·(1, −1, ½, …) + noise.
func mutDesign(n, d int, seed uint64) (*mat.Dense, []float64) {
	rnd := rand.New(rand.NewPCG(seed, 7))
	x := mat.NewDense(n, d, nil)
	y := make([]float64, n)
	for i := range n {
		for j := range d {
			v := rnd.NormFloat64()
			x.Set(i, j, v)
			y[i] += v / float64(j+1) * math.Pow(-1, float64(j))
		}
		y[i] += 0.3 * rnd.NormFloat64()
	}
	return x, y
}

func mutClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

// TestMutantNaturalStats pins Linear.NaturalStats against the closed form
// (τXᵀy, −½τXᵀX), both when it allocates (dst nil) and when it must write
// into the caller's dst.
func TestMutantNaturalStats(t *testing.T) {
	const tau = 2.5
	x, y := mutDesign(7, 3, 1)
	m, err := glm.NewLinear(x, y, tau, 0.4)
	if err != nil {
		t.Fatal(err)
	}
	q, err := expfam.NewFullGaussian([]float64{0, 0, 0}, eye(3))
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 3+9)
	for i := range 7 {
		for a := range 3 {
			want[a] += tau * x.At(i, a) * y[i]
			for b := range 3 {
				want[3+a*3+b] -= 0.5 * tau * x.At(i, a) * x.At(i, b)
			}
		}
	}
	for _, tc := range []struct {
		name string
		dst  []float64
	}{{"nil", nil}, {"given", make([]float64, 12)}} {
		got, err := m.NaturalStats(tc.dst, q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tc.dst != nil && &got[0] != &tc.dst[0] {
			t.Errorf("%s: result not written into dst", tc.name)
		}
		for j := range want {
			if !mutClose(got[j], want[j], 1e-12) {
				t.Errorf("%s: λ̃[%d] = %g, want %g", tc.name, j, got[j], want[j])
			}
		}
	}
}

func eye(d int) *mat.SymDense {
	s := mat.NewSymDense(d, nil)
	for j := range d {
		s.SetSym(j, j, 1)
	}
	return s
}

// TestMutantPrecisions pins every model's Precisions for a scalar and a
// per-coordinate prior, allocated (nil) and written into the caller's dst.
func TestMutantPrecisions(t *testing.T) {
	x, y := mutDesign(6, 2, 2)
	lin, _ := glm.NewLinear(x, y, 1, 0.5)
	lab := make([]float64, 6)
	for i := range lab {
		lab[i] = float64(i % 2)
	}
	lg, _ := glm.NewLogistic(x, lab, 0.5)
	mn, _ := glm.NewMultinomial(x, []int{0, 1, 2, 0, 1, 2}, 3, 0.5)
	ln, _ := glm.NewLinearNoise(x, y, 0.5, 0, 3)
	type model interface {
		Precisions([]float64) []float64
		SetPriorPrecisions([]float64) error
		Dim() int
	}
	for _, tc := range []struct {
		name string
		m    model
		vec  []float64
		want func(vec []float64) []float64
	}{
		{"linear", lin, []float64{2, 3}, nil},
		{"logistic", lg, []float64{2, 3}, nil},
		{"multinomial", mn, []float64{2, 3, 4, 5, 6, 7}, nil},
		{"linear-noise", ln, []float64{2, 3}, func(v []float64) []float64 { return append(append([]float64(nil), v...), 3) }},
	} {
		d := tc.m.Dim()
		scalar := make([]float64, d)
		for j := range scalar {
			scalar[j] = 0.5
		}
		if tc.want != nil {
			scalar[d-1] = 3
		}
		vecWant := tc.vec
		if tc.want != nil {
			vecWant = tc.want(tc.vec)
		}
		for _, step := range []struct {
			label string
			want  []float64
		}{{"scalar", scalar}, {"vector", vecWant}} {
			if step.label == "vector" {
				if err := tc.m.SetPriorPrecisions(tc.vec); err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
			}
			got := tc.m.Precisions(nil)
			dst := make([]float64, d)
			got2 := tc.m.Precisions(dst)
			for j := range step.want {
				if got[j] != step.want[j] || dst[j] != step.want[j] || got2[j] != step.want[j] {
					t.Errorf("%s %s: δ[%d] = %g (nil), %g (dst), want %g", tc.name, step.label, j, got[j], dst[j], step.want[j])
				}
			}
		}
	}
}

// TestMutantQuadratureNodes pins Quadrature's closed-form expected loss for
// the Gaussian loss, E_q[½τ(sᵢ−yᵢ)²] = ½τ((aᵢ−yᵢ)² + xᵢᵀΣxᵢ), over more
// rows than one solve block (1024), and its MaxNodes: 8+16 = 24 Gauss–Hermite
// points for a quadratic, 1 point for rows xᵢ = 0 (a point mass score).
// GOMAXPROCS is 2 so that the 3 blocks of 1024 rows go to two workers.
func TestMutantQuadratureNodes(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const tau = 1.7
	for _, tc := range []struct {
		name  string
		n     int
		zero  bool
		nodes int
	}{{"blocks", 2100, false, 24}, {"zero-rows", 5, true, 1}} {
		x, y := mutDesign(tc.n, 3, 3)
		if tc.zero {
			x.Zero()
		}
		model, err := glm.NewLinear(x, y, tau, 0.2)
		if err != nil {
			t.Fatal(err)
		}
		mean := []float64{0.4, -1, 2}
		prec := mat.NewSymDense(3, []float64{4, 1, 0.5, 1, 3, -0.2, 0.5, -0.2, 2})
		q, err := expfam.NewFullGaussian(mean, prec)
		if err != nil {
			t.Fatal(err)
		}
		var cov mat.Dense
		if err := cov.Inverse(prec); err != nil {
			t.Fatal(err)
		}
		var want float64
		for i := range tc.n {
			var a, v float64
			for j := range 3 {
				a += x.At(i, j) * mean[j]
				for k := range 3 {
					v += x.At(i, j) * cov.At(j, k) * x.At(i, k)
				}
			}
			want += 0.5 * tau * ((a-y[i])*(a-y[i]) + v)
		}
		e := &glm.Quadrature{Model: model}
		got, err := e.ExpectedDataLoss(q)
		if err != nil {
			t.Fatal(err)
		}
		if !mutClose(got, want, 1e-11) {
			t.Errorf("%s: E_q[Σℓᵢ] = %.15g, closed form %.15g", tc.name, got, want)
		}
		if e.MaxNodes != tc.nodes {
			t.Errorf("%s: MaxNodes = %d, want %d", tc.name, e.MaxNodes, tc.nodes)
		}
	}
}

// TestMutantSoftmaxMCDefault pins SoftmaxMC's defaults: Samples 0 means 256
// draws (not none), and Estimate accepts a diagonal Gaussian. At a q whose
// variances are 1e-20 every draw is the mean, so g is ∇ℓ̄(m) written out
// by hand, Σᵢ(pᵢ − onehot yᵢ)⊗xᵢ + δm, and Estimate's mean block is g − h⊙m.
func TestMutantSoftmaxMCDefault(t *testing.T) {
	x, _ := mutDesign(5, 2, 4)
	y := []int{0, 2, 1, 1, 0}
	const k, d, delta = 3, 2, 0.7
	model, err := glm.NewMultinomial(x, y, k, delta)
	if err != nil {
		t.Fatal(err)
	}
	m := []float64{0.3, -0.2, 1, 0.5, -0.7, 0.1}
	prec := make([]float64, k*d)
	for j := range prec {
		prec[j] = 1e20
	}
	q, err := expfam.NewDiagGaussian(m, prec)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, k*d)
	var wantLoss float64
	for i := range 5 {
		f := make([]float64, k)
		var z float64
		for c := range k {
			for j := range d {
				f[c] += m[c*d+j] * x.At(i, j)
			}
			z += math.Exp(f[c])
		}
		wantLoss += math.Log(z) - f[y[i]]
		for c := range k {
			r := math.Exp(f[c]) / z
			if c == y[i] {
				r--
			}
			for j := range d {
				want[c*d+j] += r * x.At(i, j)
			}
		}
	}
	for j := range want {
		want[j] += delta * m[j]
	}
	e := &glm.SoftmaxMC{Model: model, Seed: 3}
	_, g, h, err := e.Moments(q)
	if err != nil {
		t.Fatal(err)
	}
	if !mutClose(e.ExpectedLoss, wantLoss, 1e-8) {
		t.Errorf("ExpectedLoss = %.12g, want %.12g", e.ExpectedLoss, wantLoss)
	}
	for j := range want {
		if !mutClose(g[j], want[j], 1e-8) {
			t.Errorf("g[%d] = %.12g, ∇ℓ̄(m) = %.12g", j, g[j], want[j])
		}
	}
	hc := append([]float64(nil), h...)
	est, err := e.Estimate(nil, q, nil)
	if err != nil {
		t.Fatalf("Estimate on a diagonal Gaussian: %v", err)
	}
	for j := range want {
		if w := want[j] - hc[j]*m[j]; !mutClose(est[j], w, 1e-6) {
			t.Errorf("∇_μ₁[%d] = %.12g, want g − h⊙m = %.12g", j, est[j], w)
		}
	}
	if _, err := e.Estimate(nil, expfam.Family(nil), nil); err == nil || !strings.Contains(err.Error(), "Gaussian") {
		t.Errorf("Estimate on a non-Gaussian: err %v", err)
	}
}

// TestMutantScoreEntriesBoundary pins MaxScoreEntries = 2²⁷ and the
// boundary: N·K² equal to it is accepted, one row more is refused.
func TestMutantScoreEntriesBoundary(t *testing.T) {
	if glm.MaxScoreEntries != 1<<27 {
		t.Errorf("MaxScoreEntries = %d, want 2^27 (1 GiB of float64)", glm.MaxScoreEntries)
	}
	const k = 1 << 13 // K² = 2²⁶
	for _, tc := range []struct {
		n  int
		ok bool
	}{{2, true}, {3, false}} {
		x := mat.NewDense(tc.n, 1, nil)
		y := make([]int, tc.n)
		y[0] = 1
		_, err := glm.NewMultinomial(x, y, k, 1)
		if (err == nil) != tc.ok {
			t.Errorf("N = %d, K = 2^13: err %v, want accepted = %v", tc.n, err, tc.ok)
		}
	}
}

// TestMutantPredictiveLogDensity pins PredictiveLogDensity for D = 1
// against a 2-D Gauss–Legendre integral of N(y; x·w, e^{−ρ}) over
// (w, ρ) ~ N(mean, Σ) in whitened coordinates, with w and ρ correlated.
func TestMutantPredictiveLogDensity(t *testing.T) {
	mean := []float64{0.8, 0.3}
	cov := mat.NewSymDense(2, []float64{0.5, 0.12, 0.12, 0.2})
	var chol mat.Cholesky
	if !chol.Factorize(cov) {
		t.Fatal("cov not PD")
	}
	var l mat.TriDense
	chol.LTo(&l)
	xs := []float64{1.5, -0.7, 0}
	ys := []float64{2, -1.2, 0.4}
	x := mat.NewDense(3, 1, xs)
	logp, mu := glm.PredictiveLogDensity(nil, nil, x, ys, mean, cov)
	phi := func(z float64) float64 { return math.Exp(-0.5*z*z) / math.Sqrt(2*math.Pi) }
	for i := range xs {
		inner := func(z1 float64) float64 {
			return quad.Fixed(func(z2 float64) float64 {
				w := mean[0] + l.At(0, 0)*z1
				rho := mean[1] + l.At(1, 0)*z1 + l.At(1, 1)*z2
				s2 := math.Exp(-rho)
				r := ys[i] - xs[i]*w
				return math.Exp(-0.5*r*r/s2) / math.Sqrt(2*math.Pi*s2) * phi(z2)
			}, -10, 10, 200, nil, 0) * phi(z1)
		}
		want := math.Log(quad.Fixed(inner, -10, 10, 200, nil, 0))
		if math.Abs(logp[i]-want) > 1e-9 {
			t.Errorf("row %d: log p = %.12g, quadrature %.12g", i, logp[i], want)
		}
		if !mutClose(mu[i], xs[i]*mean[0], 1e-15) {
			t.Errorf("row %d: mean %g, want %g", i, mu[i], xs[i]*mean[0])
		}
	}
}

// TestMutantQuadratureTrapezoidNodes pins MaxNodes on the trapezoid path,
// counted from the documented algorithm for one logistic row with score
// s ~ N(0.7, 4) (σ = 2): Gauss–Hermite 8 + 16 disagree, then the trapezoid
// rule on ±9.5σ with step min(σ/2, 1) = 1 takes 38 intervals (39 points),
// each halving adds the midpoints (38, then 76). At Tol 1e-9 one halving
// suffices (the h = 1 and h = ½ sums differ by about 1e-8, within
// √(Tol/100) = 3e-6); at Tol 1e-20 a second is needed. The expected loss
// E[log(1+e^{−s})] is checked against Gauss–Legendre.
func TestMutantQuadratureTrapezoidNodes(t *testing.T) {
	x := mat.NewDense(1, 1, []float64{1})
	model, err := glm.NewLogistic(x, []float64{1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	q, err := expfam.NewFullGaussian([]float64{0.7}, mat.NewSymDense(1, []float64{0.25}))
	if err != nil {
		t.Fatal(err)
	}
	want := quad.Fixed(func(s float64) float64 {
		z := (s - 0.7) / 2
		return math.Log1p(math.Exp(-s)) * math.Exp(-0.5*z*z) / (2 * math.Sqrt(2*math.Pi))
	}, 0.7-24, 0.7+24, 4000, nil, 0)
	for _, tc := range []struct {
		tol, eps float64
		nodes    int
	}{{1e-9, 1e-9, 24 + 39 + 38}, {1e-20, 1e-13, 24 + 39 + 38 + 76}} {
		e := &glm.Quadrature{Model: model, Tol: tc.tol}
		got, err := e.ExpectedDataLoss(q)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > tc.eps {
			t.Errorf("Tol %g: E[ℓ] = %.16g, Gauss–Legendre %.16g", tc.tol, got, want)
		}
		if e.MaxNodes != tc.nodes {
			t.Errorf("Tol %g: MaxNodes = %d, want %d", tc.tol, e.MaxNodes, tc.nodes)
		}
	}
}

// TestMutantLogisticLoss pins the loss Logistic.Grad returns, for labels 0
// and 1, against Σᵢ log(1 + exp(−(2yᵢ−1)xᵢᵀθ)) + ½δ‖θ‖² (a NaN in the loss
// would pass finite-difference checks of the gradient unnoticed).
func TestMutantLogisticLoss(t *testing.T) {
	x, _ := mutDesign(9, 3, 5)
	y := []float64{0, 1, 1, 0, 0, 1, 0, 1, 0}
	const delta = 0.6
	m, err := glm.NewLogistic(x, y, delta)
	if err != nil {
		t.Fatal(err)
	}
	theta := []float64{0.5, -1.2, 0.8}
	var want float64
	for i := range 9 {
		var s float64
		for j := range 3 {
			s += x.At(i, j) * theta[j]
		}
		want += math.Log1p(math.Exp(-(2*y[i] - 1) * s))
	}
	for _, v := range theta {
		want += 0.5 * delta * v * v
	}
	if got := m.Grad(make([]float64, 3), theta); !mutClose(got, want, 1e-14) {
		t.Errorf("ℓ̄(θ) = %.16g, want %.16g", got, want)
	}
}
