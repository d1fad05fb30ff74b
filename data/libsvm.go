package data

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// MaxDenseCells bounds the size of the dense matrix that ReadLIBSVM and
// ReadTableWith (and so LoadLabeled, LoadXY and ReadSklearnCSV) build: N
// rows of D values may have N·(D+4) at most 2²⁷, 1 GiB at 8 bytes a value
// and 32 a row for the row's slice and label or line number. So neither one
// huge index in a small file nor millions of short lines can exhaust memory.
const MaxDenseCells = 1 << 27

// ReadLIBSVM reads the sparse LIBSVM format into a dense matrix: one example
// per line, "label index:value index:value …" with 1-based feature indices.
// Feature j (1-based) becomes X[i][j−1]; features not given are 0. The
// number of columns is the largest index in the file. A "qid:n" field is
// skipped, text after '#' is a comment, blank lines are skipped, and gzip
// input is decompressed. Labels and values are any finite number
// strconv.ParseFloat accepts; indices must be integers ≥ 1, each at most
// once per line (in any order). Errors are *ParseError values naming the
// file, line and field; they wrap ErrFormat. An input of more than
// MaxTableBytes bytes, a line longer than MaxLineBytes and a matrix beyond
// MaxDenseCells are refused.
func ReadLIBSVM(r io.Reader, name string) (X [][]float64, y []float64, err error) {
	return ReadLIBSVMFeatures(r, name, 0)
}

// ReadLIBSVMFeatures is ReadLIBSVM with the number of columns fixed to d
// when d > 0 (an index above d is an error), so that a test file whose
// largest index is smaller than the training file's gets the same width.
func ReadLIBSVMFeatures(r io.Reader, name string, d int) (X [][]float64, y []float64, err error) {
	if d < 0 {
		return nil, nil, invalidf("%s: number of features %d is negative", name, d)
	}
	lr, err := newLineReader(r, name)
	if err != nil {
		return nil, nil, err
	}
	type entry struct {
		j int
		v float64
	}
	var rows [][]entry
	maxIdx := 0
	nnz := 0 // entries in rows
	for {
		s, ok, err := lr.raw()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		f := strings.Fields(s)
		if len(f) == 0 {
			continue
		}
		fail := func(col int, val, reason string) error {
			return &ParseError{File: name, Line: lr.line, Column: col, Value: val, Reason: reason}
		}
		if strings.Contains(f[0], ":") {
			return nil, nil, fail(1, f[0], "the first field must be the label, not index:value")
		}
		lab, err := parseNumber(f[0])
		if err != nil {
			return nil, nil, fail(1, f[0], "label: "+err.Error())
		}
		row := make([]entry, 0, len(f)-1)
		sorted := true
		for k, tok := range f[1:] {
			col := k + 2
			is, vs, ok := strings.Cut(tok, ":")
			if !ok {
				return nil, nil, fail(col, tok, "want index:value")
			}
			if is == "qid" {
				continue
			}
			j, err := strconv.Atoi(is)
			if err != nil || j < 1 {
				return nil, nil, fail(col, tok, "the index must be an integer ≥ 1 (indices are 1-based)")
			}
			if d > 0 && j > d {
				return nil, nil, fail(col, tok, fmt.Sprintf("index %d is above the %d features asked for", j, d))
			}
			v, err := parseNumber(vs)
			if err != nil {
				return nil, nil, fail(col, tok, "value: "+err.Error())
			}
			if len(row) > 0 && j <= row[len(row)-1].j {
				sorted = false
			}
			row = append(row, entry{j, v})
			maxIdx = max(maxIdx, j)
		}
		if !sorted {
			js := make([]int, len(row))
			for k, e := range row {
				js[k] = e.j
			}
			slices.Sort(js)
			for k := 1; k < len(js); k++ {
				if js[k] == js[k-1] {
					return nil, nil, fail(0, "", fmt.Sprintf("feature index %d appears twice", js[k]))
				}
			}
		}
		// The dense result needs N·(D+4) ≥ 4·N + nnz cells: refuse as soon
		// as that is over the limit, before the entries take more memory.
		nnz += len(row)
		if need := 4*(len(rows)+1) + nnz; need > maxDenseCells {
			return nil, nil, fail(0, "", fmt.Sprintf(
				"the file is too large: %d rows holding %d values need at least %d cells (the values plus 4 a row), more than the %d a dense matrix may have (MaxDenseCells)",
				len(rows)+1, nnz, need, maxDenseCells))
		}
		rows = append(rows, row)
		y = append(y, lab)
	}
	if len(rows) == 0 {
		return nil, nil, &ParseError{File: name, Reason: "the file is empty: no data lines"}
	}
	if d == 0 {
		d = maxIdx
	}
	if d > maxDenseCells-4 || len(rows) > maxDenseCells/(d+4) {
		return nil, nil, &ParseError{File: name, Reason: fmt.Sprintf(
			"%d rows × %d features (plus 4 cells a row) is more than the %d cells a dense matrix may have here (MaxDenseCells; the largest index sets the width)",
			len(rows), d, maxDenseCells)}
	}
	X = make([][]float64, len(rows))
	flat := make([]float64, len(rows)*d)
	for i, row := range rows {
		X[i] = flat[i*d : (i+1)*d : (i+1)*d]
		for _, e := range row {
			X[i][e.j-1] = e.v
		}
	}
	return X, y, nil
}
