package glm

import (
	"fmt"
	"math"
)

// checkPrecisions validates per-coordinate prior precisions for a model with
// d parameters: every δⱼ finite and ≥ 0.
func checkPrecisions(p []float64, d int) error {
	if len(p) != d {
		return fmt.Errorf("glm: %d prior precisions for %d parameters", len(p), d)
	}
	for j, v := range p {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("glm: prior precision[%d] = %g: want a finite value ≥ 0", j, v)
		}
	}
	return nil
}

// precisionAt returns δⱼ: vec[j] when vec is set, else scalar.
func precisionAt(scalar float64, vec []float64, j int) float64 {
	if vec != nil {
		return vec[j]
	}
	return scalar
}

// fillPrecisions writes every δⱼ into dst (allocated if nil).
func fillPrecisions(dst []float64, scalar float64, vec []float64, d int) []float64 {
	if dst == nil {
		dst = make([]float64, d)
	}
	if len(dst) != d {
		panic(ErrShape)
	}
	for j := range dst {
		dst[j] = precisionAt(scalar, vec, j)
	}
	return dst
}
