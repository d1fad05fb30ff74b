package data

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadSklearnCSV(t *testing.T) {
	iris := "4,2,setosa,versicolor,virginica\n5.1,3.5,0\n4.9,3.0,0\n5.9,3.0,2\n6.0,2.2,1\n"
	d, err := ReadSklearnCSV(strings.NewReader(iris), "iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.X) != 4 || len(d.X[0]) != 2 || !slices.Equal(d.Y, []float64{0, 0, 2, 1}) ||
		!slices.Equal(d.Classes, []string{"setosa", "versicolor", "virginica"}) || d.Features != nil {
		t.Fatalf("iris = %+v", d)
	}
	boston := "2,2,,,\n\"CRIM\",\"ZN\",\"MEDV\"\n0.00632,18,24\n0.02731,0,21.6\n"
	d, err = ReadSklearnCSV(strings.NewReader(boston), "boston.csv")
	if err != nil {
		t.Fatal(err)
	}
	if d.Classes != nil || !slices.Equal(d.Features, []string{"CRIM", "ZN"}) || d.Target != "MEDV" || d.Y[1] != 21.6 {
		t.Fatalf("boston = %+v", d)
	}
	tests := []struct {
		name, in  string
		line, col int
		want      string
	}{
		{"empty", "", 1, 0, "the file is empty"},
		{"bad count", "x,2,a,b\n1,2,0\n", 1, 1, "n_samples must be a non-negative integer"},
		{"one cell", "5\n1,2,0\n", 1, 0, "n_samples,n_features"},
		{"too few rows", "3,2,a,b\n1,2,0\n1,2,1\n", 1, 1, "promises 3 samples, the file has 2"},
		{"wrong width", "2,3,a,b\n1,2,0\n1,2,1\n", 1, 2, "promises 3 features plus the target, the rows have 3"},
		{"class out of range", "2,2,a,b\n1,2,0\n\n1,2,2\n", 4, 3, "class index 0…1"},
		{"fractional class", "2,2,a,b\n1,2,0\n1,2,0.5\n", 3, 3, "class index"},
		{"ragged", "2,2,a,b\n1,2,0\n1,2\n", 3, 0, "ragged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadSklearnCSV(strings.NewReader(tc.in), "sk.csv")
			var pe *ParseError
			if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a *ParseError containing %q", err, tc.want)
			}
			if pe.Line != tc.line || pe.Column != tc.col {
				t.Errorf("line %d column %d, want %d %d", pe.Line, pe.Column, tc.line, tc.col)
			}
		})
	}
}

// TestSklearnRealFiles reads the data sets of the Debian package
// python3-sklearn when it is installed.
func TestSklearnRealFiles(t *testing.T) {
	path := func(f string) string { return filepath.Join(SklearnDataDir, f) }
	if _, ok := findFile(SklearnDataDir, "iris.csv"); !ok {
		t.Skipf("scikit-learn data not installed in %s (Debian package python3-sklearn)", SklearnDataDir)
	}
	for _, tc := range []struct {
		file    string
		n, d    int
		classes []string
		feature string
	}{
		{"breast_cancer.csv", 569, 30, []string{"malignant", "benign"}, ""},
		{"iris.csv", 150, 4, []string{"setosa", "versicolor", "virginica"}, ""},
		{"wine_data.csv", 178, 13, []string{"class_0", "class_1", "class_2"}, ""},
		{"boston_house_prices.csv", 506, 13, nil, "CRIM"},
	} {
		d, err := ReadSklearnCSVFile(path(tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if len(d.X) != tc.n || len(d.X[0]) != tc.d || !slices.Equal(d.Classes, tc.classes) {
			t.Errorf("%s: %d×%d classes %v", tc.file, len(d.X), len(d.X[0]), d.Classes)
		}
		if tc.feature != "" && (len(d.Features) != tc.d || d.Features[0] != tc.feature || d.Target != "MEDV") {
			t.Errorf("%s: features %v target %q", tc.file, d.Features, d.Target)
		}
		if tc.file == "breast_cancer.csv" {
			y01, neg, pos, err := BinaryLabels(d.Y)
			n1 := 0
			for _, v := range y01 {
				n1 += int(v)
			}
			if err != nil || neg != 0 || pos != 1 || n1 != 357 { // 357 benign, 212 malignant
				t.Errorf("breast cancer labels: %v %v %v, %d positives", err, neg, pos, n1)
			}
		}
	}
	// A plain table read as such points at ReadSklearnCSV.
	if _, err := ReadTableFile(path("iris.csv"), TableOptions{}); err == nil || !strings.Contains(err.Error(), "ReadSklearnCSV") {
		t.Errorf("iris.csv as a plain table: err = %v", err)
	}
	digits, err := LoadLabeled(path("digits.csv.gz"), "last")
	if err != nil || len(digits.X) != 1797 || len(digits.X[0]) != 64 {
		t.Fatalf("digits: %v", err)
	}
	if _, vals := ClassLabels(digits.Y); len(vals) != 10 {
		t.Errorf("digits has %d classes", len(vals))
	}
	diab, err := LoadXY(path("diabetes_data_raw.csv.gz"), path("diabetes_target.csv.gz"))
	if err != nil || len(diab.X) != 442 || len(diab.X[0]) != 10 || diab.Y[0] != 151 {
		t.Fatalf("diabetes: %v", err)
	}
	lin, err := LoadXY(path("linnerud_exercise.csv"), path("linnerud_physiological.csv"))
	if err == nil || !strings.Contains(err.Error(), "exactly one column") {
		t.Errorf("linnerud has 3 targets: err = %v", err)
	}
	_ = lin
	ex, err := ReadTableFile(path("linnerud_exercise.csv"), TableOptions{})
	if err != nil || len(ex.Rows) != 20 || !slices.Equal(ex.Header, []string{"Chins", "Situps", "Jumps"}) {
		t.Errorf("linnerud: %v", err)
	}
}
