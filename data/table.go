package data

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxTableBytes is the most bytes ReadTableWith, ReadLIBSVM, ReadSklearnCSV,
// LoadLabeled and LoadXY read from one input (4 GiB: the text of a table at
// MaxDenseCells, some 24 bytes a number, fits), counted after gzip
// decompression. A longer input is refused with a *ParseError naming the
// file and the limit, so that a small gzip file that expands enormously or
// an endless stream such as /dev/zero cannot exhaust memory.
const MaxTableBytes = 1 << 32

// MaxLineBytes is the longest line (64 MiB, not counting its line end) that
// ReadTableWith, ReadLIBSVM, ReadSklearnCSV, LoadLabeled and LoadXY accept;
// a longer one is refused with a *ParseError naming the file, the line and
// the limit before more of it is read.
const MaxLineBytes = 64 << 20

// The limits in force; tests lower them to exercise the checks cheaply.
var (
	maxTableBytes int64 = MaxTableBytes
	maxLineBytes        = MaxLineBytes
	maxDenseCells       = MaxDenseCells
)

// Table is a table of numbers read from text, with optional column names.
type Table struct {
	Name   string      // the name errors use, usually the file's path
	Header []string    // the column names; nil when the input has no header line
	Rows   [][]float64 // the data rows, all of the same length

	lines []int // the line each row came from, when read by ReadTableWith
}

// Cols returns the number of columns (0 for a table without rows or header).
func (t *Table) Cols() int {
	if len(t.Rows) > 0 {
		return len(t.Rows[0])
	}
	return len(t.Header)
}

// HeaderMode says whether a table's first line names its columns.
type HeaderMode int

const (
	// HeaderAuto treats the first line as a header when one of its
	// non-empty cells is not a number.
	HeaderAuto HeaderMode = iota
	// HeaderPresent always treats the first line as a header.
	HeaderPresent
	// HeaderAbsent never does: every line is data.
	HeaderAbsent
)

// TableOptions adjusts ReadTableWith.
type TableOptions struct {
	// SkipRows drops that many physical lines at the start (counted before
	// blank and comment lines are skipped), e.g. 1 for the count line that
	// starts scikit-learn's CSV files.
	SkipRows int
	// Header says whether the first remaining line is a header.
	Header HeaderMode
}

// ReadTable reads a numeric table from r with the default options; name is
// used in errors (pass the path). See ReadTableWith.
func ReadTable(r io.Reader, name string) (*Table, error) {
	return ReadTableWith(r, name, TableOptions{})
}

// ReadTableFile opens path and reads it with ReadTableWith.
func ReadTableFile(path string, opt TableOptions) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadTableWith(f, path, opt)
}

// ReadTableWith reads a numeric table: one row per line, every row with the
// same number of cells. The format is told from the contents, never from
// the name:
//
//   - gzip-compressed input is decompressed (magic bytes 1f 8b);
//   - cells are separated by commas when the first or second data line holds
//     one, otherwise by runs of spaces and tabs; around commas spaces are
//     trimmed, and a cell in double quotes loses them (quoted commas are not
//     supported);
//   - with HeaderAuto the first line is a header when any of its non-empty
//     cells is not a number; its names must be non-empty and as many as the
//     data columns;
//   - blank lines and lines whose first non-space character is '#' are
//     skipped; a UTF-8 byte-order mark and CR line ends are accepted.
//
// Numbers are anything strconv.ParseFloat accepts ("3", "-0.5",
// "0.000000000000000000e+00", "0x1p-3"), except NaN, infinities and values
// out of the float64 range, which are refused: missing values are not
// supported. Errors are *ParseError values naming the file, line and column,
// and wrap ErrFormat; an empty input, a header without rows, ragged rows and
// non-numeric cells are all refused, and so is an input of more than
// MaxTableBytes bytes, a line longer than MaxLineBytes, or a table whose
// rows × (columns + 4) exceed MaxDenseCells.
func ReadTableWith(r io.Reader, name string, opt TableOptions) (*Table, error) {
	if opt.SkipRows < 0 {
		return nil, invalidf("%s: SkipRows = %d is negative", name, opt.SkipRows)
	}
	lr, err := newLineReader(r, name)
	if err != nil {
		return nil, err
	}
	return readTable(lr, name, opt)
}

// readTable reads a table from lr, whose lines already read count towards
// the line numbers in errors; see ReadTableWith.
func readTable(lr *lineReader, name string, opt TableOptions) (*Table, error) {
	for range opt.SkipRows {
		if _, ok, err := lr.raw(); err != nil {
			return nil, err
		} else if !ok {
			return nil, &ParseError{File: name, Reason: fmt.Sprintf("the file has fewer than the %d lines to skip", opt.SkipRows)}
		}
	}
	// Read the first two content lines to settle the separator and header.
	type pending struct {
		text string
		line int
	}
	var head []pending
	for len(head) < 2 {
		s, ok, err := lr.content()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		head = append(head, pending{s, lr.line})
	}
	if len(head) == 0 {
		return nil, &ParseError{File: name, Reason: "the file is empty: no data lines"}
	}
	comma := false
	for _, p := range head {
		comma = comma || strings.Contains(p.text, ",")
	}
	t := &Table{Name: name}
	// cost is what the table holds in 8-byte words: its numbers plus 4 a row
	// (the row's slice header and line number); see MaxDenseCells.
	cost := 0
	tooBig := func(line, cells, cost int) error {
		return &ParseError{File: name, Line: line, Reason: fmt.Sprintf(
			"the table is too large: %d rows of %d values count %d cells (each row its values plus 4), more than the %d a table may hold (MaxDenseCells)",
			len(t.Rows)+1, cells, cost, maxDenseCells)}
	}
	if n := countCells(head[0].text, comma); n+4 > maxDenseCells {
		return nil, tooBig(head[0].line, n, n+4)
	}
	first := splitCells(head[0].text, comma)
	isHeader := false
	switch opt.Header {
	case HeaderPresent:
		isHeader = true
	case HeaderAuto:
		for _, c := range first {
			if c == "" {
				continue // an empty cell says nothing about a header
			}
			if _, err := strconv.ParseFloat(c, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
				isHeader = true
				break
			}
		}
	}
	headerLine := 0
	if isHeader {
		headerLine = head[0].line
		for j, c := range first {
			if c == "" {
				return nil, &ParseError{File: name, Line: headerLine, Column: j + 1,
					Reason: "the first line looks like a header (it has non-numbers) but this name is empty; " +
						"if the file starts with scikit-learn's line of counts use ReadSklearnCSV or SkipRows: 1"}
			}
		}
		t.Header = first
		head = head[1:]
	}
	width := -1
	widthLine := 0
	addRow := func(text string, line int) error {
		// A long line is counted before it is split, so that neither a
		// ragged line nor one beyond the size limit costs the memory of
		// its cells; a short one is split at once (faster, and its cells
		// cost little).
		var cells []string
		n := 0
		if len(text) > countFirst {
			n = countCells(text, comma)
		} else {
			cells = splitCells(text, comma)
			n = len(cells)
		}
		if width < 0 {
			width, widthLine = n, line
			if t.Header != nil && len(t.Header) != width {
				return &ParseError{File: name, Line: headerLine, Reason: fmt.Sprintf(
					"the header has %d names but line %d has %d values; if this is scikit-learn's line of counts and class names use ReadSklearnCSV or SkipRows: 1",
					len(t.Header), line, width)}
			}
		} else if n != width {
			return &ParseError{File: name, Line: line, Reason: fmt.Sprintf(
				"ragged table: %d values on this line, %d on line %d", n, width, widthLine)}
		}
		if cost += width + 4; cost > maxDenseCells {
			return tooBig(line, width, cost)
		}
		if cells == nil {
			cells = splitCells(text, comma)
		}
		row := make([]float64, width)
		for j, c := range cells {
			v, err := parseNumber(c)
			if err != nil {
				pe := &ParseError{File: name, Line: line, Column: j + 1, Value: c, Reason: err.Error()}
				if len(t.Rows) == 0 && t.Header == nil && c == "" {
					pe.Reason += " (if the file starts with scikit-learn's line of counts use ReadSklearnCSV or SkipRows: 1)"
				}
				if j < len(t.Header) {
					pe.Name = t.Header[j]
				}
				return pe
			}
			row[j] = v
		}
		t.Rows = append(t.Rows, row)
		t.lines = append(t.lines, line)
		return nil
	}
	for _, p := range head {
		if err := addRow(p.text, p.line); err != nil {
			return nil, err
		}
	}
	for {
		s, ok, err := lr.content()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if err := addRow(s, lr.line); err != nil {
			return nil, err
		}
	}
	if len(t.Rows) == 0 {
		return nil, &ParseError{File: name, Line: headerLine, Reason: "the file has a header but no data rows"}
	}
	if opt.Header == HeaderAuto && looksSklearnCounts(t) {
		return nil, &ParseError{File: name, Line: headerLine, Reason: fmt.Sprintf(
			"the first line is scikit-learn's line of counts (%s samples, %s features, then class names), not a header: use ReadSklearnCSV or SkipRows: 1",
			t.Header[0], t.Header[1])}
	}
	return t, nil
}

// looksSklearnCounts reports whether an auto-detected header is really the
// "n_samples,n_features,class…" line of a scikit-learn CSV whose cell count
// happens to match the data's width.
func looksSklearnCounts(t *Table) bool {
	if len(t.Header) < 2 {
		return false
	}
	n, err1 := strconv.Atoi(t.Header[0])
	d, err2 := strconv.Atoi(t.Header[1])
	return err1 == nil && err2 == nil && n == len(t.Rows) && d == t.Cols()-1
}

// parseNumber parses one finite float64 cell.
func parseNumber(c string) (float64, error) {
	if c == "" {
		return 0, errors.New("empty cell where a number is needed")
	}
	v, err := strconv.ParseFloat(c, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, errors.New("number is out of the float64 range")
		}
		return 0, errors.New("not a number")
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("NaN and infinities are not allowed (missing values are not supported)")
	}
	return v, nil
}

// splitCells splits one line into trimmed cells.
func splitCells(s string, comma bool) []string {
	var cells []string
	if comma {
		cells = strings.Split(s, ",")
	} else {
		cells = strings.Fields(s)
	}
	for i, c := range cells {
		c = strings.TrimSpace(c)
		if len(c) >= 2 && c[0] == '"' && c[len(c)-1] == '"' {
			c = strings.ReplaceAll(c[1:len(c)-1], `""`, `"`)
		}
		cells[i] = c
	}
	return cells
}

// countFirst is the length of a line above which readTable counts its
// cells (countCells) before it splits it.
const countFirst = 1 << 16

// countCells returns len(splitCells(s, comma)) without allocating.
func countCells(s string, comma bool) int {
	if comma {
		return strings.Count(s, ",") + 1
	}
	n := 0
	for range strings.FieldsSeq(s) {
		n++
	}
	return n
}

// boundedReader passes on at most maxTableBytes bytes of R and fails with a
// *ParseError naming the file when R holds more.
type boundedReader struct {
	io.LimitedReader // N: bytes that may still be read, plus one
	name             string
}

func (b *boundedReader) Read(p []byte) (int, error) {
	n, err := b.LimitedReader.Read(p)
	if b.N <= 0 {
		return max(n-1, 0), b.tooLong() // the last byte is one past the limit
	}
	return n, err
}

func (b *boundedReader) tooLong() error {
	return &ParseError{File: b.name, Reason: fmt.Sprintf(
		"the input holds more than %d bytes (after gzip decompression, if any), the most a table may have (MaxTableBytes)", maxTableBytes)}
}

// openText returns the contents of r, decompressed when they are gzip,
// bounded by maxTableBytes.
func openText(r io.Reader, name string) (io.Reader, error) {
	src, _, _, err := openMaybeGzip(r, -1)
	if err != nil {
		return nil, &ParseError{File: name, Reason: "the input starts with the gzip magic number but is not valid gzip: " + err.Error()}
	}
	return &boundedReader{LimitedReader: io.LimitedReader{R: src, N: maxTableBytes + 1}, name: name}, nil
}

// lineReader reads text lines and counts them.
type lineReader struct {
	br   *bufio.Reader
	name string
	line int // number of the line last returned
	done bool
}

// newLineReader reads r, decompressed when it is gzip, in lines of at most
// maxLineBytes and at most maxTableBytes in all.
func newLineReader(r io.Reader, name string) (*lineReader, error) {
	src, err := openText(r, name)
	if err != nil {
		return nil, err
	}
	return &lineReader{br: bufio.NewReaderSize(src, 64<<10), name: name}, nil
}

// raw returns the next physical line without its line end. A line longer
// than maxLineBytes, or one holding a NUL byte, is refused as soon as that
// much of it has been read.
func (l *lineReader) raw() (string, bool, error) {
	if l.done {
		return "", false, nil
	}
	notText := func() error {
		return &ParseError{File: l.name, Line: l.line + 1, Reason: "the line holds NUL bytes or invalid UTF-8: this is not a text table"}
	}
	var buf []byte // the line so far, when it is longer than br's buffer
	for {
		frag, err := l.br.ReadSlice('\n')
		if bytes.IndexByte(frag, 0) >= 0 {
			return "", false, notText()
		}
		if n := len(buf) + len(frag); n > maxLineBytes && n-lineEndLen(buf, frag) > maxLineBytes {
			return "", false, &ParseError{File: l.name, Line: l.line + 1, Reason: fmt.Sprintf(
				"the line is longer than %d bytes, the most a line may have (MaxLineBytes)", maxLineBytes)}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			buf = appendDoubling(buf, frag, maxLineBytes+2)
			continue
		}
		if buf == nil {
			buf = frag // only until string(buf) below copies it
		} else {
			buf = appendDoubling(buf, frag, maxLineBytes+2)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				var pe *ParseError
				if errors.As(err, &pe) {
					pe.Line = l.line + 1
					return "", false, pe
				}
				return "", false, &ParseError{File: l.name, Line: l.line + 1, Reason: "reading failed: " + err.Error()}
			}
			l.done = true
			if len(buf) == 0 {
				return "", false, nil
			}
		}
		break
	}
	if !utf8.Valid(buf) { // the line end and BOM trimmed below are valid UTF-8
		return "", false, notText()
	}
	l.line++
	s := string(buf)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	if l.line == 1 {
		s = strings.TrimPrefix(s, "\ufeff")
	}
	return s, true, nil
}

// appendDoubling appends frag to buf, doubling the capacity when it must
// grow (append grows large slices by only a quarter, which for a long line
// allocates several times its size in all), but to no more than limit
// unless frag needs it.
func appendDoubling(buf, frag []byte, limit int) []byte {
	if need := len(buf) + len(frag); need > cap(buf) {
		next := make([]byte, len(buf), max(need, min(2*cap(buf), limit)))
		copy(next, buf)
		buf = next
	}
	return append(buf, frag...)
}

// lineEndLen returns how many bytes at the end of buf+frag raw trims as a
// line end ("\n", "\r" or "\r\n"): they do not count towards maxLineBytes.
func lineEndLen(buf, frag []byte) int {
	at := func(i int) byte { // byte i from the end of buf+frag, 1-based
		if i <= len(frag) {
			return frag[len(frag)-i]
		}
		return buf[len(buf)+len(frag)-i]
	}
	n, total := 0, len(buf)+len(frag)
	if n < total && at(n+1) == '\n' {
		n++
	}
	if n < total && at(n+1) == '\r' {
		n++
	}
	return n
}

// content returns the next line that is neither blank nor a comment.
func (l *lineReader) content() (string, bool, error) {
	for {
		s, ok, err := l.raw()
		if err != nil || !ok {
			return "", ok, err
		}
		t := strings.TrimSpace(s)
		if t == "" || t[0] == '#' {
			continue
		}
		return t, true, nil
	}
}

// LabelColumn returns the index of the column that spec names:
//
//   - a header name, matched exactly (it must be unique);
//   - "first" or "last";
//   - an integer index counting from 0, or from the end when negative (−1 is
//     the last column), as in Python.
//
// A header name wins over the integer reading. An unknown name gives an
// error that lists the header.
func (t *Table) LabelColumn(spec string) (int, error) {
	cols := t.Cols()
	spec = strings.TrimSpace(spec)
	found := -1
	for j, h := range t.Header {
		if h == spec {
			if found >= 0 {
				return 0, invalidf("%s: column name %q appears twice (columns %d and %d)", t.Name, spec, found, j)
			}
			found = j
		}
	}
	if found >= 0 {
		return found, nil
	}
	switch strings.ToLower(spec) {
	case "first":
		if cols > 0 {
			return 0, nil
		}
	case "last", "":
		if cols > 0 {
			return cols - 1, nil
		}
	}
	if k, err := strconv.Atoi(spec); err == nil {
		if k < 0 {
			k += cols
		}
		if k >= 0 && k < cols {
			return k, nil
		}
		return 0, invalidf("%s: column index %s is outside the table's %d columns (0…%d, or −1…−%d from the end)", t.Name, spec, cols, cols-1, cols)
	}
	if t.Header == nil {
		return 0, invalidf("%s: no column %q: the table has no header; give an index 0…%d, first or last", t.Name, spec, cols-1)
	}
	return 0, invalidf("%s: no column %q; the columns are %s", t.Name, spec, strings.Join(t.Header, ", "))
}

// Labeled is a feature matrix with one label per row.
type Labeled struct {
	X        [][]float64 // N rows of D features
	Y        []float64   // N labels or regression targets
	Features []string    // D feature names; nil when the input had none
	Target   string      // the label column's name; "" when unknown
	Classes  []string    // class names for labels 0…K−1 (scikit-learn CSVs); nil otherwise
	Name     string      // where the data came from
}

// XY splits the table into features and the label column that spec names
// (see LabelColumn). The rows are copied.
func (t *Table) XY(spec string) (*Labeled, error) {
	k, err := t.LabelColumn(spec)
	if err != nil {
		return nil, err
	}
	if t.Cols() < 2 {
		return nil, invalidf("%s: the table has only the label column, no features", t.Name)
	}
	d := &Labeled{X: make([][]float64, len(t.Rows)), Y: make([]float64, len(t.Rows)), Name: t.Name}
	for i, row := range t.Rows {
		x := make([]float64, 0, len(row)-1)
		x = append(x, row[:k]...)
		d.X[i] = append(x, row[k+1:]...)
		d.Y[i] = row[k]
	}
	if t.Header != nil {
		d.Target = t.Header[k]
		d.Features = append(append([]string{}, t.Header[:k]...), t.Header[k+1:]...)
	}
	return d, nil
}

// LoadXY reads features from xPath and labels from yPath, two tables in any
// format ReadTableWith accepts (a header is allowed in each). The label
// table must have exactly one column and as many rows as the feature table.
func LoadXY(xPath, yPath string) (*Labeled, error) {
	xt, err := ReadTableFile(xPath, TableOptions{})
	if err != nil {
		return nil, err
	}
	yt, err := ReadTableFile(yPath, TableOptions{})
	if err != nil {
		return nil, err
	}
	if c := yt.Cols(); c != 1 {
		return nil, &ParseError{File: yPath, Line: 1, Reason: fmt.Sprintf("a label file needs exactly one column, this one has %d", c)}
	}
	if len(xt.Rows) != len(yt.Rows) {
		return nil, &ParseError{File: yPath, Reason: fmt.Sprintf("%d labels for the %d feature rows of %s", len(yt.Rows), len(xt.Rows), xPath)}
	}
	d := &Labeled{X: xt.Rows, Y: make([]float64, len(yt.Rows)), Features: xt.Header, Name: xPath}
	for i, r := range yt.Rows {
		d.Y[i] = r[0]
	}
	if yt.Header != nil {
		d.Target = yt.Header[0]
	}
	return d, nil
}

// LoadLabeled reads one file holding features and labels. The format is told
// from the contents: a file whose first data lines have "index:value" cells
// is LIBSVM (read by ReadLIBSVM; label must then be "" or "first"), anything
// else a table (read by ReadTableWith) whose label column spec names (see
// LabelColumn; "" means the last column). The file is read as a stream, with
// the limits of those readers (MaxTableBytes, MaxLineBytes, MaxDenseCells).
func LoadLabeled(path, label string) (*Labeled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := openText(f, path)
	if err != nil {
		return nil, err
	}
	// Look at the start to tell the format, then read it all from the start.
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(src, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		var pe *ParseError
		if errors.As(err, &pe) {
			return nil, pe
		}
		return nil, &ParseError{File: path, Reason: "reading failed: " + err.Error()}
	}
	head = head[:n]
	all := io.MultiReader(bytes.NewReader(head), src)
	if looksLIBSVM(head) {
		if l := strings.ToLower(strings.TrimSpace(label)); l != "" && l != "first" && l != "0" {
			return nil, invalidf("%s is in LIBSVM format, whose label is always the first field; label %q cannot be used", path, label)
		}
		x, y, err := ReadLIBSVM(all, path)
		if err != nil {
			return nil, err
		}
		return &Labeled{X: x, Y: y, Name: path}, nil
	}
	t, err := ReadTable(all, path)
	if err != nil {
		return nil, err
	}
	return t.XY(label)
}

// sniffBytes is how much of a file LoadLabeled looks at to tell LIBSVM from
// a table.
const sniffBytes = 1 << 20

// looksLIBSVM reports whether the first content lines of b have a second
// field of the form index:value. b may end inside a line.
func looksLIBSVM(b []byte) bool {
	seen := 0
	for len(b) > 0 && seen < 5 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		f := strings.Fields(string(line))
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		seen++
		if len(f) >= 2 && strings.Contains(f[1], ":") && !strings.Contains(f[0], ",") {
			return true
		}
	}
	return false
}
