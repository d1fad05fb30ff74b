package blr

import (
	"errors"
	"fmt"
)

// ErrNonFinite is wrapped by every error that reports a NaN or an infinity.
var ErrNonFinite = errors.New("blr: non-finite value")

// ErrConfig is wrapped by every error that reports an invalid setting.
var ErrConfig = errors.New("blr: invalid configuration")

// ErrLength is the panic value for slices of mismatched length in low-level
// calls (a programmer error, as in gonum).
var ErrLength = errors.New("blr: slice length mismatch")

// NonFiniteError names the quantity that was not finite, where, and its value.
type NonFiniteError struct {
	Field string // e.g. "estimate", "natural parameter"
	Index int
	Value float64
}

// Error says which entry is not finite and that the state is unchanged.
func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("blr: %s[%d] = %g is not finite; the step was refused and the state is unchanged", e.Field, e.Index, e.Value)
}

// Unwrap makes errors.Is(err, ErrNonFinite) true.
func (e *NonFiniteError) Unwrap() error { return ErrNonFinite }

// ConfigError names an invalid setting and its value.
type ConfigError struct {
	Field  string
	Value  any
	Reason string
}

// Error names the field, its value and what is wrong with it.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("blr: %s = %v: %s", e.Field, e.Value, e.Reason)
}

// Unwrap makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// firstNonFinite returns the index of the first NaN or ±Inf in x, or −1.
func firstNonFinite(x []float64) int {
	for i, v := range x {
		if v-v != 0 { // NaN or ±Inf
			return i
		}
	}
	return -1
}

// checkFinite returns a *NonFiniteError for the first non-finite entry of x.
func checkFinite(field string, x []float64) error {
	if i := firstNonFinite(x); i >= 0 {
		return &NonFiniteError{Field: field, Index: i, Value: x[i]}
	}
	return nil
}
