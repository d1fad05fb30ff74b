package main

import (
	"crypto/sha256"
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/infer"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func init() {
	demos["mixture"] = demoMixture
	demos["em"] = demoEM
	demos["lda"] = demoLDA
}

// ---- blr demo mixture ----

type gridFn struct {
	xs, ys []float64
	z      [][]float64 // [c][r]
}

func (g gridFn) Dims() (int, int)   { return len(g.xs), len(g.ys) }
func (g gridFn) Z(c, r int) float64 { return g.z[c][r] }
func (g gridFn) X(c int) float64    { return g.xs[c] }
func (g gridFn) Y(r int) float64    { return g.ys[r] }

type onePalette struct{ c color.Color }

func (p onePalette) Colors() []color.Color { return []color.Color{p.c} }

func demoMixture(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo mixture", stderr)
	out := fs.String("out", "mixture.png", "where to write the PNG of the target's contours and the fitted components")
	k := fs.Int("k", 3, "number of mixture components")
	steps := fs.Int("steps", 600, "steps of the rule")
	samples := fs.Int("samples", 10, "Monte Carlo draws per component and step")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *k < 1 || *k > 8 {
		return fmt.Errorf("-k = %d: want 1 to 8 components", *k)
	}
	if *steps < 1 || *samples < 1 {
		return fmt.Errorf("-steps = %d, -samples = %d: want both ≥ 1", *steps, *samples)
	}
	target := infer.DoubleBanana{A: 2, B: 0.5, W: 6}
	fit := func(k int) (*expfam.Mixture, float64, float64, error) {
		comps := make([]*expfam.FullGaussian, k)
		w := make([]float64, k)
		for c := range k {
			m := []float64{-1.5 + 3*float64(c)/math.Max(1, float64(k-1)), 0.3 * float64(c%2)}
			if k == 1 {
				m = []float64{0.5, 0}
			}
			g, err := expfam.NewFullGaussian(m, mat.NewSymDense(2, []float64{1, 0, 0, 1}))
			if err != nil {
				return nil, 0, 0, err
			}
			comps[c], w[c] = g, 1/float64(k)
		}
		q, err := expfam.NewMixture(w, comps, false)
		if err != nil {
			return nil, 0, 0, err
		}
		rule, err := infer.MixtureVI(target, *samples, blr.HessExact, blr.RobbinsMonro{Rho0: 0.3, Tau: 20, Kappa: 0.6})
		if err != nil {
			return nil, 0, 0, err
		}
		rnd := rand.New(rand.NewPCG(*seed, uint64(k)))
		var st blr.State
		for i := range *steps {
			if _, err := rule.Step(q, &st, rnd); err != nil {
				return nil, 0, 0, fmt.Errorf("fit with K = %d, step %d: %w", k, i, err)
			}
		}
		e, se, err := infer.MixtureELBO(target, q, 20000, rand.New(rand.NewPCG(*seed, 99)))
		return q, e, se, err
	}
	fmt.Fprintf(stdout, "Non-conjugate VI with a mixture of Gaussians on the double banana\n")
	fmt.Fprintf(stdout, "ℓ(θ) = (θ₁² − 4)²/12 + (θ₂ − 0.5(θ₁² − 4))²/2, two curved modes about θ₁ = ±2\n\n")
	q1, e1, se1, err := fit(1)
	if err != nil {
		return err
	}
	q, e, se, err := fit(*k)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-26s %10s\n", "q", "ELBO (±SE)")
	fmt.Fprintf(stdout, "%-26s %10.4f ± %.4f\n", "single Gaussian (K = 1)", e1, se1)
	fmt.Fprintf(stdout, "%-26s %10.4f ± %.4f\n", fmt.Sprintf("mixture, K = %d", *k), e, se)
	w := q.Weights(nil)
	for c := range *k {
		comp := q.Component(c).(*expfam.FullGaussian)
		fmt.Fprintf(stdout, "  component %d: weight %.3f, mean %.3f\n", c, w[c], comp.Mean(nil))
	}
	_ = q1

	// Target contours of log p̃ = −ℓ, and 1σ, 2σ ellipses of each component.
	const n = 161
	g := gridFn{xs: make([]float64, n), ys: make([]float64, n), z: make([][]float64, n)}
	grad := make([]float64, 2)
	for i := range n {
		g.xs[i] = -5 + 10*float64(i)/(n-1)
		g.ys[i] = -4 + 10*float64(i)/(n-1)
	}
	for c := range n {
		g.z[c] = make([]float64, n)
		for r := range n {
			g.z[c][r] = -target.Grad(grad, []float64{g.xs[c], g.ys[r]})
		}
	}
	p := gplot.New()
	p.Title.Text = fmt.Sprintf("Double banana (grey: log-density contours) and the %d fitted components", *k)
	p.X.Label.Text = "θ₁"
	p.Y.Label.Text = "θ₂"
	cont := plotter.NewContour(g, []float64{-6, -4, -2.5, -1.5, -0.8, -0.3, -0.05}, onePalette{color.Gray{150}})
	p.Add(cont)
	colors := []color.Color{color.RGBA{213, 94, 0, 255}, color.RGBA{0, 114, 178, 255}, color.RGBA{0, 158, 115, 255},
		color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255}, color.RGBA{0, 0, 0, 255}, color.RGBA{240, 228, 66, 255}}
	var means plotter.XYs
	for c := range *k {
		comp := q.Component(c).(*expfam.FullGaussian)
		m := comp.Mean(nil)
		means = append(means, plotter.XY{X: m[0], Y: m[1]})
		var eig mat.EigenSym
		if !eig.Factorize(comp.Covariance(nil), true) {
			return fmt.Errorf("component %d: eigendecomposition failed", c)
		}
		vals := eig.Values(nil)
		var vecs mat.Dense
		eig.VectorsTo(&vecs)
		for _, rad := range []float64{1, 2} {
			pts := make(plotter.XYs, 121)
			for i := range pts {
				t := 2 * math.Pi * float64(i) / 120
				a, b := rad*math.Sqrt(vals[0])*math.Cos(t), rad*math.Sqrt(vals[1])*math.Sin(t)
				pts[i].X = m[0] + vecs.At(0, 0)*a + vecs.At(0, 1)*b
				pts[i].Y = m[1] + vecs.At(1, 0)*a + vecs.At(1, 1)*b
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return err
			}
			l.Color = colors[c%len(colors)]
			l.Width = vg.Points(2)
			if rad == 2 {
				l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			p.Add(l)
			if rad == 1 {
				p.Legend.Add(fmt.Sprintf("component %d (π = %.2f), 1σ and 2σ", c, w[c]), l)
			}
		}
	}
	sc, err := plotter.NewScatter(means)
	if err != nil {
		return err
	}
	sc.Shape = draw.CrossGlyph{}
	sc.Radius = vg.Points(4)
	p.Add(sc)
	p.Legend.Top = false
	if err := p.Save(8*vg.Inch, 6*vg.Inch, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s\n", *out)
	return nil
}

// ---- blr demo em ----

// mnistPCA returns the first n MNIST test images projected on their top dims
// principal components.
func mnistPCA(dir string, n, dims int) ([][]float64, error) {
	_, test, err := data.LoadMNIST(dir)
	if err != nil {
		return nil, err
	}
	n = min(n, test.N)
	x := mat.NewDense(n, test.D, nil)
	for i := range n {
		row := test.Row(i)
		for j, v := range row {
			x.Set(i, j, float64(v))
		}
	}
	var pc stat.PC
	if !pc.PrincipalComponents(x, nil) {
		return nil, fmt.Errorf("PCA of the MNIST images failed")
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	var proj mat.Dense
	proj.Mul(x, vecs.Slice(0, test.D, 0, dims))
	out := make([][]float64, n)
	for i := range out {
		out[i] = append([]float64(nil), proj.RawRowView(i)...)
	}
	return out, nil
}

func demoEM(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo em", stderr)
	dir := fs.String("data-dir", "", "MNIST directory (default: the GoMNIST module's copy)")
	n := fs.Int("n", 5000, "number of MNIST test images")
	dims := fs.Int("dims", 3, "PCA dimensions (2–10)")
	k := fs.Int("k", 5, "mixture components")
	iters := fs.Int("iters", 30, "EM iterations")
	seed := fs.Uint64("seed", 1, "seed for the starting means")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dims < 1 || *dims > 20 || *k < 2 || *n < *k || *iters < 1 {
		return fmt.Errorf("-dims = %d, -k = %d, -n = %d, -iters = %d: want 1 ≤ dims ≤ 20, k ≥ 2, n ≥ k, iters ≥ 1", *dims, *k, *n, *iters)
	}
	x, err := mnistPCA(*dir, *n, *dims)
	if err != nil {
		return err
	}
	start := infer.GMM{}
	rnd := rand.New(rand.NewPCG(*seed, 0))
	perm := rnd.Perm(len(x))
	v := make([]float64, *dims)
	for j := range v {
		var s, s2 float64
		for _, r := range x {
			s += r[j]
			s2 += r[j] * r[j]
		}
		m := s / float64(len(x))
		v[j] = s2/float64(len(x)) - m*m
	}
	for c := range *k {
		start.Weights = append(start.Weights, 1/float64(*k))
		start.Means = append(start.Means, append([]float64(nil), x[perm[c]]...))
		start.Variances = append(start.Variances, append([]float64(nil), v...))
	}
	fmt.Fprintf(stdout, "EM as the Bayesian learning rule on MNIST (first %d test images, PCA to %d dimensions), K = %d diagonal Gaussians\n\n", len(x), *dims, *k)
	paths := map[infer.EMVariant][]infer.EMInfo{}
	for _, variant := range []infer.EMVariant{infer.Full, infer.FullSingleStep} {
		em, err := infer.NewEM(x, start, variant)
		if err != nil {
			return err
		}
		for it := range *iters {
			info, err := em.Iterate()
			if err != nil {
				return fmt.Errorf("%v, iteration %d: %w", variant, it, err)
			}
			paths[variant] = append(paths[variant], info)
		}
	}
	fmt.Fprintf(stdout, "%5s  %22s %7s  %22s\n", "iter", "log p(x|θ), converged", "Newton", "log p(x|θ), 1 step")
	for it := range *iters {
		a, b := paths[infer.Full][it], paths[infer.FullSingleStep][it]
		fmt.Fprintf(stdout, "%5d  %22.4f %7d  %22.4f\n", it, a.LogLik, a.InnerSteps, b.LogLik)
	}
	return nil
}

// ---- blr demo lda ----

// copyrightCorpus reads /usr/share/doc/*/copyright, one document per
// distinct file content.
func copyrightCorpus(glob string) ([]string, []string, error) {
	files, err := filepath.Glob(glob)
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(files)
	seen := map[[32]byte]bool{}
	var texts, names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || len(b) == 0 {
			continue
		}
		h := sha256.Sum256(b)
		if seen[h] {
			continue
		}
		seen[h] = true
		texts = append(texts, string(b))
		names = append(names, f)
	}
	if len(texts) == 0 {
		return nil, nil, fmt.Errorf("no files match %s", glob)
	}
	return texts, names, nil
}

func demoLDA(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo lda", stderr)
	glob := fs.String("glob", "/usr/share/doc/*/copyright", "the text files, one document each (duplicates dropped)")
	k := fs.Int("k", 8, "topics")
	m := fs.Int("batch", 32, "documents per minibatch")
	epochs := fs.Int("epochs", 10, "passes over the corpus")
	top := fs.Int("top", 10, "words shown per topic")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *k < 1 || *m < 1 || *epochs < 1 || *top < 1 {
		return fmt.Errorf("-k = %d, -batch = %d, -epochs = %d, -top = %d: want all ≥ 1", *k, *m, *epochs, *top)
	}
	texts, _, err := copyrightCorpus(*glob)
	if err != nil {
		return err
	}
	docs, vocab, err := infer.BagOfWords(texts, infer.Vocabulary{MinDocs: 5, MaxDocFrac: 0.5, MaxTokens: 3000, Stop: infer.EnglishStop})
	if err != nil {
		return err
	}
	var tokens float64
	for _, d := range docs {
		for _, c := range d.Counts {
			tokens += c
		}
	}
	fmt.Fprintf(stdout, "SVI for LDA on %d distinct %s files (%d words kept, %.0f tokens), K = %d, minibatch %d\n\n", len(docs), *glob, len(vocab), tokens, *k, *m)
	rnd := rand.New(rand.NewPCG(*seed, 3))
	lda, err := infer.NewLDA(docs, len(vocab), *k, infer.LDAPrior{Alpha: 1 / float64(*k), Eta: 0.01}, blr.RobbinsMonro{Rho0: 1, Tau: 16, Kappa: 0.7}, rnd)
	if err != nil {
		return err
	}
	for ep := range *epochs {
		perm := rnd.Perm(len(docs))
		for b := 0; b < len(perm); b += *m {
			if _, err := lda.Step(perm[b:min(b+*m, len(perm))]); err != nil {
				return err
			}
		}
		elbo, err := lda.ELBO(nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "epoch %2d: ELBO %.1f (%.4f per token)\n", ep+1, elbo, elbo/tokens)
	}
	fmt.Fprintln(stdout)
	for c := range *k {
		var words []string
		for _, w := range lda.TopWords(c, *top) {
			words = append(words, vocab[w])
		}
		fmt.Fprintf(stdout, "topic %d: %s\n", c, strings.Join(words, " "))
	}
	return nil
}
