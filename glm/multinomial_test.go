package glm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

func classLabels(n, k int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 2))
	y := make([]int, n)
	for i := range y {
		y[i] = r.IntN(k)
	}
	return y
}

// checkDerivatives compares Grad and Hess with central finite differences.
func checkDerivatives(t *testing.T, m gradHess, theta []float64) {
	t.Helper()
	d := len(theta)
	f := func(th []float64) float64 { return m.Grad(make([]float64, d), th) }
	g := make([]float64, d)
	m.Grad(g, theta)
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
}

func TestMultinomialDerivatives(t *testing.T) {
	x, _ := randDesign(20, 3, 4)
	m, err := NewMultinomial(x, classLabels(20, 3, 1), 3, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	checkDerivatives(t, m, []float64{0.3, -0.2, 0.5, 1.1, 0.1, -0.7, 0, 0.4, -1})
}

func TestLinearNoiseDerivatives(t *testing.T) {
	x, y := randDesign(20, 3, 5)
	m, err := NewLinearNoise(x, y, 0.6, 0.2, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetPriorPrecisions([]float64{0.6, 0.6, 2}); err != nil {
		t.Fatal(err)
	}
	checkDerivatives(t, m, []float64{0.3, -0.2, 0.5, 0.4})
}

// TestMultinomialProbs: the probabilities sum to one and do not overflow.
func TestMultinomialProbs(t *testing.T) {
	x := mat.NewDense(2, 2, []float64{1, 1e3, -2, 1})
	m, err := NewMultinomial(x, []int{0, 1}, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Predict(nil, x, []float64{1, 2, -1, 0.5, 3, 1})
	for i := range 2 {
		s := p[3*i] + p[3*i+1] + p[3*i+2]
		if math.Abs(s-1) > 1e-15 || math.IsNaN(s) {
			t.Errorf("row %d: probabilities sum to %g", i, s)
		}
	}
	g := make([]float64, 6)
	if l := m.Grad(g, []float64{1, 2, -1, 0.5, 3, 1}); math.IsInf(l, 0) || math.IsNaN(l) {
		t.Errorf("loss %g with scores near 2000", l)
	}
}

// TestLinearNoiseMoments checks the closed forms against a tensor-product
// Gauss–Hermite quadrature over (s, ρ), row by row, for a full and a
// diagonal q.
func TestLinearNoiseMoments(t *testing.T) {
	x, y := randDesign(12, 2, 6)
	model, err := NewLinearNoise(x, y, 0.5, 0, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	mean := []float64{0.3, -0.5, 0.2}
	prec := mat.NewSymDense(3, []float64{4, 0.5, 1, 0.5, 3, -0.8, 1, -0.8, 6})
	full, err := expfam.NewFullGaussian(mean, prec)
	if err != nil {
		t.Fatal(err)
	}
	diag, err := expfam.NewDiagGaussian(mean, []float64{4, 3, 6})
	if err != nil {
		t.Fatal(err)
	}
	gh, _ := NewGaussHermite(60)
	for name, q := range map[string]expfam.Gaussian{"full": full, "diag": diag} {
		t.Run(name, func(t *testing.T) {
			cov, _ := covarianceOf(q)
			loss, g, h, err := model.Moments(q)
			if err != nil {
				t.Fatal(err)
			}
			var ch mat.Cholesky
			if !ch.Factorize(cov) {
				t.Fatal("covariance not PD")
			}
			var l mat.TriDense
			ch.LTo(&l)
			// E over θ = m + Lz, z on a 3-D tensor grid (the loss of row i
			// depends on θ through s and ρ only, but integrate in θ-space,
			// independently of the score reduction).
			d := 3
			wantG := make([]float64, d)
			wantH := make([]float64, d*d)
			var wantLoss float64
			th := make([]float64, d)
			gi := make([]float64, d)
			hi := make([]float64, d*d)
			for a, za := range gh.Z {
				for b, zb := range gh.Z {
					for c, zc := range gh.Z {
						w := gh.W[a] * gh.W[b] * gh.W[c]
						z := []float64{za, zb, zc}
						for r := range d {
							th[r] = mean[r]
							for k := 0; k <= r; k++ {
								th[r] += l.At(r, k) * z[k]
							}
						}
						// data term only: subtract the prior's parts
						lv := model.Grad(gi, th)
						model.Hess(hi, th)
						var pr float64
						for j := range 2 {
							pr += 0.5 * 0.5 * th[j] * th[j]
							gi[j] -= 0.5 * th[j]
							hi[j*d+j] -= 0.5
						}
						pr += 0.5 * 0.1 * th[2] * th[2]
						gi[2] -= 0.1 * th[2]
						hi[2*d+2] -= 0.1
						wantLoss += w * (lv - pr)
						for j := range d {
							wantG[j] += w * gi[j]
						}
						for j := range hi {
							wantH[j] += w * hi[j]
						}
					}
				}
			}
			// add the prior's expectations back: δ⊙m and diag δ
			pd := []float64{0.5, 0.5, 0.1}
			for j := range d {
				wantG[j] += pd[j] * mean[j]
				wantH[j*d+j] += pd[j]
			}
			if math.Abs(loss-wantLoss) > 1e-9*(1+math.Abs(wantLoss)) {
				t.Errorf("E[Σℓ] = %.15g, quadrature %.15g", loss, wantLoss)
			}
			for j := range d {
				if math.Abs(g[j]-wantG[j]) > 1e-9*(1+math.Abs(wantG[j])) {
					t.Errorf("g[%d] = %.15g, quadrature %.15g", j, g[j], wantG[j])
				}
			}
			for j := range d {
				for k := range d {
					want := wantH[j*d+k]
					got := 0.0
					if name == "full" {
						got = h[j*d+k]
					} else if j == k {
						got = h[j]
					} else {
						continue
					}
					if math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
						t.Errorf("H[%d,%d] = %.15g, quadrature %.15g", j, k, got, want)
					}
				}
			}
		})
	}
}

// TestSoftmaxMC: with a vanishing covariance the estimator is the delta
// method; with a real one, it agrees with an independent θ-space Monte
// Carlo estimate within 5 standard errors; the same seed repeats exactly.
func TestSoftmaxMC(t *testing.T) {
	x, _ := randDesign(15, 2, 8)
	y := classLabels(15, 3, 3)
	model, err := NewMultinomial(x, y, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	mean := []float64{0.5, -0.2, 0.1, 0.3, -0.4, 0.2}
	d := len(mean)
	tiny := mat.NewSymDense(d, nil)
	for j := range d {
		tiny.SetSym(j, j, 1e14)
	}
	q, _ := expfam.NewFullGaussian(mean, tiny)
	est := &SoftmaxMC{Model: model, Samples: 4, Seed: 1}
	_, g, h, err := est.Moments(q)
	if err != nil {
		t.Fatal(err)
	}
	wg := make([]float64, d)
	model.Grad(wg, mean)
	wh := make([]float64, d*d)
	model.Hess(wh, mean)
	for j := range wg {
		if math.Abs(g[j]-wg[j]) > 1e-6 {
			t.Errorf("delta limit: g[%d] = %g, ∇ℓ̄(m) = %g", j, g[j], wg[j])
		}
	}
	for j := range wh {
		if math.Abs(h[j]-wh[j]) > 1e-6 {
			t.Errorf("delta limit: H[%d] = %g, ∇²ℓ̄(m) = %g", j, h[j], wh[j])
		}
	}

	prec := mat.NewSymDense(d, nil)
	for j := range d {
		prec.SetSym(j, j, 1.5)
	}
	prec.SetSym(0, 3, 0.4)
	q, _ = expfam.NewFullGaussian(mean, prec)
	est = &SoftmaxMC{Model: model, Samples: 4000, Seed: 2}
	loss, g, _, err := est.Moments(q)
	if err != nil {
		t.Fatal(err)
	}
	g = append([]float64(nil), g...)
	loss2, g2, _, _ := (&SoftmaxMC{Model: model, Samples: 4000, Seed: 2}).Moments(q)
	if loss2 != loss || g2[0] != g[0] {
		t.Error("the same seed gave different estimates")
	}
	// Independent: θ ~ q directly, averaged gradients (data term + prior).
	rnd := rand.New(rand.NewPCG(9, 9))
	const S = 20000
	sum := make([]float64, d)
	sq := make([]float64, d)
	gi := make([]float64, d)
	for range S {
		th := q.Sample(nil, rnd)
		model.Grad(gi, th)
		for j := range d {
			// the prior's gradient δθ has expectation δm: use it exactly
			v := gi[j] - th[j] + mean[j]
			sum[j] += v
			sq[j] += v * v
		}
	}
	for j := range d {
		mu := sum[j] / S
		se := math.Sqrt((sq[j]/S - mu*mu) / S)
		if math.Abs(g[j]-mu) > 5*se {
			t.Errorf("g[%d] = %g, θ-space Monte Carlo %g ± %g", j, g[j], mu, se)
		}
	}
}

func TestPredictSoftmax(t *testing.T) {
	x, _ := randDesign(6, 2, 10)
	m := []float64{0.5, -0.2, 0.1, 0.3, -0.4, 0.2}
	zero := mat.NewSymDense(6, nil)
	model, _ := NewMultinomial(x, classLabels(6, 3, 1), 3, 1)
	plug := model.Predict(nil, x, m)
	probit := PredictSoftmaxProbit(nil, x, m, zero, 3)
	samp, err := PredictSoftmaxSample(nil, x, m, zero, 3, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range plug {
		if math.Abs(probit[i]-plug[i]) > 1e-15 || math.Abs(samp[i]-plug[i]) > 1e-15 {
			t.Errorf("zero covariance: probit %g, sample %g, plug-in %g", probit[i], samp[i], plug[i])
		}
	}
	if _, err := PredictSoftmaxSample(nil, x, m, zero, 3, 0, 1); err == nil {
		t.Error("0 samples accepted")
	}
}

func TestNewModelsBadInput(t *testing.T) {
	x, y := randDesign(4, 2, 3)
	cases := []struct {
		name string
		err  error
	}{
		{"multinomial label out of range", func() error { _, e := NewMultinomial(x, []int{0, 1, 3, 0}, 3, 1); return e }()},
		{"multinomial negative label", func() error { _, e := NewMultinomial(x, []int{0, -1, 2, 0}, 3, 1); return e }()},
		{"multinomial one class", func() error { _, e := NewMultinomial(x, []int{0, 0, 0, 0}, 1, 1); return e }()},
		{"multinomial zero prior", func() error { _, e := NewMultinomial(x, []int{0, 1, 2, 0}, 3, 0); return e }()},
		{"multinomial label count", func() error { _, e := NewMultinomial(x, []int{0, 1}, 3, 1); return e }()},
		{"noise NaN target", func() error { _, e := NewLinearNoise(x, []float64{1, math.NaN(), 0, 0}, 1, 0, 1); return e }()},
		{"noise zero prior on ρ", func() error { _, e := NewLinearNoise(x, y, 1, 0, 0); return e }()},
		{"noise Inf prior mean", func() error { _, e := NewLinearNoise(x, y, 1, math.Inf(1), 1); return e }()},
		{"logistic precisions length", func() error { m, _ := NewLogistic(x, y, 1); return m.SetPriorPrecisions([]float64{1}) }()},
		{"linear negative precision", func() error { m, _ := NewLinear(x, y, 1, 1); return m.SetPriorPrecisions([]float64{1, -1}) }()},
		{"multinomial zero precision", func() error {
			m, _ := NewMultinomial(x, []int{0, 1, 2, 0}, 3, 1)
			return m.SetPriorPrecisions(make([]float64, 6))
		}()},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}
