package infer

import (
	"errors"
	"fmt"
	"math"
)

// ErrInput is wrapped by every error that reports invalid input: empty
// data, a NaN, a topic count of 0, a non-positive prior parameter.
var ErrInput = errors.New("infer: invalid input")

// ErrNotConverged is wrapped by the error of an iteration whose inner loop
// stopped at its cap before its tolerance (EM's Full M-step).
var ErrNotConverged = errors.New("infer: not converged")

// InputError names the offending field, its value and what was wanted.
type InputError struct {
	Field  string // e.g. "x[3][1]", "K", "prior a0"
	Value  any
	Reason string
}

// Error names the input and what is wrong with it.
func (e *InputError) Error() string {
	return fmt.Sprintf("infer: %s = %v: %s", e.Field, e.Value, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInput) true.
func (e *InputError) Unwrap() error { return ErrInput }

func inputErr(field string, value any, reason string) error {
	return &InputError{Field: field, Value: value, Reason: reason}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkPositive returns an *InputError unless v is finite and > 0.
func checkPositive(field string, v float64) error {
	if !(v > 0) || math.IsInf(v, 1) {
		return inputErr(field, v, "want a finite value > 0")
	}
	return nil
}

// checkMatrix checks that x is a non-empty N×D table of finite numbers with
// D ≥ 1 and returns D.
func checkMatrix(field string, x [][]float64) (int, error) {
	if len(x) == 0 {
		return 0, inputErr(field, "[]", "no data: want at least one row")
	}
	d := len(x[0])
	if d == 0 {
		return 0, inputErr(field+"[0]", "[]", "want at least one column")
	}
	for i, row := range x {
		if len(row) != d {
			return 0, inputErr(fmt.Sprintf("len(%s[%d])", field, i), len(row), fmt.Sprintf("want %d like row 0", d))
		}
		for j, v := range row {
			if !finite(v) {
				return 0, inputErr(fmt.Sprintf("%s[%d][%d]", field, i, j), v, "not finite")
			}
		}
	}
	return d, nil
}

func grow(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}
