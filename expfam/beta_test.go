package expfam_test

// This file holds the Beta-specific tests and, below them, the property
// harness shared by the non-Gaussian families (Bernoulli, Categorical, Beta,
// Gamma, Dirichlet, NormalGamma). Each family's test file contributes one
// famCase; the Test* functions here run every property on every case.

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/internal/special"
)

// ---- Beta-specific tests ----

func betaCase() famCase {
	return famCase{
		name: "Beta",
		random: func(r *rand.Rand) famUnderTest {
			q, err := expfam.NewBeta(famLogUniform(r, 0.1, 1e3), famLogUniform(r, 0.1, 1e3))
			famMust(err)
			return q
		},
		fixed: func() []famUnderTest {
			a, _ := expfam.NewBeta(0.7, 2.5)
			b, _ := expfam.NewBeta(30, 4)
			return []famUnderTest{a, b}
		},
		stats: func(dst, th []float64) { dst[0], dst[1] = math.Log(th[0]), math.Log1p(-th[0]) },
		thetaMoments: func(f famUnderTest) (mean, vari []float64) {
			a, b := f.(*expfam.Beta).Params()
			s := a + b
			return []float64{a / s}, []float64{a * b / (s * s * (s + 1))}
		},
		kl: func(q, p famUnderTest) float64 { return q.(*expfam.Beta).KL(p.(*expfam.Beta)) },
		bad: [][]float64{
			{-1, 0}, {0, -1}, {-1.5, 2}, {math.NaN(), 0}, {0, math.NaN()},
			{math.Inf(1), 0}, {math.Inf(-1), 0}, {1e308, 1e308},
		},
	}
}

// gonumPsiErr bounds the absolute error of gonum's mathext.Digamma (v0.17.0)
// for x > 0: at most 5.3e-11, near x = 1e-3 and just below the integers.
const gonumPsiErr = 6e-11

// TestBetaAgainstGonum checks Entropy and LogProb against distuv.Beta and KL
// against its textbook closed form. (gonum's distmv, which has a Dirichlet KL,
// needs a go.sum entry for golang.org/x/tools that the module lacks.)
func TestBetaAgainstGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var maxH, maxKL, maxLP float64
	for range 1000 {
		a, b := famLogUniform(r, 0.1, 1e3), famLogUniform(r, 0.1, 1e3)
		a2, b2 := famLogUniform(r, 0.1, 1e3), famLogUniform(r, 0.1, 1e3)
		q, err := expfam.NewBeta(a, b)
		famMust(err)
		p, err := expfam.NewBeta(a2, b2)
		famMust(err)
		g := distuv.Beta{Alpha: a, Beta: b}
		// Cancellation scale of H = log B − (α−1)ψ(α) − (β−1)ψ(β) + (α+β−2)ψ(α+β).
		hs := math.Abs(q.LogPartition()) + math.Abs((a-1)*special.Digamma(a)) +
			math.Abs((b-1)*special.Digamma(b)) + math.Abs((a+b-2)*special.Digamma(a+b))
		// distuv's entropy carries gonum's ψ, whose absolute error is up to
		// 5.3e-11 (internal/special); blr's ψ is accurate to a few ulps.
		psiErr := gonumPsiErr * (math.Abs(a-1) + math.Abs(b-1) + math.Abs(a+b-2))
		maxH = math.Max(maxH, famCheckClose(t, "Beta entropy", q.Entropy(), g.Entropy(), 1e-13*hs+psiErr))

		// KL = ln B(a₂, b₂) − ln B(a, b) + (a−a₂)ψ(a) + (b−b₂)ψ(b)
		//    + (a₂−a+b₂−b)ψ(a+b).
		want := famLnBeta(a2, b2) - famLnBeta(a, b) + (a-a2)*special.Digamma(a) +
			(b-b2)*special.Digamma(b) + (a2-a+b2-b)*special.Digamma(a+b)
		maxKL = math.Max(maxKL, famCheckClose(t, "Beta KL", q.KL(p), want, 1e-12*(1+math.Abs(want)+famKLScale(q, p))))

		x := q.Sample([]float64{0}, r)
		if x[0] > 0 && x[0] < 1 {
			lp := g.LogProb(x[0])
			maxLP = math.Max(maxLP, famCheckClose(t, "Beta LogProb", q.LogProb(x), lp, 1e-12*(1+math.Abs(lp)+famLPScale(q, x[0]))))
		}
	}
	t.Logf("max |Δ|: entropy %.2g, KL %.2g, LogProb %.2g", maxH, maxKL, maxLP)
}

// TestNewBetaErrors checks that bad parameters are refused with the field and
// value in the message.
func TestNewBetaErrors(t *testing.T) {
	for _, tc := range []struct {
		a, b float64
		want string
	}{
		{0, 1, "alpha = 0"},
		{-2, 1, "alpha = -2"},
		{math.NaN(), 1, "alpha = NaN"},
		{math.Inf(1), 1, "alpha = +Inf"},
		{1, 0, "beta = 0"},
		{1, math.Inf(-1), "beta = -Inf"},
		{1e308, 1e308, "alpha = 1e+308: must be positive and at most 1e+300 (MaxShape)"},
		{6e299, 6e299, "alpha+beta = 1.2e+300: must be at most 1e+300 (MaxShape)"},
	} {
		_, err := expfam.NewBeta(tc.a, tc.b)
		famCheckErr(t, fmt.Sprintf("NewBeta(%g, %g)", tc.a, tc.b), err, tc.want)
	}
	if q, err := expfam.NewBeta(2, 3); err != nil {
		t.Fatal(err)
	} else if a, b := q.Params(); a != 2 || b != 3 {
		t.Errorf("Params = %g, %g, want 2, 3", a, b)
	}
	var z expfam.Beta
	if a, b := z.Params(); a != 1 || b != 1 || z.Entropy() != 0 {
		t.Errorf("zero Beta = Beta(%g, %g) with entropy %g, want the uniform Beta(1, 1) with entropy 0", a, b, z.Entropy())
	}
}

// ---- The shared harness ----

// famUnderTest is what every non-Gaussian family offers.
type famUnderTest interface {
	expfam.Family
	expfam.Sampler
	LogPartition() float64
	NaturalFromExpectation(dst, mu []float64) ([]float64, error)
}

type famCase struct {
	name string
	// random draws a member with parameters from the family's stated ranges.
	random func(r *rand.Rand) famUnderTest
	// fixed lists members for the sampling tests.
	fixed func() []famUnderTest
	// stats writes T(θ).
	stats func(dst, theta []float64)
	// thetaMoments returns E θ and Var θ per coordinate, in closed form.
	thetaMoments func(q famUnderTest) (mean, vari []float64)
	// kl is the family's own KL(q ‖ p).
	kl func(q, p famUnderTest) float64
	// bad lists λ outside the domain, for members with Dim 2 or the Dim of
	// fixed()[0].
	bad [][]float64
}

func famCases() []famCase {
	return []famCase{bernoulliCase(), categoricalCase(), betaCase(), gammaCase(), dirichletCase(), normalGammaCase()}
}

// famN is the number of random members per family (corrections point 6).
const famN = 1000

// TestFamilyRoundTrip checks λ → μ → λ on famN random members per family:
// ‖λ′ − λ‖/max(1, ‖λ‖) ≤ 1e-10·max(1, κ), κ = ‖J⁻¹‖·max(1, ‖μ‖)/max(1, ‖λ‖)
// the (floored) relative condition number of μ ↦ λ, J = ∂μ/∂λ by central
// differences (corrections point 6).
func TestFamilyRoundTrip(t *testing.T) {
	for _, c := range famCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, 12))
			var maxErr, maxRatio, maxCond float64
			for i := range famN {
				q := c.random(r)
				lam := q.Natural(nil)
				mu := q.Expectation(nil)
				back, err := q.NaturalFromExpectation(nil, mu)
				if err != nil {
					t.Fatalf("member %d, λ = %v: %v", i, lam, err)
				}
				e := famDist(back, lam) / math.Max(1, floats.Norm(lam, 2))
				cond := famCond(q) * math.Max(1, floats.Norm(mu, 2)) / math.Max(1, floats.Norm(lam, 2))
				if e > 1e-10*math.Max(1, cond) {
					t.Errorf("member %d, λ = %v: round trip gives %v, rel. error %.3g > 1e-10·κ (κ = %.3g)", i, lam, back, e, cond)
				}
				maxErr = math.Max(maxErr, e)
				maxRatio = math.Max(maxRatio, e/math.Max(1, cond))
				maxCond = math.Max(maxCond, cond)
			}
			t.Logf("max rel. error %.3g, max error/max(1,κ) %.3g, max κ %.3g", maxErr, maxRatio, maxCond)
		})
	}
}

// TestFamilyGradLogPartition checks ∇A(λ) = μ by central differences
// (gonum diff/fd) within 1e-6·max(1, |μᵢ|). The differences are taken in
// the coordinates sⱼ = (λⱼ − λⱼ⁰)/σⱼ with σⱼ = 1/√Fⱼⱼ, Fⱼⱼ = Var Tⱼ = ∂μⱼ/∂λⱼ
// (estimated by a difference of μ), so that A has unit curvature along each
// axis and one step size suits every member; without it the Normal-Gamma's
// A, whose curvature in λ₁ grows like a·m⁶/b³, has truncation errors of 1e-5.
func TestFamilyGradLogPartition(t *testing.T) {
	for _, c := range famCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(21, 22))
			var maxRel float64
			for i := range famN {
				q := c.random(r)
				lam := q.Natural(nil)
				mu := q.Expectation(nil)
				w := q.Clone().(famUnderTest)
				sigma, _ := famFisherScale(q)
				x := make([]float64, len(lam))
				grad := fd.Gradient(nil, func(s []float64) float64 {
					for j := range x {
						x[j] = lam[j] + sigma[j]*s[j]
					}
					if w.SetNatural(x) != nil {
						return math.NaN()
					}
					return w.LogPartition()
				}, make([]float64, len(lam)), &fd.Settings{Formula: fd.Central, Step: famFDStep})
				for j := range grad {
					grad[j] /= sigma[j]
				}
				for j := range mu {
					rel := math.Abs(grad[j]-mu[j]) / math.Max(1, math.Abs(mu[j]))
					maxRel = math.Max(maxRel, rel)
					if !(rel <= 1e-6) {
						t.Errorf("member %d, λ = %v: ∂A/∂λ[%d] = %.12g by differences, μ = %.12g", i, lam, j, grad[j], mu[j])
					}
				}
			}
			t.Logf("max rel. |∇A − μ| = %.3g", maxRel)
		})
	}
}

// TestFamilyEntropy checks H = A − ⟨λ, μ⟩ (h ≡ 1) within rounding,
// EntropyGrad = −λ exactly, and EntropyGrad against central differences of
// μ ↦ H(q(μ)) (through NaturalFromExpectation) on the first 50 members whose
// relative condition number κ (as in TestFamilyRoundTrip) is at most 1e6. The
// μ-step along eⱼ is 1e-4/√((J⁻¹)ⱼⱼ), whose image in λ has Fisher norm 1e-4,
// so it stays well inside the expectation domain.
func TestFamilyEntropy(t *testing.T) {
	for _, c := range famCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(31, 32))
			var maxH, maxG float64
			checked := 0
			for i := range famN {
				q := c.random(r)
				lam := q.Natural(nil)
				mu := q.Expectation(nil)
				want := q.LogPartition() - floats.Dot(lam, mu)
				maxH = math.Max(maxH, famCheckClose(t, fmt.Sprintf("member %d, λ = %v: entropy", i, lam), q.Entropy(), want, famRoundTol(q)))
				eg := q.EntropyGrad(nil)
				for j := range eg {
					if eg[j] != -lam[j] {
						t.Fatalf("member %d: EntropyGrad[%d] = %g, want −λ = %g", i, j, eg[j], -lam[j])
					}
				}
				if checked >= 50 {
					continue
				}
				jac := famJacobian(q)
				var inv mat.Dense
				if inv.Inverse(jac) != nil {
					continue
				}
				cond := mat.Norm(&inv, 2) * math.Max(1, floats.Norm(mu, 2)) / math.Max(1, floats.Norm(lam, 2))
				if cond > 1e6 {
					continue
				}
				checked++
				w := q.Clone().(famUnderTest)
				var back []float64
				hmu := func(m []float64) float64 {
					var err error
					if back, err = w.NaturalFromExpectation(back, m); err != nil || w.SetNatural(back) != nil {
						return math.NaN()
					}
					return w.Entropy()
				}
				for j := range mu {
					h := 1e-4 / math.Sqrt(inv.At(j, j))
					mp := append([]float64(nil), mu...)
					mm := append([]float64(nil), mu...)
					mp[j] += h
					mm[j] -= h
					d := (hmu(mp) - hmu(mm)) / (2 * h)
					rel := math.Abs(d-eg[j]) / math.Max(1, math.Abs(eg[j]))
					maxG = math.Max(maxG, rel)
					if !(rel <= 1e-4) {
						t.Errorf("member %d, λ = %v: ∂H/∂μ[%d] = %.10g by differences, EntropyGrad = %.10g", i, lam, j, d, eg[j])
					}
				}
			}
			t.Logf("max |H − (A − ⟨λ,μ⟩)| %.3g; max rel. |∇_μH(fd) + λ| %.3g on %d members", maxH, maxG, checked)
		})
	}
}

// TestFamilyKL checks |KL(q‖q)| ≤ 1e-12·D, KL(q‖p) ≥ 0, and KL equal to the
// Bregman divergence A(λₚ) − A(λ) − ⟨λₚ − λ, μ⟩ within rounding.
func TestFamilyKL(t *testing.T) {
	for _, c := range famCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(41, 42))
			var maxSelf, maxB float64
			for i := range famN {
				q := c.random(r)
				p := c.random(r)
				for p.Dim() != q.Dim() {
					p = c.random(r)
				}
				self := c.kl(q, q.Clone().(famUnderTest))
				maxSelf = math.Max(maxSelf, math.Abs(self))
				if !(math.Abs(self) <= 1e-12*float64(q.Dim())) {
					t.Errorf("member %d: KL(q‖q) = %g", i, self)
				}
				kl := c.kl(q, p)
				if !(kl >= 0) {
					t.Errorf("member %d: KL(q‖p) = %g < 0", i, kl)
				}
				lq, lp, mu := q.Natural(nil), p.Natural(nil), q.Expectation(nil)
				d := make([]float64, len(lq))
				floats.SubTo(d, lp, lq)
				breg := p.LogPartition() - q.LogPartition() - floats.Dot(d, mu)
				tol := famRoundTol(q) + famRoundTol(p) + 16*0x1p-52*famAbsDot(d, mu)
				maxB = math.Max(maxB, famCheckClose(t, fmt.Sprintf("member %d: KL vs Bregman", i), kl, breg, tol))
			}
			t.Logf("max |KL(q‖q)| %.3g; max |KL − Bregman| %.3g", maxSelf, maxB)
		})
	}
}

// TestFamilySampling draws n samples from fixed members (fixed seeds) and
// checks, each within 4 standard errors: the sample mean and variance of every
// coordinate of θ against closed forms, the mean of T(θ) against μ, the mean
// of −log q(θ) against the entropy and the mean of log q − log p against
// KL(q‖p). It also checks log q(θ) = ⟨λ, T(θ)⟩ − A(λ) on every sample (h ≡ 1).
func TestFamilySampling(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 5000
	}
	for _, c := range famCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(51, 52))
			members := c.fixed()
			for mi, q := range members {
				p := members[(mi+1)%len(members)]
				name := fmt.Sprintf("member %d, λ = %.4g", mi, q.Natural(nil))
				d, dim := q.ParamDim(), q.Dim()
				lam, mu, a := q.Natural(nil), q.Expectation(nil), q.LogPartition()
				theta := make([][]float64, d)
				ts := make([][]float64, dim)
				negLogQ := make([]float64, n)
				logRatio := make([]float64, n)
				th := make([]float64, d)
				tt := make([]float64, dim)
				var maxLP float64
				for s := range n {
					q.Sample(th, r)
					c.stats(tt, th)
					for j := range d {
						theta[j] = append(theta[j], th[j])
					}
					for j := range dim {
						ts[j] = append(ts[j], tt[j])
					}
					lq := q.LogProb(th)
					want := floats.Dot(lam, tt) - a
					maxLP = math.Max(maxLP, famCheckClose(t, name+": LogProb vs ⟨λ,T⟩−A", lq, want, 1e-12*(1+math.Abs(a)+famAbsDot(lam, tt))))
					negLogQ[s] = -lq
					logRatio[s] = lq - p.LogProb(th)
				}
				mean, vari := c.thetaMoments(q)
				for j := range d {
					famCheckMoments(t, fmt.Sprintf("%s: θ[%d]", name, j), theta[j], mean[j], vari[j])
				}
				for j := range dim {
					famCheckMean(t, fmt.Sprintf("%s: T[%d]", name, j), ts[j], mu[j])
				}
				famCheckMean(t, name+": −log q (entropy)", negLogQ, q.Entropy())
				famCheckMean(t, name+": log q − log p (KL)", logRatio, c.kl(q, p))
				t.Logf("%s: max |log q − (⟨λ,T⟩−A)| %.3g", name, maxLP)
			}
		})
	}
}

// TestFamilySetNaturalDomain checks that λ outside the domain is refused with
// a *DomainError wrapping expfam.ErrDomain and leaves q bit-for-bit unchanged.
func TestFamilySetNaturalDomain(t *testing.T) {
	for _, c := range famCases() {
		t.Run(c.name, func(t *testing.T) {
			for _, bad := range c.bad {
				q := c.fixed()[0]
				if len(bad) != q.Dim() {
					t.Fatalf("bad λ %v has length %d, want %d", bad, len(bad), q.Dim())
				}
				before := q.Natural(nil)
				hBefore := q.Entropy()
				err := q.SetNatural(bad)
				if !errors.Is(err, expfam.ErrDomain) {
					t.Errorf("SetNatural(%v) = %v, want an error wrapping ErrDomain", bad, err)
					continue
				}
				var de *expfam.DomainError
				if !errors.As(err, &de) || de.Family != c.name || de.Field == "" {
					t.Errorf("SetNatural(%v) = %#v, want a *DomainError naming %s and a field", bad, err, c.name)
				}
				after := q.Natural(nil)
				for j := range before {
					if math.Float64bits(after[j]) != math.Float64bits(before[j]) {
						t.Errorf("SetNatural(%v) changed λ[%d] from %v to %v", bad, j, before[j], after[j])
					}
				}
				if math.Float64bits(q.Entropy()) != math.Float64bits(hBefore) {
					t.Errorf("SetNatural(%v) changed the entropy", bad)
				}
			}
			// Clone is independent of the original.
			q := c.fixed()[0]
			cl := q.Clone()
			lam := q.Natural(nil)
			shifted := append([]float64(nil), lam...)
			shifted[0] += 1e-3
			if err := cl.SetNatural(shifted); err != nil {
				t.Fatal(err)
			}
			if got := q.Natural(nil); got[0] != lam[0] {
				t.Errorf("setting a clone changed the original: λ[0] %g → %g", lam[0], got[0])
			}
		})
	}
}

// ---- helpers ----

func famMust(err error) {
	if err != nil {
		panic(err)
	}
}

// famLogUniform draws from the log-uniform law on [lo, hi].
func famLogUniform(r *rand.Rand, lo, hi float64) float64 {
	return math.Exp(math.Log(lo) + r.Float64()*(math.Log(hi)-math.Log(lo)))
}

func famDist(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}

func famAbsDot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += math.Abs(a[i] * b[i])
	}
	return s
}

// famFDStep is the step of the scaled differences, in units of σⱼ. With unit
// curvature, the truncation error is about famFDStep²/6 times the skewness of
// Tⱼ; the step is large so that the rounding error of A (which for the
// Normal-Gamma grows with the cancellation in b = −λ₃ − λ₀²/(2κ)) stays small.
const famFDStep = 1e-4

// famFisherScale returns σⱼ = 1/√Fⱼⱼ, Fⱼⱼ = ∂μⱼ/∂λⱼ by a central difference
// with a relative step, with σⱼ capped at max(1, |λⱼ|)/10; and Fⱼⱼ.
func famFisherScale(q famUnderTest) (sigma, fdiag []float64) {
	lam := q.Natural(nil)
	w := q.Clone().(famUnderTest)
	sigma = make([]float64, len(lam))
	fdiag = make([]float64, len(lam))
	x := make([]float64, len(lam))
	for j := range lam {
		h := 1e-6 * math.Max(1e-3, math.Abs(lam[j]))
		copy(x, lam)
		x[j] = lam[j] + h
		famMust(w.SetNatural(x))
		up := w.Expectation(nil)[j]
		x[j] = lam[j] - h
		famMust(w.SetNatural(x))
		down := w.Expectation(nil)[j]
		fdiag[j] = (up - down) / (2 * h)
		sigma[j] = math.Min(1/math.Sqrt(fdiag[j]), math.Max(1, math.Abs(lam[j]))/10)
	}
	return sigma, fdiag
}

// famJacobian returns J = ∂μ/∂λ by central differences.
func famJacobian(q famUnderTest) *mat.Dense {
	lam := q.Natural(nil)
	n := len(lam)
	w := q.Clone().(famUnderTest)
	j := mat.NewDense(n, n, nil)
	fd.Jacobian(j, func(y, x []float64) {
		if w.SetNatural(x) != nil {
			for i := range y {
				y[i] = math.NaN()
			}
			return
		}
		w.Expectation(y)
	}, lam, &fd.JacobianSettings{Formula: fd.Central})
	return j
}

// famCond returns ‖J⁻¹‖₂, J = ∂μ/∂λ by central differences.
func famCond(q famUnderTest) float64 {
	var svd mat.SVD
	if !svd.Factorize(famJacobian(q), mat.SVDNone) {
		return math.Inf(1)
	}
	v := svd.Values(nil)
	return 1 / v[len(v)-1]
}

// famRoundTol bounds the rounding error of A(λ), H and ⟨λ, μ⟩ as evaluated
// by any arrangement of their terms: 16 ulp of |A| + Σ|λᵢμᵢ| + ‖λ‖₁·log(2 +
// ‖λ‖∞), the last for terms such as log Γ(α) ≈ α log α that cancel in A.
func famRoundTol(q famUnderTest) float64 {
	lam, mu := q.Natural(nil), q.Expectation(nil)
	var l1, linf float64
	for _, l := range lam {
		l1 += math.Abs(l)
		linf = math.Max(linf, math.Abs(l))
	}
	return 16 * 0x1p-52 * (1 + math.Abs(q.LogPartition()) + famAbsDot(lam, mu) + l1*math.Log(2+linf))
}

func famLnBeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}

// famKLScale is the magnitude of the terms of a Beta KL.
func famKLScale(q, p *expfam.Beta) float64 {
	lq, lp, mu := q.Natural(nil), p.Natural(nil), q.Expectation(nil)
	d := []float64{lp[0] - lq[0], lp[1] - lq[1]}
	return math.Abs(q.LogPartition()) + math.Abs(p.LogPartition()) + famAbsDot(d, mu)
}

// famLPScale is the magnitude of the terms of a Beta log density.
func famLPScale(q *expfam.Beta, x float64) float64 {
	lam := q.Natural(nil)
	return math.Abs(q.LogPartition()) + math.Abs(lam[0]*math.Log(x)) + math.Abs(lam[1]*math.Log1p(-x))
}

// famCheckClose reports |got − want| > tol and returns |got − want|.
func famCheckClose(t *testing.T, what string, got, want, tol float64) float64 {
	t.Helper()
	d := math.Abs(got - want)
	if !(d <= tol) {
		t.Errorf("%s = %.17g, want %.17g (|Δ| = %.3g > %.3g)", what, got, want, d, tol)
	}
	return d
}

// famCheckErr checks that err is non-nil and its message holds want.
func famCheckErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one mentioning %q", what, want)
		return
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %q does not mention %q", what, err, want)
	}
}

// famCheckMean checks the sample mean of x against want within 4 standard
// errors.
func famCheckMean(t *testing.T, what string, x []float64, want float64) {
	t.Helper()
	n := float64(len(x))
	m := floats.Sum(x) / n
	var v float64
	for _, xi := range x {
		v += (xi - m) * (xi - m)
	}
	se := math.Sqrt(v / (n - 1) / n)
	if !(math.Abs(m-want) <= 4*se+1e-12*math.Abs(want)) {
		t.Errorf("%s: sample mean %.8g, want %.8g (|Δ| = %.3g > 4 SE = %.3g)", what, m, want, math.Abs(m-want), 4*se)
	}
}

// famCheckMoments checks the sample mean and variance of x against mean and
// vari, each within 4 standard errors; the variance's standard error is
// √((m₄ − s⁴)/n) with m₄ the sample fourth central moment.
func famCheckMoments(t *testing.T, what string, x []float64, mean, vari float64) {
	t.Helper()
	famCheckMean(t, what, x, mean)
	n := float64(len(x))
	m := floats.Sum(x) / n
	var m2, m4 float64
	for _, xi := range x {
		d := (xi - m) * (xi - m)
		m2 += d
		m4 += d * d
	}
	s2 := m2 / (n - 1)
	m4 /= n
	se := math.Sqrt(math.Max(m4-s2*s2, 0) / n)
	if !(math.Abs(s2-vari) <= 4*se+1e-12*vari) {
		t.Errorf("%s: sample variance %.8g, want %.8g (|Δ| = %.3g > 4 SE = %.3g)", what, s2, vari, math.Abs(s2-vari), 4*se)
	}
}
