package expfam

// HessianLayout says what shape of Hessian a Gaussian family consumes.
type HessianLayout int

const (
	// NoHessian: the family ignores curvature (a Gaussian with fixed covariance).
	NoHessian HessianLayout = iota
	// DiagHessian: a length-D vector, the Hessian's diagonal.
	DiagHessian
	// FullHessian: a D×D symmetric matrix in row-major order.
	FullHessian
)

// Gaussian is a Gaussian family q = N(m, S⁻¹) over θ ∈ ℝᴰ. The Bonnet and Price
// identities turn expectations of the gradient and Hessian of a function f
// under q into ∇_μ E_q[f]; every Gaussian family does that conversion in its
// own λ layout, so estimators need only produce E_q[∇f] and E_q[∇²f].
type Gaussian interface {
	Family
	Sampler
	// Mean writes m (length ParamDim) into dst.
	Mean(dst []float64) []float64
	// Layout is the Hessian shape MuGrad reads.
	Layout() HessianLayout
	// MuGrad writes ∇_μ E_q[f] in λ's layout, given g = E_q[∇f] (length
	// ParamDim) and h = E_q[∇²f] in the shape Layout names (nil for NoHessian).
	MuGrad(dst, g, h []float64) []float64
	// PrecisionMul writes S v (length ParamDim) into dst, which must not
	// overlap v; for a fixed covariance Σ, S = Σ⁻¹. Estimators use it for the
	// Price identity E_q[∇²f] = E_q[S(θ−m)∇f(θ)ᵀ].
	PrecisionMul(dst, v []float64) []float64
}
