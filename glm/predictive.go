package glm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
)

// The posterior predictive of binary logistic regression under a Gaussian
// posterior N(m, Σ) depends on θ only through the score s = xᵀθ, which is
// N(xᵀm, xᵀΣx). Three ways to take p(y=1|x) = E[σ(s)]:
//
//   - PredictQuadrature: the exact 1-D integral by adaptive Gauss–Hermite quadrature
//     (the default of `blr fit`);
//   - PredictProbit: the probit approximation σ(μ/√(1+πσ²/8))
//     (MacKay 1992; Bishop, PRML §4.5.2);
//   - PredictSample: the Monte Carlo average over posterior draws.

// ScoreMoments writes the mean and variance of the score xᵢᵀθ for each row.
func ScoreMoments(mean, variance []float64, x *mat.Dense, m []float64, cov mat.Symmetric) ([]float64, []float64) {
	n, d := x.Dims()
	if len(m) != d || cov.SymmetricDim() != d {
		panic(ErrShape)
	}
	if mean == nil {
		mean = make([]float64, n)
	}
	if variance == nil {
		variance = make([]float64, n)
	}
	mv := mat.NewVecDense(n, mean)
	mv.MulVec(x, mat.NewVecDense(d, m))
	var xs mat.Dense
	xs.Mul(x, cov)
	for i := range n {
		variance[i] = math.Max(0, mat.Dot(xs.RowView(i), x.RowView(i)))
	}
	return mean, variance
}

// PredictProbit writes σ(μᵢ/√(1+πσᵢ²/8)) for each row.
func PredictProbit(dst []float64, x *mat.Dense, m []float64, cov mat.Symmetric) []float64 {
	mu, v := ScoreMoments(nil, nil, x, m, cov)
	if dst == nil {
		dst = make([]float64, len(mu))
	}
	for i := range mu {
		dst[i] = expfam.Sigmoid(mu[i] / math.Sqrt(1+math.Pi*v[i]/8))
	}
	return dst
}

// GaussHermite holds the nodes and weights of an n-point Gauss–Hermite rule
// rescaled for expectations under N(0, 1): E[f(z)] ≈ Σₖ wₖ f(zₖ).
type GaussHermite struct {
	Z, W []float64
}

// MaxGaussHermiteNodes bounds the nodes of NewGaussHermite: the rule's
// computation takes O(n²) time, and past about 4096 nodes its weights
// underflow to NaN.
const MaxGaussHermiteNodes = 4096

// NewGaussHermite returns the n-point rule, 1 ≤ n ≤ MaxGaussHermiteNodes.
func NewGaussHermite(n int) (*GaussHermite, error) {
	if n < 1 || n > MaxGaussHermiteNodes {
		return nil, fmt.Errorf("glm: Gauss–Hermite nodes = %d: want 1 … %d (MaxGaussHermiteNodes)", n, MaxGaussHermiteNodes)
	}
	x := make([]float64, n)
	w := make([]float64, n)
	quad.Hermite{}.FixedLocations(x, w, math.Inf(-1), math.Inf(1))
	for k := range x {
		x[k] *= math.Sqrt2
		w[k] /= math.Sqrt(math.Pi)
	}
	return &GaussHermite{Z: x, W: w}, nil
}

// Expect returns E[f(s)] for s ~ N(mean, variance).
func (g *GaussHermite) Expect(f func(float64) float64, mean, variance float64) float64 {
	sd := math.Sqrt(variance)
	var sum float64
	for k, z := range g.Z {
		sum += g.W[k] * f(mean+sd*z)
	}
	return sum
}

// ExpectAdaptive returns E[f(s)] for s ~ N(mean, variance), for an f that
// is analytic in a strip around the real axis (σ(s) has poles at ±iπ): by
// the Gauss–Hermite rules of 8 and 16 nodes when they agree within tol
// (absolute), otherwise by the trapezoid rule on ±9.5 standard deviations
// with halving steps until two steps agree within tol. Gauss–Hermite alone
// needs ever more nodes as the variance grows (1024 nodes still err by
// 1e-3 at a standard deviation of 5); the trapezoid rule's error falls like
// exp(−2π²/h) for poles at ±iπ, whatever the variance.
func ExpectAdaptive(f func(float64) float64, mean, variance, tol float64) float64 {
	if !(variance > 0) {
		return f(mean)
	}
	// expectSmooth's tolerance is relative to 1+|value|; for values in
	// [0, 1] that is within a factor 2 of absolute.
	var t [3]float64
	v, _ := expectSmooth(func(s float64, dst *[3]float64) { dst[0] = f(s) }, mean, variance, tol/2, &t)
	return v[0]
}

// PredictQuadrature writes E[σ(s)] by adaptive Gauss–Hermite quadrature to
// an absolute accuracy of about 1e-12.
func PredictQuadrature(dst []float64, x *mat.Dense, m []float64, cov mat.Symmetric) []float64 {
	mu, v := ScoreMoments(nil, nil, x, m, cov)
	if dst == nil {
		dst = make([]float64, len(mu))
	}
	for i := range mu {
		dst[i] = ExpectAdaptive(expfam.Sigmoid, mu[i], v[i], 1e-13)
	}
	return dst
}

// PredictSample writes the average of σ(xᵢᵀθₛ) over samples draws θₛ ~ N(m, Σ).
func PredictSample(dst []float64, x *mat.Dense, m []float64, cov mat.Symmetric, samples int, rnd *rand.Rand) ([]float64, error) {
	n, d := x.Dims()
	if samples < 1 {
		return nil, fmt.Errorf("glm: samples = %d: want ≥ 1", samples)
	}
	if rnd == nil {
		return nil, fmt.Errorf("glm: a *rand.Rand is required for sampling")
	}
	var ch mat.Cholesky
	if !ch.Factorize(cov) {
		return nil, fmt.Errorf("glm: posterior covariance is not positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l)
	if dst == nil {
		dst = make([]float64, n)
	}
	for i := range dst {
		dst[i] = 0
	}
	z := mat.NewVecDense(d, nil)
	var theta, s mat.VecDense
	for range samples {
		for j := range d {
			z.SetVec(j, rnd.NormFloat64())
		}
		theta.MulVec(&l, z)
		theta.AddVec(&theta, mat.NewVecDense(d, m))
		s.MulVec(x, &theta)
		for i := range n {
			dst[i] += expfam.Sigmoid(s.AtVec(i))
		}
	}
	for i := range dst {
		dst[i] /= float64(samples)
	}
	return dst, nil
}

// The posterior predictive of multinomial logistic regression under a
// Gaussian posterior N(m, Σ) depends on θ through the K scores of each row,
// fᵢ ~ N(Aᵢ, Cᵢ) (see SoftmaxMC). The K-dimensional integral E[softmax(f)]
// has no closed form; two ways to take it:
//
//   - PredictSoftmaxSample: Monte Carlo over the scores (the default of
//     `blr fit` for multiclass models), deterministic given its seed;
//   - PredictSoftmaxProbit: the multiclass probit approximation
//     softmax(Aᵢₖ/√(1+πCᵢ[k,k]/8)) (Gibbs 1997; Lu, Ie & Sha 2020,
//     "mean-field" approximation), which ignores the correlations between
//     the scores.

// PredictSoftmaxProbit writes the multiclass probit approximation of the
// predictive probabilities, N×K row-major. θ is laid out class by class as
// in Multinomial.
func PredictSoftmaxProbit(dst []float64, x *mat.Dense, m []float64, cov mat.Symmetric, k int) []float64 {
	n, _ := x.Dims()
	a, c := softmaxScoreMoments(nil, nil, x, m, cov, k)
	if dst == nil {
		dst = make([]float64, n*k)
	}
	f := make([]float64, k)
	for i := range n {
		for p := range k {
			f[p] = a[i*k+p] / math.Sqrt(1+math.Pi*c[i*k*k+p*k+p]/8)
		}
		softmaxNLL(dst[i*k:(i+1)*k], f, 0)
	}
	return dst
}

// PredictSoftmaxSample writes the Monte Carlo predictive probabilities,
// N×K row-major: for each row, the average of softmax(f) over samples
// draws of its scores f ~ N(Aᵢ, Cᵢ) in antithetic pairs (samples rounded up
// to even), the draws of row i from rand.NewPCG(seed, i). N·K² must not
// exceed MaxScoreEntries (the K×K score covariance of every row).
func PredictSoftmaxSample(dst []float64, x *mat.Dense, m []float64, cov mat.Symmetric, k, samples int, seed uint64) ([]float64, error) {
	if samples < 1 {
		return nil, fmt.Errorf("glm: samples = %d: want ≥ 1", samples)
	}
	samples += samples % 2
	n, _ := x.Dims()
	if err := checkScoreEntries(n, k); err != nil {
		return nil, err
	}
	a, c := softmaxScoreMoments(nil, nil, x, m, cov, k)
	if dst == nil {
		dst = make([]float64, n*k)
	}
	pcg := rand.NewPCG(0, 0)
	rnd := rand.New(pcg)
	l := make([]float64, k*k)
	eps := make([]float64, k)
	f := make([]float64, k)
	p := make([]float64, k)
	for i := range n {
		pcg.Seed(seed, uint64(i))
		psdCholesky(l, c[i*k*k:(i+1)*k*k], k)
		out := dst[i*k : (i+1)*k]
		clear(out)
		ai := a[i*k : (i+1)*k]
		for range samples / 2 {
			for q := range eps {
				eps[q] = rnd.NormFloat64()
			}
			for sign := -1.0; sign <= 1; sign += 2 {
				for r := range k {
					v := ai[r]
					for q := 0; q <= r; q++ {
						v += sign * l[r*k+q] * eps[q]
					}
					f[r] = v
				}
				softmaxNLL(p, f, 0)
				for r := range k {
					out[r] += p[r]
				}
			}
		}
		for r := range k {
			out[r] /= float64(samples)
		}
	}
	return dst, nil
}
