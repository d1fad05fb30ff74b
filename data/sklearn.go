package data

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// SklearnDataDir is where the Debian package python3-sklearn (1.2.1 in
// Debian 12) installs the small data sets scikit-learn ships. Those of them
// in the format ReadSklearnCSV reads are breast_cancer.csv, iris.csv,
// wine_data.csv and boston_house_prices.csv; digits.csv.gz (last column the
// digit), diabetes_data_raw.csv.gz with diabetes_target.csv.gz (whitespace
// separated) and linnerud_*.csv (whitespace separated with a header) are
// plain tables for LoadLabeled and LoadXY.
const SklearnDataDir = "/usr/lib/python3/dist-packages/sklearn/datasets/data"

// ReadSklearnCSV reads a data set in the CSV layout scikit-learn uses for
// its bundled data (breast_cancer.csv, iris.csv, wine_data.csv,
// boston_house_prices.csv). Its first line is not a header but
// "n_samples,n_features[,class names…]"; for boston_house_prices.csv the
// class names are empty and the second line names the columns. The rest is
// a comma-separated table whose first n_features columns are the features
// and whose last column is the target.
//
// The counts are checked against the table. With class names the target
// must be an integer class index in [0, number of names), and Classes holds
// the names; without them the target is a real-valued response and Classes
// is nil. Features holds the column names when the file has them. The
// limits of ReadTableWith (MaxTableBytes, MaxLineBytes, MaxDenseCells)
// apply.
func ReadSklearnCSV(r io.Reader, name string) (*Labeled, error) {
	lr, err := newLineReader(r, name)
	if err != nil {
		return nil, err
	}
	first, _, err := lr.raw()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(first) == "" {
		return nil, &ParseError{File: name, Line: 1, Reason: "the file is empty or its first line is blank; scikit-learn's first line is n_samples,n_features[,class names]"}
	}
	cells := splitCells(first, true)
	if len(cells) < 2 {
		return nil, &ParseError{File: name, Line: 1, Value: first, Reason: "scikit-learn's first line is n_samples,n_features[,class names]"}
	}
	counts := [2]int{}
	for k := range counts {
		v, err := strconv.Atoi(cells[k])
		if err != nil || v < 0 {
			what := [2]string{"n_samples", "n_features"}[k]
			return nil, &ParseError{File: name, Line: 1, Column: k + 1, Value: cells[k],
				Reason: what + " must be a non-negative integer (scikit-learn's first line is n_samples,n_features[,class names])"}
		}
		counts[k] = v
	}
	n, d := counts[0], counts[1]
	var classes []string
	for _, c := range cells[2:] {
		if c != "" {
			classes = append(classes, c)
		}
	}
	t, err := readTable(lr, name, TableOptions{})
	if err != nil {
		return nil, err
	}
	if len(t.Rows) != n {
		return nil, &ParseError{File: name, Line: 1, Column: 1, Value: cells[0], Reason: fmt.Sprintf("the first line promises %d samples, the file has %d rows", n, len(t.Rows))}
	}
	if t.Cols() != d+1 {
		return nil, &ParseError{File: name, Line: 1, Column: 2, Value: cells[1], Reason: fmt.Sprintf("the first line promises %d features plus the target, the rows have %d columns", d, t.Cols())}
	}
	out, err := t.XY("last")
	if err != nil {
		return nil, err
	}
	out.Classes = classes
	if classes != nil {
		for i, v := range out.Y {
			if v != math.Trunc(v) || v < 0 || v >= float64(len(classes)) {
				return nil, &ParseError{File: name, Line: t.lines[i], Column: d + 1, Value: strconv.FormatFloat(v, 'g', -1, 64),
					Reason: fmt.Sprintf("the target must be a class index 0…%d (classes %s)", len(classes)-1, strings.Join(classes, ", "))}
			}
		}
	}
	return out, nil
}

// ReadSklearnCSVFile opens path and reads it with ReadSklearnCSV.
func ReadSklearnCSVFile(path string) (*Labeled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadSklearnCSV(f, path)
}
