package data

import (
	"math"
	"math/rand/v2"
)

// Second PCG seed words of the generators, so that equal seeds give unrelated
// streams across generators.
const (
	moonsStream    = 0x4d4f4f4e53 // "MOONS"
	logisticStream = 0x4c4f474954 // "LOGIT"
	linearStream   = 0x4c494e4552 // "LINER"
)

// TwoMoons returns n points in two interleaving half circles, the classic
// two-class toy problem: ⌊n/2⌋ points of class 0 at (cos t, sin t) and the
// rest of class 1 at (1 − cos t, ½ − sin t), t evenly spaced over [0, π] in
// each moon, plus Gaussian noise of standard deviation noise on both
// coordinates. The points are returned in a seeded random order. The same
// (n, noise, seed) always gives the same data. n < 0 is treated as 0 and a
// negative noise as its absolute value.
func TwoMoons(n int, noise float64, seed uint64) (X [][]float64, y []float64) {
	n = max(n, 0)
	noise = math.Abs(noise)
	rng := rand.New(rand.NewPCG(seed, moonsStream))
	nOut := n / 2
	X = make([][]float64, n)
	y = make([]float64, n)
	flat := make([]float64, 2*n)
	moon := func(k, m int) float64 { // the k-th of m evenly spaced angles
		if m < 2 {
			return 0
		}
		return math.Pi * float64(k) / float64(m-1)
	}
	for i := range n {
		x := flat[2*i : 2*i+2 : 2*i+2]
		if i < nOut {
			t := moon(i, nOut)
			x[0], x[1] = math.Cos(t), math.Sin(t)
		} else {
			t := moon(i-nOut, n-nOut)
			x[0], x[1] = 1-math.Cos(t), 0.5-math.Sin(t)
			y[i] = 1
		}
		x[0] += noise * rng.NormFloat64()
		x[1] += noise * rng.NormFloat64()
		X[i] = x
	}
	rng.Shuffle(n, func(i, j int) {
		X[i], X[j] = X[j], X[i]
		y[i], y[j] = y[j], y[i]
	})
	return X, y
}

// LogisticNorm is the length of the weight vector LogisticData draws.
const LogisticNorm = 3

// LogisticData draws a logistic-regression problem from a known weight
// vector: every feature is an independent standard normal, w is a uniformly
// random direction scaled to length LogisticNorm (so wᵀx ~ N(0, 9) and the
// labels are predictable, whatever the seed: the Bayes accuracy is about
// 0.82), and each label is 1 with probability σ(wᵀx), else 0. It returns the
// n×d features, the labels and w. The same (n, d, seed) always gives the
// same data; negative sizes are treated as 0.
func LogisticData(n, d int, seed uint64) (X [][]float64, y []float64, w []float64) {
	n, d = max(n, 0), max(d, 0)
	rng := rand.New(rand.NewPCG(seed, logisticStream))
	w = normals(rng, d)
	if norm := math.Sqrt(dot(w, w)); norm > 0 {
		for j := range w {
			w[j] *= LogisticNorm / norm
		}
	}
	X = make([][]float64, n)
	y = make([]float64, n)
	for i := range X {
		X[i] = normals(rng, d)
		z := dot(w, X[i])
		p := 1 / (1 + math.Exp(-z))
		if rng.Float64() < p {
			y[i] = 1
		}
	}
	return X, y, w
}

// LinearData draws a linear-regression problem from a known weight vector:
// w and every feature are independent standard normals and y = wᵀx + noise·ε
// with ε standard normal. It returns the n×d features, the responses and w.
// The same (n, d, noise, seed) always gives the same data; negative sizes
// are treated as 0 and a negative noise as its absolute value.
func LinearData(n, d int, noise float64, seed uint64) (X [][]float64, y []float64, w []float64) {
	n, d = max(n, 0), max(d, 0)
	noise = math.Abs(noise)
	rng := rand.New(rand.NewPCG(seed, linearStream))
	w = normals(rng, d)
	X = make([][]float64, n)
	y = make([]float64, n)
	for i := range X {
		X[i] = normals(rng, d)
		y[i] = dot(w, X[i]) + noise*rng.NormFloat64()
	}
	return X, y, w
}

func normals(rng *rand.Rand, d int) []float64 {
	v := make([]float64, d)
	for j := range v {
		v[j] = rng.NormFloat64()
	}
	return v
}

func dot(a, b []float64) float64 {
	s := 0.0
	for j := range a {
		s += a[j] * b[j]
	}
	return s
}
