package blr

import (
	"fmt"
	"math"
)

// Schedule gives the step size ρ_t of step t = 0, 1, 2, …. The rule accepts
// only ρ_t ∈ (0, 1]; there is no default, since ρ = 1 is a conjugate step and
// not a safe choice for non-conjugate estimators.
type Schedule interface {
	Rate(t int) float64
}

// Constant is the schedule ρ_t = ρ.
type Constant float64

// Rate returns ρ.
func (c Constant) Rate(int) float64 { return float64(c) }

// RobbinsMonro is the schedule ρ_t = Rho0·(Tau + t + 1)^(−Kappa) of stochastic
// variational inference (Hoffman et al. 2013), with Kappa ∈ (0.5, 1] for
// convergence.
type RobbinsMonro struct {
	Rho0, Tau, Kappa float64
}

// Rate returns Rho0·(Tau + t + 1)^(−Kappa).
func (s RobbinsMonro) Rate(t int) float64 {
	return s.Rho0 * math.Pow(s.Tau+float64(t)+1, -s.Kappa)
}

// checkRate returns a *ConfigError unless ρ ∈ (0, 1].
func checkRate(rho float64, t int) error {
	if !(rho > 0 && rho <= 1) {
		return &ConfigError{Field: fmt.Sprintf("rate ρ_%d", t), Value: rho, Reason: "must lie in (0, 1]"}
	}
	return nil
}
