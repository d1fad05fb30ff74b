package nn

import (
	"errors"
	"fmt"
)

// ErrConfig is wrapped by every error that reports an invalid layer or loss
// setting.
var ErrConfig = errors.New("nn: invalid configuration")

// ErrInput is wrapped by every error that reports inputs, labels, targets,
// parameters or masks of the wrong length or out of range.
var ErrInput = errors.New("nn: invalid input")

// ConfigError names an invalid setting and its value.
type ConfigError struct {
	Field  string // e.g. "layers[2].Out"
	Value  any
	Reason string
}

// Error implements the error interface.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("nn: %s = %v: %s", e.Field, e.Value, e.Reason)
}

// Unwrap makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// InputError names an argument of a call that does not fit the network.
type InputError struct {
	Field  string // e.g. "len(x)", "labels[3]"
	Value  any
	Reason string
}

// Error implements the error interface.
func (e *InputError) Error() string {
	return fmt.Sprintf("nn: %s = %v: %s", e.Field, e.Value, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInput) true.
func (e *InputError) Unwrap() error { return ErrInput }
