package fit

import (
	"errors"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestEmptyViews: a view of 0 rows or 0 columns (x.Slice of an empty
// range, which IsEmpty does not report) gives a *DataError naming the
// table, for Fit and for the predictions, rather than gonum's panic
// "mat: zero length in matrix dimension".
func TestEmptyViews(t *testing.T) {
	x := mat.NewDense(4, 2, []float64{0, 1, 1, 0, 1, 1, 0, 0})
	y := []float64{0, 1, 1, 0}
	noRows := x.Slice(0, 0, 0, 2).(*mat.Dense)
	noCols := x.Slice(0, 4, 0, 0).(*mat.Dense)
	check := func(what string, err error, field, value string) {
		t.Helper()
		var de *DataError
		if !errors.As(err, &de) || !errors.Is(err, ErrData) || de.Field != field ||
			!strings.Contains(err.Error(), value+": need at least one row and one column") {
			t.Errorf("%s: err = %v, want a *DataError for %s = %s", what, err, field, value)
		}
	}
	opts := []Options{
		{Model: ModelLogistic, Method: MethodMAP, PriorPrecision: 1},
		{Model: ModelMultinomial, Method: MethodMAP, PriorPrecision: 1, Classes: 2},
		{Model: ModelLinear, Method: MethodMAP, PriorPrecision: 1, NoisePrecision: 1},
		{Model: ModelMLP, Method: MethodMAP, PriorPrecision: 1, Hidden: 2, Epochs: 1},
	}
	for _, opt := range opts {
		name := string(opt.Model)
		_, err := Fit(noRows, nil, opt)
		check(name+": Fit on 0 rows", err, "x", "0×2")
		_, err = Fit(noCols, y, opt)
		check(name+": Fit on 0 columns", err, "x", "4×0")
		post, err := Fit(x, y, opt)
		if err != nil {
			t.Fatalf("%s: Fit: %v", name, err)
		}
		if opt.Model == ModelLinear {
			_, _, err = post.PredictRegression(noRows, nil)
			check(name+": PredictRegression on 0 rows", err, "test x", "0×2")
		} else {
			_, err = post.PredictProba(noRows)
			check(name+": PredictProba on 0 rows", err, "test x", "0×2")
		}
		_, err = post.Evaluate(noRows, nil)
		check(name+": Evaluate on 0 rows", err, "test x", "0×2")
		var de *DataError
		if _, err = post.Evaluate(nil, y); !errors.As(err, &de) || de.Field != "test x" {
			t.Errorf("%s: Evaluate(nil x): err = %v, want a *DataError for test x", name, err)
		}
	}
}
