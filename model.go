package blr

// What a model can give the estimators. An algorithm asks for what it needs
// by type assertion and fails with a *ConfigError naming the missing method
// when the model lacks it (the capability negotiation of gonum's optimize).

// Gradienter gives a loss and its gradient at θ.
type Gradienter interface {
	// Grad writes ∇f(θ) into grad (length len(theta)) and returns f(θ).
	Grad(grad, theta []float64) float64
}

// Hessianer gives the exact Hessian.
type Hessianer interface {
	// Hess writes ∇²f(θ), D×D row-major, into hess.
	Hess(hess, theta []float64)
}

// DiagHessianer gives the exact diagonal of the Hessian.
type DiagHessianer interface {
	// HessDiag writes diag ∇²f(θ) into hess (length D).
	HessDiag(hess, theta []float64)
}

// GaussNewtoner gives the generalised Gauss-Newton matrix Σᵢ Jᵢᵀ Λᵢ Jᵢ.
type GaussNewtoner interface {
	// GaussNewton writes the GGN, D×D row-major, into ggn.
	GaussNewton(ggn, theta []float64)
}

// ConjugateLikelihood is a likelihood conjugate to q's family: its expected
// loss is linear in μ, E_q[Σᵢℓᵢ] = −⟨Σᵢλ̃ᵢ, μ⟩ + const, so ∇_μ is exact.
type ConjugateLikelihood interface {
	// NaturalStats writes Σᵢλ̃ᵢ in the layout of q's λ.
	NaturalStats(dst []float64, q any) ([]float64, error)
}
