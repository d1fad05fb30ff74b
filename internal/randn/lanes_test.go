package randn

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"testing"
	"unsafe"
)

// TestLanesLayout checks the field offsets that the lane kernel uses.
func TestLanesLayout(t *testing.T) {
	var st lanes
	for _, f := range []struct {
		name      string
		got, want uintptr
	}{
		{"s", unsafe.Offsetof(st.s), 0},
		{"u", unsafe.Offsetof(st.u), 128},
		{"buf", unsafe.Offsetof(st.buf), 160},
		{"i", unsafe.Offsetof(st.i), 224},
		{"k", unsafe.Offsetof(st.k), 232},
		{"idx", unsafe.Offsetof(st.idx), 240},
		{"tmp", unsafe.Offsetof(st.tmp), 272},
	} {
		if f.got != f.want {
			t.Errorf("lanes.%s at %d, want %d", f.name, f.got, f.want)
		}
	}
}

// eachKernel runs f with the scalar code and then the AVX2 kernels, when
// this build and CPU have them, and restores the choice.
func eachKernel(t testing.TB, f func(name string)) {
	lanesOn := useLanes
	defer func() { useLanes = lanesOn }()
	useLanes = false
	f("scalar")
	if lanesOn {
		useLanes = true
		f("avx2")
	}
}

// reference is fill through the scalar code only.
func reference(dst, mean, std []float32, key uint64) {
	for s := range Streams {
		fillStream(chunk(dst, s), chunk(mean, s), chunk(std, s), key, s)
	}
}

// checkSame compares Fill and Sample with the scalar reference bit for bit.
func checkSame(t *testing.T, name string, n int, key uint64) {
	t.Helper()
	want, got := make([]float32, n), make([]float32, n)
	for i := range got {
		got[i] = float32(math.NaN())
	}
	reference(want, nil, nil, key)
	Fill(got, key)
	same(t, name+" Fill", n, key, got, want)
	mean, std := testMeanStd(n)
	reference(want, mean, std, key)
	Sample(got, mean, std, key)
	same(t, name+" Sample", n, key, got, want)
}

// TestLanesMatchReference checks the kernels against the scalar code on
// every length up to 1000, lengths around the parallel threshold and the
// MLP's weight count, and many keys, on one thread (the four-lane kernel)
// and two (the pair kernel, above the threshold), and the pair kernel alone
// on every length up to 1000.
func TestLanesMatchReference(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	eachKernel(t, func(name string) {
		for _, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			for n := 0; n <= 1000; n += procs {
				checkSame(t, name, n, uint64(n)*0x9e3779b97f4a7c15)
			}
			for _, n := range []int{1023, 1024, 1025, 4095, 4097, parallelLen - 1, parallelLen, parallelLen + 1, parallelLen + 2, parallelLen + 3, 100003, mlpWeights} {
				for key := range uint64(4) {
					checkSame(t, name, n, key)
				}
			}
			for key := range uint64(200) {
				checkSame(t, name, 4*laneBlock*7+3, key<<40|key)
			}
		}
		for n := 0; n <= 1000; n++ {
			checkHalf(t, name, n, uint64(n)^0xabcdef)
		}
	})
}

// checkHalf compares fillHalf (the pair kernel where there is one) on both
// halves with the scalar reference bit for bit, with and without mean and
// std.
func checkHalf(t *testing.T, name string, n int, key uint64) {
	t.Helper()
	want, got := make([]float32, n), make([]float32, n)
	reference(want, nil, nil, key)
	fillHalf(got, nil, nil, key, 0)
	fillHalf(got, nil, nil, key, 2)
	same(t, name+" fillHalf", n, key, got, want)
	mean, std := testMeanStd(n)
	reference(want, mean, std, key)
	fillHalf(got, mean, std, key, 0)
	fillHalf(got, mean, std, key, 2)
	same(t, name+" fillHalf sample", n, key, got, want)
}

func testMeanStd(n int) (mean, std []float32) {
	mean, std = make([]float32, n), make([]float32, n)
	for i := range mean {
		mean[i] = float32(i%13)*0.37 - 2
		std[i] = 1e-3 + float32(i%7)*0.71
	}
	return mean, std
}

// same fails unless got and want hold the same bits (a float32 widens to
// float64 exactly, signed zeros included).
func same[F Float](t *testing.T, what string, n int, key uint64, got, want []F) {
	t.Helper()
	for i := range want {
		if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want[i])) {
			t.Fatalf("%s n=%d key=%#x: x[%d] = %v, want %v", what, n, key, i, got[i], want[i])
		}
	}
}

// slowAt reports where the first draw of stream s of key that leaves the
// fast path is, among its first m draws, or −1.
func slowAt(key uint64, s, m int) int {
	g := newStream(key, s)
	for i := range m {
		u := g.next()
		l, j := u&(layers-1), u>>11
		if j >= zk[l] {
			return i
		}
	}
	return -1
}

// TestLanesSlowPath finds keys whose first slow-path draw in some lane falls
// on each place in the first blocks, including several lanes at once and
// the tail, and checks the results against the scalar code.
func TestLanesSlowPath(t *testing.T) {
	const m = 2 * laneBlock
	found := map[[2]int]bool{}
	multi, tail := false, false
	for key := uint64(0); key < 200000 && (len(found) < Streams*m || !multi || !tail); key++ {
		var at [Streams]int
		slow := 0
		for s := range Streams {
			at[s] = slowAt(key, s, m)
			if at[s] >= 0 {
				slow++
			}
		}
		if slow == 0 {
			continue
		}
		check := false
		for s, i := range at {
			if i >= 0 && !found[[2]int{s, i}] {
				found[[2]int{s, i}] = true
				check = true
			}
		}
		if slow > 1 && !multi {
			multi, check = true, true
		}
		if at[0] >= 0 && !tail {
			g := newStream(key, 0)
			for range at[0] {
				g.next()
			}
			if g.next()&(layers-1) == 0 {
				tail, check = true, true
			}
		}
		if check {
			eachKernel(t, func(name string) {
				for _, n := range []int{Streams * m, Streams*m + 3, 4 * Streams * m, 1001} {
					checkSame(t, name, n, key)
					checkHalf(t, name, n, key)
				}
			})
		}
	}
	if len(found) < Streams*m || !multi || !tail {
		t.Errorf("found slow draws at %d of %d places, several lanes at once %v, the tail %v", len(found), Streams*m, multi, tail)
	}
}

// golden holds FNV-1a hashes of Fill (float32), Sample (float32) and Fill
// (float64) for a length and key, made by the scalar code as it was before
// the lane kernel and the chord test: the draws of documented runs.
var golden = []struct {
	n    int
	key  uint64
	hash uint64
}{
	{1, 0x0, 0x71d86f099c430d97},
	{1, 0x1, 0x497701762bdf3672},
	{1, 0xdeadbeef, 0x74d2a7c47626f640},
	{1, 0x8000000000000000, 0x6aa1a47d4522c845},
	{17, 0x0, 0x606429005a90a2c8},
	{17, 0x1, 0xc2a78fdc0a0bbf14},
	{17, 0xdeadbeef, 0x6ae265aeb86e814c},
	{17, 0x8000000000000000, 0x85339a027d4c66cc},
	{1001, 0x0, 0x94b5125ab4ab2c38},
	{1001, 0x1, 0xd1fa264abfe437e},
	{1001, 0xdeadbeef, 0xb29b840963eca1c6},
	{1001, 0x8000000000000000, 0x2f0fdc50469451b5},
	{16384, 0x0, 0x6f2fa8f816126630},
	{16384, 0x1, 0xe4c349e5b395ea04},
	{16384, 0xdeadbeef, 0x658d8f07ab37a400},
	{16384, 0x8000000000000000, 0xedbe3168f6f11177},
	{100003, 0x0, 0xc87e119e52a2e250},
	{100003, 0x1, 0x31899ac2ff082539},
	{100003, 0xdeadbeef, 0x63455da31acf5240},
	{100003, 0x8000000000000000, 0x7b6f34b8a0c99538},
	{545810, 0x0, 0xdd11fe76e41b0a2b},
	{545810, 0x1, 0x42aedc98909d7e00},
	{545810, 0xdeadbeef, 0xb69d9f61e8a2995d},
	{545810, 0x8000000000000000, 0xad1a4a8ff2fdab8d},
}

// TestGolden checks that the draws are those of documented runs, bit for
// bit, through the lane kernel and through the scalar code.
func TestGolden(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	eachKernel(t, func(name string) {
		for _, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			golden1(t, fmt.Sprintf("%s, %d threads", name, procs))
		}
	})
}

// golden1 hashes the draws for each entry of golden and compares.
func golden1(t *testing.T, name string) {
	t.Helper()
	for _, g := range golden {
		n := g.n
		h := fnv.New64a()
		x := make([]float32, n)
		Fill(x, g.key)
		for _, v := range x {
			h.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
		}
		m, s := testMeanStd(n)
		Sample(x, m, s, g.key)
		for _, v := range x {
			h.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
		}
		d := make([]float64, n)
		Fill(d, g.key)
		for _, v := range d {
			h.Write(binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)))
		}
		if got := h.Sum64(); got != g.hash {
			t.Errorf("%s, n=%d key=%#x: hash %#x, want %#x", name, n, g.key, got, g.hash)
		}
	}
}

// TestChord checks that the chord test of slow decides a wedge draw as
// math.Exp does, on random draws and on draws at the edges of its band.
func TestChord(t *testing.T) {
	g := newStream(5, 0)
	n := 4000000
	if testing.Short() {
		n = 400000
	}
	decided := 0
	for i := range n {
		u := g.next()
		l := 1 + u%(layers-1)
		j := zk[l] + (g.next()>>11)%(1<<53-zk[l])
		x := float64(j) * zw[l]
		e := math.Exp(-0.5 * x * x)
		c := &zc[l]
		h := zf[l] + c.s*(c.b-x)
		var y float64
		switch i % 4 {
		case 0, 1:
			y = zf[l] + float64(g.next()>>11)*0x1p-53*(zf[l+1]-zf[l])
		case 2:
			y = math.Nextafter(h-c.d, -1)
		case 3:
			y = math.Nextafter(h+c.d, 2)
		}
		if y < h-c.d || y > h+c.d {
			decided++
			if (y < h-c.d) != (y < e) {
				t.Fatalf("layer %d, x=%v, y=%v: chord %v±%v, exp %v", l, x, y, h, c.d, e)
			}
		}
	}
	t.Logf("the chord decided %d of %d draws", decided, n)
}

// BenchmarkHalvesMLP is the CPU time of a parallel Fill: both halves
// (fillHalf, the pair kernel where there is one) one after the other.
func BenchmarkHalvesMLP(b *testing.B) {
	x := make([]float32, mlpWeights)
	eachKernel(b, func(name string) {
		b.Run(name, func(b *testing.B) {
			var key uint64
			for b.Loop() {
				key++
				fillHalf(x, nil, nil, key, 0)
				fillHalf(x, nil, nil, key, 2)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/mlpWeights, "ns/normal")
		})
	})
}
