package main

import (
	"crypto/sha256"
	"errors"
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
	demos["mixture"] = demoCommand{"non-conjugate VI with a mixture of Gaussians on a double banana", demoMixture}
	demos["em"] = demoCommand{"EM as the rule on MNIST (PCA): the log-likelihood path", demoEM}
	demos["lda"] = demoCommand{"stochastic VI for LDA on text files (default: the Debian copyright texts)", demoLDA}
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

// Limits of blr demo mixture's flags: generous for the demo (defaults 3,
// 600, 10), they keep a mistyped count from running for hours.
const (
	mixtureMaxK       = 8         // --k: the plot has 8 colours
	mixtureMaxSteps   = 1_000_000 // --steps
	mixtureMaxSamples = 10_000    // --samples
)

const demoMixtureUsage = `usage: blr demo mixture [--out FILE] [--k K] [--steps S] [--samples M] [--seed N]

Fits a single Gaussian and a mixture of K full Gaussians to the double
banana by the rule (non-conjugate VI), prints both ELBOs and the components,
and plots the target's contours with the components' 1σ and 2σ ellipses.

flags:
`

func demoMixture(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo mixture", stderr)
	out := fs.String("out", "mixture.png", "where to write the PNG of the target's contours and the fitted components")
	k := fs.Int("k", 3, fmt.Sprintf("number of mixture components, 1 … %d", mixtureMaxK))
	steps := fs.Int("steps", 600, fmt.Sprintf("steps of the rule, 1 … %d", mixtureMaxSteps))
	samples := fs.Int("samples", 10, fmt.Sprintf("Monte Carlo draws per component and step, 1 … %d", mixtureMaxSamples))
	seed := fs.Uint64("seed", 1, "random seed")
	if _, err := parseFlags(fs, demoMixtureUsage, args, "flags only; see blr demo mixture --help"); err != nil {
		return err
	}
	if err := checkIntFlags(
		intFlag{"k", *k, 1, mixtureMaxK, "components"},
		intFlag{"steps", *steps, 1, mixtureMaxSteps, ""},
		intFlag{"samples", *samples, 1, mixtureMaxSamples, "draws"},
	); err != nil {
		return err
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

// Limits of blr demo em's flags (defaults 3, 5, 30): the PCA has at most 20
// dimensions, and the run at most 100 components and 1000 iterations, so a
// mistyped count cannot keep it busy for hours. --n has no limit of its own:
// it is capped at the test set's size (10 000 for MNIST).
const (
	emMaxDims  = 20   // --dims
	emMaxK     = 100  // --k
	emMaxIters = 1000 // --iters
)

const demoEMUsage = `usage: blr demo em [--data-dir DIR] [--n N] [--dims D] [--k K] [--iters I] [--seed S]

Projects the first N MNIST test images on their top D principal components
and runs EM for a mixture of K diagonal Gaussians as the Bayesian learning
rule, with the M-step's Newton iterations to convergence and with a single
Newton step, printing the log-likelihood of both after every iteration.

flags:
`

// checkEM checks demo em's counts; n is the number of images used (--n,
// capped at the test set's size), and avail the test set's size, or 0 when
// not yet known.
func checkEM(n, dims, k, iters, avail int) error {
	capped := ""
	if avail > 0 && n == avail {
		capped = fmt.Sprintf(" (the test set has %d images)", avail)
	}
	if err := checkIntFlags(
		intFlag{"dims", dims, 1, emMaxDims, "PCA dimensions"},
		intFlag{"k", k, 2, emMaxK, "components"},
		intFlag{"iters", iters, 1, emMaxIters, ""},
	); err != nil {
		return err
	}
	switch {
	case n < k:
		return fmt.Errorf("--n = %d%s: want at least --k = %d images, one per component's starting mean", n, capped, k)
	case dims >= n:
		return fmt.Errorf("--dims = %d: want at most --n − 1 = %d%s (n images span at most n − 1 directions)", dims, n-1, capped)
	}
	return nil
}

// mnistPCA returns the first n images of the set projected on their top
// dims principal components; it wants 1 ≤ dims < n ≤ set.N and dims ≤ set.D.
func mnistPCA(set *data.Set, n, dims int) ([][]float64, error) {
	if n < 2 || n > set.N || dims < 1 || dims >= n || dims > set.D {
		return nil, fmt.Errorf("PCA of %d of %d images with %d pixels to %d dimensions: want 1 ≤ dimensions < images ≤ %d and dimensions ≤ %d", n, set.N, set.D, dims, set.N, set.D)
	}
	x := mat.NewDense(n, set.D, nil)
	for i := range n {
		row := set.Row(i)
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
	if _, c := vecs.Dims(); c < dims {
		return nil, fmt.Errorf("PCA of %d images gave %d components, fewer than --dims = %d", n, c, dims)
	}
	var proj mat.Dense
	proj.Mul(x, vecs.Slice(0, set.D, 0, dims))
	out := make([][]float64, n)
	for i := range out {
		out[i] = append([]float64(nil), proj.RawRowView(i)...)
	}
	return out, nil
}

func demoEM(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo em", stderr)
	dir := fs.String("data-dir", "", "MNIST directory (default: the GoMNIST module's copy)")
	n := fs.Int("n", 5000, "number of MNIST test images (capped at the test set's size), ≥ --k and > --dims")
	dims := fs.Int("dims", 3, fmt.Sprintf("PCA dimensions, 1 … %d", emMaxDims))
	k := fs.Int("k", 5, fmt.Sprintf("mixture components, 2 … %d", emMaxK))
	iters := fs.Int("iters", 30, fmt.Sprintf("EM iterations, 1 … %d", emMaxIters))
	seed := fs.Uint64("seed", 1, "seed for the starting means")
	if _, err := parseFlags(fs, demoEMUsage, args, "flags only; see blr demo em --help"); err != nil {
		return err
	}
	if err := checkEM(*n, *dims, *k, *iters, 0); err != nil {
		return err
	}
	_, test, err := data.LoadMNIST(*dir)
	if err != nil {
		return err
	}
	used := min(*n, test.N)
	if err := checkEM(used, *dims, *k, *iters, test.N); err != nil {
		return err
	}
	x, err := mnistPCA(test, used, *dims)
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

// copyrightCorpus reads the files that match glob (the default is
// /usr/share/doc/*/copyright), one document per distinct, non-empty file
// content, and returns their texts and names.
func copyrightCorpus(glob string) ([]string, []string, error) {
	files, err := filepath.Glob(glob)
	if err != nil {
		return nil, nil, fmt.Errorf("--glob %q: %w", glob, err)
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("--glob %q: no files match", glob)
	}
	sort.Strings(files)
	seen := map[[32]byte]bool{}
	var texts, names []string
	empty, unreadable := 0, 0
	var firstErr error
	total := 0
	for _, f := range files {
		b, err := readSmallFile(f, ldaMaxFileBytes)
		if err == nil && total+len(b) > ldaMaxCorpusBytes {
			return nil, nil, fmt.Errorf("--glob %q: the matching files hold more than %d bytes, the most blr demo lda reads", glob, ldaMaxCorpusBytes)
		}
		if err != nil {
			unreadable++
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		total += len(b)
		if len(b) == 0 {
			empty++
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
		msg := fmt.Sprintf("--glob %q: the %d matching files have no text: %d empty, %d unreadable", glob, len(files), empty, unreadable)
		if firstErr != nil {
			msg += fmt.Sprintf(" (%v)", firstErr)
		}
		return nil, nil, errors.New(msg)
	}
	return texts, names, nil
}

// The most blr demo lda reads of one file, and of all the files --glob
// matches: the Debian copyright texts it is made for are some 25 MB in all
// on the development machine, the largest 2 MB.
const (
	ldaMaxFileBytes   = 16 << 20
	ldaMaxCorpusBytes = 512 << 20
)

// readSmallFile reads path whole, or fails naming it when it holds more
// than limit bytes (without reading them).
func readSmallFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("%s: more than %d bytes, the most blr demo lda reads of one file", path, limit)
	}
	return b, err
}

// Limits of blr demo lda's flags (defaults 8, 32, 10, 10): generous for a
// corpus of a few thousand documents, they keep a mistyped count from
// exhausting memory or running for hours.
const (
	ldaMaxK      = 1000      // --k
	ldaMaxBatch  = 1_000_000 // --batch
	ldaMaxEpochs = 10_000    // --epochs
	ldaMaxTop    = 3000      // --top: the vocabulary keeps at most 3000 words
)

const demoLDAUsage = `usage: blr demo lda [--glob PATTERN] [--k K] [--batch B] [--epochs E] [--top T] [--seed S]

Runs stochastic variational inference for LDA as the Bayesian learning rule
on the text files that match --glob (duplicates and empty files dropped),
printing the ELBO after every epoch and the top words of each topic.

flags:
`

func demoLDA(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo lda", stderr)
	glob := fs.String("glob", "/usr/share/doc/*/copyright", "the text files, one document each (duplicates and empty files dropped)")
	k := fs.Int("k", 8, fmt.Sprintf("topics, 2 … %d", ldaMaxK))
	m := fs.Int("batch", 32, fmt.Sprintf("documents per minibatch, 1 … %d", ldaMaxBatch))
	epochs := fs.Int("epochs", 10, fmt.Sprintf("passes over the corpus, 1 … %d", ldaMaxEpochs))
	top := fs.Int("top", 10, fmt.Sprintf("words shown per topic, 1 … %d", ldaMaxTop))
	seed := fs.Uint64("seed", 1, "random seed")
	if _, err := parseFlags(fs, demoLDAUsage, args, "flags only; see blr demo lda --help"); err != nil {
		return err
	}
	if err := checkIntFlags(
		intFlag{"k", *k, 2, ldaMaxK, "topics"},
		intFlag{"batch", *m, 1, ldaMaxBatch, "documents"},
		intFlag{"epochs", *epochs, 1, ldaMaxEpochs, ""},
		intFlag{"top", *top, 1, ldaMaxTop, "words"},
	); err != nil {
		return err
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

// intFlag is an integer flag's value and its allowed range lo … hi, with the
// unit the message names ("" for none).
type intFlag struct {
	name      string
	v, lo, hi int
	unit      string
}

// checkIntFlags returns "--NAME = V: want LO … HI UNIT" for the first flag
// outside its range, or nil.
func checkIntFlags(flags ...intFlag) error {
	for _, f := range flags {
		if f.v < f.lo || f.v > f.hi {
			msg := fmt.Sprintf("--%s = %d: want %d … %d", f.name, f.v, f.lo, f.hi)
			if f.unit != "" {
				msg += " " + f.unit
			}
			return errors.New(msg)
		}
	}
	return nil
}
