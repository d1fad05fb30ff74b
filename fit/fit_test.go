package fit

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// irls is an independent Newton/IRLS for L2 logistic regression with prior
// precisions delta (one per column of xd, which holds the intercept
// column): (XᵀWX + Λ)θ' = XᵀWXθ + Xᵀ(y − p), solved by LU, from θ = 0 until
// the step is below 1e-15 relative. It returns the MAP and the Hessian there.
func irls(xd *mat.Dense, y, delta []float64) ([]float64, []float64) {
	n, d := xd.Dims()
	theta := make([]float64, d)
	h := make([]float64, d*d)
	rhs := make([]float64, d)
	for range 100 {
		clear(h)
		clear(rhs)
		for i := range n {
			var s float64
			for j := range d {
				s += xd.At(i, j) * theta[j]
			}
			p := sigm(s)
			w := p * (1 - p)
			for j := range d {
				xj := xd.At(i, j)
				rhs[j] += xj * (y[i] - p)
				for k := range d {
					h[j*d+k] += w * xj * xd.At(i, k)
				}
			}
		}
		for j := range d {
			h[j*d+j] += delta[j]
		}
		// rhs += (XᵀWX)θ = (H − Λ)θ
		for j := range d {
			for k := range d {
				hk := h[j*d+k]
				if j == k {
					hk -= delta[j]
				}
				rhs[j] += hk * theta[k]
			}
		}
		var next mat.VecDense
		if err := next.SolveVec(mat.NewDense(d, d, append([]float64(nil), h...)), mat.NewVecDense(d, rhs)); err != nil {
			panic(err)
		}
		var step float64
		for j := range d {
			step = math.Max(step, math.Abs(next.AtVec(j)-theta[j])/math.Max(1, math.Abs(theta[j])))
			theta[j] = next.AtVec(j)
		}
		if step < 1e-15 {
			break
		}
	}
	return theta, logisticHessian(xd, y, delta, theta)
}

// logisticHessian is XᵀWX + Λ at θ, by plain loops.
func logisticHessian(xd *mat.Dense, _, delta, theta []float64) []float64 {
	n, d := xd.Dims()
	h := make([]float64, d*d)
	for i := range n {
		var s float64
		for j := range d {
			s += xd.At(i, j) * theta[j]
		}
		p := sigm(s)
		for j := range d {
			for k := range d {
				h[j*d+k] += p * (1 - p) * xd.At(i, j) * xd.At(i, k)
			}
		}
	}
	for j := range d {
		h[j*d+j] += delta[j]
	}
	return h
}

// multiNewton is an independent Newton's method for the K-class softmax
// model laid out class by class, by plain loops and an LU solve.
func multiNewton(xd *mat.Dense, y []float64, k int, delta float64) []float64 {
	n, d := xd.Dims()
	kd := k * d
	theta := make([]float64, kd)
	p := make([]float64, k)
	for range 100 {
		g := make([]float64, kd)
		h := make([]float64, kd*kd)
		for i := range n {
			var z float64
			hi := math.Inf(-1)
			f := make([]float64, k)
			for c := range k {
				for j := range d {
					f[c] += theta[c*d+j] * xd.At(i, j)
				}
				hi = math.Max(hi, f[c])
			}
			for c := range k {
				p[c] = math.Exp(f[c] - hi)
				z += p[c]
			}
			for c := range k {
				p[c] /= z
			}
			for c := range k {
				r := p[c]
				if int(y[i]) == c {
					r--
				}
				for j := range d {
					g[c*d+j] += r * xd.At(i, j)
				}
				for c2 := range k {
					w := -p[c] * p[c2]
					if c == c2 {
						w += p[c]
					}
					for j := range d {
						for j2 := range d {
							h[(c*d+j)*kd+c2*d+j2] += w * xd.At(i, j) * xd.At(i, j2)
						}
					}
				}
			}
		}
		for j := range kd {
			g[j] += delta * theta[j]
			h[j*kd+j] += delta
		}
		var step mat.VecDense
		if err := step.SolveVec(mat.NewDense(kd, kd, h), mat.NewVecDense(kd, g)); err != nil {
			panic(err)
		}
		var size float64
		for j := range kd {
			theta[j] -= step.AtVec(j)
			size = math.Max(size, math.Abs(step.AtVec(j))/math.Max(1, math.Abs(theta[j])))
		}
		if size < 1e-15 {
			break
		}
	}
	return theta
}

// noiseMAP is an independent MAP for linear regression with learnt noise
// precision τ = e^ρ: for each ρ the best w is a ridge solve, and the profile
// stationarity ½e^ρ‖y − Xw(ρ)‖² − N/2 + δ_ρρ = 0 (the envelope theorem) is
// solved by bisection.
func noiseMAP(xd *mat.Dense, y []float64, delta, deltaRho float64) []float64 {
	n, d := xd.Dims()
	wOf := func(rho float64) ([]float64, float64) {
		tau := math.Exp(rho)
		a := mat.NewDense(d, d, nil)
		b := make([]float64, d)
		for i := range n {
			for j := range d {
				b[j] += tau * xd.At(i, j) * y[i]
				for k := range d {
					a.Set(j, k, a.At(j, k)+tau*xd.At(i, j)*xd.At(i, k))
				}
			}
		}
		for j := range d {
			a.Set(j, j, a.At(j, j)+delta)
		}
		var w mat.VecDense
		if err := w.SolveVec(a, mat.NewVecDense(d, b)); err != nil {
			panic(err)
		}
		var rss float64
		for i := range n {
			r := y[i]
			for j := range d {
				r -= xd.At(i, j) * w.AtVec(j)
			}
			rss += r * r
		}
		return w.RawVector().Data, rss
	}
	f := func(rho float64) float64 {
		_, rss := wOf(rho)
		return 0.5*math.Exp(rho)*rss - 0.5*float64(n) + deltaRho*rho
	}
	lo, hi := -30.0, 30.0
	for range 200 {
		mid := 0.5 * (lo + hi)
		if f(mid) > 0 {
			hi = mid
		} else {
			lo = mid
		}
		if hi-lo < 1e-15*math.Max(1, math.Abs(mid)) {
			break
		}
	}
	rho := 0.5 * (lo + hi)
	w, _ := wOf(rho)
	return append(w, rho)
}

// TestMAPEqualsNewton: `map` (the delta-method full-Gaussian rule with
// ρ = 1) equals independent Newton/IRLS solvers to 1e-10 relative on
// standardised data, the prior precision on the sum-of-losses scale.
func TestMAPEqualsNewton(t *testing.T) {
	type problem struct {
		name      string
		x         func(testing.TB) (*mat.Dense, []float64)
		model     Model
		delta     float64
		intercept float64 // InterceptPrecision, 0: δ
	}
	cases := []problem{
		{"logistic synthetic δ=1", func(testing.TB) (*mat.Dense, []float64) { return synthLogistic(400, 6, 1) }, ModelLogistic, 1, 0},
		{"logistic synthetic δ=0.01, flat-ish intercept", func(testing.TB) (*mat.Dense, []float64) { return synthLogistic(300, 4, 2) }, ModelLogistic, 0.01, 1e-6},
		{"logistic breast cancer δ=1", func(t testing.TB) (*mat.Dense, []float64) { return sklearnTable(t, "breast_cancer.csv") }, ModelLogistic, 1, 0},
		{"multinomial synthetic", func(testing.TB) (*mat.Dense, []float64) { return synthMulti(200, 3, 3, 1) }, ModelMultinomial, 1, 0},
		{"multinomial wine", func(t testing.TB) (*mat.Dense, []float64) { return sklearnTable(t, "wine_data.csv") }, ModelMultinomial, 1, 0},
		{"linear learnt noise", func(testing.TB) (*mat.Dense, []float64) { return synthLinear(100, 3, 4, 1) }, ModelLinear, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x, y := c.x(t)
			post, err := Fit(x, y, Options{Model: c.model, Method: MethodMAP, PriorPrecision: c.delta, InterceptPrecision: c.intercept})
			if err != nil {
				t.Fatal(err)
			}
			if !post.Converged {
				t.Fatalf("not converged after %d iterations", post.Iterations)
			}
			xd := withIntercept(x)
			_, d := xd.Dims()
			var want []float64
			switch c.model {
			case ModelLogistic:
				delta := make([]float64, d)
				for j := range delta {
					delta[j] = c.delta
				}
				if c.intercept > 0 {
					delta[d-1] = c.intercept
				}
				want, _ = irls(xd, y, delta)
			case ModelMultinomial:
				want = multiNewton(xd, y, post.Classes, c.delta)
			case ModelLinear:
				want = noiseMAP(xd, y, c.delta, 0.01)
			}
			dev := relDev(post.Mean, want)
			t.Logf("%d Newton iterations; max relative deviation from the independent solver %.2e", post.Iterations, dev)
			if dev > 1e-10 {
				t.Errorf("MAP %v\nindependent %v\ndeviation %.2e > 1e-10", post.Mean, want, dev)
			}
		})
	}
}

// TestLaplacePrecisionIsHessian: Laplace's precision is the Hessian at the
// MAP, computed independently.
func TestLaplacePrecisionIsHessian(t *testing.T) {
	x, y := synthLogistic(300, 5, 3)
	post, err := Fit(x, y, Options{Model: ModelLogistic, Method: MethodLaplace, PriorPrecision: 2})
	if err != nil {
		t.Fatal(err)
	}
	xd := withIntercept(x)
	_, d := xd.Dims()
	delta := make([]float64, d)
	for j := range delta {
		delta[j] = 2
	}
	mapMean, _ := irls(xd, y, delta)
	h := logisticHessian(xd, y, delta, post.Mean)
	t.Logf("precision vs the Hessian at the mean %.2e, mean vs IRLS %.2e (relative)", symRelDev(post.Precision, h), relDev(post.Mean, mapMean))
	if dev := symRelDev(post.Precision, h); dev > 1e-10 {
		t.Errorf("precision differs from the Hessian at the mean by %.2e", dev)
	}
	if dev := relDev(post.Mean, mapMean); dev > 1e-10 {
		t.Errorf("Laplace mean differs from the MAP by %.2e", dev)
	}
	if !post.HasLogEvidence || !post.HasELBO {
		t.Fatal("Laplace reports no log evidence or ELBO")
	}
	// The Laplace log evidence from its definition, independently.
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(d, h)) {
		t.Fatal("Hessian not PD")
	}
	n, _ := xd.Dims()
	var loglik, prior float64
	for i := range n {
		var s float64
		for j := range d {
			s += xd.At(i, j) * post.Mean[j]
		}
		p := sigm(s)
		if y[i] == 1 {
			loglik += math.Log(p)
		} else {
			loglik += math.Log1p(-p)
		}
	}
	for j := range d {
		prior += 0.5*math.Log(2/(2*math.Pi)) - 0.5*2*post.Mean[j]*post.Mean[j]
	}
	want := loglik + prior + 0.5*float64(d)*math.Log(2*math.Pi) - 0.5*ch.LogDet()
	if math.Abs(post.LogEvidence-want) > 1e-9*math.Abs(want) {
		t.Errorf("log evidence %.12g, from the definition %.12g", post.LogEvidence, want)
	}
}
