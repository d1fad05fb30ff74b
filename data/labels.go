package data

import (
	"fmt"
	"math"
	"slices"
)

// BinaryLabels maps labels with exactly two distinct values to 0 and 1: the
// larger value is the positive class (1), the smaller the negative (0). So
// {0, 1}, {−1, +1} and {1, 2} all map as expected, and {2, 4} (the benign
// and malignant codes of the Wisconsin breast-cancer data) gives 4 → 1. It
// returns an error wrapping ErrInvalid when y is empty, holds a NaN, or has
// one or more than two distinct values.
func BinaryLabels(y []float64) (labels01 []float64, neg, pos float64, err error) {
	if len(y) == 0 {
		return nil, 0, 0, invalidf("no labels")
	}
	var vals []float64
	for i, v := range y {
		if math.IsNaN(v) {
			return nil, 0, 0, invalidf("label y[%d] is NaN", i)
		}
		if !slices.Contains(vals, v) {
			if len(vals) == 2 {
				return nil, 0, 0, invalidf("binary labels need exactly two distinct values; found %g, %g and %g (y[%d]); use ClassLabels for several classes", vals[0], vals[1], v, i)
			}
			vals = append(vals, v)
		}
	}
	if len(vals) < 2 {
		return nil, 0, 0, invalidf("binary labels need two distinct values; every one of the %d labels is %g", len(y), vals[0])
	}
	neg, pos = min(vals[0], vals[1]), max(vals[0], vals[1])
	labels01 = make([]float64, len(y))
	for i, v := range y {
		if v == pos {
			labels01[i] = 1
		}
	}
	return labels01, neg, pos, nil
}

// ClassLabels maps labels to class indices 0…K−1 in increasing order of
// value: values holds the K distinct values sorted, and values[idx[i]] =
// y[i]. −0 and +0 are one class. NaN labels (which the readers of this
// package never produce) form one class placed last.
func ClassLabels(y []float64) (idx []int, values []float64) {
	hasNaN := false
	seen := make(map[float64]bool)
	for _, v := range y {
		if math.IsNaN(v) {
			hasNaN = true
			continue
		}
		if !seen[v] {
			seen[v] = true
			values = append(values, v+0) // +0 turns −0 into 0
		}
	}
	slices.Sort(values)
	pos := make(map[float64]int, len(values))
	for k, v := range values {
		pos[v] = k
	}
	if hasNaN {
		values = append(values, math.NaN())
	}
	idx = make([]int, len(y))
	for i, v := range y {
		if math.IsNaN(v) {
			idx[i] = len(values) - 1
		} else {
			idx[i] = pos[v]
		}
	}
	return idx, values
}

// Scaler standardises features: column j becomes (x − Mean[j]) / Scale[j].
// Fit it on the training split only (FitScaler) and apply the same Scaler to
// the test split, so no test information leaks into training.
type Scaler struct {
	Mean  []float64 // per-column mean of the training rows
	Scale []float64 // per-column population standard deviation (1 for constant columns)
}

// FitScaler computes each column's mean and population standard deviation
// (divisor N, as scikit-learn's StandardScaler). A column whose deviation is
// 0 or not a normal float gets Scale 1, so it is only centred. X must be
// non-empty with rows of equal length and finite entries.
func FitScaler(X [][]float64) (Scaler, error) {
	if len(X) == 0 {
		return Scaler{}, invalidf("cannot fit a scaler on no rows")
	}
	d := len(X[0])
	mean := make([]float64, d)
	for i, row := range X {
		if len(row) != d {
			return Scaler{}, invalidf("row %d has %d columns, row 0 has %d", i, len(row), d)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Scaler{}, invalidf("X[%d][%d] = %g is not finite", i, j, v)
			}
			mean[j] += v
		}
	}
	n := float64(len(X))
	for j := range mean {
		mean[j] /= n
	}
	scale := make([]float64, d)
	for _, row := range X {
		for j, v := range row {
			scale[j] += (v - mean[j]) * (v - mean[j])
		}
	}
	for j := range scale {
		s := math.Sqrt(scale[j] / n)
		if !(s >= 0x1p-1022) || math.IsInf(s, 0) { // 0, subnormal or overflow
			s = 1
		}
		scale[j] = s
	}
	return Scaler{Mean: mean, Scale: scale}, nil
}

// Transform returns a standardised copy of X. Every row must have
// len(s.Mean) columns.
func (s Scaler) Transform(X [][]float64) ([][]float64, error) {
	if len(s.Mean) != len(s.Scale) {
		return nil, invalidf("scaler has %d means and %d scales", len(s.Mean), len(s.Scale))
	}
	d := len(s.Mean)
	out := make([][]float64, len(X))
	flat := make([]float64, len(X)*d)
	for i, row := range X {
		if len(row) != d {
			return nil, invalidf("row %d has %d columns, the scaler was fitted on %d", i, len(row), d)
		}
		o := flat[i*d : (i+1)*d : (i+1)*d]
		for j, v := range row {
			o[j] = (v - s.Mean[j]) / s.Scale[j]
		}
		out[i] = o
	}
	return out, nil
}

// Standardize fits a Scaler on train and applies it to train and test
// (test may be nil, giving an empty testZ). It returns the standardised copies and the Scaler.
func Standardize(train, test [][]float64) (trainZ, testZ [][]float64, s Scaler, err error) {
	if s, err = FitScaler(train); err != nil {
		return nil, nil, Scaler{}, err
	}
	if trainZ, err = s.Transform(train); err != nil {
		return nil, nil, Scaler{}, err
	}
	if testZ, err = s.Transform(test); err != nil {
		return nil, nil, Scaler{}, fmt.Errorf("test split: %w", err)
	}
	return trainZ, testZ, s, nil
}
