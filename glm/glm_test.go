package glm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

func randDesign(n, d int, seed uint64) (*mat.Dense, []float64) {
	rnd := rand.New(rand.NewPCG(seed, 1))
	x := mat.NewDense(n, d, nil)
	y := make([]float64, n)
	for i := range n {
		for j := range d {
			x.Set(i, j, rnd.NormFloat64())
		}
		if rnd.Float64() < 0.5 {
			y[i] = 1
		}
	}
	return x, y
}

type gradHess interface {
	Grad(grad, theta []float64) float64
	Hess(hess, theta []float64)
}

// TestDerivatives checks Grad and Hess of every model against central
// finite differences.
func TestDerivatives(t *testing.T) {
	x, y := randDesign(30, 4, 1)
	lg, err := NewLogistic(x, y, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := NewLinear(x, y, 2.5, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]gradHess{"logistic": lg, "linear": ln} {
		t.Run(name, func(t *testing.T) {
			theta := []float64{0.3, -0.2, 0.5, 1.1}
			d := len(theta)
			g := make([]float64, d)
			f := func(th []float64) float64 { return m.Grad(make([]float64, d), th) }
			loss := m.Grad(g, theta)
			if math.Abs(loss-f(theta)) > 0 {
				t.Fatalf("Grad's loss differs between calls")
			}
			want := fd.Gradient(nil, f, theta, &fd.Settings{Formula: fd.Central})
			for j := range d {
				if math.Abs(g[j]-want[j]) > 1e-6*math.Max(1, math.Abs(want[j])) {
					t.Errorf("grad[%d] = %g, finite differences %g", j, g[j], want[j])
				}
			}
			h := make([]float64, d*d)
			m.Hess(h, theta)
			var hw mat.SymDense
			fd.Hessian(&hw, f, theta, &fd.Settings{Formula: fd.Central})
			for i := range d {
				for j := range d {
					if math.Abs(h[i*d+j]-hw.At(i, j)) > 1e-4*math.Max(1, math.Abs(hw.At(i, j))) {
						t.Errorf("hess[%d,%d] = %g, finite differences %g", i, j, h[i*d+j], hw.At(i, j))
					}
				}
			}
		})
	}
}

// TestPredictive compares the three predictives of logistic regression with
// a fine trapezoid integral of σ(s)N(s; μ, σ²).
func TestPredictive(t *testing.T) {
	x, _ := randDesign(8, 3, 2)
	m := []float64{0.5, -1, 2}
	cov := mat.NewSymDense(3, []float64{1, 0.2, 0, 0.2, 0.5, 0.1, 0, 0.1, 2})
	mu, v := ScoreMoments(nil, nil, x, m, cov)
	exact := make([]float64, len(mu))
	for i := range mu {
		sd := math.Sqrt(v[i])
		const k = 20000
		lo, hi := mu[i]-12*sd, mu[i]+12*sd
		h := (hi - lo) / k
		var sum float64
		for j := 0; j <= k; j++ {
			s := lo + float64(j)*h
			w := 1.0
			if j == 0 || j == k {
				w = 0.5
			}
			sum += w * expfam.Sigmoid(s) * math.Exp(-(s-mu[i])*(s-mu[i])/(2*v[i])) / (sd * math.Sqrt(2*math.Pi))
		}
		exact[i] = sum * h
	}
	quadP := PredictQuadrature(nil, x, m, cov)
	probit := PredictProbit(nil, x, m, cov)
	const samples = 20000
	sampled, err := PredictSample(nil, x, m, cov, samples, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range exact {
		if d := math.Abs(quadP[i] - exact[i]); d > 1e-10 {
			t.Errorf("row %d: quadrature %g, exact %g (Δ %g)", i, quadP[i], exact[i], d)
		}
		// The probit approximation is within 0.02 of the exact integral
		// (a known bound for the logistic–probit match).
		if d := math.Abs(probit[i] - exact[i]); d > 0.02 {
			t.Errorf("row %d: probit %g, exact %g (Δ %g)", i, probit[i], exact[i], d)
		}
		se := 0.5 / math.Sqrt(samples)
		if d := math.Abs(sampled[i] - exact[i]); d > 4*se {
			t.Errorf("row %d: sampled %g, exact %g (Δ %g > 4 SE %g)", i, sampled[i], exact[i], d, 4*se)
		}
	}
}

func TestBadInput(t *testing.T) {
	x, y := randDesign(5, 2, 3)
	if _, err := NewLogistic(x, y[:4], 1); err == nil {
		t.Error("label count mismatch accepted")
	}
	bad := append([]float64(nil), y...)
	bad[2] = 0.5
	if _, err := NewLogistic(x, bad, 1); err == nil {
		t.Error("label 0.5 accepted")
	}
	if _, err := NewLogistic(x, y, math.NaN()); err == nil {
		t.Error("NaN prior precision accepted")
	}
	if _, err := NewLinear(x, y, 0, 1); err == nil {
		t.Error("zero noise precision accepted")
	}
	bad[2] = math.Inf(1)
	if _, err := NewLinear(x, bad, 1, 1); err == nil {
		t.Error("infinite target accepted")
	}
	if _, err := NewGaussHermite(0); err == nil {
		t.Error("0 nodes accepted")
	}
}
