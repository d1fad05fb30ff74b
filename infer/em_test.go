package infer

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// mixtureData draws n points from a diagonal Gaussian mixture with the given
// means (K×D), standard deviation sd and equal weights.
func mixtureData(n int, means [][]float64, sd float64, seed uint64) [][]float64 {
	rnd := rand.New(rand.NewPCG(seed, 7))
	x := make([][]float64, n)
	for i := range x {
		c := rnd.IntN(len(means))
		x[i] = make([]float64, len(means[c]))
		for j := range x[i] {
			x[i][j] = means[c][j] + sd*rnd.NormFloat64()
		}
	}
	return x
}

func cloneGMM(g GMM) GMM {
	out := GMM{Weights: append([]float64(nil), g.Weights...)}
	for c := range g.Means {
		out.Means = append(out.Means, append([]float64(nil), g.Means[c]...))
		out.Variances = append(out.Variances, append([]float64(nil), g.Variances[c]...))
	}
	return out
}

// classicEM is textbook EM for a diagonal Gaussian mixture (Bishop, PRML
// §9.2.2), written plainly: responsibilities, then weighted means,
// variances about the new means and weights. With meansOnly it keeps the
// variances and weights.
func classicEM(x [][]float64, g GMM, meansOnly bool) (GMM, float64) {
	g = cloneGMM(g)
	k, d := len(g.Weights), len(x[0])
	resp := make([][]float64, len(x))
	var ll float64
	for i, xi := range x {
		lj := make([]float64, k)
		mx := math.Inf(-1)
		for c := range k {
			lj[c] = math.Log(g.Weights[c])
			for j := range d {
				r := xi[j] - g.Means[c][j]
				lj[c] += -0.5*math.Log(2*math.Pi*g.Variances[c][j]) - 0.5*r*r/g.Variances[c][j]
			}
			mx = math.Max(mx, lj[c])
		}
		var s float64
		for c := range k {
			lj[c] = math.Exp(lj[c] - mx)
			s += lj[c]
		}
		ll += mx + math.Log(s)
		for c := range k {
			lj[c] /= s
		}
		resp[i] = lj
	}
	for c := range k {
		var nk float64
		for i := range x {
			nk += resp[i][c]
		}
		for j := range d {
			var sx float64
			for i := range x {
				sx += resp[i][c] * x[i][j]
			}
			g.Means[c][j] = sx / nk
			if meansOnly {
				continue
			}
			var sv float64
			for i := range x {
				r := x[i][j] - g.Means[c][j]
				sv += resp[i][c] * r * r
			}
			g.Variances[c][j] = sv / nk
		}
		if !meansOnly {
			g.Weights[c] = nk / float64(len(x))
		}
	}
	return g, ll
}

func gmmRelDev(a, b GMM) float64 {
	var dev float64
	up := func(x, y float64) {
		dev = math.Max(dev, math.Abs(x-y)/math.Max(1, math.Abs(y)))
	}
	for c := range a.Weights {
		up(a.Weights[c], b.Weights[c])
		for j := range a.Means[c] {
			up(a.Means[c][j], b.Means[c][j])
			up(a.Variances[c][j], b.Variances[c][j])
		}
	}
	return dev
}

func startGMM(k, d int, spread float64) GMM {
	g := GMM{}
	for c := range k {
		g.Weights = append(g.Weights, 1/float64(k))
		m := make([]float64, d)
		v := make([]float64, d)
		for j := range d {
			m[j] = spread * math.Cos(float64(c*(j+1))+0.3)
			v[j] = 1
		}
		g.Means = append(g.Means, m)
		g.Variances = append(g.Variances, v)
	}
	return g
}

// TestEMEqualsClassic runs the rule's EM beside classic EM, iterate by
// iterate: means-only to 1e-12 relative (one Newton step on a quadratic Q is
// the M-step), full with the converged Newton loop to 1e-10 with a
// likelihood that never decreases (corrections, point 4).
func TestEMEqualsClassic(t *testing.T) {
	truth := [][]float64{{-3, 0}, {0, 2}, {3, -1}}
	x := mixtureData(400, truth, 0.8, 1)
	for _, tc := range []struct {
		name    string
		variant EMVariant
		iters   int
		tol     float64
	}{
		{"means-only", MeansOnly, 40, 1e-12},
		{"full converged", Full, 40, 1e-10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := startGMM(3, 2, 2)
			em, err := NewEM(x, start, tc.variant)
			if err != nil {
				t.Fatal(err)
			}
			ref := cloneGMM(start)
			var dev float64
			prevLL := math.Inf(-1)
			for it := range tc.iters {
				info, err := em.Iterate()
				if err != nil {
					t.Fatal(err)
				}
				var refLL float64
				ref, refLL = classicEM(x, ref, tc.variant == MeansOnly)
				dev = math.Max(dev, gmmRelDev(em.GMM(), ref))
				if d := math.Abs(info.LogLik-refLL) / math.Abs(refLL); d > tc.tol {
					t.Errorf("iteration %d: log-likelihood %v, classic %v", it, info.LogLik, refLL)
				}
				if tc.variant == Full && info.LogLik < prevLL-1e-12*math.Abs(prevLL) {
					t.Errorf("iteration %d: log-likelihood fell from %.15g to %.15g", it, prevLL, info.LogLik)
				}
				prevLL = info.LogLik
			}
			if dev > tc.tol {
				t.Errorf("max relative deviation from classic EM %.3g > %g", dev, tc.tol)
			}
			t.Logf("%s: max relative deviation %.3g over %d iterations, final log-lik %.6f", tc.name, dev, tc.iters, prevLL)
		})
	}
}

// TestEMSingleStep checks that the single-Newton-step variant (a
// generalised EM) reaches classic EM's fixed point; it asserts nothing about
// monotonicity.
func TestEMSingleStep(t *testing.T) {
	x := mixtureData(300, [][]float64{{-2}, {2}}, 0.7, 3)
	start := startGMM(2, 1, 1.5)
	em, err := NewEM(x, start, FullSingleStep)
	if err != nil {
		t.Fatal(err)
	}
	ref := cloneGMM(start)
	for range 200 {
		if _, err := em.Iterate(); err != nil {
			t.Fatal(err)
		}
		ref, _ = classicEM(x, ref, false)
	}
	if dev := gmmRelDev(em.GMM(), ref); dev > 1e-8 {
		t.Errorf("Newton-GEM fixed point differs from EM's by %.3g", dev)
	}
}

// TestEMDeterministic checks that two runs are bit-identical.
func TestEMDeterministic(t *testing.T) {
	x := mixtureData(200, [][]float64{{-2, 1}, {2, 0}}, 0.7, 5)
	run := func() []float64 {
		em, err := NewEM(x, startGMM(2, 2, 1), Full)
		if err != nil {
			t.Fatal(err)
		}
		for range 10 {
			if _, err := em.Iterate(); err != nil {
				t.Fatal(err)
			}
		}
		return em.Theta()
	}
	a, b := run(), run()
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("θ[%d]: %v then %v", i, a[i], b[i])
		}
	}
}

// TestEMBadInput checks that bad data and starts give *InputError.
func TestEMBadInput(t *testing.T) {
	good := startGMM(2, 1, 1)
	x := [][]float64{{0}, {1}, {2}}
	bad := func(f func(g *GMM)) GMM { g := cloneGMM(good); f(&g); return g }
	for _, tc := range []struct {
		name  string
		x     [][]float64
		start GMM
	}{
		{"empty data", nil, good},
		{"empty row", [][]float64{{}}, good},
		{"ragged", [][]float64{{0}, {1, 2}}, good},
		{"NaN", [][]float64{{0}, {math.NaN()}}, good},
		{"Inf", [][]float64{{math.Inf(1)}}, good},
		{"one component", x, GMM{Weights: []float64{1}, Means: [][]float64{{0}}, Variances: [][]float64{{1}}}},
		{"no components", x, GMM{}},
		{"zero variance", x, bad(func(g *GMM) { g.Variances[0][0] = 0 })},
		{"negative weight", x, bad(func(g *GMM) { g.Weights[0] = -0.5; g.Weights[1] = 1.5 })},
		{"weights not summing to 1", x, bad(func(g *GMM) { g.Weights[0] = 0.9 })},
		{"NaN mean", x, bad(func(g *GMM) { g.Means[1][0] = math.NaN() })},
		{"dimension mismatch", x, bad(func(g *GMM) { g.Means[1] = []float64{0, 1} })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewEM(tc.x, tc.start, Full)
			if !errors.Is(err, ErrInput) {
				t.Fatalf("error %v, want one wrapping ErrInput", err)
			}
			t.Log(err)
		})
	}
}
