package infer

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/internal/special"
)

type ngParams struct{ m, kappa, a, b float64 }

// batchVBGMM is coordinate-ascent VB for the Bayesian diagonal Gaussian
// mixture (Bishop, PRML §10.2, with independent Normal-Gamma factors per
// coordinate), written plainly: responsibilities from the expectations,
// then the conjugate updates. It returns the state after each iteration.
func batchVBGMM(x [][]float64, means [][]float64, p GMMPrior, iters int) ([][]float64, [][][]ngParams) {
	k, d := len(means), len(x[0])
	alpha := make([]float64, k)
	ng := make([][]ngParams, k)
	for c := range k {
		alpha[c] = p.Alpha
		ng[c] = make([]ngParams, d)
		for j := range d {
			ng[c][j] = ngParams{means[c][j], p.Kappa0, p.A0, p.B0}
		}
	}
	var alphas [][]float64
	var ngs [][][]ngParams
	for range iters {
		var a0 float64
		for _, a := range alpha {
			a0 += a
		}
		r := make([][]float64, len(x))
		for i, xi := range x {
			lj := make([]float64, k)
			mx := math.Inf(-1)
			for c := range k {
				lj[c] = special.Digamma(alpha[c]) - special.Digamma(a0)
				for j := range d {
					q := ng[c][j]
					et := q.a / q.b
					elt := special.Digamma(q.a) - math.Log(q.b)
					lj[c] += 0.5*elt - 0.5*math.Log(2*math.Pi) - 0.5*(et*(xi[j]-q.m)*(xi[j]-q.m)+1/q.kappa)
				}
				mx = math.Max(mx, lj[c])
			}
			var s float64
			for c := range k {
				lj[c] = math.Exp(lj[c] - mx)
				s += lj[c]
			}
			for c := range k {
				lj[c] /= s
			}
			r[i] = lj
		}
		for c := range k {
			var nk float64
			for i := range x {
				nk += r[i][c]
			}
			alpha[c] = p.Alpha + nk
			for j := range d {
				var sx, sxx float64
				for i := range x {
					sx += r[i][c] * x[i][j]
					sxx += r[i][c] * x[i][j] * x[i][j]
				}
				kappa := p.Kappa0 + nk
				m := (p.Kappa0*p.M0 + sx) / kappa
				ng[c][j] = ngParams{m, kappa, p.A0 + nk/2, p.B0 + 0.5*(sxx+p.Kappa0*p.M0*p.M0-kappa*m*m)}
			}
		}
		alphas = append(alphas, append([]float64(nil), alpha...))
		cp := make([][]ngParams, k)
		for c := range k {
			cp[c] = append([]ngParams(nil), ng[c]...)
		}
		ngs = append(ngs, cp)
	}
	return alphas, ngs
}

var testGMMPrior = GMMPrior{Alpha: 1, M0: 0, Kappa0: 0.1, A0: 2, B0: 1}

// TestSVIFullBatchIsBatchVB: with the full batch and ρ = 1, SVI's iterates
// equal coordinate-ascent VB's to 1e-12 relative.
func TestSVIFullBatchIsBatchVB(t *testing.T) {
	x := mixtureData(300, [][]float64{{-3, 0}, {0, 2}, {3, -1}}, 0.8, 11)
	means := [][]float64{x[0], x[1], x[2]}
	const iters = 30
	alphas, ngs := batchVBGMM(x, means, testGMMPrior, iters)
	g, err := NewBayesGMMAt(x, means, testGMMPrior, blr.Constant(1))
	if err != nil {
		t.Fatal(err)
	}
	var dev float64
	for it := range iters {
		if _, err := g.Step(allRows(len(x))); err != nil {
			t.Fatal(err)
		}
		a := g.pi.Alpha(nil)
		for c := range a {
			dev = math.Max(dev, relErr(a[c], alphas[it][c]))
			for j := range 2 {
				m, kappa, sa, sb := g.Component(c, j).Params()
				w := ngs[it][c][j]
				for _, p := range [][2]float64{{m, w.m}, {kappa, w.kappa}, {sa, w.a}, {sb, w.b}} {
					dev = math.Max(dev, relErr(p[0], p[1]))
				}
			}
		}
	}
	if dev > 1e-12 {
		t.Errorf("max relative deviation from batch VB %.3g > 1e-12", dev)
	}
	t.Logf("full-batch SVI vs coordinate-ascent VB: max relative deviation %.3g over %d iterations", dev, iters)
}

func relErr(a, b float64) float64 { return math.Abs(a-b) / math.Max(1, math.Abs(b)) }

// TestSVIMinibatchReachesBatchELBO: minibatch SVI with Robbins–Monro steps
// reaches the batch fixed point's ELBO within 1e-4 (relative).
func TestSVIMinibatchReachesBatchELBO(t *testing.T) {
	x := mixtureData(2000, [][]float64{{-3, 0}, {0, 2}, {3, -1}}, 0.8, 13)
	means := [][]float64{{-1, 0}, {0, 1}, {1, 0}}
	batch, err := NewBayesGMMAt(x, means, testGMMPrior, blr.Constant(1))
	if err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if _, err := batch.Step(allRows(len(x))); err != nil {
			t.Fatal(err)
		}
	}
	want := batch.ELBO()
	svi, err := NewBayesGMMAt(x, means, testGMMPrior, blr.RobbinsMonro{Rho0: 1, Tau: 1, Kappa: 0.7})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	const m = 50
	var path []float64
	for epoch := range 15 {
		perm := rnd.Perm(len(x))
		for b := 0; b+m <= len(perm); b += m {
			if _, err := svi.Step(perm[b : b+m]); err != nil {
				t.Fatal(err)
			}
		}
		if epoch%3 == 2 {
			path = append(path, svi.ELBO())
		}
	}
	got := svi.ELBO()
	rel := math.Abs(got-want) / math.Abs(want)
	t.Logf("batch ELBO %.4f, SVI (M = %d) ELBO %.4f, relative gap %.2g; path %v", want, m, got, rel, path)
	if rel > 1e-4 {
		t.Errorf("SVI ELBO %.6f is %.2g (relative) from the batch fixed point's %.6f", got, rel, want)
	}
}

func TestBayesGMMBadInput(t *testing.T) {
	x := [][]float64{{0}, {1}, {2}}
	rnd := rand.New(rand.NewPCG(1, 1))
	rate := blr.RobbinsMonro{Rho0: 1, Tau: 1, Kappa: 0.7}
	for _, tc := range []struct {
		name  string
		x     [][]float64
		k     int
		prior GMMPrior
		rate  blr.Schedule
	}{
		{"empty data", nil, 2, testGMMPrior, rate},
		{"NaN", [][]float64{{0}, {math.NaN()}, {1}}, 2, testGMMPrior, rate},
		{"K = 0", x, 0, testGMMPrior, rate},
		{"K > N", x, 4, testGMMPrior, rate},
		{"alpha 0", x, 2, GMMPrior{0, 0, 1, 1, 1}, rate},
		{"kappa negative", x, 2, GMMPrior{1, 0, -1, 1, 1}, rate},
		{"a0 NaN", x, 2, GMMPrior{1, 0, 1, math.NaN(), 1}, rate},
		{"b0 Inf", x, 2, GMMPrior{1, 0, 1, 1, math.Inf(1)}, rate},
		{"m0 NaN", x, 2, GMMPrior{1, math.NaN(), 1, 1, 1}, rate},
		{"no rate", x, 2, testGMMPrior, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewBayesGMM(tc.x, tc.k, tc.prior, tc.rate, rnd)
			if !errors.Is(err, ErrInput) {
				t.Fatalf("error %v, want one wrapping ErrInput", err)
			}
		})
	}
	g, err := NewBayesGMM(x, 2, testGMMPrior, rate, rnd)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]int{nil, {3}, {-1}} {
		if _, err := g.Step(b); !errors.Is(err, ErrInput) {
			t.Errorf("batch %v: error %v, want ErrInput", b, err)
		}
	}
}
