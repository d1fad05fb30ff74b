package fit

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

// bigLogistic is a standardised 100k×50 logistic-regression table.
func bigLogistic(n, p int) (*mat.Dense, []float64) {
	r := rand.New(rand.NewPCG(2024, 1))
	x := mat.NewDense(n, p, nil)
	raw := x.RawMatrix().Data
	for i := range raw {
		raw[i] = r.NormFloat64()
	}
	w := make([]float64, p)
	for j := range w {
		w[j] = r.NormFloat64() / math.Sqrt(float64(p))
	}
	y := make([]float64, n)
	for i := range n {
		s := 0.2
		for j := range p {
			s += w[j] * raw[i*p+j]
		}
		if r.Float64() < 1/(1+math.Exp(-s)) {
			y[i] = 1
		}
	}
	return x, y
}

// plainIRLS is Newton/IRLS for L2 logistic regression written plainly with
// gonum (row scaling, a dense product for XᵀWX, a Cholesky solve), with the
// same stopping rule as Fit: ‖∇ℓ̄‖ ≤ 1e-10·‖∇ℓ̄(0)‖.
func plainIRLS(x *mat.Dense, y []float64, delta float64) []float64 {
	n, p := x.Dims()
	xd := mat.NewDense(n, p+1, nil)
	for i := range n {
		copy(xd.RawRowView(i), x.RawRowView(i))
		xd.Set(i, p, 1)
	}
	d := p + 1
	theta := mat.NewVecDense(d, nil)
	var s, g, step mat.VecDense
	r := mat.NewVecDense(n, nil)
	sx := mat.NewDense(n, d, nil)
	var h mat.Dense
	var g0 float64
	for it := 0; it < 100; it++ {
		s.MulVec(xd, theta)
		for i := range n {
			pi := 1 / (1 + math.Exp(-s.AtVec(i)))
			r.SetVec(i, pi-y[i])
			sw := math.Sqrt(pi * (1 - pi))
			row, src := sx.RawRowView(i), xd.RawRowView(i)
			for j := range d {
				row[j] = sw * src[j]
			}
		}
		g.MulVec(xd.T(), r)
		g.AddScaledVec(&g, delta, theta)
		gn := mat.Norm(&g, 2)
		if it == 0 {
			g0 = gn
		}
		if gn <= 1e-10*g0 {
			break
		}
		h.Mul(sx.T(), sx)
		for j := range d {
			h.Set(j, j, h.At(j, j)+delta)
		}
		var ch mat.Cholesky
		if !ch.Factorize(mat.NewSymDense(d, h.RawMatrix().Data)) {
			panic("Hessian not positive definite")
		}
		if err := ch.SolveVecTo(&step, &g); err != nil {
			panic(err)
		}
		theta.SubVec(theta, &step)
	}
	return theta.RawVector().Data
}

// BenchmarkSpeedRatio times, in one run and on the same 100k×50 table,
// Fit with method map, the plain gonum Newton/IRLS above and Fit with
// method vi (which includes its Laplace start), and reports the ratios
// map/irls and vi/map.
func BenchmarkSpeedRatio(b *testing.B) {
	x, y := bigLogistic(100000, 50)
	var tMap, tIRLS, tVI time.Duration
	var itMap, itVI int
	for b.Loop() {
		t0 := time.Now()
		post, err := Fit(x, y, Options{Model: ModelLogistic, Method: MethodMAP, PriorPrecision: 1})
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		ref := plainIRLS(x, y, 1)
		t2 := time.Now()
		vi, err := Fit(x, y, Options{Model: ModelLogistic, Method: MethodVI, PriorPrecision: 1})
		if err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		tMap += t1.Sub(t0)
		tIRLS += t2.Sub(t1)
		tVI += t3.Sub(t2)
		itMap, itVI = post.Iterations, vi.Iterations
		if dev := relDev(post.Mean, ref); dev > 1e-9 {
			b.Fatalf("map and plain IRLS differ by %.2e", dev)
		}
	}
	b.ReportMetric(tMap.Seconds()/float64(b.N), "map-s")
	b.ReportMetric(tIRLS.Seconds()/float64(b.N), "irls-s")
	b.ReportMetric(tVI.Seconds()/float64(b.N), "vi-s")
	b.ReportMetric(tMap.Seconds()/tIRLS.Seconds(), "map/irls")
	b.ReportMetric(tVI.Seconds()/tMap.Seconds(), "vi/map")
	b.ReportMetric(float64(itMap), "map-iters")
	b.ReportMetric(float64(itVI), "vi-iters")
}
