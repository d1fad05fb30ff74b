package infer_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/infer"
	"github.com/bayesrule/blr/internal/special"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

func mutClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

// TestMutantGMMLogLikelihood pins GMM.LogLikelihood against Σᵢ log Σ_c w_c
// ∏ⱼ N(xᵢⱼ; μ_cj, σ²_cj) written with the densities themselves.
func TestMutantGMMLogLikelihood(t *testing.T) {
	g := infer.GMM{
		Weights:   []float64{0.3, 0.7},
		Means:     [][]float64{{-1, 0.5}, {2, -0.3}},
		Variances: [][]float64{{0.4, 1.3}, {2, 0.7}},
	}
	x := [][]float64{{0.1, 0.2}, {-1.5, 1}, {2.5, -1}, {0, 0}}
	var want float64
	for _, row := range x {
		var p float64
		for c := range g.Weights {
			dens := g.Weights[c]
			for j, v := range row {
				s2 := g.Variances[c][j]
				r := v - g.Means[c][j]
				dens *= math.Exp(-r*r/(2*s2)) / math.Sqrt(2*math.Pi*s2)
			}
			p += dens
		}
		want += math.Log(p)
	}
	got, err := g.LogLikelihood(x)
	if err != nil {
		t.Fatal(err)
	}
	if !mutClose(got, want, 1e-13) {
		t.Errorf("LogLikelihood = %.15g, want %.15g", got, want)
	}
}

// TestMutantDoubleBanana pins DoubleBanana's loss against its formula
// (θ₁²−A²)²/(2W) + (θ₂−B(θ₁²−A²))²/2, and Grad and Hess against central
// finite differences of that formula.
func TestMutantDoubleBanana(t *testing.T) {
	tb := infer.DoubleBanana{A: 1.3, B: 0.7, W: 0.4}
	f := func(th []float64) float64 {
		u := th[0]*th[0] - tb.A*tb.A
		r := th[1] - tb.B*u
		return u*u/(2*tb.W) + r*r/2
	}
	for _, th := range [][]float64{{0.5, -0.2}, {-1.7, 1.1}, {1.3, 0}} {
		g := make([]float64, 2)
		if got, want := tb.Grad(g, th), f(th); !mutClose(got, want, 1e-14) {
			t.Errorf("θ = %v: loss %g, want %g", th, got, want)
		}
		wg := fd.Gradient(nil, f, th, &fd.Settings{Formula: fd.Central})
		for j := range 2 {
			if !mutClose(g[j], wg[j], 1e-6) {
				t.Errorf("θ = %v: grad[%d] = %g, fd %g", th, j, g[j], wg[j])
			}
		}
		h := make([]float64, 4)
		tb.Hess(h, th)
		var wh mat.SymDense
		fd.Hessian(&wh, f, th, &fd.Settings{Formula: fd.Central})
		for i := range 2 {
			for j := range 2 {
				if !mutClose(h[i*2+j], wh.At(i, j), 1e-4) {
					t.Errorf("θ = %v: hess[%d,%d] = %g, fd %g", th, i, j, h[i*2+j], wh.At(i, j))
				}
			}
		}
	}
}

// TestMutantCategoricalsExpectation pins Expectation for several rows:
// row i holds softmax([λᵢ, 0]) without its last class.
func TestMutantCategoricalsExpectation(t *testing.T) {
	const n, k = 3, 4
	q, err := infer.NewCategoricals(n, k)
	if err != nil {
		t.Fatal(err)
	}
	lam := []float64{0.1, -2, 1, 3, 0.5, -1, -0.4, 0, 2.2}
	if err := q.SetNatural(lam); err != nil {
		t.Fatal(err)
	}
	mu := q.Expectation(nil)
	probs := q.Probs(nil)
	for i := range n {
		z := 1.0
		for c := range k - 1 {
			z += math.Exp(lam[i*(k-1)+c])
		}
		for c := range k {
			want := 1 / z
			if c < k-1 {
				want = math.Exp(lam[i*(k-1)+c]) / z
				if !mutClose(mu[i*(k-1)+c], want, 1e-14) {
					t.Errorf("μ[%d,%d] = %g, want %g", i, c, mu[i*(k-1)+c], want)
				}
			}
			if !mutClose(probs[i*k+c], want, 1e-14) {
				t.Errorf("π[%d,%d] = %g, want %g", i, c, probs[i*k+c], want)
			}
		}
	}
}

// TestMutantLDATopWords pins TopWords(k, n) for every topic k: the word ids
// in decreasing order of topic k's concentrations (the ordering of E[βₖ]),
// and nil for k outside [0, K) or n ≤ 0.
func TestMutantLDATopWords(t *testing.T) {
	docs := []infer.Document{
		{Words: []int{0, 1, 2}, Counts: []float64{3, 1, 2}},
		{Words: []int{3, 4, 5}, Counts: []float64{2, 2, 1}},
		{Words: []int{0, 5}, Counts: []float64{1, 4}},
	}
	const vocab, k = 6, 3
	l, err := infer.NewLDA(docs, vocab, k, infer.LDAPrior{Alpha: 0.5, Eta: 0.1}, blr.Constant(1), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Step([]int{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	for topic := range k {
		a := l.Topic(topic)
		got := l.TopWords(topic, vocab)
		if len(got) != vocab {
			t.Fatalf("topic %d: %d words", topic, len(got))
		}
		seen := make([]bool, vocab)
		for r, w := range got {
			seen[w] = true
			if r > 0 && a[got[r-1]] < a[w] {
				t.Errorf("topic %d: rank %d word %d (%g) above word %d (%g)", topic, r, got[r-1], a[got[r-1]], w, a[w])
			}
		}
		if slices.Contains(seen, false) {
			t.Errorf("topic %d: not a permutation: %v", topic, got)
		}
		if top := l.TopWords(topic, 2); !slices.Equal(top, got[:2]) {
			t.Errorf("topic %d: TopWords(2) = %v, want %v", topic, top, got[:2])
		}
	}
	for _, c := range [][2]int{{-1, 2}, {k, 2}, {0, 0}} {
		if got := l.TopWords(c[0], c[1]); got != nil {
			t.Errorf("TopWords(%d, %d) = %v, want nil", c[0], c[1], got)
		}
	}
}

// TestMutantEMStepNorm pins EMInfo for MeansOnly: LogLik is the start's log
// likelihood and StepNorm = ‖μ′ − μ‖ with μ′ the textbook EM mean update
// μ′_c = Σᵢ rᵢ_c xᵢ / Σᵢ rᵢ_c (responsibilities at the start).
func TestMutantEMStepNorm(t *testing.T) {
	start := infer.GMM{
		Weights:   []float64{0.4, 0.6},
		Means:     [][]float64{{-1, 0}, {1.5, 0.5}},
		Variances: [][]float64{{0.8, 1.1}, {0.6, 0.9}},
	}
	x := [][]float64{{-1.2, 0.3}, {-0.4, -0.6}, {1.1, 1}, {2, 0.2}, {0.3, 0.1}}
	var ll, step2 float64
	num := [2][2]float64{}
	den := [2]float64{}
	for _, row := range x {
		var p [2]float64
		var z float64
		for c := range 2 {
			p[c] = start.Weights[c]
			for j, v := range row {
				s2 := start.Variances[c][j]
				r := v - start.Means[c][j]
				p[c] *= math.Exp(-r*r/(2*s2)) / math.Sqrt(2*math.Pi*s2)
			}
			z += p[c]
		}
		ll += math.Log(z)
		for c := range 2 {
			den[c] += p[c] / z
			for j, v := range row {
				num[c][j] += p[c] / z * v
			}
		}
	}
	for c := range 2 {
		for j := range 2 {
			d := num[c][j]/den[c] - start.Means[c][j]
			step2 += d * d
		}
	}
	em, err := infer.NewEM(x, start, infer.MeansOnly)
	if err != nil {
		t.Fatal(err)
	}
	info, err := em.Iterate()
	if err != nil {
		t.Fatal(err)
	}
	if !mutClose(info.LogLik, ll, 1e-12) {
		t.Errorf("LogLik = %.15g, want %.15g", info.LogLik, ll)
	}
	if want := math.Sqrt(step2); !mutClose(info.StepNorm, want, 1e-10) {
		t.Errorf("StepNorm = %.15g, want ‖μ′−μ‖ = %.15g", info.StepNorm, want)
	}
}

// TestMutantLDAVocabLimit pins NewLDA's vocabulary limit: a vocabulary of
// MaxTopicWords/2 + 1 words is refused with an error naming vocab.
func TestMutantLDAVocabLimit(t *testing.T) {
	docs := []infer.Document{{Words: []int{0, 1}, Counts: []float64{1, 1}}}
	_, err := infer.NewLDA(docs, infer.MaxTopicWords/2+1, 2, infer.LDAPrior{Alpha: 1, Eta: 1}, blr.Constant(1), rand.New(rand.NewPCG(1, 1)))
	if err == nil || !strings.Contains(err.Error(), "vocab") || !strings.Contains(err.Error(), "MaxTopicWords/2") {
		t.Errorf("vocab = MaxTopicWords/2+1: err %v", err)
	}
}

// mutLDALocal runs the textbook CAVI recursion for one document under
// fixed topics with E log β = elogb: γ⁰ = α + N_d/K, then φ_wk ∝
// exp(ψ(γ_k) + E log β_kw) and γ_k = α + Σ_w n_w φ_wk, steps times; it
// returns γ and the φ of the last update. With tol > 0 it stops early once
// the mean absolute change of γ in an update is below tol.
func mutLDALocal(doc infer.Document, elogb [][]float64, alpha float64, steps int, tol float64) (gamma []float64, phi [][]float64) {
	k := len(elogb)
	var total float64
	for _, n := range doc.Counts {
		total += n
	}
	gamma = make([]float64, k)
	for c := range gamma {
		gamma[c] = alpha + total/float64(k)
	}
	for range steps {
		next := make([]float64, k)
		for c := range next {
			next[c] = alpha
		}
		phi = make([][]float64, len(doc.Words))
		for n, w := range doc.Words {
			phi[n] = make([]float64, k)
			var z float64
			for c := range k {
				phi[n][c] = math.Exp(special.Digamma(gamma[c]) + elogb[c][w])
				z += phi[n][c]
			}
			for c := range k {
				phi[n][c] /= z
				next[c] += doc.Counts[n] * phi[n][c]
			}
		}
		var change float64
		for c := range next {
			change += math.Abs(next[c] - gamma[c])
		}
		gamma = next
		if tol > 0 && change/float64(k) < tol {
			break
		}
	}
	return gamma, phi
}

// mutElogDir returns E log x under Dir(a).
func mutElogDir(a []float64) []float64 {
	var s float64
	for _, v := range a {
		s += v
	}
	out := make([]float64, len(a))
	for i, v := range a {
		out[i] = special.Digamma(v) - special.Digamma(s)
	}
	return out
}

// mutKLDir returns KL(Dir(a) ‖ Dir(b)) in closed form.
func mutKLDir(a, b []float64) float64 {
	var sa, sb, kl float64
	for i := range a {
		sa += a[i]
		sb += b[i]
		la, _ := math.Lgamma(a[i])
		lb, _ := math.Lgamma(b[i])
		kl += lb - la
	}
	lsa, _ := math.Lgamma(sa)
	lsb, _ := math.Lgamma(sb)
	kl += lsa - lsb
	e := mutElogDir(a)
	for i := range a {
		kl += (a[i] - b[i]) * e[i]
	}
	return kl
}

var mutLDADocs = []infer.Document{
	{Words: []int{0, 2, 3}, Counts: []float64{4, 1, 2}},
	{Words: []int{1, 3, 4}, Counts: []float64{1, 3, 5}},
}

// TestMutantLDALocal pins the local loop of DocTopics under fixed topics
// against the CAVI recursion of mutLDALocal: LocalIters = 1 must take
// exactly one update; LocalTol = 1e-13 must run to the fixed point; the
// default LocalTol = 1e-3 must stop at the first update whose mean absolute
// change of γ is below 1e-3.
func TestMutantLDALocal(t *testing.T) {
	const vocab, k, alpha = 5, 3, 0.3
	for _, tc := range []struct {
		name  string
		iters int
		tol   float64
		steps int
		eps   float64
	}{{"one", 1, 0, 1, 1e-12}, {"converged", 10000, 1e-13, 10000, 1e-9}, {"default-tol", 10000, 1e-3, 10000, 1e-12}} {
		l, err := infer.NewLDA(mutLDADocs, vocab, k, infer.LDAPrior{Alpha: alpha, Eta: 0.2}, blr.Constant(1), rand.New(rand.NewPCG(5, 6)))
		if err != nil {
			t.Fatal(err)
		}
		l.LocalIters, l.LocalTol = tc.iters, tc.tol
		elogb := make([][]float64, k)
		for c := range k {
			elogb[c] = mutElogDir(l.Topic(c))
		}
		for d, doc := range mutLDADocs {
			gamma, _ := mutLDALocal(doc, elogb, alpha, tc.steps, tc.tol)
			var s float64
			for _, v := range gamma {
				s += v
			}
			got, err := l.DocTopics(d)
			if err != nil {
				t.Fatal(err)
			}
			for c := range k {
				if want := gamma[c] / s; math.Abs(got[c]-want) > tc.eps {
					t.Errorf("%s: doc %d: E[θ_%d] = %.15g, CAVI %.15g", tc.name, d, c, got[c], want)
				}
			}
		}
	}
}

// TestMutantLDAELBO pins LDA.ELBO at the local optimum against the LDA
// bound written out: Σ_d [Σ_w n_w Σ_k φ_wk(E log θ_dk + E log β_kw − log φ_wk)
// − KL(Dir(γ_d) ‖ Dir(α))] − Σ_k KL(Dir(λ_k) ‖ Dir(η)).
func TestMutantLDAELBO(t *testing.T) {
	const vocab, k, alpha, eta = 5, 3, 0.3, 0.2
	l, err := infer.NewLDA(mutLDADocs, vocab, k, infer.LDAPrior{Alpha: alpha, Eta: eta}, blr.Constant(1), rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	l.LocalIters, l.LocalTol = 10000, 1e-13
	elogb := make([][]float64, k)
	var want float64
	etas := make([]float64, vocab)
	for w := range etas {
		etas[w] = eta
	}
	for c := range k {
		lam := l.Topic(c)
		elogb[c] = mutElogDir(lam)
		want -= mutKLDir(lam, etas)
	}
	alphas := []float64{alpha, alpha, alpha}
	for _, doc := range mutLDADocs {
		gamma, phi := mutLDALocal(doc, elogb, alpha, 10000, 1e-13)
		elogt := mutElogDir(gamma)
		for n, w := range doc.Words {
			for c := range k {
				want += doc.Counts[n] * phi[n][c] * (elogt[c] + elogb[c][w] - math.Log(phi[n][c]))
			}
		}
		want -= mutKLDir(gamma, alphas)
	}
	got, err := l.ELBO(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !mutClose(got, want, 1e-8) {
		t.Errorf("ELBO = %.12g, closed form %.12g", got, want)
	}
}

// TestMutantLDAStart pins NewLDA's symmetry-breaking start λₖ,w = Eta +
// Gamma(100, 1/100): over 2×3000 draws the mean of λ − Eta is 1 and the
// variance 1/100, each checked to about five standard errors.
func TestMutantLDAStart(t *testing.T) {
	const vocab, k, eta = 3000, 2, 0.05
	docs := []infer.Document{{Words: []int{0}, Counts: []float64{1}}}
	l, err := infer.NewLDA(docs, vocab, k, infer.LDAPrior{Alpha: 1, Eta: eta}, blr.Constant(1), rand.New(rand.NewPCG(9, 9)))
	if err != nil {
		t.Fatal(err)
	}
	var s, s2 float64
	for c := range k {
		for _, v := range l.Topic(c) {
			s += v - eta
			s2 += (v - eta) * (v - eta)
		}
	}
	n := float64(vocab * k)
	mean := s / n
	variance := s2/n - mean*mean
	if math.Abs(mean-1) > 5*math.Sqrt(0.01/n) {
		t.Errorf("mean of the Gamma(100, 1/100) draws %g, want 1", mean)
	}
	if math.Abs(variance/0.01-1) > 5*math.Sqrt(2/n) {
		t.Errorf("variance of the draws %g, want 0.01", variance)
	}
}

// TestMutantBayesGMMELBO pins BayesGMM.ELBO at its start (q(π) at the prior,
// q(μ,τ) = NormalGamma(m_kd, κ₀, a₀, b₀)) against the closed form:
// Σᵢ log Σₖ exp(ψ(α)−ψ(Kα) + Σ_d ½(ψ(a₀) − log b₀ − log 2π − (a₀/b₀)(x−m)² −
// 1/κ₀)) − Σ_kd κ₀a₀(m_kd − M₀)²/(2b₀), the last term the KL of two
// Normal-Gammas that differ only in the mean.
func TestMutantBayesGMMELBO(t *testing.T) {
	p := infer.GMMPrior{Alpha: 0.7, M0: 0.2, Kappa0: 1.5, A0: 2, B0: 3}
	x := [][]float64{{-1, 0.5}, {0.3, 2}, {2.2, -0.4}, {1, 1}}
	means := [][]float64{{-0.8, 0.4}, {1.5, 1.2}}
	g, err := infer.NewBayesGMMAt(x, means, p, blr.Constant(1))
	if err != nil {
		t.Fatal(err)
	}
	elogpi := special.Digamma(p.Alpha) - special.Digamma(2*p.Alpha)
	var want float64
	for _, row := range x {
		var z float64
		for _, m := range means {
			l := elogpi
			for j, v := range row {
				l += 0.5 * (special.Digamma(p.A0) - math.Log(p.B0) - math.Log(2*math.Pi) - p.A0/p.B0*(v-m[j])*(v-m[j]) - 1/p.Kappa0)
			}
			z += math.Exp(l)
		}
		want += math.Log(z)
	}
	for _, m := range means {
		for _, v := range m {
			want -= p.Kappa0 * p.A0 / (2 * p.B0) * (v - p.M0) * (v - p.M0)
		}
	}
	if got := g.ELBO(); !mutClose(got, want, 1e-12) {
		t.Errorf("ELBO = %.15g, closed form %.15g", got, want)
	}
}

// TestMutantEMFullStops pins the Full variant's inner loop: on a small
// well-separated problem the converged Newton M-step stops well before
// MaxInner (default 100 sweeps of 2 blocks) once ‖Δm‖ ≤ InnerTol·(1+‖m‖).
func TestMutantEMFullStops(t *testing.T) {
	x := [][]float64{{-2.1}, {-1.8}, {-2.4}, {1.9}, {2.2}, {2.6}, {-2}, {2}}
	start := infer.GMM{Weights: []float64{0.5, 0.5}, Means: [][]float64{{-1.5}, {1.5}}, Variances: [][]float64{{0.5}, {0.5}}}
	em, err := infer.NewEM(x, start, infer.Full)
	if err != nil {
		t.Fatal(err)
	}
	info, err := em.Iterate()
	if err != nil {
		t.Fatal(err)
	}
	if info.InnerSteps >= 2*100 || info.StepNorm > 1e-10 {
		t.Errorf("Full M-step: %d inner steps, last ‖Δm‖ = %g; want it stopped at convergence", info.InnerSteps, info.StepNorm)
	}
}

// TestMutantBagOfWordsOne pins BagOfWords on a single text (valid) and on
// none (refused).
func TestMutantBagOfWordsOne(t *testing.T) {
	docs, vocab, err := infer.BagOfWords([]string{"apple banana apple cherry"}, infer.Vocabulary{})
	if err != nil {
		t.Fatalf("one text: %v", err)
	}
	if want := []string{"apple", "banana", "cherry"}; !slices.Equal(vocab, want) {
		t.Errorf("vocab %v, want %v", vocab, want)
	}
	if len(docs) != 1 || !slices.Equal(docs[0].Words, []int{0, 1, 2}) || !slices.Equal(docs[0].Counts, []float64{2, 1, 1}) {
		t.Errorf("docs %+v, want words [0 1 2] counts [2 1 1]", docs)
	}
	if _, _, err := infer.BagOfWords(nil, infer.Vocabulary{}); err == nil {
		t.Error("no texts: no error")
	}
}

// mutQuadLoss is ℓ(θ) = cθ²/2 in one dimension.
type mutQuadLoss struct{ c float64 }

func (l mutQuadLoss) Grad(g, th []float64) float64 {
	g[0] = l.c * th[0]
	return l.c * th[0] * th[0] / 2
}

// TestMutantMixtureELBOSE pins MixtureELBO's mean and standard error for
// q = N(0, 1) and ℓ = cθ²/2: the summand (1−c)θ²/2 + ½log 2π has mean
// (1−c)/2 + ½log 2π and variance (1−c)²/2, so se ≈ |1−c|/√(2n); n = 2
// is the fewest draws accepted.
func TestMutantMixtureELBOSE(t *testing.T) {
	const c, n = 0.2, 20000
	comp, err := expfam.NewFullGaussian([]float64{0}, mat.NewSymDense(1, []float64{1}))
	if err != nil {
		t.Fatal(err)
	}
	q, err := expfam.NewMixture([]float64{1}, []*expfam.FullGaussian{comp}, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := infer.MixtureELBO(mutQuadLoss{c}, q, 2, rand.New(rand.NewPCG(3, 4))); err != nil {
		t.Errorf("n = 2 draws: %v", err)
	}
	if _, _, err := infer.MixtureELBO(mutQuadLoss{c}, q, 1, rand.New(rand.NewPCG(3, 4))); err == nil {
		t.Error("n = 1 draw accepted")
	}
	elbo, se, err := infer.MixtureELBO(mutQuadLoss{c}, q, n, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	wantSE := (1 - c) / math.Sqrt(2*n)
	if math.Abs(se/wantSE-1) > 0.05 {
		t.Errorf("se = %g, want ≈ %g", se, wantSE)
	}
	if want := (1-c)/2 + 0.5*math.Log(2*math.Pi); math.Abs(elbo-want) > 5*wantSE {
		t.Errorf("ELBO = %g, want %g ± %g", elbo, want, wantSE)
	}
}

// TestMutantShapeChecks pins two input checks: DocTopics refuses d = len(docs)
// with an error (not a panic), and GaussianMixture refuses a Categoricals
// plate with the right rows but a class count other than len(comps).
func TestMutantShapeChecks(t *testing.T) {
	l, err := infer.NewLDA(mutLDADocs, 5, 2, infer.LDAPrior{Alpha: 1, Eta: 1}, blr.Constant(1), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []int{-1, len(mutLDADocs)} {
		if _, err := l.DocTopics(d); err == nil {
			t.Errorf("DocTopics(%d): no error", d)
		}
	}
	x := [][]float64{{0.1}, {0.5}, {-1}}
	g := &infer.Graph{}
	z, err := g.Categoricals("z", len(x), 3)
	if err != nil {
		t.Fatal(err)
	}
	comps := make([][]*infer.Node, 2)
	for c := range comps {
		n, err := g.NormalGamma("θ", 0, 1, 2, 2)
		if err != nil {
			t.Fatal(err)
		}
		comps[c] = []*infer.Node{n}
	}
	if err := g.GaussianMixture(x, z, comps); err == nil || !strings.Contains(err.Error(), "K = 2") {
		t.Errorf("3-class plate with 2 components: err %v", err)
	}
}

// TestMutantEMFull2D pins one iteration of the Full variant in two
// dimensions against the textbook M-step (weighted means, variances and
// weights from the E-step's responsibilities), with a component whose total
// responsibility is below 1. The second start shrinks a variance 135-fold:
// Newton on its log-variance overshoots to about −135 and climbs back by at
// most 1 a sweep (272 sweeps), which the old cap of 100 cut short with no
// error, leaving σ² = 2.7e-16 against the textbook's 0.0030; with that cap
// the iteration now fails with ErrNotConverged, and the default cap reaches
// the textbook values.
func TestMutantEMFull2D(t *testing.T) {
	x := [][]float64{{0.3, -0.2}, {-0.5, 0.4}, {0.9, 0.1}, {-0.2, -0.6}, {1.4, -0.9}, {0.1, 0.3}}
	for _, start := range []infer.GMM{
		{Weights: []float64{0.9, 0.1}, Means: [][]float64{{0, 0}, {1.3, -0.8}}, Variances: [][]float64{{0.5, 0.3}, {0.2, 0.2}}},
		{Weights: []float64{0.8, 0.2}, Means: [][]float64{{0, 0}, {2.5, -2}}, Variances: [][]float64{{1, 0.5}, {0.4, 0.8}}},
	} {
		w, means, vars := textbookMStep(x, start)
		if !(w[1]*float64(len(x)) < 1) {
			t.Fatalf("N₂ = %g: want a component with total responsibility below 1", w[1]*float64(len(x)))
		}
		em, err := infer.NewEM(x, start, infer.Full)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := em.Iterate(); err != nil {
			t.Fatal(err)
		}
		got := em.GMM()
		for c := range w {
			if !mutClose(got.Weights[c], w[c], 1e-10) {
				t.Errorf("π_%d = %.12g, want %.12g", c, got.Weights[c], w[c])
			}
			for j := range means[c] {
				if !mutClose(got.Means[c][j], means[c][j], 1e-10) || !mutClose(got.Variances[c][j], vars[c][j], 1e-10) {
					t.Errorf("component %d dim %d: μ %.12g σ² %.12g, want %.12g %.12g", c, j, got.Means[c][j], got.Variances[c][j], means[c][j], vars[c][j])
				}
			}
		}
	}
	em, err := infer.NewEM(x, infer.GMM{Weights: []float64{0.8, 0.2}, Means: [][]float64{{0, 0}, {2.5, -2}}, Variances: [][]float64{{1, 0.5}, {0.4, 0.8}}}, infer.Full)
	if err != nil {
		t.Fatal(err)
	}
	em.MaxInner = 100
	if _, err := em.Iterate(); !errors.Is(err, infer.ErrNotConverged) || !strings.Contains(err.Error(), "raise MaxInner") {
		t.Errorf("MaxInner = 100 on the shrinking start: %v, want ErrNotConverged", err)
	}
}

// textbookMStep is one classic EM iteration for a diagonal GMM: the E-step's
// responsibilities at start, then the weighted weights, means and variances.
func textbookMStep(x [][]float64, start infer.GMM) (w []float64, means, vars [][]float64) {
	k, d := len(start.Weights), len(x[0])
	r := make([][]float64, len(x))
	nk := make([]float64, k)
	for i, row := range x {
		r[i] = make([]float64, k)
		var z float64
		for c := range k {
			p := start.Weights[c]
			for j, v := range row {
				s2 := start.Variances[c][j]
				e := v - start.Means[c][j]
				p *= math.Exp(-e*e/(2*s2)) / math.Sqrt(2*math.Pi*s2)
			}
			r[i][c] = p
			z += p
		}
		for c := range k {
			r[i][c] /= z
			nk[c] += r[i][c]
		}
	}
	w, means, vars = make([]float64, k), make([][]float64, k), make([][]float64, k)
	for c := range k {
		w[c] = nk[c] / float64(len(x))
		means[c], vars[c] = make([]float64, d), make([]float64, d)
		for j := range d {
			var m, s float64
			for i, row := range x {
				m += r[i][c] * row[j]
			}
			m /= nk[c]
			for i, row := range x {
				s += r[i][c] * (row[j] - m) * (row[j] - m)
			}
			means[c][j], vars[c][j] = m, s/nk[c]
		}
	}
	return w, means, vars
}

// TestMutantARDELBO pins the ELBO of a graph holding only an ARD factor,
// N(w; m₀, diag(α)⁻¹) with q(w) = N(m, S⁻¹) and Gamma nodes α (one shared or
// one per coordinate), against the closed form Σⱼ ½(ψ(aⱼ) − log bⱼ − log 2π)
// − ½(aⱼ/bⱼ)(Σⱼⱼ + (mⱼ − m₀ⱼ)²) plus the Gaussian entropy ½log det(2πeΣ) and
// the Gamma entropies a − log b + lnΓ(a) + (1−a)ψ(a).
func TestMutantARDELBO(t *testing.T) {
	m := []float64{0.4, -1.1}
	m0 := []float64{0.1, 0.3}
	prec := mat.NewSymDense(2, []float64{2, 0.5, 0.5, 1.5})
	var cov mat.SymDense
	var chol mat.Cholesky
	chol.Factorize(prec)
	if err := chol.InverseTo(&cov); err != nil {
		t.Fatal(err)
	}
	gammaH := func(a, b float64) float64 {
		lg, _ := math.Lgamma(a)
		return a - math.Log(b) + lg + (1-a)*special.Digamma(a)
	}
	for _, tc := range []struct {
		name string
		a, b []float64
	}{{"shared", []float64{3}, []float64{2}}, {"per-coordinate", []float64{3, 1.5}, []float64{2, 0.7}}} {
		g := &infer.Graph{}
		w, err := g.Gaussian("w", m, prec)
		if err != nil {
			t.Fatal(err)
		}
		var alphas []*infer.Node
		want := 0.5 * (2*(1+math.Log(2*math.Pi)) - chol.LogDet())
		for i := range tc.a {
			n, err := g.Gamma("α", tc.a[i], tc.b[i])
			if err != nil {
				t.Fatal(err)
			}
			alphas = append(alphas, n)
			want += gammaH(tc.a[i], tc.b[i])
		}
		if err := g.ARD(w, m0, alphas...); err != nil {
			t.Fatal(err)
		}
		for j := range 2 {
			i := min(j, len(tc.a)-1)
			a, b := tc.a[i], tc.b[i]
			r := m[j] - m0[j]
			want += 0.5*(special.Digamma(a)-math.Log(b)-math.Log(2*math.Pi)) - 0.5*a/b*(cov.At(j, j)+r*r)
		}
		if got := g.ELBO(); !mutClose(got, want, 1e-12) {
			t.Errorf("%s: ELBO = %.15g, closed form %.15g", tc.name, got, want)
		}
	}
}

// TestMutantVMPCategoricalK3 pins the message of a Categorical factor to
// its plate for K = 3: with no other factor on z, updating z gives every row
// q(zᵢ = c) ∝ exp(E log π_c) = exp(ψ(α_c) − ψ(Σα)), and the ELBO is
// Σᵢ Σ_c r_c E log π_c + N·H(r) + H(Dir(α)) with r those probabilities.
func TestMutantVMPCategoricalK3(t *testing.T) {
	alpha := []float64{0.7, 2, 1.3}
	const n = 4
	g := &infer.Graph{}
	pi, err := g.Dirichlet("π", alpha)
	if err != nil {
		t.Fatal(err)
	}
	z, err := g.Categoricals("z", n, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Categorical(z, pi); err != nil {
		t.Fatal(err)
	}
	if err := g.Update(z); err != nil {
		t.Fatal(err)
	}
	el := mutElogDir(alpha)
	want := make([]float64, 3)
	var s float64
	for c := range want {
		want[c] = math.Exp(el[c])
		s += want[c]
	}
	var hr, er float64
	for c := range want {
		want[c] /= s
		hr -= want[c] * math.Log(want[c])
		er += want[c] * el[c]
	}
	probs := z.Q().(*infer.Categoricals).Probs(nil)
	for i := range n {
		for c := range 3 {
			if !mutClose(probs[i*3+c], want[c], 1e-13) {
				t.Errorf("q(z_%d = %d) = %.15g, want %.15g", i, c, probs[i*3+c], want[c])
			}
		}
	}
	// H(Dir(α)) = log B(α) + (Σα − K)ψ(Σα) − Σ(α_c − 1)ψ(α_c).
	var sa, hd float64
	for _, a := range alpha {
		sa += a
		lg, _ := math.Lgamma(a)
		hd += lg - (a-1)*special.Digamma(a)
	}
	lgs, _ := math.Lgamma(sa)
	hd += -lgs + (sa-3)*special.Digamma(sa)
	if got, w := g.ELBO(), n*(er+hr)+hd; !mutClose(got, w, 1e-12) {
		t.Errorf("ELBO = %.15g, closed form %.15g", got, w)
	}
	if infer.MaxCategoricalsEntries != 1<<27 {
		t.Errorf("MaxCategoricalsEntries = %d, want 2^27 (1 GiB of float64)", infer.MaxCategoricalsEntries)
	}
}
