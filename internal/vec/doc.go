// Package vec holds AVX2 kernels for the elementwise passes of the
// diagonal-Gaussian engine (package blr's Diag): the Adam and IVON updates
// and the draw θ = m + ε/r, u = ε·r, and the sparse row products of package
// nn ([AxpyRows]). They work on float32 only, eight
// entries at a time.
//
// The engine's kernels compute exactly the operations of its plain-Go
// loops in the same order, one IEEE operation per Go operation (no fused
// multiply-add, no reciprocal approximations: VSQRTPS and VDIVPS are
// correctly rounded, as the scalar SQRTSS and DIVSS the Go compiler emits),
// so their results are bit-identical to the loops' (TestEngineSameBits runs
// the engine both ways). Each also makes the loop's checks on every entry,
// and it stops before the first group of eight in which one fails, without
// writing that group: it returns the number of entries done, a multiple of
// eight, and the caller's Go loop takes the rest (the tail, and the failing
// group, whose failure it records as before). [AxpyRows] uses fused
// multiply-adds, like the assembly kernels of package gemm: its results
// differ from a plain-Go loop's in the last bits, but not between calls,
// nor with GOMAXPROCS.
//
// [Enabled] is false without AVX2 and FMA (or without the operating
// system's support for the YMM state), on other architectures and with
// -tags purego; every kernel then returns 0 and the Go loops do all the
// work. Unlike package gemm this package has no cgo, so the kernels also
// run in the -tags openblas build.
package vec
