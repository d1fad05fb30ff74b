package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/glm"
	"github.com/bayesrule/blr/metrics"
	"github.com/bayesrule/blr/plot"
	"gonum.org/v1/gonum/mat"
)

func init() {
	demos["moons"] = demoCommand{"point estimate vs posterior average on two moons: calibration and uncertainty away from the data", demoMoons}
}

// moonsConfig is the two-moons experiment: Bayesian logistic regression on
// a fixed, seeded random Fourier feature map of the 2-D input.
type moonsConfig struct {
	N           int     // training points
	Noise       float64 // data.TwoMoons noise
	Features    int     // random Fourier features F
	Lengthscale float64 // ℓ of the RBF kernel the features approximate
	Prior       float64 // prior precision δ of the weights, θ ~ N(0, δ⁻¹I)
	Seed        uint64
	Grid        int // grid points along x (y gets proportionally many)
}

var defaultMoons = moonsConfig{N: 200, Noise: 0.1, Features: 200, Lengthscale: 1, Prior: 0.01, Seed: 1, Grid: 150}

// The plotted window: the moons lie in about [−1, 2] × [−0.5, 1]; the
// window leaves room to see what each model does away from the data.
const (
	moonsXMin, moonsXMax = -3.0, 4.0
	moonsYMin, moonsYMax = -2.5, 3.0
)

func (c moonsConfig) check() error {
	switch {
	case c.N < 4 || c.N > 100000:
		return fmt.Errorf("--n = %d: want 4 … 100000", c.N)
	case !(c.Noise >= 0) || c.Noise > 10:
		return fmt.Errorf("--noise = %g: want 0 … 10", c.Noise)
	case c.Features < 1 || c.Features > 2000:
		return fmt.Errorf("--features = %d: want 1 … 2000", c.Features)
	case !(c.Lengthscale > 0) || math.IsInf(c.Lengthscale, 0):
		return fmt.Errorf("--lengthscale = %g: want a finite value > 0", c.Lengthscale)
	case !(c.Prior > 0) || math.IsInf(c.Prior, 0):
		return fmt.Errorf("--prior-precision = %g: want a finite value > 0", c.Prior)
	case c.Grid < 10 || c.Grid > 1000:
		return fmt.Errorf("--grid = %d: want 10 … 1000", c.Grid)
	}
	return nil
}

// rff is the feature map φ(x) = (1, √(2/F) cos(ωⱼᵀx + bⱼ)ⱼ), ωⱼ ~ N(0, ℓ⁻²I),
// bⱼ ~ U(0, 2π): φ(x)ᵀφ(x′) − 1 approximates exp(−‖x−x′‖²/2ℓ²) (Rahimi &
// Recht 2007), with a leading intercept.
type rff struct {
	w [][2]float64
	b []float64
}

func newRFF(f int, lengthscale float64, seed uint64) rff {
	rnd := rand.New(rand.NewPCG(seed, 0x726666)) // "rff"
	r := rff{w: make([][2]float64, f), b: make([]float64, f)}
	for j := range r.w {
		r.w[j] = [2]float64{rnd.NormFloat64() / lengthscale, rnd.NormFloat64() / lengthscale}
		r.b[j] = 2 * math.Pi * rnd.Float64()
	}
	return r
}

// design returns the N×(F+1) feature matrix of the points.
func (r rff) design(xs [][]float64) *mat.Dense {
	f := len(r.w)
	scale := math.Sqrt(2 / float64(f))
	out := mat.NewDense(len(xs), f+1, nil)
	raw := out.RawMatrix()
	for i, x := range xs {
		row := raw.Data[i*raw.Stride : i*raw.Stride+f+1]
		row[0] = 1
		for j, w := range r.w {
			row[j+1] = scale * math.Cos(w[0]*x[0]+w[1]*x[1]+r.b[j])
		}
	}
	return out
}

// moonsFit is the outcome of the experiment.
type moonsFit struct {
	cfg         moonsConfig
	steps       int // rule steps to convergence
	train       [][]float64
	labels      []float64
	mapP, bayes []float64 // grid probabilities, row-major (y rows)
	gx, gy      []float64
	test, ood   struct{ mapP, bayesP []float64 }
	testY       []int
}

// fitMoons learns the posterior by the rule and evaluates both predictives.
//
// The posterior is the full-Gaussian rule with the delta method and ρ = 1
// on the logistic likelihood with the prior N(0, δ⁻¹I) as Rule.Prior: each
// step is a Newton step, S = δI + ∇²L(m), m ← m − S⁻¹∇(L + ½δ‖·‖²)(m), so
// at convergence q = N(θ_MAP, (∇²L(θ_MAP) + δI)⁻¹), the Laplace
// approximation. The point estimate predicts σ(φᵀθ_MAP); the Bayesian
// predictive is E_q[σ(φᵀθ)], the exact 1-D integral over the score
// φᵀθ ~ N(φᵀm, φᵀS⁻¹φ) by adaptive Gauss–Hermite quadrature.
func fitMoons(cfg moonsConfig) (*moonsFit, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	fit := &moonsFit{cfg: cfg}
	fit.train, fit.labels = data.TwoMoons(cfg.N, cfg.Noise, cfg.Seed)
	feat := newRFF(cfg.Features, cfg.Lengthscale, cfg.Seed)
	x := feat.design(fit.train)
	lik, err := glm.NewLogistic(x, fit.labels, 0)
	if err != nil {
		return nil, err
	}
	d := cfg.Features + 1
	p0 := mat.NewSymDense(d, nil)
	for j := range d {
		p0.SetSym(j, j, cfg.Prior)
	}
	prior, err := expfam.NewFullGaussian(make([]float64, d), p0)
	if err != nil {
		return nil, err
	}
	q := prior.Clone().(*expfam.FullGaussian)
	rule := blr.Rule{Prior: prior, Estimator: &blr.Delta{Model: lik}, Rate: blr.Constant(1)}
	var st blr.State
	const maxSteps = 100
	prev := q.Mean(nil)
	m := make([]float64, d)
	converged := false
	for fit.steps < maxSteps {
		if _, err := rule.Step(q, &st, nil); err != nil {
			return nil, fmt.Errorf("rule step %d: %w", fit.steps, err)
		}
		fit.steps++
		q.Mean(m)
		var dm, mm float64
		for j := range m {
			dm = math.Max(dm, math.Abs(m[j]-prev[j]))
			mm = math.Max(mm, math.Abs(m[j]))
		}
		copy(prev, m)
		if dm <= 1e-10*(1+mm) {
			converged = true
			break
		}
	}
	if !converged {
		return nil, fmt.Errorf("the rule's Newton steps did not converge in %d steps", maxSteps)
	}
	cov := q.Covariance(nil)
	predict := func(xs [][]float64) (mapP, bayesP []float64) {
		phi := feat.design(xs)
		mapP = lik.Predict(nil, phi, m)
		bayesP = glm.PredictQuadrature(nil, phi, m, cov)
		return mapP, bayesP
	}
	// The grid, row-major from the bottom row.
	fit.gx = plot.Linspace(moonsXMin, moonsXMax, cfg.Grid)
	ny := int(math.Round(float64(cfg.Grid) * (moonsYMax - moonsYMin) / (moonsXMax - moonsXMin)))
	fit.gy = plot.Linspace(moonsYMin, moonsYMax, ny)
	pts := make([][]float64, 0, len(fit.gx)*len(fit.gy))
	for _, y := range fit.gy {
		for _, x := range fit.gx {
			pts = append(pts, []float64{x, y})
		}
	}
	fit.mapP, fit.bayes = predict(pts)
	// A test set from the same distribution, and out-of-distribution points:
	// uniform over the window, kept if ≥ 0.75 away from every training point.
	testX, testY := data.TwoMoons(1000, cfg.Noise, cfg.Seed+1000)
	fit.testY = make([]int, len(testY))
	for i, v := range testY {
		fit.testY[i] = int(v)
	}
	fit.test.mapP, fit.test.bayesP = predict(testX)
	rnd := rand.New(rand.NewPCG(cfg.Seed, 0x6f6f64)) // "ood"
	var ood [][]float64
	for len(ood) < 1000 {
		p := []float64{moonsXMin + (moonsXMax-moonsXMin)*rnd.Float64(), moonsYMin + (moonsYMax-moonsYMin)*rnd.Float64()}
		near := false
		for _, t := range fit.train {
			if math.Hypot(p[0]-t[0], p[1]-t[1]) < 0.75 {
				near = true
				break
			}
		}
		if !near {
			ood = append(ood, p)
		}
	}
	fit.ood.mapP, fit.ood.bayesP = predict(ood)
	return fit, nil
}

// twoClass turns P(class 1) into rows (1−p, p).
func twoClass(p []float64) []float64 {
	out := make([]float64, 2*len(p))
	for i, v := range p {
		out[2*i], out[2*i+1] = 1-v, v
	}
	return out
}

func gridOf(p []float64, nx, ny int) plot.Grid {
	g := plot.Grid{XMin: moonsXMin, XMax: moonsXMax, YMin: moonsYMin, YMax: moonsYMax, Z: make([][]float64, ny)}
	for r := range ny {
		g.Z[r] = p[r*nx : (r+1)*nx]
	}
	return g
}

const demoMoonsUsage = `usage: blr demo moons [--out DIR] [--n N] [--noise S] [--features F] [--lengthscale L]
                      [--prior-precision P] [--seed S] [--grid G]

Fits Bayesian logistic regression on random Fourier features of the two
moons by the rule (its Laplace approximation), compares the point estimate
with the posterior average on test points and on points far from the data,
and writes moons.png, moons_reliability.png and moons_entropy.png to --out.

flags:
`

func demoMoons(args []string, stdout, stderr io.Writer) error {
	cfg := defaultMoons
	fs := newFlags("demo moons", stderr)
	out := fs.String("out", ".", "directory for moons.png, moons_reliability.png and moons_entropy.png")
	fs.IntVar(&cfg.N, "n", cfg.N, "training points, 4 … 100000")
	fs.Float64Var(&cfg.Noise, "noise", cfg.Noise, "noise of the moons, 0 … 10")
	fs.IntVar(&cfg.Features, "features", cfg.Features, "random Fourier features, 1 … 2000")
	fs.Float64Var(&cfg.Lengthscale, "lengthscale", cfg.Lengthscale, "RBF lengthscale the features approximate, finite and > 0")
	fs.Float64Var(&cfg.Prior, "prior-precision", cfg.Prior, "prior precision δ of the weights, finite and > 0")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the data and the feature map")
	fs.IntVar(&cfg.Grid, "grid", cfg.Grid, "grid points along x1, 10 … 1000")
	if _, err := parseFlags(fs, demoMoonsUsage, args, "flags only; see blr demo moons --help"); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	fit, err := fitMoons(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "two moons: %d points (noise %g), logistic regression on %d random Fourier features (ℓ = %g) + intercept, prior N(0, %g⁻¹I)\n",
		cfg.N, cfg.Noise, cfg.Features, cfg.Lengthscale, cfg.Prior)
	fmt.Fprintf(stdout, "posterior: full-Gaussian rule, delta method, ρ = 1 (Newton); converged in %d steps to the Laplace approximation\n\n", fit.steps)
	fmt.Fprintf(stdout, "%s %8s %8s %8s %8s %15s %10s\n", padRunes("predictive", 30), "acc", "NLL", "ECE", "Brier", "entropy in/out", "OOD AUROC")
	type row struct {
		name        string
		test, oodP  []float64
		sum         metrics.Summary
		entIn, entO []float64
		auroc       float64
	}
	rows := []row{
		{name: "point estimate σ(φᵀθ_MAP)", test: fit.test.mapP, oodP: fit.ood.mapP},
		{name: "posterior average E_q[σ(φᵀθ)]", test: fit.test.bayesP, oodP: fit.ood.bayesP},
	}
	for i := range rows {
		r := &rows[i]
		pt := twoClass(r.test)
		if r.sum, err = metrics.Evaluate(pt, 2, fit.testY); err != nil {
			return err
		}
		if r.entIn, err = metrics.PredictiveEntropy(pt, 2); err != nil {
			return err
		}
		if r.entO, err = metrics.PredictiveEntropy(twoClass(r.oodP), 2); err != nil {
			return err
		}
		// OOD detection by entropy: OOD points are the positives.
		if r.auroc, err = metrics.AUROC(r.entO, r.entIn); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %8.4f %8.4f %8.4f %8.4f %7.3f/%-7.3f %10.4f\n", padRunes(r.name, 30), r.sum.Accuracy, r.sum.NLL, r.sum.ECE, r.sum.Brier,
			r.sum.MeanEntropy, mean(r.entO), r.auroc)
	}
	fmt.Fprintf(stdout, "\n(test: 1000 fresh moons points; OOD: 1000 uniform points of the window ≥ 0.75 from every training point)\n")
	nx, ny := len(fit.gx), len(fit.gy)
	pts := plot.Points{}
	for i, p := range fit.train {
		pts.X = append(pts.X, p[0])
		pts.Y = append(pts.Y, p[1])
		pts.Labels = append(pts.Labels, int(fit.labels[i]))
	}
	moons := filepath.Join(*out, "moons.png")
	err = plot.Heatmap2D(moons, []plot.HeatPanel{
		{Title: "point estimate (MAP): σ(φ(x)ᵀθ_MAP)", Grid: gridOf(fit.mapP, nx, ny), Points: pts},
		{Title: "posterior average (rule, Laplace): E_q[σ(φ(x)ᵀθ)]", Grid: gridOf(fit.bayes, nx, ny), Points: pts},
	}, "p(y = 1 | x)", 12, 4.6)
	if err != nil {
		return err
	}
	var rel []plot.ReliabilitySeries
	for _, r := range rows {
		bins, err := metrics.ReliabilityBins(twoClass(r.test), 2, fit.testY)
		if err != nil {
			return err
		}
		name := "MAP"
		if len(rel) == 1 {
			name = "posterior average"
		}
		rel = append(rel, plot.ReliabilitySeries{Name: name, Bins: bins})
	}
	relPath := filepath.Join(*out, "moons_reliability.png")
	if err := plot.Reliability(relPath, "two moons, 1000 test points", rel, 5.5, 6); err != nil {
		return err
	}
	entPath := filepath.Join(*out, "moons_entropy.png")
	err = plot.HistogramPanels(entPath, []plot.HistPanel{
		{Title: "point estimate (MAP)", XLabel: "predictive entropy (nats)", Samples: []plot.Sample{{Name: "test points", Values: rows[0].entIn}, {Name: "far from the data", Values: rows[0].entO}}},
		{Title: "posterior average", XLabel: "predictive entropy (nats)", Samples: []plot.Sample{{Name: "test points", Values: rows[1].entIn}, {Name: "far from the data", Values: rows[1].entO}}},
	}, 30, 11, 4)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s, %s, %s\n", moons, relPath, entPath)
	return nil
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
