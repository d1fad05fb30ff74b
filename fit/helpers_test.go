package fit

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/bayesrule/blr/data"
	"gonum.org/v1/gonum/mat"
)

// standardized returns a copy of x with every column scaled to mean 0 and
// variance 1 (population).
func standardized(x *mat.Dense) *mat.Dense {
	n, p := x.Dims()
	out := mat.DenseCopyOf(x)
	for j := range p {
		var mean, ss float64
		for i := range n {
			mean += x.At(i, j)
		}
		mean /= float64(n)
		for i := range n {
			ss += (x.At(i, j) - mean) * (x.At(i, j) - mean)
		}
		sd := math.Sqrt(ss / float64(n))
		if sd == 0 {
			sd = 1
		}
		for i := range n {
			out.Set(i, j, (x.At(i, j)-mean)/sd)
		}
	}
	return out
}

// synthLogistic draws a standardised logistic-regression table from a known
// weight vector, with correlated features.
func synthLogistic(n, p int, seed uint64) (*mat.Dense, []float64) {
	r := rand.New(rand.NewPCG(seed, 3))
	x := mat.NewDense(n, p, nil)
	w := make([]float64, p)
	for j := range w {
		w[j] = r.NormFloat64()
	}
	for i := range n {
		c := r.NormFloat64()
		for j := range p {
			x.Set(i, j, r.NormFloat64()+0.5*c+0.2*float64(j))
		}
	}
	x = standardized(x)
	y := make([]float64, n)
	for i := range n {
		s := 0.3
		for j := range p {
			s += w[j] * x.At(i, j)
		}
		if r.Float64() < 1/(1+math.Exp(-s)) {
			y[i] = 1
		}
	}
	return x, y
}

// synthMulti draws a standardised K-class softmax table.
func synthMulti(n, p, k int, seed uint64) (*mat.Dense, []float64) {
	r := rand.New(rand.NewPCG(seed, 4))
	x := mat.NewDense(n, p, nil)
	w := make([]float64, k*p)
	for j := range w {
		w[j] = r.NormFloat64()
	}
	for i := range n {
		for j := range p {
			x.Set(i, j, r.NormFloat64())
		}
	}
	x = standardized(x)
	y := make([]float64, n)
	pr := make([]float64, k)
	for i := range n {
		var z float64
		for c := range k {
			var s float64
			for j := range p {
				s += w[c*p+j] * x.At(i, j)
			}
			pr[c] = math.Exp(s)
			z += pr[c]
		}
		u := r.Float64() * z
		for c := range k {
			u -= pr[c]
			if u <= 0 || c == k-1 {
				y[i] = float64(c)
				break
			}
		}
	}
	return x, y
}

// synthLinear draws a regression table with noise precision tau.
func synthLinear(n, p int, tau float64, seed uint64) (*mat.Dense, []float64) {
	r := rand.New(rand.NewPCG(seed, 5))
	x := mat.NewDense(n, p, nil)
	y := make([]float64, n)
	for i := range n {
		s := 1.5
		for j := range p {
			v := r.NormFloat64()
			x.Set(i, j, v)
			s += 0.7 * float64(j+1) * v
		}
		y[i] = s + r.NormFloat64()/math.Sqrt(tau)
	}
	return x, y
}

// sklearnTable loads one of scikit-learn's bundled CSVs, standardised, or
// skips the test when python3-sklearn is not installed.
func sklearnTable(t testing.TB, name string) (*mat.Dense, []float64) {
	t.Helper()
	d, err := data.ReadSklearnCSVFile(filepath.Join(data.SklearnDataDir, name))
	if err != nil {
		t.Skipf("%s not available (apt-get install python3-sklearn): %v", name, err)
	}
	x := mat.NewDense(len(d.X), len(d.X[0]), nil)
	for i, r := range d.X {
		x.SetRow(i, r)
	}
	return standardized(x), d.Y
}

// withIntercept appends a column of ones.
func withIntercept(x *mat.Dense) *mat.Dense {
	n, p := x.Dims()
	out := mat.NewDense(n, p+1, nil)
	for i := range n {
		for j := range p {
			out.Set(i, j, x.At(i, j))
		}
		out.Set(i, p, 1)
	}
	return out
}

// relDev is max over coordinates of |a−b| / max(1, |b|).
func relDev(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		v := math.Abs(a[i]-b[i]) / math.Max(1, math.Abs(b[i]))
		if !(v <= d) {
			d = v
		}
	}
	return d
}

// symRelDev is max |A−B| / max(1, max|B|) over the entries.
func symRelDev(a mat.Symmetric, b []float64) float64 {
	n := a.SymmetricDim()
	var scale float64
	for _, v := range b {
		scale = math.Max(scale, math.Abs(v))
	}
	scale = math.Max(1, scale)
	var d float64
	for i := range n {
		for j := range n {
			v := math.Abs(a.At(i, j)-b[i*n+j]) / scale
			if !(v <= d) {
				d = v
			}
		}
	}
	return d
}

func sigm(s float64) float64 {
	if s >= 0 {
		return 1 / (1 + math.Exp(-s))
	}
	e := math.Exp(s)
	return e / (1 + e)
}
