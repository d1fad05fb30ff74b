package table

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// logisticData draws a standardised logistic-regression problem with an
// intercept column (last), from a known weight vector, with a fixed seed.
func logisticData(n, d int, seed uint64) (*mat.Dense, []float64) {
	rnd := rand.New(rand.NewPCG(seed, 0x5eed))
	x := mat.NewDense(n, d+1, nil)
	w := make([]float64, d)
	for j := range w {
		w[j] = rnd.NormFloat64()
	}
	for i := range n {
		for j := range d {
			x.Set(i, j, rnd.NormFloat64()+0.3*float64(j))
		}
	}
	standardise(x, d)
	y := make([]float64, n)
	for i := range n {
		var s float64
		for j := range d {
			s += w[j] * x.At(i, j)
		}
		x.Set(i, d, 1)
		if rnd.Float64() < 1/(1+math.Exp(-s)) {
			y[i] = 1
		}
	}
	return x, y
}

// linearData draws a linear-regression problem with noise precision tau.
func linearData(n, d int, tau float64, seed uint64) (*mat.Dense, []float64) {
	rnd := rand.New(rand.NewPCG(seed, 0x11ea))
	x := mat.NewDense(n, d, nil)
	y := make([]float64, n)
	for i := range n {
		var s float64
		for j := range d {
			v := rnd.NormFloat64()
			x.Set(i, j, v)
			s += float64(j+1) * 0.5 * v
		}
		y[i] = s + rnd.NormFloat64()/math.Sqrt(tau)
	}
	return x, y
}

// standardise scales the first d columns of x to mean 0 and variance 1.
func standardise(x *mat.Dense, d int) {
	n, _ := x.Dims()
	for j := range d {
		var mean, ss float64
		for i := range n {
			mean += x.At(i, j)
		}
		mean /= float64(n)
		for i := range n {
			v := x.At(i, j) - mean
			ss += v * v
		}
		sd := math.Sqrt(ss / float64(n))
		for i := range n {
			x.Set(i, j, (x.At(i, j)-mean)/sd)
		}
	}
}

// relDev is max over coordinates of |a−b|/max(1,|b|).
func relDev(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	noteCompared(len(a))
	var dev float64
	for i := range a {
		d := math.Abs(a[i]-b[i]) / math.Max(1, math.Abs(b[i]))
		if !(d <= dev) { // keeps NaN
			dev = d
		}
	}
	return dev
}

// precisionOf reads S = −2λ₂ from a full Gaussian's natural parameter.
func precisionOf(lam []float64, d int) []float64 {
	s := make([]float64, d*d)
	for i := range s {
		s[i] = -2 * lam[d+i]
	}
	return s
}

// newtonStep is one plain Newton step m − H⁻¹g, solved by LU (a different
// path from the rule's Cholesky).
func newtonStep(m, g, h []float64, rho float64) ([]float64, error) {
	d := len(m)
	var step mat.VecDense
	if err := step.SolveVec(mat.NewDense(d, d, append([]float64(nil), h...)), mat.NewVecDense(d, append([]float64(nil), g...))); err != nil {
		return nil, err
	}
	out := make([]float64, d)
	for i := range out {
		out[i] = m[i] - rho*step.AtVec(i)
	}
	return out, nil
}

func identity(d int, scale float64) *mat.SymDense {
	s := mat.NewSymDense(d, nil)
	for i := range d {
		s.SetSym(i, i, scale)
	}
	return s
}
