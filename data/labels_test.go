package data

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestBinaryLabels(t *testing.T) {
	tests := []struct {
		y        []float64
		want     []float64
		neg, pos float64
		err      bool
	}{
		{[]float64{0, 1, 1, 0}, []float64{0, 1, 1, 0}, 0, 1, false},
		{[]float64{-1, 1, -1}, []float64{0, 1, 0}, -1, 1, false},
		{[]float64{4, 2, 2}, []float64{1, 0, 0}, 2, 4, false},
		{[]float64{2.5, -7}, []float64{1, 0}, -7, 2.5, false},
		{[]float64{1, 1}, nil, 0, 0, true},
		{[]float64{0, 1, 2}, nil, 0, 0, true},
		{[]float64{}, nil, 0, 0, true},
		{[]float64{0, math.NaN()}, nil, 0, 0, true},
	}
	for _, tc := range tests {
		got, neg, pos, err := BinaryLabels(tc.y)
		if tc.err {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("BinaryLabels(%v): err = %v, want ErrInvalid", tc.y, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) || neg != tc.neg || pos != tc.pos {
			t.Errorf("BinaryLabels(%v) = %v %v %v %v", tc.y, got, neg, pos, err)
		}
	}
}

func TestClassLabels(t *testing.T) {
	idx, vals := ClassLabels([]float64{3, 1, 2, 3, 1, math.Copysign(0, -1), 0})
	if !slices.Equal(idx, []int{3, 1, 2, 3, 1, 0, 0}) || !slices.Equal(vals, []float64{0, 1, 2, 3}) {
		t.Fatalf("ClassLabels = %v %v", idx, vals)
	}
	idx, vals = ClassLabels([]float64{1, math.NaN(), 0, math.NaN()})
	if !slices.Equal(idx, []int{1, 2, 0, 2}) || len(vals) != 3 || !math.IsNaN(vals[2]) {
		t.Fatalf("with NaN: %v %v", idx, vals)
	}
	idx, vals = ClassLabels(nil)
	if len(idx) != 0 || len(vals) != 0 {
		t.Fatal("empty")
	}
}

func TestStandardize(t *testing.T) {
	train := [][]float64{{1, 10, 5}, {3, 10, 5}, {5, 10, 5}}
	test := [][]float64{{7, 11, 5}}
	tz, sz, s, err := Standardize(train, test)
	if err != nil {
		t.Fatal(err)
	}
	sd := math.Sqrt(8.0 / 3) // population sd of 1, 3, 5
	if !slices.Equal(s.Mean, []float64{3, 10, 5}) || math.Abs(s.Scale[0]-sd) > 1e-15 || s.Scale[1] != 1 {
		t.Fatalf("scaler %+v", s)
	}
	if math.Abs(tz[0][0]+2/sd) > 1e-15 || tz[1][0] != 0 || tz[0][1] != 0 {
		t.Fatalf("train z %v", tz)
	}
	if math.Abs(sz[0][0]-4/sd) > 1e-15 || sz[0][1] != 1 {
		t.Fatalf("test z %v (scaled with the training statistics)", sz)
	}
	if train[0][0] != 1 {
		t.Fatal("input modified")
	}
	for _, bad := range [][][]float64{nil, {{1, 2}, {3}}, {{1, math.Inf(1)}}} {
		if _, err := FitScaler(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("FitScaler(%v): err = %v", bad, err)
		}
	}
	if _, _, _, err := Standardize(train, [][]float64{{1, 2}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("test width: err = %v", err)
	}
	if _, err := (Scaler{Mean: []float64{1}}).Transform(train); !errors.Is(err, ErrInvalid) {
		t.Errorf("broken scaler: err = %v", err)
	}
}
