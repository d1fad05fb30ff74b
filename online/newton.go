package online

import (
	"errors"
	"fmt"
	"math"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// newton minimises the negative log-joint of L2-regularised logistic
// regression,
//
//	f(θ) = Σᵢ log(1 + exp(−zᵢxᵢᵀθ)) + ½δ‖θ‖²,   zᵢ = 2yᵢ − 1,
//
// with ∇f = Σᵢ(σᵢ − yᵢ)xᵢ + δθ and ∇²f = Σᵢσᵢ(1−σᵢ)xᵢxᵢᵀ + δI, by Newton's
// method with a backtracking (Armijo) line search. f is strongly convex, so
// the minimiser is unique.
type newton struct {
	d       int
	g, step []float64
	trial   []float64
	h       *mat.SymDense
	chol    mat.Cholesky
}

// Newton's stopping rule and limits.
const (
	newtonTol      = 1e-12 // stop when ‖Δ‖∞ ≤ newtonTol·(1 + ‖θ‖∞)
	newtonMaxIter  = 100
	newtonMaxHalve = 60
)

var errNoConvergence = errors.New("the Newton iterations did not converge")

func newNewton(d int) newton {
	return newton{
		d:     d,
		g:     make([]float64, d),
		step:  make([]float64, d),
		trial: make([]float64, d),
		h:     mat.NewSymDense(d, nil),
	}
}

// objective returns f(θ) on the data x (row-major n×d) and y.
func (nw *newton) objective(theta, x, y []float64, delta float64) float64 {
	d := nw.d
	var f float64
	for i, yi := range y {
		f += expfam.Softplus(-(2*yi - 1) * dot(x[i*d:i*d+d], theta))
	}
	return f + 0.5*delta*dot(theta, theta)
}

// gradHess fills nw.g and nw.h at θ and returns f(θ).
func (nw *newton) gradHess(theta, x, y []float64, delta float64) float64 {
	d := nw.d
	raw := nw.h.RawSymmetric()
	h := raw.Data
	clear(nw.g)
	clear(h)
	var f float64
	for i, yi := range y {
		xi := x[i*d : i*d+d]
		s := dot(xi, theta)
		f += expfam.Softplus(-(2*yi - 1) * s)
		p := expfam.Sigmoid(s)
		r, w := p-yi, p*(1-p)
		for j, v := range xi {
			nw.g[j] += r * v
			wv := w * v
			row := h[j*raw.Stride:]
			for k := j; k < d; k++ {
				row[k] += wv * xi[k]
			}
		}
	}
	for j := range d {
		nw.g[j] += delta * theta[j]
		h[j*raw.Stride+j] += delta
	}
	return f + 0.5*delta*dot(theta, theta)
}

// solve overwrites θ (the start) with the minimiser of f. It returns an
// error if f or its derivatives become non-finite or the method does not
// converge in newtonMaxIter iterations; θ is then unspecified.
func (nw *newton) solve(theta, x, y []float64, delta float64) error {
	for it := range newtonMaxIter {
		f := nw.gradHess(theta, x, y, delta)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return &blr.NonFiniteError{Field: "logistic objective", Index: it, Value: f}
		}
		if !nw.chol.Factorize(nw.h) {
			return fmt.Errorf("online: Newton iteration %d: the Hessian is not positive definite", it)
		}
		sv := mat.NewVecDense(nw.d, nw.step)
		if err := nw.chol.SolveVecTo(sv, mat.NewVecDense(nw.d, nw.g)); err != nil {
			return fmt.Errorf("online: Newton iteration %d: %w", it, err)
		}
		// Converged when the full Newton step is negligible.
		var stepMax, thetaMax float64
		for j, s := range nw.step {
			stepMax = math.Max(stepMax, math.Abs(s))
			thetaMax = math.Max(thetaMax, math.Abs(theta[j]))
		}
		if stepMax <= newtonTol*(1+thetaMax) {
			for j, s := range nw.step {
				theta[j] -= s
			}
			return nil
		}
		slope := dot(nw.g, nw.step) // directional decrease, > 0
		t := 1.0
		for range newtonMaxHalve {
			for j := range theta {
				nw.trial[j] = theta[j] - t*nw.step[j]
			}
			ft := nw.objective(nw.trial, x, y, delta)
			if ft <= f-1e-4*t*slope {
				break
			}
			// Near the minimum the decrease falls below f's rounding error:
			// take the full step when the Newton decrement is that small
			// and f did not grow beyond rounding.
			if t == 1 && slope <= 1e-8*(1+math.Abs(f)) && ft <= f+1e-12*(1+math.Abs(f)) {
				break
			}
			t *= 0.5
		}
		copy(theta, nw.trial)
	}
	return fmt.Errorf("online: %w in %d iterations", errNoConvergence, newtonMaxIter)
}

// hessian returns ∇²f(θ) as a new matrix.
func (nw *newton) hessian(theta, x, y []float64, delta float64) *mat.SymDense {
	nw.gradHess(theta, x, y, delta)
	return mat.NewSymDense(nw.d, append([]float64(nil), nw.h.RawSymmetric().Data...))
}
