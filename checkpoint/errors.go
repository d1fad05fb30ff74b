package checkpoint

import (
	"errors"
	"fmt"
)

// Errors that [Decode] and [ReadFile] wrap, one per kind of damage, in the
// order in which they are checked (see the package documentation).
var (
	// ErrTruncated: the file ends before its header or its data buffer does.
	ErrTruncated = errors.New("checkpoint: file is truncated")
	// ErrHeader: the header is too large, is not JSON of the safetensors
	// shape, is not canonical, or does not index the data buffer exactly.
	ErrHeader = errors.New("checkpoint: malformed header")
	// ErrFormat: the file is safetensors but not a blr checkpoint (format,
	// kind), or a metadata value cannot be parsed as the type asked for.
	ErrFormat = errors.New("checkpoint: not a blr checkpoint")
	// ErrVersion: the file is a blr checkpoint of a version this package does
	// not read.
	ErrVersion = errors.New("checkpoint: unsupported version")
	// ErrChecksum: the crc32c value is missing, malformed or does not match.
	ErrChecksum = errors.New("checkpoint: checksum mismatch")
	// ErrNonFinite: a floating-point tensor holds a NaN or an infinity.
	ErrNonFinite = errors.New("checkpoint: non-finite value")
)

// Errors that the accessors return when a checkpoint does not match what
// the caller expects.
var (
	// ErrMissing: no tensor or metadata key of that name.
	ErrMissing = errors.New("checkpoint: missing")
	// ErrDType: the tensor has another element type.
	ErrDType = errors.New("checkpoint: wrong dtype")
	// ErrShape: the tensor has another shape.
	ErrShape = errors.New("checkpoint: wrong shape")
)

// ErrInvalid is wrapped by [Encode] and [WriteFile] when the [File] cannot be
// written: an unknown kind, a reserved or invalid name, a duplicate tensor,
// data whose length does not match the shape, a non-finite value.
var ErrInvalid = errors.New("checkpoint: invalid checkpoint")

// DecodeError says why bytes are not a valid checkpoint and where.
type DecodeError struct {
	Err    error  // ErrTruncated, ErrHeader, ErrFormat, ErrVersion, ErrChecksum or ErrNonFinite
	Offset int64  // byte offset in the file where the problem was found
	Detail string // what was wrong, for people
}

// Error implements the error interface.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("%v at byte %d: %s", e.Err, e.Offset, e.Detail)
}

// Unwrap makes errors.Is(err, e.Err) true.
func (e *DecodeError) Unwrap() error { return e.Err }

// MismatchError says how a tensor or metadata value differs from what the
// caller asked for.
type MismatchError struct {
	Name string // the tensor name or metadata key
	Err  error  // ErrMissing, ErrDType, ErrShape or ErrFormat
	Want string // what was asked for, e.g. "F64 [3 4]"
	Got  string // what the checkpoint holds; empty when missing
}

// Error implements the error interface.
func (e *MismatchError) Error() string {
	if e.Got == "" {
		return fmt.Sprintf("%v: %q (want %s)", e.Err, e.Name, e.Want)
	}
	return fmt.Sprintf("%v: %q is %s, want %s", e.Err, e.Name, e.Got, e.Want)
}

// Unwrap makes errors.Is(err, e.Err) true.
func (e *MismatchError) Unwrap() error { return e.Err }

// invalidf returns an error wrapping ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
