package data

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadTable(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		header []string
		rows   [][]float64
	}{
		{"csv header", "a,b,y\n1,2,0\n3,4,1\n", []string{"a", "b", "y"}, [][]float64{{1, 2, 0}, {3, 4, 1}}},
		{"csv no header", "1,2\n3,4\n", nil, [][]float64{{1, 2}, {3, 4}}},
		{"spaces around commas", " 1 , 2 \n3,\t4\n", nil, [][]float64{{1, 2}, {3, 4}}},
		{"whitespace", "1 2   3\n4\t5 6\n", nil, [][]float64{{1, 2, 3}, {4, 5, 6}}},
		{"whitespace header", "Chins Situps Jumps\n5 162 60\n", []string{"Chins", "Situps", "Jumps"}, [][]float64{{5, 162, 60}}},
		{"scientific", "1.510000000000000000e+02\n0.000000000000000000e+00\n-7.5E-3\n", nil, [][]float64{{151}, {0}, {-0.0075}}},
		{"go notations", "0x1p-2,+3,1_000,-.5e-1\n", nil, [][]float64{{0.25, 3, 1000, -0.05}}},
		{"hex float", "0x1p-2,+3,.5\n", nil, [][]float64{{0.25, 3, 0.5}}},
		{"crlf bom", "\ufeffx,y\r\n1,2\r\n\r\n3,4\r\n", []string{"x", "y"}, [][]float64{{1, 2}, {3, 4}}},
		{"comments blanks", "# made by numpy\n\n1 2\n  # note\n3 4\n\n", nil, [][]float64{{1, 2}, {3, 4}}},
		{"quoted header", "\"CRIM\",\"ZN\"\n0.00632,18\n", []string{"CRIM", "ZN"}, [][]float64{{0.00632, 18}}},
		{"single column", "y\n1\n2\n", []string{"y"}, [][]float64{{1}, {2}}},
		{"no final newline", "1,2\n3,4", nil, [][]float64{{1, 2}, {3, 4}}},
		{"comma on second line", "5\n6,7\n", nil, nil}, // ragged: checked below as an error
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadTable(strings.NewReader(tc.in), "t.csv")
			if tc.rows == nil {
				if err == nil {
					t.Fatalf("want an error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Header, tc.header) || !slices.EqualFunc(got.Rows, tc.rows, slices.Equal) {
				t.Fatalf("got %q %v, want %q %v", got.Header, got.Rows, tc.header, tc.rows)
			}
		})
	}
	// gzip, detected from the contents.
	got, err := ReadTable(bytes.NewReader(gzipBytes([]byte("1 2\n3 4\n"))), "plain-name.txt")
	if err != nil || !slices.Equal(got.Rows[1], []float64{3, 4}) {
		t.Fatalf("gzip: %v %v", got, err)
	}
}

func TestReadTableErrors(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		opt        TableOptions
		line, col  int
		want       string
		columnName string
	}{
		{name: "empty", in: "", want: "the file is empty"},
		{name: "only blanks", in: "\n  \n# c\n", want: "the file is empty"},
		{name: "header only", in: "a,b\n", line: 1, want: "header but no data rows"},
		{name: "ragged", in: "1,2,3\n4,5\n", line: 2, want: "2 values on this line, 3 on line 1"},
		{name: "ragged whitespace", in: "1 2\n3 4\n\n5 6 7\n", line: 4, want: "3 values on this line, 2 on line 1"},
		{name: "non-numeric", in: "a,b\n1,2\n3,x\n", line: 3, col: 2, want: `"x": not a number`, columnName: "b"},
		{name: "nan", in: "1,NaN\n", line: 1, col: 2, want: "NaN and infinities are not allowed"},
		{name: "inf", in: "1\n-Inf\n", line: 2, col: 1, want: "NaN and infinities"},
		{name: "out of range", in: "1e999,2\n", line: 1, col: 1, want: "out of the float64 range"},
		{name: "empty cell", in: "1,,3\n", line: 1, col: 2, want: "empty cell"},
		{name: "trailing comma", in: "1,2,\n3,4,\n", line: 1, col: 3, want: "empty cell"},
		{name: "empty header name", in: "a,,c\n1,2,3\n", line: 1, col: 2, want: "this name is empty"},
		{name: "boston counts", in: "2,1,\n\"A\",\"B\"\n1,2\n", line: 1, col: 3, want: "ReadSklearnCSV"},
		{name: "sklearn counts", in: "3,2,setosa,virginica\n1,2,0\n1,2,1\n3,4,0\n", line: 1, want: "use ReadSklearnCSV or SkipRows: 1"},
		{name: "sklearn counts fit", in: "2,2,setosa\n1,2,0\n3,4,1\n", line: 1, want: "scikit-learn's line of counts (2 samples, 2 features"},
		{name: "binary", in: "\x00\x00\x08\x03\x00", line: 1, want: "not a text table"},
		{name: "skip too many", in: "1\n", opt: TableOptions{SkipRows: 3}, want: "fewer than the 3 lines"},
		{name: "forced header", in: "1,2\n", opt: TableOptions{Header: HeaderPresent}, line: 1, want: "no data rows"},
		{name: "header absent", in: "a,b\n1,2\n", opt: TableOptions{Header: HeaderAbsent}, line: 1, col: 1, want: "not a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadTableWith(strings.NewReader(tc.in), "data.csv", tc.opt)
			if err == nil {
				t.Fatal("ReadTable succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "data.csv") {
				t.Fatalf("error %q lacks %q or the file name", err, tc.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not a *ParseError wrapping ErrFormat", err)
			}
			if pe.Line != tc.line || pe.Column != tc.col || pe.Name != tc.columnName {
				t.Errorf("line %d column %d name %q, want %d %d %q", pe.Line, pe.Column, pe.Name, tc.line, tc.col, tc.columnName)
			}
		})
	}
	if _, err := ReadTableWith(strings.NewReader("1\n"), "x", TableOptions{SkipRows: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("SkipRows -1: err = %v", err)
	}
}

func TestReadTableErrorMessage(t *testing.T) {
	_, err := ReadTable(strings.NewReader("x1,x2,y\n1,2,0\n3,oops,1\n"), "train.csv")
	want := `data: train.csv:3: column 2 ("x2"): "oops": not a number`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}
}

func TestLabelColumn(t *testing.T) {
	named := &Table{Name: "n", Header: []string{"a", "b", "y"}, Rows: [][]float64{{1, 2, 3}}}
	plain := &Table{Name: "p", Rows: [][]float64{{1, 2, 3}}}
	dup := &Table{Name: "d", Header: []string{"a", "a"}, Rows: [][]float64{{1, 2}}}
	tests := []struct {
		t    *Table
		spec string
		want int
		err  string
	}{
		{named, "y", 2, ""},
		{named, "a", 0, ""},
		{named, "", 2, ""},
		{named, "last", 2, ""},
		{named, "first", 0, ""},
		{named, "1", 1, ""},
		{named, "-1", 2, ""},
		{named, "-3", 0, ""},
		{named, "3", 0, "outside the table's 3 columns"},
		{named, "-4", 0, "outside"},
		{named, "label", 0, "the columns are a, b, y"},
		{plain, "0", 0, ""},
		{plain, "y", 0, "the table has no header"},
		{dup, "a", 0, "appears twice"},
	}
	for _, tc := range tests {
		got, err := tc.t.LabelColumn(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrInvalid) {
				t.Errorf("%s LabelColumn(%q) err = %v, want %q", tc.t.Name, tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s LabelColumn(%q) = %d, %v; want %d", tc.t.Name, tc.spec, got, err, tc.want)
		}
	}
}

func TestXY(t *testing.T) {
	tb, err := ReadTable(strings.NewReader("a,y,b\n1,0,2\n3,1,4\n"), "t")
	if err != nil {
		t.Fatal(err)
	}
	d, err := tb.XY("y")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(d.X, [][]float64{{1, 2}, {3, 4}}, slices.Equal) || !slices.Equal(d.Y, []float64{0, 1}) ||
		!slices.Equal(d.Features, []string{"a", "b"}) || d.Target != "y" {
		t.Fatalf("XY = %+v", d)
	}
	one := &Table{Name: "one", Rows: [][]float64{{1}}}
	if _, err := one.XY(""); !errors.Is(err, ErrInvalid) {
		t.Errorf("one column: err = %v", err)
	}
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadXY(t *testing.T) {
	dir := t.TempDir()
	x := writeFile(t, dir, "X.txt", "f1 f2\n1 2\n3 4\n5 6\n")
	y := writeFile(t, dir, "y.csv", "label\n-1\n1\n1\n")
	d, err := LoadXY(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.X) != 3 || d.Y[0] != -1 || d.Target != "label" || !slices.Equal(d.Features, []string{"f1", "f2"}) {
		t.Fatalf("LoadXY = %+v", d)
	}
	short := writeFile(t, dir, "short.csv", "1\n2\n")
	if _, err := LoadXY(x, short); err == nil || !strings.Contains(err.Error(), "2 labels for the 3 feature rows") {
		t.Errorf("short labels: err = %v", err)
	}
	wide := writeFile(t, dir, "wide.csv", "1,2\n2,3\n3,4\n")
	if _, err := LoadXY(x, wide); err == nil || !strings.Contains(err.Error(), "exactly one column") {
		t.Errorf("wide labels: err = %v", err)
	}
	if _, err := LoadXY(filepath.Join(dir, "none"), y); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: err = %v", err)
	}
}

func TestLoadLabeled(t *testing.T) {
	dir := t.TempDir()
	csv := writeFile(t, dir, "d.data", "1,2,0\n3,4,1\n")
	svm := writeFile(t, dir, "d.csv", "# LIBSVM despite the name\n+1 1:0.5 3:2\n-1 2:1\n")
	d, err := LoadLabeled(csv, "")
	if err != nil || !slices.Equal(d.Y, []float64{0, 1}) || !slices.Equal(d.X[1], []float64{3, 4}) {
		t.Fatalf("csv: %+v %v", d, err)
	}
	d, err = LoadLabeled(svm, "")
	if err != nil || !slices.Equal(d.Y, []float64{1, -1}) || !slices.Equal(d.X[0], []float64{0.5, 0, 2}) {
		t.Fatalf("libsvm: %+v %v", d, err)
	}
	if _, err := LoadLabeled(svm, "last"); !errors.Is(err, ErrInvalid) {
		t.Errorf("libsvm with label column: err = %v", err)
	}
	gz := filepath.Join(dir, "g")
	if err := os.WriteFile(gz, gzipBytes([]byte("a b\n1 2\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := LoadLabeled(gz, "a"); err != nil || d.Y[0] != 1 || d.X[0][0] != 2 {
		t.Fatalf("gzip: %+v %v", d, err)
	}
}

func TestReadLIBSVM(t *testing.T) {
	x, y, err := ReadLIBSVM(strings.NewReader("1 1:1.5 3:-2e0 # comment\n\n0 qid:3 2:0x1p-1\n-1\n1 3:1 1:2\n"), "s.svm")
	if err != nil {
		t.Fatal(err)
	}
	wantX := [][]float64{{1.5, 0, -2}, {0, 0.5, 0}, {0, 0, 0}, {2, 0, 1}}
	if !slices.EqualFunc(x, wantX, slices.Equal) || !slices.Equal(y, []float64{1, 0, -1, 1}) {
		t.Fatalf("got %v %v", x, y)
	}
	x, _, err = ReadLIBSVMFeatures(strings.NewReader("1 1:1\n"), "s", 4)
	if err != nil || len(x[0]) != 4 {
		t.Fatalf("fixed width: %v %v", x, err)
	}
	tests := []struct {
		name, in  string
		d         int
		line, col int
		want      string
	}{
		{"empty", "", 0, 0, 0, "the file is empty"},
		{"comments only", "# x\n\n", 0, 0, 0, "the file is empty"},
		{"index zero", "1 0:1\n", 0, 1, 2, "indices are 1-based"},
		{"negative index", "1 -3:1\n", 0, 1, 2, "integer ≥ 1"},
		{"no colon", "1 2 3\n", 0, 1, 2, "want index:value"},
		{"bad value", "1 2:x\n", 0, 1, 2, "value: not a number"},
		{"nan value", "1 2:nan\n", 0, 1, 2, "NaN"},
		{"bad label", "one 2:1\n", 0, 1, 1, "label: not a number"},
		{"inf label", "inf 2:1\n", 0, 1, 1, "label: NaN and infinities"},
		{"label missing", "1:1 2:1\n", 0, 1, 1, "first field must be the label"},
		{"duplicate", "1 3:1 1:1 3:2\n", 0, 1, 0, "index 3 appears twice"},
		{"above d", "1 5:1\n", 4, 1, 2, "above the 4 features"},
		{"huge index", "1 99999999999:1\n", 0, 0, 0, "more than the 134217728 cells"},
		{"overflow index", "1 999999999999999999999:1\n", 0, 1, 2, "integer ≥ 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadLIBSVMFeatures(strings.NewReader(tc.in), "s.svm", tc.d)
			var pe *ParseError
			if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "s.svm") {
				t.Fatalf("err = %v, want a *ParseError containing %q", err, tc.want)
			}
			if pe.Line != tc.line || pe.Column != tc.col {
				t.Errorf("line %d column %d, want %d %d", pe.Line, pe.Column, tc.line, tc.col)
			}
		})
	}
	if _, _, err := ReadLIBSVMFeatures(strings.NewReader("1\n"), "s", -1); !errors.Is(err, ErrInvalid) {
		t.Errorf("d = -1: err = %v", err)
	}
}

func FuzzReadTable(f *testing.F) {
	for _, s := range []string{
		"a,b,y\n1,2,0\n3,4,1\n", "1 2\n3 4\n", "\ufeffx\r\n1e3\r\n", "150,4,setosa\n1,2,3,4,0\n",
		"# c\n1,,2\n", "\"q\",\"r\"\n1,2\n", "1,NaN\n", "0x1p-2 1_0\n", "",
	} {
		f.Add(s, 0)
	}
	f.Add("3,1\n\"A\",\"B\"\n1,2\n", 1)
	f.Fuzz(func(t *testing.T, in string, skip int) {
		tb, err := ReadTableWith(strings.NewReader(in), "fuzz", TableOptions{SkipRows: skip % 4})
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v wraps neither ErrFormat nor ErrInvalid", err)
			}
			return
		}
		if len(tb.Rows) == 0 {
			t.Fatal("no rows and no error")
		}
		w := len(tb.Rows[0])
		if tb.Header != nil && len(tb.Header) != w {
			t.Fatalf("header %d names, rows %d wide", len(tb.Header), w)
		}
		for _, r := range tb.Rows {
			if len(r) != w {
				t.Fatal("ragged rows accepted")
			}
			for _, v := range r {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatal("non-finite value accepted")
				}
			}
		}
		_, _ = tb.LabelColumn("last")
		_, _ = tb.XY(in)
	})
}

func FuzzReadLIBSVM(f *testing.F) {
	for _, s := range []string{"1 1:1.5 3:2\n-1 2:1\n", "0 qid:1 1:1 # c\n", "1 3:1 3:2\n", "1 0:1\n", "x\n", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		x, y, err := ReadLIBSVM(strings.NewReader(in), "fuzz")
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		if len(x) != len(y) || len(x) == 0 {
			t.Fatalf("%d rows, %d labels", len(x), len(y))
		}
		for _, r := range x {
			if len(r) != len(x[0]) {
				t.Fatal("ragged")
			}
		}
	})
}
