package fit

import (
	"fmt"
	"math"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/glm"
	"gonum.org/v1/gonum/mat"
)

// MaxParams is the largest number of parameters of a GLM that Fit accepts:
// every GLM method holds dense D×D matrices (the Newton start, the
// precision), 128 MiB each at this size.
const MaxParams = 4096

// MaxScoreEntries bounds N·K² for the multinomial model (N rows, K
// classes): its methods and its predictives hold a K×K matrix per row (the
// Hessian's weights, the scores' covariances), 1 GiB each at this size. It
// is package glm's limit, checked here before fit allocates anything.
const MaxScoreEntries = glm.MaxScoreEntries

// checkScoreEntries refuses n rows of K classes whose K×K matrices per row
// would exceed MaxScoreEntries.
func checkScoreEntries(field string, n, k int) error {
	if e := float64(n) * float64(k) * float64(k); e > MaxScoreEntries {
		return &DataError{Field: field, Value: n, Reason: fmt.Sprintf("%d rows × %d² classes is more than the limit of %d entries of the multinomial model's K×K matrix per row; use fewer rows or classes", n, k, MaxScoreEntries)}
	}
	return nil
}

// momenter gives the exact or estimated E_q[ℓ_data], E_q[∇ℓ̄] and E_q[∇²ℓ̄]
// (in q's Hessian layout) under a Gaussian q: glm.Quadrature,
// glm.SoftmaxMC and glm.LinearNoise.
type momenter interface {
	Moments(q expfam.Gaussian) (loss float64, g, h []float64, err error)
}

// newtonModel is what the delta method needs.
type newtonModel interface {
	blr.Gradienter
	blr.Hessianer
}

// problem is one model on one training table.
type problem struct {
	opt      Options
	x        *mat.Dense // design, with the intercept column last unless NoIntercept
	n, cols  int        // rows and design columns
	dim      int        // parameters
	classes  int        // K for multinomial, 2 for logistic, 0 for regression
	learnTau bool       // linear with learnt noise
	delta    []float64  // prior precision of every parameter
	mean0    []float64  // prior mean of every parameter
	likConst float64    // −log p(y|θ) = Σᵢℓᵢ(θ) + likConst
	model    newtonModel
	moments  momenter
	// the typed models, for prediction and the engines
	logistic    *glm.Logistic
	multinomial *glm.Multinomial
	linear      *glm.Linear
	noise       *glm.LinearNoise
	labels      []int
	mlp         *mlpNet
}

// design returns x with a column of ones appended unless noIntercept.
func design(x *mat.Dense, noIntercept bool) *mat.Dense {
	n, p := x.Dims()
	if noIntercept {
		return mat.DenseCopyOf(x)
	}
	out := mat.NewDense(n, p+1, nil)
	for i := range n {
		row := out.RawRowView(i)
		copy(row, x.RawRowView(i))
		row[p] = 1
	}
	return out
}

// checkX returns a *DataError for an empty design (nil, zero-sized, or a
// view of 0 rows or 0 columns, which gonum's constructors refuse) or a
// non-finite entry.
func checkX(name string, x *mat.Dense) error {
	if x == nil || x.IsEmpty() {
		return &DataError{Field: name, Value: "empty", Reason: "need at least one row and one column"}
	}
	n, c := x.Dims()
	if n == 0 || c == 0 {
		return &DataError{Field: name, Value: fmt.Sprintf("%d×%d", n, c), Reason: "need at least one row and one column"}
	}
	for i := range n {
		for j, v := range x.RawRowView(i) {
			if v-v != 0 { // NaN or ±Inf
				return &DataError{Field: fmt.Sprintf("%s[%d,%d]", name, i, j), Value: v, Reason: "not finite"}
			}
		}
	}
	return nil
}

// checkLabels validates y for the model and returns the class labels
// (classification) and the number of classes.
func checkLabels(name string, y []float64, n int, model Model, classes int) ([]int, int, error) {
	if len(y) != n {
		return nil, 0, &DataError{Field: "len(" + name + ")", Value: len(y), Reason: fmt.Sprintf("want one per row of x (%d)", n)}
	}
	switch model {
	case ModelLogistic:
		lab := make([]int, n)
		for i, v := range y {
			if v != 0 && v != 1 {
				return nil, 0, &DataError{Field: fmt.Sprintf("%s[%d]", name, i), Value: v, Reason: "logistic labels must be 0 or 1"}
			}
			lab[i] = int(v)
		}
		return lab, 2, nil
	case ModelMultinomial:
		lab := make([]int, n)
		hi := 0
		for i, v := range y {
			if v != math.Trunc(v) || v < 0 || v >= MaxClasses || (classes > 0 && v >= float64(classes)) {
				want := fmt.Sprintf("an integer class index in [0, %d)", MaxClasses)
				if classes > 0 {
					want = fmt.Sprintf("an integer class index in [0, %d)", classes)
				}
				return nil, 0, &DataError{Field: fmt.Sprintf("%s[%d]", name, i), Value: v, Reason: "multinomial labels must be " + want}
			}
			lab[i] = int(v)
			hi = max(hi, lab[i])
		}
		if classes == 0 {
			classes = hi + 1
		}
		if classes < 2 {
			return nil, 0, &DataError{Field: name, Value: "one class", Reason: "the multinomial model needs ≥ 2 classes (set Classes)"}
		}
		return lab, classes, nil
	default:
		for i, v := range y {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, &DataError{Field: fmt.Sprintf("%s[%d]", name, i), Value: v, Reason: "not finite"}
			}
		}
		return nil, 0, nil
	}
}

// checkParams refuses a GLM of more than MaxParams parameters (and a
// multinomial model of more than MaxScoreEntries K×K entries) before
// anything of its size is allocated: a *OptionError naming Classes when the
// classes were given, a *DataError otherwise.
func checkParams(x *mat.Dense, opt Options, classes int) error {
	_, feat := x.Dims()
	cols := feat
	if !opt.NoIntercept {
		cols++
	}
	perClass := fmt.Sprintf("%d features", feat)
	if !opt.NoIntercept {
		perClass += " + the intercept"
	}
	reason := fmt.Sprintf("more than the limit of %d parameters: the methods keep a dense D×D precision; reduce the features", MaxParams)
	if opt.Model == ModelMultinomial && classes <= MaxParams/cols {
		n, _ := x.Dims()
		if err := checkScoreEntries("x rows", n, classes); err != nil {
			if opt.Classes != 0 {
				de := err.(*DataError)
				return &OptionError{Field: "Classes", Value: opt.Classes, Reason: de.Reason}
			}
			return err
		}
	}
	switch {
	case opt.Model == ModelMultinomial && classes > MaxParams/cols: // K·cols > MaxParams without overflow
		reason = fmt.Sprintf("%d classes × %d coefficients (%s) is more than the limit of %d parameters: the methods keep a dense D×D precision; reduce the classes or the features",
			classes, cols, perClass, MaxParams)
		if opt.Classes != 0 {
			return &OptionError{Field: "Classes", Value: opt.Classes, Reason: reason}
		}
		return &DataError{Field: "parameters", Value: fmt.Sprintf("%d classes × %d", classes, cols), Reason: reason}
	case opt.Model == ModelLinear && opt.NoisePrecision == 0 && cols+1 > MaxParams:
		return &DataError{Field: "parameters", Value: cols + 1, Reason: reason}
	case opt.Model != ModelMultinomial && cols > MaxParams:
		return &DataError{Field: "parameters", Value: cols, Reason: reason}
	}
	return nil
}

// newProblem validates the data and builds the model.
func newProblem(x *mat.Dense, y []float64, opt Options) (*problem, error) {
	if err := checkX("x", x); err != nil {
		return nil, err
	}
	n, _ := x.Dims()
	if opt.Model == ModelMLP {
		return newMLPProblem(x, y, opt)
	}
	labels, classes, err := checkLabels("y", y, n, opt.Model, opt.Classes)
	if err != nil {
		return nil, err
	}
	if err := checkParams(x, opt, classes); err != nil {
		return nil, err
	}
	p := &problem{opt: opt, x: design(x, opt.NoIntercept), n: n, classes: classes, labels: labels}
	_, p.cols = p.x.Dims()
	// Per-column prior precisions: δ, with δ₀ for the intercept.
	colPrec := make([]float64, p.cols)
	for j := range colPrec {
		colPrec[j] = opt.PriorPrecision
	}
	if !opt.NoIntercept {
		colPrec[p.cols-1] = opt.InterceptPrecision
	}
	switch opt.Model {
	case ModelLogistic:
		m, err := glm.NewLogistic(p.x, y, opt.PriorPrecision)
		if err != nil {
			return nil, err
		}
		if err := m.SetPriorPrecisions(colPrec); err != nil {
			return nil, err
		}
		p.logistic, p.model = m, m
		p.moments = &glm.Quadrature{Model: m}
		p.delta = colPrec
	case ModelMultinomial:
		m, err := glm.NewMultinomial(p.x, labels, classes, opt.PriorPrecision)
		if err != nil {
			return nil, err
		}
		p.delta = make([]float64, 0, classes*p.cols)
		for range classes {
			p.delta = append(p.delta, colPrec...)
		}
		if err := m.SetPriorPrecisions(p.delta); err != nil {
			return nil, err
		}
		p.multinomial, p.model = m, m
		p.moments = &glm.SoftmaxMC{Model: m, Samples: opt.TrainSamples, Seed: opt.Seed}
	case ModelLinear:
		if opt.NoisePrecision > 0 {
			m, err := glm.NewLinear(p.x, y, opt.NoisePrecision, opt.PriorPrecision)
			if err != nil {
				return nil, err
			}
			if err := m.SetPriorPrecisions(colPrec); err != nil {
				return nil, err
			}
			p.linear, p.model = m, m
			p.moments = &glm.Quadrature{Model: m}
			p.delta = colPrec
		} else {
			m, err := glm.NewLinearNoise(p.x, y, opt.PriorPrecision, 0, opt.NoisePriorPrecision)
			if err != nil {
				return nil, err
			}
			if err := m.SetPriorPrecisions(colPrec); err != nil {
				return nil, err
			}
			p.noise, p.model, p.moments = m, m, m
			p.learnTau = true
			p.delta = append(colPrec, opt.NoisePriorPrecision)
		}
	}
	p.dim = len(p.delta)
	p.mean0 = make([]float64, p.dim)
	switch {
	case p.logistic != nil:
		p.likConst = p.logistic.LikConst()
	case p.linear != nil:
		p.likConst = p.linear.LikConst()
	case p.noise != nil:
		p.likConst = p.noise.LikConst()
	}
	return p, nil
}

// start returns the initial point of the methods: the prior mean, except
// for the learnt noise, which starts at the ridge solution for the noise of
// the targets' spread, w₀ = (τ₀XᵀX + diag δ)⁻¹τ₀Xᵀy with τ₀ = 1/var(y), and
// ρ₀ = −log(mean squared residual): a point where the Hessian is positive
// definite (at w = 0 it is not once the features explain over half the
// variance).
func (p *problem) start(y []float64) []float64 {
	m := append([]float64(nil), p.mean0...)
	if !p.learnTau {
		return m
	}
	var mean, ss float64
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	for _, v := range y {
		ss += (v - mean) * (v - mean)
	}
	tau0 := 1.0
	if vv := ss / float64(len(y)); vv > 0 && !math.IsInf(vv, 0) {
		tau0 = 1 / vv
	}
	d := p.cols
	ridge, err := glm.NewLinear(p.x, y, tau0, 0)
	if err != nil {
		return m
	}
	if err := ridge.SetPriorPrecisions(p.delta[:d]); err != nil {
		return m
	}
	h := make([]float64, d*d)
	ridge.Hess(h, m[:d])
	g := make([]float64, d)
	ridge.Grad(g, m[:d]) // at w = 0: −τ₀Xᵀy
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(d, h)) {
		return m
	}
	w := mat.NewVecDense(d, m[:d])
	if err := ch.SolveVecTo(w, mat.NewVecDense(d, g)); err != nil {
		return m
	}
	w.ScaleVec(-1, w)
	var rss float64
	for i := range p.n {
		r := y[i] - mat.Dot(p.x.RowView(i), w)
		rss += r * r
	}
	if ms := rss / float64(p.n); ms > 0 && !math.IsInf(ms, 0) {
		m[d] = -math.Log(ms)
	} else {
		m[d] = math.Log(tau0)
	}
	return m
}

// logPriorNorm is Σⱼ ½log(δⱼ/2π), the normaliser of the Gaussian prior.
func (p *problem) logPriorNorm() float64 {
	var s float64
	for _, d := range p.delta {
		s += 0.5 * math.Log(d/(2*math.Pi))
	}
	return s
}
