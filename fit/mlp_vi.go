package fit

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/nn"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Full-Gaussian VI for the MLP (MethodVI with ModelMLP).
//
// The network's likelihood is not a function of one linear score, so the
// expectations are Monte Carlo: the rule
//
//	blr.Rule{Prior: N(0, diag(δ)⁻¹), Estimator: &blr.MonteCarlo{Samples:
//	mlpVISamples, Hessian: blr.HessGaussNewton}, Rate: blr.RobbinsMonro{…},
//	PositivityPreserving: true}
//
// on q = expfam.FullGaussian over all D weights, with the full-batch summed
// loss Σᵢℓᵢ. The curvature at each draw θₛ is the full generalised
// Gauss–Newton matrix Σᵢ JᵢᵀΛᵢJᵢ (Jᵢ the Jacobian of example i's outputs,
// Λᵢ the loss's Hessian in them: diag(p) − ppᵀ for the softmax, τ for the
// Gaussian), written here for the one-hidden-layer network: it is positive
// semi-definite, so with the iBLR update the precision stays positive
// definite, and it is far less noisy than the Price estimate from the same
// few draws (which the gradients alone would give).
//
// The run starts at the MAP (the OGN run of MethodMAP) with the full
// Laplace–GGN precision Σᵢ JᵢᵀΛᵢJᵢ + diag(δ) there, then takes mlpVISteps
// steps with ρ_t = RobbinsMonro{Rho0, Tau: mlpVITau, Kappa: mlpVIKappa},
// Rho0 set so that ρ₀ = mlpVIRho. It is deterministic given Seed. Every step
// costs O(N·K·D²) for the GGN and O(D³) for the precision's Cholesky factor,
// so D is capped at MaxMLPFullParams.

// MaxMLPFullParams is the largest number of MLP weights for which Fit runs
// full-Gaussian VI (MethodVI): it holds several dense D×D matrices (72 MB
// each at this size) and factors one every step.
const MaxMLPFullParams = 3000

// The run's constants. ρ₀ = 0.1 diverged on two moons (a draw that wakes
// a hidden unit dead at the mean has a large gradient and a small
// curvature); 0.01 with κ = 0.55 gave the best ELBO of those tried.
const (
	mlpVISteps   = 200  // rule steps after the Laplace start
	mlpVISamples = 2    // Monte Carlo draws per step
	mlpVIRho     = 0.01 // ρ₀
	mlpVITau     = 10   // Robbins–Monro delay
	mlpVIKappa   = 0.55 // Robbins–Monro exponent
	mlpGGNChunk  = 256  // rows of the GGN factor formed at a time
	mlpVIStream  = 0xf1 // the rule's random stream
)

// mlpVISchedule is the step-size schedule of the MLP's full VI.
func mlpVISchedule() blr.RobbinsMonro {
	return blr.RobbinsMonro{Rho0: mlpVIRho * math.Pow(mlpVITau+1, mlpVIKappa), Tau: mlpVITau, Kappa: mlpVIKappa}
}

// mlpFull is the MLP's summed data loss over the whole table, as a
// blr.Gradienter and blr.GaussNewtoner. Errors of the network (there should
// be none once the problem is built) are kept in err.
type mlpFull struct {
	m   *mlpNet
	b   nn.Batch[float64]
	n   int
	err error

	// Offsets of the two dense layers' weights and biases.
	w1, b1, w2, b2 int
	h              int
	z, f, pr, a    []float64
	rows           []float64
}

func newMLPFull(m *mlpNet, n int) (*mlpFull, error) {
	mf := &mlpFull{m: m, n: n}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	m.batch(&mf.b, all)
	dense := m.net.Layout()
	if len(dense) != 4 || dense[0].Name != "Dense.W" || dense[1].Name != "Dense.b" || dense[2].Name != "Dense.W" || dense[3].Name != "Dense.b" {
		return nil, fmt.Errorf("fit: unexpected MLP layout %v", dense)
	}
	mf.w1, mf.b1, mf.w2, mf.b2 = dense[0].Offset, dense[1].Offset, dense[2].Offset, dense[3].Offset
	mf.h = dense[1].Len
	if dense[0].Len != mf.h*m.p || dense[3].Len != m.k || dense[2].Len != m.k*mf.h {
		return nil, fmt.Errorf("fit: unexpected MLP layout %v", dense)
	}
	return mf, nil
}

// Grad implements blr.Gradienter: Σᵢℓᵢ(θ) and its gradient.
func (mf *mlpFull) Grad(grad, theta []float64) float64 {
	l, err := mf.m.net.Loss(grad, theta, mf.b)
	if err != nil && mf.err == nil {
		mf.err = err
	}
	s := float64(mf.n)
	for j := range grad {
		grad[j] *= s
	}
	return l * s
}

// GaussNewton implements blr.GaussNewtoner: ggn (D×D, row-major) =
// Σᵢ JᵢᵀΛᵢJᵢ = AᵀA, with A's rows formed mlpGGNChunk at a time. Λᵢ is
// factored as Σ_c p_c(e_c − p)(e_c − p)ᵀ for the softmax (one row
// √(p₀p₁)(e₀ − e₁) for two classes) and τ for the Gaussian loss.
func (mf *mlpFull) GaussNewton(ggn, theta []float64) {
	d := len(theta)
	m, hN, k := mf.m, mf.h, mf.m.k
	perEx := k
	switch {
	case m.labels == nil:
		perEx = 1
	case k == 2:
		perEx = 1
	}
	mf.z = growTo(mf.z, hN)
	mf.a = growTo(mf.a, hN)
	mf.f = growTo(mf.f, k)
	mf.pr = growTo(mf.pr, k)
	alpha := make([]float64, k)
	v := make([]float64, hN) // Σₖ αₖ W2[k, h] on active units
	chunk := mlpGGNChunk
	mf.rows = growTo(mf.rows, chunk*d)
	clear(ggn)
	c := blas64.Symmetric{Uplo: blas.Upper, N: d, Stride: d, Data: ggn}
	r := 0
	flush := func() {
		if r == 0 {
			return
		}
		a := blas64.General{Rows: r, Cols: d, Stride: d, Data: mf.rows[:r*d]}
		blas64.Syrk(blas.Trans, 1, a, 1, c)
		r = 0
	}
	w1, w2 := theta[mf.w1:mf.w1+hN*m.p], theta[mf.w2:mf.w2+k*hN]
	for i := range mf.n {
		x := m.x[i*m.p : (i+1)*m.p]
		for h := range hN {
			s := theta[mf.b1+h]
			for j, xj := range x {
				s += w1[h*m.p+j] * xj
			}
			mf.z[h] = s
			mf.a[h] = math.Max(s, 0)
		}
		for o := range k {
			s := theta[mf.b2+o]
			for h, ah := range mf.a {
				s += w2[o*hN+h] * ah
			}
			mf.f[o] = s
		}
		if m.labels != nil {
			expfam.Softmax(mf.pr, mf.f)
		}
		for e := range perEx {
			switch {
			case m.labels == nil:
				alpha[0] = math.Sqrt(m.tau)
			case k == 2:
				s := math.Sqrt(mf.pr[0] * mf.pr[1])
				alpha[0], alpha[1] = s, -s
			default:
				s := math.Sqrt(mf.pr[e])
				for o := range k {
					alpha[o] = -s * mf.pr[o]
				}
				alpha[e] += s
			}
			row := mf.rows[r*d : (r+1)*d]
			clear(row)
			for h := range hN {
				v[h] = 0
				if mf.z[h] > 0 {
					for o := range k {
						v[h] += alpha[o] * w2[o*hN+h]
					}
				}
				wr := row[mf.w1+h*m.p : mf.w1+(h+1)*m.p]
				for j, xj := range x {
					wr[j] = v[h] * xj
				}
				row[mf.b1+h] = v[h]
			}
			for o := range k {
				for h, ah := range mf.a {
					row[mf.w2+o*hN+h] = alpha[o] * ah
				}
				row[mf.b2+o] = alpha[o]
			}
			r++
			if r == chunk {
				flush()
			}
		}
	}
	flush()
	for i := range d {
		for j := i + 1; j < d; j++ {
			ggn[j*d+i] = ggn[i*d+j]
		}
	}
}

// fitMLPVI runs full-Gaussian VI from the MAP mean and fills post.
func (p *problem) fitMLPVI(post *Posterior, mapMean []float64) error {
	d := p.dim
	mf, err := newMLPFull(p.mlp, p.n)
	if err != nil {
		return err
	}
	ggn := make([]float64, d*d)
	mf.GaussNewton(ggn, mapMean)
	s0 := mat.NewSymDense(d, ggn)
	for j := range d {
		s0.SetSym(j, j, s0.At(j, j)+p.delta[j])
	}
	q, err := expfam.NewFullGaussian(mapMean, s0)
	if err != nil {
		return fmt.Errorf("fit: the MLP's Laplace–GGN start: %w", err)
	}
	s00 := mat.NewSymDense(d, nil)
	for j, v := range p.delta {
		s00.SetSym(j, j, v)
	}
	prior, err := expfam.NewFullGaussian(p.mean0, s00)
	if err != nil {
		return fmt.Errorf("fit: the MLP's prior: %w", err)
	}
	rule := blr.Rule{
		Prior:                prior,
		Estimator:            &blr.MonteCarlo{Model: mf, Samples: mlpVISamples, Hessian: blr.HessGaussNewton},
		Rate:                 mlpVISchedule(),
		PositivityPreserving: true,
	}
	var st blr.State
	rnd := rand.New(rand.NewPCG(p.opt.Seed, mlpVIStream))
	for t := range mlpVISteps {
		if _, err := rule.Step(q, &st, rnd); err != nil {
			return fmt.Errorf("fit: vi step %d: %w", t, err)
		}
		if mf.err != nil {
			return fmt.Errorf("fit: vi step %d: %w", t, mf.err)
		}
	}
	post.Iterations, post.Converged = mlpVISteps, true
	post.Notes = append(post.Notes, fmt.Sprintf("full-Gaussian VI: %d iBLR steps (%d draws each, Gauss–Newton curvature, ρ₀ = %g decaying as (t+%d)^−%g) from the MAP's Laplace–GGN Gaussian", mlpVISteps, mlpVISamples, mlpVIRho, mlpVITau+1, mlpVIKappa))
	post.setFull(q)
	post.ELBO, post.ELBOStdErr, err = p.mlpELBO(q)
	if err != nil {
		return err
	}
	post.HasELBO = true
	return nil
}

// growTo returns s resliced to length n, reallocated if too short.
func growTo(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
