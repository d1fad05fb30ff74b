package glm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
)

// refExpect is an independent reference for E[f(s)], s ~ N(a, v): composite
// 12-point Gauss–Legendre on [a−13σ, a+13σ] with panels no wider than
// min(σ, 1)/4, a different rule from the code under test.
func refExpect(f func(float64) float64, a, v float64) float64 {
	if v == 0 {
		return f(a)
	}
	sd := math.Sqrt(v)
	lo, hi := a-13*sd, a+13*sd
	w := math.Min(sd, 1) / 4
	panels := int(math.Ceil((hi - lo) / w))
	w = (hi - lo) / float64(panels)
	x := make([]float64, 12)
	wt := make([]float64, 12)
	var sum, mass float64
	for p := range panels {
		l := lo + float64(p)*w
		quad.Legendre{}.FixedLocations(x, wt, l, l+w)
		for k, s := range x {
			z := (s - a) / sd
			phi := wt[k] * math.Exp(-0.5*z*z)
			sum += phi * f(s)
			mass += phi
		}
	}
	// Dividing by the rule's own mass of the Gaussian (rather than by
	// σ√(2π)) cancels its rounding in the normalisation.
	return sum / mass
}

// TestExpectSmooth compares the logistic loss's three expectations with
// the reference over means and variances from tiny to σ = 6.
func TestExpectSmooth(t *testing.T) {
	m := &Logistic{Y: []float64{1, 0}}
	e := &Quadrature{Model: m}
	var worst float64
	for _, y := range []int{0, 1} {
		for _, a := range []float64{-30, -8, -2, -0.3, 0, 1, 4, 12, 35} {
			for _, v := range []float64{1e-6, 0.01, 0.3, 1, 4, 36} {
				f, d1, d2, _ := e.expect(e.worker(0), y, a, v)
				got := []float64{f, d1, d2}
				for c := range 3 {
					ref := refExpect(func(s float64) float64 {
						o := [3]float64{}
						o[0], o[1], o[2] = m.ScoreLoss(y, s)
						return o[c]
					}, a, v)
					dev := math.Abs(got[c]-ref) / (1 + math.Abs(ref))
					worst = math.Max(worst, dev)
					if dev > 1e-12 {
						t.Errorf("y=%d a=%g v=%g: E[f^(%d)] = %.17g, reference %.17g (rel dev %.2e)", y, a, v, c, got[c], ref, dev)
					}
				}
			}
		}
	}
	t.Logf("largest deviation from the Gauss–Legendre reference: %.2e", worst)
}

// TestExpectAdaptiveWide checks the predictive integral E[σ(s)] where
// Gauss–Hermite alone fails (σ = 5).
func TestExpectAdaptiveWide(t *testing.T) {
	for _, c := range [][2]float64{{0, 25}, {3, 25}, {-10, 100}, {0.5, 1e-8}} {
		got := ExpectAdaptive(expfam.Sigmoid, c[0], c[1], 1e-13)
		ref := refExpect(expfam.Sigmoid, c[0], c[1])
		if math.Abs(got-ref) > 1e-12 {
			t.Errorf("E[σ(s)], s ~ N(%g, %g) = %.17g, reference %.17g", c[0], c[1], got, ref)
		}
	}
}

// TestQuadratureMoments checks Moments for a full and a diagonal Gaussian
// against per-example reference integrals assembled by hand.
func TestQuadratureMoments(t *testing.T) {
	x, y := randDesign(25, 3, 7)
	model, err := NewLogistic(x, y, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if err := model.SetPriorPrecisions([]float64{0.5, 0.5, 2}); err != nil {
		t.Fatal(err)
	}
	m := []float64{0.4, -1.2, 0.3}
	prec := mat.NewSymDense(3, []float64{2, 0.4, 0.1, 0.4, 1, -0.2, 0.1, -0.2, 0.7})
	full, err := expfam.NewFullGaussian(m, prec)
	if err != nil {
		t.Fatal(err)
	}
	diag, err := expfam.NewDiagGaussian(m, []float64{2, 1, 0.7})
	if err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]expfam.Gaussian{"full": full, "diag": diag} {
		t.Run(name, func(t *testing.T) {
			cov, err := covarianceOf(q)
			if err != nil {
				t.Fatal(err)
			}
			a, v := ScoreMoments(nil, nil, x, m, cov)
			e := &Quadrature{Model: model}
			loss, g, h, err := e.Moments(q)
			if err != nil {
				t.Fatal(err)
			}
			delta := []float64{0.5, 0.5, 2}
			wantG := make([]float64, 3)
			wantH := make([]float64, 9)
			var wantLoss float64
			for i := range y {
				fi := func(c int) float64 {
					return refExpect(func(s float64) float64 {
						o := [3]float64{}
						o[0], o[1], o[2] = model.ScoreLoss(i, s)
						return o[c]
					}, a[i], v[i])
				}
				wantLoss += fi(0)
				e1, e2 := fi(1), fi(2)
				for j := range 3 {
					wantG[j] += e1 * x.At(i, j)
					for k := range 3 {
						wantH[j*3+k] += e2 * x.At(i, j) * x.At(i, k)
					}
				}
			}
			for j := range 3 {
				wantG[j] += delta[j] * m[j]
				wantH[j*3+j] += delta[j]
			}
			if math.Abs(loss-wantLoss) > 1e-11*(1+math.Abs(wantLoss)) {
				t.Errorf("E[Σf] = %.15g, want %.15g", loss, wantLoss)
			}
			for j := range 3 {
				if math.Abs(g[j]-wantG[j]) > 1e-11 {
					t.Errorf("g[%d] = %.15g, want %.15g", j, g[j], wantG[j])
				}
			}
			if name == "full" {
				for j := range 9 {
					if math.Abs(h[j]-wantH[j]) > 1e-11 {
						t.Errorf("H[%d] = %.15g, want %.15g", j, h[j], wantH[j])
					}
				}
			} else {
				for j := range 3 {
					if math.Abs(h[j]-wantH[j*3+j]) > 1e-11 {
						t.Errorf("diag H[%d] = %.15g, want %.15g", j, h[j], wantH[j*3+j])
					}
				}
			}
		})
	}
}

// TestQuadratureLinearExact: for the Gaussian loss the expectations are
// polynomial and exact: E_q[∇ℓ̄] = ∇ℓ̄(m) and E_q[∇²ℓ̄] = ∇²ℓ̄.
func TestQuadratureLinearExact(t *testing.T) {
	x, y := randDesign(30, 4, 9)
	model, err := NewLinear(x, y, 3, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	m := []float64{1, -2, 0.5, 3}
	s := mat.NewSymDense(4, nil)
	for j := range 4 {
		s.SetSym(j, j, 0.1+float64(j))
	}
	s.SetSym(0, 1, 0.05)
	q, err := expfam.NewFullGaussian(m, s)
	if err != nil {
		t.Fatal(err)
	}
	_, g, h, err := (&Quadrature{Model: model}).Moments(q)
	if err != nil {
		t.Fatal(err)
	}
	wg := make([]float64, 4)
	model.Grad(wg, m)
	wh := make([]float64, 16)
	model.Hess(wh, m)
	for j := range wg {
		if math.Abs(g[j]-wg[j]) > 1e-10*(1+math.Abs(wg[j])) {
			t.Errorf("g[%d] = %g, ∇ℓ̄(m) = %g", j, g[j], wg[j])
		}
	}
	for j := range wh {
		if math.Abs(h[j]-wh[j]) > 1e-10*(1+math.Abs(wh[j])) {
			t.Errorf("H[%d] = %g, ∇²ℓ̄ = %g", j, h[j], wh[j])
		}
	}
}

func TestQuadratureBadFamily(t *testing.T) {
	x, y := randDesign(5, 2, 1)
	model, _ := NewLogistic(x, y, 1)
	fixed, err := expfam.NewFixedGaussian([]float64{0, 0}, []float64{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := (&Quadrature{Model: model}).Moments(fixed); err == nil {
		t.Error("a fixed-covariance Gaussian was accepted")
	}
	wrong, _ := expfam.NewDiagGaussian([]float64{0, 0, 0}, []float64{1, 1, 1})
	if _, _, _, err := (&Quadrature{Model: model}).Moments(wrong); err == nil {
		t.Error("a q of the wrong dimension was accepted")
	}
	beta, _ := expfam.NewBeta(2, 3)
	if _, err := (&Quadrature{Model: model}).Estimate(nil, beta, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("a Beta family was accepted")
	}
}
