//go:build !amd64 || purego || (openblas && cgo)

package gemm

// Without assembly the plain-Go kernels are the only ones.
var (
	s32 = goImpl32
	d64 = goImpl64
)

// A package that uses cgo cannot hold Go assembly, so the openblas build
// keeps the plain-Go kernels for what it still computes in Go (tests).
