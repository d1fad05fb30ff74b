package blr

import (
	"runtime"
	"testing"
)

// TestPrefetchTaken: with a *FastNormals, GOMAXPROCS 2 and long vectors
// every draw after the first comes from the background fill (made by the
// helpers or finished by the draw; TestPrefetchSameBits checks their bits),
// and none with GOMAXPROCS 1.
func TestPrefetchTaken(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const n = 1 << 16
	d, err := IVON(make([]float32, n), Config{DataSize: 1000, Steps: 100})
	if err != nil {
		t.Fatal(err)
	}
	o := OracleFunc[float32](func(theta, grad, _ []float32, _ CurvatureKind) (float64, error) {
		copy(grad, theta)
		return 0, nil
	})
	rnd := &FastNormals[float32]{Key: 3}
	taken := 0
	for range 20 {
		buf := d.pre.buf
		if _, err := d.Step(o, rnd); err != nil {
			t.Fatal(err)
		}
		if buf != nil && &d.hh[0] == &buf[0] {
			taken++ // the prefetched vector was swapped in
		}
	}
	if taken != 19 {
		t.Fatalf("%d of the 19 draws after the first came from the background", taken)
	}
	runtime.GOMAXPROCS(1)
	if _, err := d.Step(o, rnd); err != nil { // takes the last prefetch
		t.Fatal(err)
	}
	if d.pre.active {
		t.Fatal("a background fill with GOMAXPROCS 1")
	}
	if rnd.Key != 3+21 {
		t.Fatalf("key %d after 21 draws from 3", rnd.Key)
	}
}
