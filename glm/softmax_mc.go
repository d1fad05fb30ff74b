package glm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// SoftmaxMC is the Monte Carlo estimator of the Bayesian learning rule for
// Multinomial under a Gaussian q = N(m, Σ). The loss of example i depends on
// θ through its K scores fᵢ = (xᵢᵀw₁, …, xᵢᵀw_K), which are Gaussian,
// fᵢ ~ N(Aᵢ, Cᵢ) with Cᵢ[a,b] = xᵢᵀΣ_ab xᵢ (Σ_ab the D×D block of classes a
// and b). SoftmaxMC draws Samples scores per example from that K-dimensional
// law, in antithetic pairs Aᵢ ± Lᵢε (Cᵢ = LᵢLᵢᵀ), and averages
//
//	E[∇_f ℓᵢ] ≈ mean(p − e_y),   E[∇²_f ℓᵢ] ≈ mean(diag p − ppᵀ),
//
// then maps them back: E_q[∇ℓ̄] = Σᵢ (ĝᵢ ⊗ xᵢ) + δ⊙m and E_q[∇²ℓ̄] =
// Σᵢ Ĥᵢ ⊗ xᵢxᵢᵀ + diag(δ). Sampling scores rather than θ costs K² numbers
// per draw instead of K·D and has lower variance for the same count.
//
// The draws of example i come from rand.NewPCG(Seed, i): the same at every
// step (common random numbers), so the rule's iteration is deterministic and
// converges to the fixed point of this sample-average objective, and a
// rerun with the same Seed is bit-identical. The rnd argument of Estimate is
// not used.
type SoftmaxMC struct {
	Model *Multinomial
	// Samples is the number of draws per example, rounded up to an even
	// count (antithetic pairs); 0 means 256.
	Samples int
	// Seed selects the draws.
	Seed uint64

	// ExpectedLoss is the estimate of E_q[Σᵢ ℓᵢ] at the q of the last call
	// (the data term only).
	ExpectedLoss float64

	a, c, gf, hf, g, h, delta, m, blk []float64
	gr                                gram
}

func (e *SoftmaxMC) samples() int {
	s := e.Samples
	if s <= 0 {
		s = 256
	}
	return s + s%2
}

// Moments writes g = E_q[∇ℓ̄] and h = E_q[∇²ℓ̄] (full or diagonal, as
// q.Layout() names), both with the prior's terms, estimated from the draws,
// and returns the estimate of E_q[Σᵢ ℓᵢ]. g and h are the estimator's own
// buffers, valid until the next call.
func (e *SoftmaxMC) Moments(q expfam.Gaussian) (loss float64, g, h []float64, err error) {
	mod := e.Model
	x := mod.X
	n, d := x.Dims()
	k := mod.K
	if q.ParamDim() != k*d {
		return 0, nil, nil, fmt.Errorf("glm: q has %d parameters, the multinomial model %d", q.ParamDim(), k*d)
	}
	layout := q.Layout()
	if layout != expfam.FullHessian && layout != expfam.DiagHessian {
		return 0, nil, nil, fmt.Errorf("glm: the softmax estimator needs a full or diagonal Gaussian, not %T", q)
	}
	cov, err := covarianceOf(q)
	if err != nil {
		return 0, nil, nil, err
	}
	e.m = q.Mean(resize(e.m, k*d))
	e.a, e.c = softmaxScoreMoments(e.a, e.c, x, e.m, cov, k)
	e.gf = resize(e.gf, n*k)
	e.hf = resize(e.hf, n*k*k)
	s := e.samples()
	pcg := rand.NewPCG(0, 0)
	rnd := rand.New(pcg)
	l := make([]float64, k*k)
	eps := make([]float64, k)
	f := make([]float64, k)
	p := make([]float64, k)
	for i := range n {
		pcg.Seed(e.Seed, uint64(i))
		psdCholesky(l, e.c[i*k*k:(i+1)*k*k], k)
		gi := e.gf[i*k : (i+1)*k]
		hi := e.hf[i*k*k : (i+1)*k*k]
		clear(gi)
		clear(hi)
		ai := e.a[i*k : (i+1)*k]
		var li float64
		for range s / 2 {
			for c := range eps {
				eps[c] = rnd.NormFloat64()
			}
			for sign := -1.0; sign <= 1; sign += 2 {
				for a := range k {
					v := ai[a]
					for b := 0; b <= a; b++ {
						v += sign * l[a*k+b] * eps[b]
					}
					f[a] = v
				}
				li += softmaxNLL(p, f, mod.Y[i])
				for a := range k {
					gi[a] += p[a]
					for b := range k {
						hi[a*k+b] -= p[a] * p[b]
					}
					hi[a*k+a] += p[a]
				}
			}
		}
		inv := 1 / float64(s)
		loss += li * inv
		for a := range k {
			gi[a] *= inv
			for b := range k {
				hi[a*k+b] *= inv
			}
		}
		gi[mod.Y[i]] -= 1
	}
	e.ExpectedLoss = loss
	e.delta = mod.Precisions(resize(e.delta, k*d))
	e.g = resize(e.g, k*d)
	mat.NewDense(k, d, e.g).Mul(mat.NewDense(n, k, e.gf).T(), x)
	for j := range e.g {
		e.g[j] += e.delta[j] * e.m[j]
	}
	if layout == expfam.FullHessian {
		e.h = resize(e.h, k*d*k*d)
		blockHessian(e.h, x, e.hf, k, &e.gr, &e.blk)
		for j := range k * d {
			e.h[j*k*d+j] += e.delta[j]
		}
	} else {
		e.h = resize(e.h, k*d)
		e.blk = resize(e.blk, n)
		for a := range k {
			for i := range n {
				e.blk[i] = e.hf[i*k*k+a*k+a]
			}
			weightedDiag(e.h[a*d:(a+1)*d], x, e.blk[:n])
		}
		for j := range e.h {
			e.h[j] += e.delta[j]
		}
	}
	return loss, e.g, e.h, nil
}

// Estimate writes ∇_μE_q[ℓ̄] in q's layout from Moments. It implements
// blr.Estimator; rnd is not used (the draws come from Seed).
func (e *SoftmaxMC) Estimate(dst []float64, q expfam.Family, _ *rand.Rand) ([]float64, error) {
	gq, ok := q.(expfam.Gaussian)
	if !ok {
		return nil, fmt.Errorf("glm: the softmax estimator needs a Gaussian family, not %T", q)
	}
	_, g, h, err := e.Moments(gq)
	if err != nil {
		return nil, err
	}
	return gq.MuGrad(dst, g, h), nil
}

// covarianceOf returns Σ of a full Gaussian (one with a Covariance method)
// or of a diagonal one (with a Variance method) as a dense symmetric matrix.
func covarianceOf(q expfam.Gaussian) (*mat.SymDense, error) {
	switch g := q.(type) {
	case interface {
		Covariance(*mat.SymDense) *mat.SymDense
	}:
		return g.Covariance(nil), nil
	case interface{ Variance([]float64) []float64 }:
		v := g.Variance(nil)
		s := mat.NewSymDense(len(v), nil)
		for j, x := range v {
			s.SetSym(j, j, x)
		}
		return s, nil
	}
	return nil, fmt.Errorf("glm: need a full or diagonal Gaussian with a learnt covariance, not %T", q)
}

// softmaxScoreMoments writes, for each row xᵢ of x, the mean Aᵢ = (xᵢᵀwₖ)ₖ
// (a, N×K) and the covariance Cᵢ[a,b] = xᵢᵀΣ_ab xᵢ (c, N·K·K) of the K
// scores under θ ~ N(m, Σ), θ laid out class by class.
func softmaxScoreMoments(a, c []float64, x *mat.Dense, m []float64, cov mat.Symmetric, k int) ([]float64, []float64) {
	n, d := x.Dims()
	kd := k * d
	if len(m) != kd || cov.SymmetricDim() != kd {
		panic(ErrShape)
	}
	a = resize(a, n*k)
	c = resize(c, n*k*k)
	mat.NewDense(n, k, a).Mul(x, mat.NewDense(k, d, m).T())
	full := mat.NewDense(kd, kd, nil)
	full.Copy(cov)
	fr := full.RawMatrix()
	xr := x.RawMatrix()
	rows := min(gramBlock, n)
	y := make([]float64, rows*kd)
	for lo := 0; lo < n; lo += rows {
		hi := min(lo+rows, n)
		xb := blas64.General{Rows: hi - lo, Cols: d, Stride: xr.Stride, Data: xr.Data[lo*xr.Stride:]}
		for p := range k {
			// Y = X_B Σ[pD:(p+1)D, :], so Cᵢ[p,q] = Σ_c Y[i, qD+c] xᵢc.
			sp := blas64.General{Rows: d, Cols: kd, Stride: fr.Stride, Data: fr.Data[p*d*fr.Stride:]}
			yb := blas64.General{Rows: hi - lo, Cols: kd, Stride: kd, Data: y[:(hi-lo)*kd]}
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, xb, sp, 0, yb)
			for i := lo; i < hi; i++ {
				xi := xr.Data[i*xr.Stride : i*xr.Stride+d]
				yi := y[(i-lo)*kd : (i-lo+1)*kd]
				for q := range k {
					var s float64
					for j, v := range xi {
						s += yi[q*d+j] * v
					}
					c[i*k*k+p*k+q] = s
				}
			}
		}
		// Symmetrise each block: equal in exact arithmetic.
		for i := lo; i < hi; i++ {
			ci := c[i*k*k : (i+1)*k*k]
			for p := range k {
				for q := p + 1; q < k; q++ {
					v := 0.5 * (ci[p*k+q] + ci[q*k+p])
					ci[p*k+q], ci[q*k+p] = v, v
				}
			}
		}
	}
	return a, c
}

// psdCholesky writes a lower-triangular L (k×k row-major) with LLᵀ = C for a
// symmetric positive semidefinite C. A pivot that is not above 1e-14 times
// the largest diagonal entry is taken as zero and its column of L left zero,
// so a singular C (a row xᵢ = 0, say) gives a valid factor.
func psdCholesky(l, c []float64, k int) {
	clear(l)
	var scale float64
	for a := range k {
		scale = math.Max(scale, c[a*k+a])
	}
	floor := 1e-14 * scale
	for j := range k {
		s := c[j*k+j]
		for p := range j {
			s -= l[j*k+p] * l[j*k+p]
		}
		if !(s > floor) {
			continue
		}
		ljj := math.Sqrt(s)
		l[j*k+j] = ljj
		for i := j + 1; i < k; i++ {
			v := c[i*k+j]
			for p := range j {
				v -= l[i*k+p] * l[j*k+p]
			}
			l[i*k+j] = v / ljj
		}
	}
}
