//go:build amd64 && !purego

package randn

import (
	"math"
	"unsafe"

	"github.com/bayesrule/blr/internal/vec"
)

// useLanes reports whether float32 draws go through the lane kernels, which
// need AVX2. Tests and benchmarks switch it off to run the scalar reference.
var useLanes = vec.HasAVX2FMA()

// zkw interleaves zk and zw, so that the kernel finds both for a layer in
// one 16-byte load, at the index of the sign and layer bits of u: the second
// half, for sign bit 1, holds −zw.
var zkw [2 * layers]struct {
	k uint64
	w float64
}

// initLanes fills zkw from the tables that build made.
func initLanes() {
	for l := range layers {
		zkw[l].k, zkw[l].w = zk[l], zw[l]
		zkw[layers+l].k, zkw[layers+l].w = zk[l], -zw[l]
	}
}

// zig4AVX2 runs the ziggurat for the four streams at once, stream l in
// lane l of the YMM registers, over the blocks of laneBlock draws from st.i
// while a whole block fits below n. It writes each block to the chunks at
// d0..d3 (as mean + std⊙ε when sample is not zero, with mean and std at the
// byte distances dm and ds from dst) and advances st.i. A draw that leaves
// a layer's rectangle in one lane it finishes itself with scalar code, as
// slow does, when it is a wedge that the chord decides or a redraw that
// lands in a rectangle. It stops with st.k = −1 at the end, or at the first
// draw that it cannot finish (several lanes, the tail, math.Exp needed):
// then it has written draws st.i to st.i+st.k of every lane (wrong ones for
// the lanes that left), and st.u holds that draw's four outputs of the
// generators, st.s the generators after them.
//
//go:noescape
func zig4AVX2(st *lanes, d0, d1, d2, d3 *float32, dm, ds uintptr, n, sample int)

// zig2AVX2 is the pair kernel: zig4AVX2 for two streams a and b, two draws
// of each at a time, with lanes 0 and 1 at draws i and i+1 of stream a (its
// generator at draw i and one step on) and lanes 2 and 3 the same for b,
// each lane stepping twice per pair of draws. It writes the draws from st.i
// while two fit below n to the chunks at da and db. A pair in which a draw
// leaves the fast path it makes with scalar code, as fillFrom does, if it
// can (as zig4AVX2); it stops with st.k = −1 at the end, or with st.k = 0
// before the first pair that it cannot make, writing none of it. st.i is
// where it stopped and st.s holds the generators there.
//
//go:noescape
func zig2AVX2(st *lanes, da, db *float32, dm, ds uintptr, n, sample int)

// offsets returns the byte distances of mean and std from dst, and 1 if
// there is a mean (a Sample) or 0 (a Fill).
func offsets(dst, mean, std []float32) (dm, ds uintptr, sample int) {
	if mean == nil {
		return 0, 0, 0
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(dst)))
	dm = uintptr(unsafe.Pointer(unsafe.SliceData(mean))) - base
	ds = uintptr(unsafe.Pointer(unsafe.SliceData(std))) - base
	return dm, ds, 1
}

// fillPair is fillStream for streams s and s+1 of key through the pair
// kernel, which makes two draws of a chunk per step of its loop (one goroutine
// fills two chunks in the parallel split), with fillFrom making the pairs
// of draws in which one leaves the fast path and the last draws.
func fillPair(dst, mean, std []float32, key uint64, s int) {
	var st lanes
	var d, m, sd [2][]float32
	var g [2]xoshiro
	for p := range 2 {
		g[p] = newStream(key, s+p)
		d[p], m[p], sd[p] = chunk(dst, s+p), chunk(mean, s+p), chunk(std, s+p)
	}
	n := min(len(d[0]), len(d[1]))
	dm, ds, sample := offsets(dst, mean, std)
	for st.i+2 <= n {
		for p := range 2 {
			h := g[p]
			h.next()
			st.s[0][2*p], st.s[1][2*p], st.s[2][2*p], st.s[3][2*p] = g[p].s0, g[p].s1, g[p].s2, g[p].s3
			st.s[0][2*p+1], st.s[1][2*p+1], st.s[2][2*p+1], st.s[3][2*p+1] = h.s0, h.s1, h.s2, h.s3
		}
		zig2AVX2(&st, &d[0][0], &d[1][0], dm, ds, n, sample)
		for p := range 2 {
			g[p] = xoshiro{st.s[0][2*p], st.s[1][2*p], st.s[2][2*p], st.s[3][2*p]}
		}
		if st.k < 0 {
			break
		}
		i := st.i
		for p := range 2 {
			if mean == nil {
				fillFrom(d[p][i:i+2], nil, nil, &g[p])
			} else {
				fillFrom(d[p][i:i+2], m[p][i:i+2], sd[p][i:i+2], &g[p])
			}
		}
		st.i = i + 2
	}
	for p := range 2 {
		i := st.i
		if mean == nil {
			fillFrom(d[p][i:], nil, nil, &g[p])
		} else {
			fillFrom(d[p][i:], m[p][i:], sd[p][i:], &g[p])
		}
	}
}

// fillLanes is fill for float32 through zig4AVX2: the same streams over the
// same chunks, and so the same bits, with the scalar code finishing the draws
// that leave the fast path and the last few of each chunk.
func fillLanes(dst, mean, std []float32, key uint64) {
	var st lanes
	var d, m, sd [Streams][]float32
	for l := range Streams {
		g := newStream(key, l)
		st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l] = g.s0, g.s1, g.s2, g.s3
		d[l], m[l], sd[l] = chunk(dst, l), chunk(mean, l), chunk(std, l)
	}
	n := len(d[0]) // the shortest chunk: lengths are ⌊len/4⌋ or one more
	dm, ds, sample := offsets(dst, mean, std)
	for st.i+laneBlock <= n {
		zig4AVX2(&st, &d[0][0], &d[1][0], &d[2][0], &d[3][0], dm, ds, n, sample)
		if st.k < 0 {
			break
		}
		i := st.i + st.k
		for l := range Streams {
			u := st.u[l]
			lay, j := u&(layers-1), u>>11
			if j < zk[lay] {
				continue // the kernel wrote it
			}
			var x float64
			x, st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l] = slowState(st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l], lay, j)
			put(d[l], m[l], sd[l], i, float32(math.Float64frombits(math.Float64bits(x)|(u&layers)<<55)))
		}
		st.i = i + 1
	}
	for l := range Streams {
		g := xoshiro{st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l]}
		i := st.i
		if mean == nil {
			fillFrom(d[l][i:], nil, nil, &g)
		} else {
			fillFrom(d[l][i:], m[l][i:], sd[l][i:], &g)
		}
	}
}

// put writes draw e at i of a chunk, as mean + std·e when mean is not nil.
func put(d, m, s []float32, i int, e float32) {
	if m == nil {
		d[i] = e
	} else {
		d[i] = m[i] + s[i]*e
	}
}
