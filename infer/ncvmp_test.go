package infer

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/glm"
	"gonum.org/v1/gonum/mat"
)

// plainNCVMP is one NCVMP update (Knowles & Minka 2011, §3 and eq. 11 for a
// Gaussian) for Bayesian logistic regression with prior N(0, δ⁻¹I), written
// plainly: for each factor fᵢ = σ(zᵢxᵢᵀw), with F(a, v) = E_{s~N(a,v)} log σ(zᵢs)
// at a = xᵢᵀm, v = xᵢᵀΣxᵢ by an n-point Gauss–Hermite rule,
//
//	precision message Λᵢ = −2 ∂F/∂v · xᵢxᵢᵀ,  precision-mean message ηᵢ = ∂F/∂a · xᵢ + Λᵢm,
//
// where ∂F/∂v is taken by differentiating the rule in v (the nodes move as
// √v), not by Price's identity; then S = δI + ΣΛᵢ, S m′ = Σηᵢ.
func plainNCVMP(x *mat.Dense, y []float64, delta float64, m []float64, cov *mat.SymDense, gh *glm.GaussHermite) ([]float64, *mat.SymDense) {
	n, d := x.Dims()
	s := mat.NewSymDense(d, nil)
	eta := make([]float64, d)
	for j := range d {
		s.SetSym(j, j, delta)
	}
	for i := range n {
		xi := x.RawRowView(i)
		z := 2*y[i] - 1
		var a, v float64
		for j := range d {
			a += xi[j] * m[j]
			for k := range d {
				v += xi[j] * cov.At(j, k) * xi[k]
			}
		}
		sd := math.Sqrt(v)
		var da, dv float64
		for k, t := range gh.Z {
			sk := a + sd*t
			g := z / (1 + math.Exp(z*sk)) // d/ds log σ(zs) = z σ(−zs)
			da += gh.W[k] * g
			dv += gh.W[k] * g * t / (2 * sd)
		}
		var xm float64
		for j := range d {
			xm += xi[j] * m[j]
		}
		for j := range d {
			eta[j] += da*xi[j] - 2*dv*xi[j]*xm
			for k := j; k < d; k++ {
				s.SetSym(j, k, s.At(j, k)-2*dv*xi[j]*xi[k])
			}
		}
	}
	var chol mat.Cholesky
	chol.Factorize(s)
	var mv mat.VecDense
	_ = chol.SolveVecTo(&mv, mat.NewVecDense(d, eta))
	return mv.RawVector().Data, s
}

func logisticProblem(n, d int, seed uint64) (*mat.Dense, []float64) {
	rnd := rand.New(rand.NewPCG(seed, 1))
	x := mat.NewDense(n, d, nil)
	y := make([]float64, n)
	for i := range n {
		var s float64
		for j := range d {
			v := rnd.NormFloat64()
			if j == d-1 {
				v = 1
			}
			x.Set(i, j, v)
			s += v * (float64(j) - 1)
		}
		if rnd.Float64() < 1/(1+math.Exp(-s)) {
			y[i] = 1
		}
	}
	return x, y
}

// TestNCVMPStepEqualsPlain: from several q, one rule step with ρ = 1 equals
// one plain NCVMP update.
func TestNCVMPStepEqualsPlain(t *testing.T) {
	x, y := logisticProblem(80, 3, 1)
	const delta = 0.5
	model, err := glm.NewLogistic(x, y, delta)
	if err != nil {
		t.Fatal(err)
	}
	gh, _ := glm.NewGaussHermite(1000)
	rule, err := NCVMP(model, 1)
	if err != nil {
		t.Fatal(err)
	}
	var dev float64
	for _, start := range []struct {
		m []float64
		s float64
	}{{[]float64{0, 0, 0}, 1}, {[]float64{1, -1, 0.5}, 4}, {[]float64{-0.3, 2, 1}, 0.3}} {
		prec := mat.NewSymDense(3, nil)
		for j := range 3 {
			prec.SetSym(j, j, start.s)
		}
		prec.SetSym(0, 1, 0.1*start.s)
		q, err := expfam.NewFullGaussian(start.m, prec)
		if err != nil {
			t.Fatal(err)
		}
		wantM, wantS := plainNCVMP(x, y, delta, q.Mean(nil), q.Covariance(nil), gh)
		var st blr.State
		if _, err := rule.Step(q, &st, nil); err != nil {
			t.Fatal(err)
		}
		got := q.Mean(nil)
		gotS := q.Precision(nil)
		for j := range 3 {
			dev = math.Max(dev, relErr(got[j], wantM[j]))
			for k := range 3 {
				dev = math.Max(dev, relErr(gotS.At(j, k), wantS.At(j, k)))
			}
		}
	}
	if dev > 1e-10 {
		t.Errorf("rule step vs plain NCVMP: max relative deviation %.3g > 1e-10", dev)
	}
	t.Logf("one rule step (ρ = 1) vs one plain NCVMP step: max relative deviation %.3g", dev)
}

// oscillating is a case where NCVMP (ρ = 1) falls into a 2-cycle: four
// nearly separable points, δ = 0.01, q₀ = N(0, 100).
func oscillating() (*glm.Logistic, *expfam.FullGaussian) {
	x := mat.NewDense(4, 1, []float64{1, 2, -1, 0.5})
	model, _ := glm.NewLogistic(x, []float64{1, 1, 0, 0}, 0.01)
	q, _ := expfam.NewFullGaussian([]float64{0}, sym1(0.01))
	return model, q
}

// TestNCVMPDamping: on that case ρ = 1 oscillates between two far-apart q
// (m ≈ −50 and m ≈ 400) while ρ = 0.5 converges, with an ELBO far above
// both points of the cycle.
func TestNCVMPDamping(t *testing.T) {
	run := func(rho float64, steps int) (ms []float64, elbo float64, last float64) {
		model, q := oscillating()
		rule, _ := NCVMP(model, rho)
		var st blr.State
		for range steps {
			info, err := rule.Step(q, &st, nil)
			if err != nil {
				t.Fatal(err)
			}
			ms = append(ms, q.Mean(nil)[0])
			last = info.StepNorm
		}
		elbo, err := ScoreELBO(model, q)
		if err != nil {
			t.Fatal(err)
		}
		return ms, elbo, last
	}
	ms, e1, _ := run(1, 40)
	n := len(ms)
	if math.Abs(ms[n-1]-ms[n-3]) > 1e-6 || math.Abs(ms[n-1]-ms[n-2]) < 100 {
		t.Errorf("ρ = 1 did not settle into a 2-cycle: last means %v", ms[n-4:])
	}
	md, e2, step := run(0.5, 400)
	if step > 1e-8 {
		t.Errorf("ρ = 0.5 did not converge: last step %g, mean %v", step, md[len(md)-1])
	}
	if !(e2 > e1+100) {
		t.Errorf("damped ELBO %.4f not above the cycle's %.4f", e2, e1)
	}
	t.Logf("ρ = 1: means cycle %.4g ↔ %.4g (ELBO %.2f); ρ = 0.5: mean %.6f, ELBO %.6f", ms[n-2], ms[n-1], e1, md[len(md)-1], e2)
}

func TestNCVMPBadInput(t *testing.T) {
	model, _ := oscillating()
	for _, rho := range []float64{0, -1, 1.5, math.NaN()} {
		if _, err := NCVMP(model, rho); err == nil {
			t.Errorf("ρ = %v accepted", rho)
		}
	}
	if _, err := NCVMP(nil, 1); err == nil {
		t.Error("nil model accepted")
	}
	if _, err := ScoreELBO(nil, nil); err == nil {
		t.Error("nil accepted")
	}
}
