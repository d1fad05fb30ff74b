package data

import (
	"errors"
	"fmt"
	"strings"
)

// ErrFormat is wrapped by every error that reports malformed file contents.
var ErrFormat = errors.New("data: malformed input")

// ErrNotFound is wrapped by every error that reports a missing data file.
var ErrNotFound = errors.New("data: data set not found")

// ErrInvalid is wrapped by every error that reports an invalid argument, such
// as a split fraction outside (0, 1) or a label column that does not exist.
var ErrInvalid = errors.New("data: invalid argument")

// IDXError reports a malformed IDX file: where in it, which part, and what is
// wrong.
type IDXError struct {
	File   string // the file's path; empty when read from a bare io.Reader
	Offset int64  // byte offset in the decompressed contents
	Field  string // "magic", "dtype", "dims", "dim[i]", "data" or "end"
	Reason string // what is wrong, in words
	Err    error  // an underlying I/O or gzip error, or nil
}

// Error formats the error as "data: FILE: IDX FIELD at byte OFFSET: REASON".
func (e *IDXError) Error() string {
	var b strings.Builder
	b.WriteString("data: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "IDX %s at byte %d: %s", e.Field, e.Offset, e.Reason)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrFormat) true and exposes the underlying
// error, if any.
func (e *IDXError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrFormat, e.Err}
	}
	return []error{ErrFormat}
}

// ParseError reports a malformed line of a text table or LIBSVM file.
type ParseError struct {
	File   string // the name the caller gave, usually the path
	Line   int    // 1-based line number; 0 for the file as a whole
	Column int    // 1-based field number; 0 for the line as a whole
	Name   string // the column's header name, when known
	Value  string // the offending text, possibly shortened
	Reason string // what is wrong, in words
}

// Error formats the error as "data: FILE:LINE: column C ("NAME"): "VALUE":
// REASON", leaving out the parts that are unknown.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("data: ")
	file := e.File
	if file == "" {
		file = "<input>"
	}
	b.WriteString(file)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Column > 0 {
		fmt.Fprintf(&b, ": column %d", e.Column)
		if e.Name != "" {
			fmt.Fprintf(&b, " (%q)", e.Name)
		}
	}
	if e.Value != "" {
		fmt.Fprintf(&b, ": %q", shorten(e.Value))
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrFormat) true.
func (e *ParseError) Unwrap() error { return ErrFormat }

// NotFoundError reports a data set whose files are missing, with the file
// that was looked for and what to do about it.
type NotFoundError struct {
	Dataset string   // e.g. "Fashion-MNIST"
	Dir     string   // the directory searched; empty when none was found
	File    string   // the first missing file, e.g. "train-images-idx3-ubyte.gz"
	Tried   []string // other paths that were looked at
	Hint    string   // what to install or pass
}

// Error says what was not found where, and what to do about it.
func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s not found", e.Dataset)
	if e.Dir != "" {
		fmt.Fprintf(&b, " in %s", e.Dir)
	}
	if e.File != "" {
		fmt.Fprintf(&b, " (missing %s)", e.File)
	}
	if len(e.Tried) > 0 {
		fmt.Fprintf(&b, " (looked in %s)", strings.Join(e.Tried, ", "))
	}
	if e.Hint != "" {
		b.WriteString(": ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// invalidf returns an error wrapping ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// shorten keeps error messages readable when a cell is huge.
func shorten(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
