package glm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// ScoreModel is a generalised linear model whose loss depends on θ through
// one linear score per example,
//
//	ℓ̄(θ) = Σᵢ f(yᵢ, sᵢ) + ½ Σⱼ δⱼθⱼ²,   sᵢ = xᵢᵀθ,
//
// so that under a Gaussian q = N(m, Σ) every expectation is one-dimensional:
// sᵢ ~ N(xᵢᵀm, xᵢᵀΣxᵢ), and
//
//	E_q[∇ℓ̄] = Σᵢ xᵢ E[f′(sᵢ)] + δ⊙m,   E_q[∇²ℓ̄] = Σᵢ xᵢxᵢᵀ E[f″(sᵢ)] + diag(δ).
//
// Logistic and Linear implement it.
type ScoreModel interface {
	// Design returns the N×D design X.
	Design() *mat.Dense
	// ScoreLoss returns f(yᵢ, s) and its first two derivatives in s for
	// example i.
	ScoreLoss(i int, s float64) (f, d1, d2 float64)
	// Precisions writes the prior precisions δⱼ (dst allocated if nil).
	Precisions(dst []float64) []float64
	// LikConst is the constant c with −log p(y|θ) = Σᵢ f(yᵢ, sᵢ) + c.
	LikConst() float64
}

// Quadrature is the estimator of the Bayesian learning rule with exact
// Gaussian expectations for a ScoreModel: each E[f(sᵢ)], E[f′(sᵢ)] and
// E[f″(sᵢ)] is a one-dimensional integral, taken by Gauss–Hermite rules of 8
// and 16 nodes when they agree within Tol·(1+|value|) and otherwise by the
// trapezoid rule with halving steps until two steps agree (see
// expectSmooth; this needs f analytic in a strip around the real axis, as
// the logistic and Gaussian losses are).
// It works for a full Gaussian (expfam.FullGaussian, or any Gaussian with a
// Cholesky method) and a diagonal one (any Gaussian with a Variance method),
// and includes the prior, so the rule runs with Rule.Prior nil.
//
// After each Moments or Estimate call, ExpectedLoss holds E_q[Σᵢ f(yᵢ, sᵢ)]
// and MaxNodes the largest number of points one example needed. Moments
// spreads the examples over up to GOMAXPROCS goroutines (the results do not
// depend on how many), so the model's ScoreLoss must be safe for concurrent
// calls; a Quadrature itself is not safe for concurrent use.
type Quadrature struct {
	Model ScoreModel
	// Tol is the agreement asked of two successive rules, relative to
	// 1+|value|; 0 means 1e-13.
	Tol float64

	// ExpectedLoss is E_q[Σᵢ f(yᵢ, sᵢ)] at the q of the last call (the data
	// term, without the prior and without LikConst).
	ExpectedLoss float64
	// MaxNodes is the largest number of points one example's integrals
	// needed in the last call.
	MaxNodes int

	a, v, ef, e1, e2, g, h, delta, m []float64
	chol                             mat.Cholesky
	gr                               gram
	workers                          []*quadWorker
	nodes                            []int
}

// quadWorker holds one goroutine's scratch: the example its evaluator
// reads, the evaluator (made once, so that no call allocates), and a block
// buffer.
type quadWorker struct {
	row  int
	t    [3]float64
	eval func(s float64, dst *[3]float64)
	blk  []float64
}

// worker returns the k-th worker's scratch, creating it on first use.
func (e *Quadrature) worker(k int) *quadWorker {
	for len(e.workers) <= k {
		w := &quadWorker{}
		model := e.Model
		w.eval = func(s float64, dst *[3]float64) {
			dst[0], dst[1], dst[2] = model.ScoreLoss(w.row, s)
		}
		e.workers = append(e.workers, w)
	}
	return e.workers[k]
}

// parallelRows calls fn on consecutive chunks [lo, hi) of [0, n) of grain
// rows, with up to workers goroutines, passing each its worker index. The
// chunks depend on n and grain only, and fn must write each row's results
// to that row's own place, so the results do not depend on the number of
// threads.
func parallelRows(n, grain, workers int, fn func(lo, hi, worker int)) {
	chunks := (n + grain - 1) / grain
	workers = min(workers, chunks)
	if workers <= 1 {
		for c := range chunks {
			fn(c*grain, min((c+1)*grain, n), 0)
		}
		return
	}
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for c := k; c < chunks; c += workers {
				fn(c*grain, min((c+1)*grain, n), k)
			}
		}(k)
	}
	wg.Wait()
}

// workersFor is the number of workers parallelRows uses.
func workersFor(n, grain int) int {
	return max(1, min(runtime.GOMAXPROCS(0), (n+grain-1)/grain))
}

// quadGrain is the number of examples one worker integrates at a time.
const quadGrain = 512

// ghRule is an n-point Gauss–Hermite rule for expectations under N(0, 1).
type ghRule struct{ z, w []float64 }

// ghLevels are the rules of 8, 16, …, 1024 nodes, computed once.
var ghLevels = sync.OnceValue(func() []ghRule {
	var out []ghRule
	for n := 8; n <= 1024; n *= 2 {
		g, _ := NewGaussHermite(n)
		out = append(out, ghRule{g.Z, g.W})
	}
	return out
})

func (e *Quadrature) tol() float64 {
	if e.Tol > 0 {
		return e.Tol
	}
	return 1e-13
}

// expect returns E[f], E[f′], E[f″] for example i with sᵢ ~ N(a, v), and the
// number of points at which it evaluated the loss, with worker w's scratch.
func (e *Quadrature) expect(w *quadWorker, i int, a, v float64) (f, d1, d2 float64, n int) {
	if !(v > 0) {
		f, d1, d2 = e.Model.ScoreLoss(i, a)
		return f, d1, d2, 1
	}
	w.row = i
	out, n := expectSmooth(w.eval, a, v, e.tol(), &w.t)
	return out[0], out[1], out[2], n
}

// truncation is where expectSmooth's trapezoid rule stops, in standard
// deviations: the Gaussian mass beyond ±9.5σ is 2e-21, and what a loss
// growing like |s| contributes there is below 1e-19σ.
const truncation = 9.5

// expectSmooth returns E[g(s)] for s ~ N(mean, variance) and a vector g of
// three functions (evaluated into the scratch t), each analytic in a strip around the real axis (the
// logistic loss and its derivatives have their nearest singularities at
// s = ±iπ), and the number of evaluations of g.
//
// It first tries the Gauss–Hermite rules of 8 and 16 nodes, which settle
// the narrow Gaussians (small variances) and the polynomials. When those
// disagree beyond tol·(1+|value|) it uses the trapezoid rule on
// [mean − 9.5σ, mean + 9.5σ], halving the step (and reusing the points)
// until two successive steps agree. Gauss–Hermite alone converges slowly
// once σ is large against the strip's half-width (at σ = 5 the logistic
// expectations still err by 1e-3 with 1024 nodes), whereas the trapezoid
// rule's error falls like exp(−2πd/h) for a strip of half-width d, whatever
// σ is, so a step h of 1/2 gives about 1e-17 for d = π; it needs about
// 38σ points. Since each halving squares the error, the finer of two steps
// that differ by ε is off by about ε², and the rule stops once ε ≤
// √(tol/100).
func expectSmooth(g func(s float64, dst *[3]float64), mean, variance, tol float64, t *[3]float64) ([3]float64, int) {
	sd := math.Sqrt(variance)
	var val [3]float64
	levels := ghLevels()
	var prev [3]float64
	evals := 0
	for k := 0; k < 2; k++ {
		r := levels[k]
		val = [3]float64{}
		for j, z := range r.z {
			g(mean+sd*z, t)
			for c := range val {
				val[c] += r.w[j] * t[c]
			}
		}
		evals += len(r.z)
		if k > 0 && agree(val, prev, tol) {
			return val, evals
		}
		prev = val
	}
	lo, hi := mean-truncation*sd, mean+truncation*sd
	h0 := math.Min(sd/2, 1)
	m := int(math.Ceil((hi - lo) / h0))
	h := (hi - lo) / float64(m)
	inv := 1 / (sd * math.Sqrt(2*math.Pi))
	point := func(s float64, w float64, acc *[3]float64) {
		g(s, t)
		z := (s - mean) / sd
		phi := w * math.Exp(-0.5*z*z) * inv
		for c := range acc {
			acc[c] += phi * t[c]
		}
	}
	var sum [3]float64 // Σ of the weighted points so far (ends halved)
	for k := 0; k <= m; k++ {
		w := 1.0
		if k == 0 || k == m {
			w = 0.5
		}
		point(lo+float64(k)*h, w, &sum)
	}
	evals += m + 1
	for c := range val {
		val[c] = h * sum[c]
	}
	for m <= 1<<16 {
		prev = val
		for k := 0; k < m; k++ {
			point(lo+(float64(k)+0.5)*h, 1, &sum)
		}
		evals += m
		m *= 2
		h /= 2
		for c := range val {
			val[c] = h * sum[c]
		}
		// The error falls like exp(−2πd/h), so halving h squares it: when
		// the last two steps differ by ε (relative), the finer one is off by
		// about ε². Accept once ε ≤ √(tol/100).
		if agree(val, prev, math.Sqrt(tol/100)) {
			break
		}
	}
	return val, evals
}

// agree reports whether two estimates agree within tol·(1+|value|) in every
// component.
func agree(a, b [3]float64, tol float64) bool {
	for c := range a {
		if !(math.Abs(a[c]-b[c]) <= tol*(1+math.Abs(a[c]))) {
			return false
		}
	}
	return true
}

// scoreMoments writes the mean aᵢ = xᵢᵀm and the variance vᵢ = xᵢᵀΣxᵢ of
// every score under q.
func (e *Quadrature) scoreMoments(q expfam.Gaussian, x *mat.Dense) error {
	n, d := x.Dims()
	e.a = resize(e.a, n)
	e.v = resize(e.v, n)
	e.m = q.Mean(resize(e.m, d))
	mat.NewVecDense(n, e.a).MulVec(x, mat.NewVecDense(d, e.m))
	nw := workersFor(n, gramBlock)
	for k := range nw {
		e.worker(k)
	}
	return scoreVariances(e.v, q, x, &e.chol, e.workers[:nw])
}

// scoreVariances writes vᵢ = xᵢᵀΣxᵢ for q = N(m, Σ): by triangular solves
// with the Cholesky factor of the precision (zᵢ = U⁻ᵀxᵢ, vᵢ = ‖zᵢ‖²) for a
// full Gaussian, and Σⱼ xᵢⱼ²Σⱼⱼ for a diagonal one. Blocks of rows are
// solved concurrently, with the workers' buffers.
func scoreVariances(v []float64, q expfam.Gaussian, x *mat.Dense, chol *mat.Cholesky, workers []*quadWorker) error {
	n, d := x.Dims()
	raw := x.RawMatrix()
	switch g := q.(type) {
	case interface {
		Cholesky(*mat.Cholesky) *mat.Cholesky
	}:
		g.Cholesky(chol)
		u := chol.RawU().(mat.RawTriangular).RawTriangular()
		parallelRows(n, gramBlock, len(workers), func(lo, hi, k int) {
			w := workers[k]
			w.blk = resize(w.blk, gramBlock*d)
			buf := w.blk
			for i := lo; i < hi; i++ {
				copy(buf[(i-lo)*d:(i-lo+1)*d], raw.Data[i*raw.Stride:i*raw.Stride+d])
			}
			// Z·U = X_B, so zᵢᵀ = xᵢᵀU⁻¹ and ‖zᵢ‖² = xᵢᵀ(UᵀU)⁻¹xᵢ.
			blas64.Trsm(blas.Right, blas.NoTrans, 1, u, blas64.General{Rows: hi - lo, Cols: d, Stride: d, Data: buf[:(hi-lo)*d]})
			for i := lo; i < hi; i++ {
				var s float64
				for _, z := range buf[(i-lo)*d : (i-lo+1)*d] {
					s += z * z
				}
				v[i] = s
			}
		})
	case interface{ Variance([]float64) []float64 }:
		vars := g.Variance(nil)
		for i := range n {
			row := raw.Data[i*raw.Stride : i*raw.Stride+d]
			var s float64
			for j, xv := range row {
				s += xv * xv * vars[j]
			}
			v[i] = s
		}
	default:
		return fmt.Errorf("glm: quadrature needs a full or diagonal Gaussian with a learnt covariance, not %T", q)
	}
	return nil
}

// ExpectedDataLoss returns E_q[Σᵢ f(yᵢ, sᵢ)] alone (also left in
// ExpectedLoss), skipping the gradient and the Hessian: what an ELBO needs.
func (e *Quadrature) ExpectedDataLoss(q expfam.Gaussian) (float64, error) {
	x := e.Model.Design()
	n, d := x.Dims()
	if q.ParamDim() != d {
		return 0, fmt.Errorf("glm: q has %d parameters, the design %d columns", q.ParamDim(), d)
	}
	if err := e.scoreMoments(q, x); err != nil {
		return 0, err
	}
	e.integrate(n)
	return e.ExpectedLoss, nil
}

// integrate fills ef, e1, e2 (and ExpectedLoss, MaxNodes) from the score
// moments a, v, spreading the examples over the workers.
func (e *Quadrature) integrate(n int) {
	e.ef = resize(e.ef, n)
	e.e1 = resize(e.e1, n)
	e.e2 = resize(e.e2, n)
	nw := workersFor(n, quadGrain)
	for k := range nw {
		e.worker(k)
	}
	if cap(e.nodes) < nw {
		e.nodes = make([]int, nw)
	}
	e.nodes = e.nodes[:nw]
	clear(e.nodes)
	parallelRows(n, quadGrain, nw, func(lo, hi, k int) {
		w := e.workers[k]
		for i := lo; i < hi; i++ {
			f, d1, d2, c := e.expect(w, i, e.a[i], e.v[i])
			e.ef[i], e.e1[i], e.e2[i] = f, d1, d2
			e.nodes[k] = max(e.nodes[k], c)
		}
	})
	e.MaxNodes = 0
	for _, c := range e.nodes {
		e.MaxNodes = max(e.MaxNodes, c)
	}
	var loss float64
	for _, f := range e.ef {
		loss += f
	}
	e.ExpectedLoss = loss
}

// Moments writes g = E_q[∇ℓ̄] (length D) and h = E_q[∇²ℓ̄] in the shape
// q.Layout() names (D×D row-major for a full Gaussian, the diagonal for a
// diagonal one), both with the prior's terms δ⊙m and diag(δ), and returns
// E_q[Σᵢ f(yᵢ, sᵢ)] (also left in ExpectedLoss). g and h are the
// estimator's own buffers, valid until the next call.
func (e *Quadrature) Moments(q expfam.Gaussian) (loss float64, g, h []float64, err error) {
	x := e.Model.Design()
	n, d := x.Dims()
	if q.ParamDim() != d {
		return 0, nil, nil, fmt.Errorf("glm: q has %d parameters, the design %d columns", q.ParamDim(), d)
	}
	layout := q.Layout()
	if layout != expfam.FullHessian && layout != expfam.DiagHessian {
		return 0, nil, nil, fmt.Errorf("glm: quadrature needs a full or diagonal Gaussian, not %T", q)
	}
	if err := e.scoreMoments(q, x); err != nil {
		return 0, nil, nil, err
	}
	e.integrate(n)
	loss = e.ExpectedLoss
	e.delta = e.Model.Precisions(resize(e.delta, d))
	e.g = resize(e.g, d)
	mat.NewVecDense(d, e.g).MulVec(x.T(), mat.NewVecDense(n, e.e1))
	for j := range d {
		e.g[j] += e.delta[j] * e.m[j]
	}
	if layout == expfam.FullHessian {
		e.h = resize(e.h, d*d)
		e.gr.weighted(e.h, x, e.e2)
		for j := range d {
			e.h[j*d+j] += e.delta[j]
		}
	} else {
		e.h = resize(e.h, d)
		weightedDiag(e.h, x, e.e2)
		for j := range d {
			e.h[j] += e.delta[j]
		}
	}
	return loss, e.g, e.h, nil
}

// Estimate writes ∇_μE_q[ℓ̄] in q's layout (q.MuGrad of Moments' g and h).
// It implements blr.Estimator; rnd is not used.
func (e *Quadrature) Estimate(dst []float64, q expfam.Family, _ *rand.Rand) ([]float64, error) {
	gq, ok := q.(expfam.Gaussian)
	if !ok {
		return nil, fmt.Errorf("glm: quadrature needs a Gaussian family, not %T", q)
	}
	_, g, h, err := e.Moments(gq)
	if err != nil {
		return nil, err
	}
	return gq.MuGrad(dst, g, h), nil
}

// resize returns b with length n, reallocating only when its capacity is
// short.
func resize(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}
