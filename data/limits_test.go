package data

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// setLimits lowers the table limits for one test, so that the checks can be
// exercised with small inputs; 0 keeps a limit as it is.
func setLimits(t *testing.T, tableBytes int64, lineBytes, denseCells int) {
	t.Helper()
	oldB, oldL, oldC := maxTableBytes, maxLineBytes, maxDenseCells
	t.Cleanup(func() { maxTableBytes, maxLineBytes, maxDenseCells = oldB, oldL, oldC })
	if tableBytes > 0 {
		maxTableBytes = tableBytes
	}
	if lineBytes > 0 {
		maxLineBytes = lineBytes
	}
	if denseCells > 0 {
		maxDenseCells = denseCells
	}
}

// tableReader is one of the readers of text tables, with the start of a
// file it accepts (head, e.g. scikit-learn's line of counts) and a row.
type tableReader struct {
	read      func(t *testing.T, body []byte) error
	head, row string
}

// tableReaders lists every reader of text tables; those that take a path
// get the contents written to a file.
var tableReaders = map[string]tableReader{
	"ReadTable": {read: func(t *testing.T, body []byte) error {
		_, err := ReadTable(bytes.NewReader(body), "in.csv")
		return err
	}, row: "1,2\n"},
	"ReadLIBSVM": {read: func(t *testing.T, body []byte) error {
		_, _, err := ReadLIBSVM(bytes.NewReader(body), "in.csv")
		return err
	}, row: "1 1:2\n"},
	"ReadSklearnCSV": {read: func(t *testing.T, body []byte) error {
		_, err := ReadSklearnCSV(bytes.NewReader(body), "in.csv")
		return err
	}, head: "9,1\n", row: "1,0\n"},
	"LoadLabeled table": {read: func(t *testing.T, body []byte) error {
		_, err := LoadLabeled(writeFile(t, t.TempDir(), "in.csv", string(body)), "")
		return err
	}, row: "1,2\n"},
	"LoadLabeled LIBSVM": {read: func(t *testing.T, body []byte) error {
		_, err := LoadLabeled(writeFile(t, t.TempDir(), "in.csv", string(body)), "")
		return err
	}, row: "1 1:2\n"},
	"LoadXY": {read: func(t *testing.T, body []byte) error {
		p := writeFile(t, t.TempDir(), "in.csv", string(body))
		_, err := LoadXY(p, p)
		return err
	}, row: "1\n"},
}

// checkLimitErr checks that err is a *ParseError wrapping ErrFormat whose
// text names the file and holds each of want.
func checkLimitErr(t *testing.T, err error, want ...string) {
	t.Helper()
	var pe *ParseError
	if err == nil || !errors.As(err, &pe) || !errors.Is(err, ErrFormat) {
		t.Fatalf("err = %v, want a *ParseError wrapping ErrFormat", err)
	}
	for _, w := range append(want, "in.csv") {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error %q does not contain %q", err, w)
		}
	}
}

// TestLimitsTableBytes checks that every table reader stops after
// MaxTableBytes bytes, plain or gzip, and accepts an input of exactly that
// size.
func TestLimitsTableBytes(t *testing.T) {
	const limit = 4000
	setLimits(t, limit, 0, 0)
	for name, tr := range tableReaders {
		for _, gz := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s gzip=%v", name, gz), func(t *testing.T) {
				body := []byte(tr.head + strings.Repeat(tr.row, 2*limit/len(tr.row)))
				if gz {
					body = gzipBytes(body)
				}
				checkLimitErr(t, tr.read(t, body), "more than 4000 bytes", "MaxTableBytes")
			})
		}
	}
	// Exactly at the limit, and one byte over it.
	row := "1 2\n"
	ok := []byte(strings.Repeat(row, limit/len(row)))
	if _, err := ReadTable(bytes.NewReader(ok), "in.csv"); err != nil {
		t.Fatalf("%d bytes: %v", len(ok), err)
	}
	over := append(append([]byte{}, ok...), '1')
	checkLimitErr(t, func() error { _, err := ReadTable(bytes.NewReader(over), "in.csv"); return err }(), "MaxTableBytes")
}

// TestLimitsLineBytes checks that every table reader refuses a line longer
// than MaxLineBytes, naming the line, and accepts one of exactly that length.
func TestLimitsLineBytes(t *testing.T) {
	const limit = 100
	setLimits(t, 0, limit, 0)
	for name, tr := range tableReaders {
		for _, gz := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s gzip=%v", name, gz), func(t *testing.T) {
				long := strings.Repeat(strings.TrimSuffix(tr.row, "\n")+" ", 2*limit/len(tr.row)) + "\n"
				body := []byte(tr.head + tr.row + long)
				if gz {
					body = gzipBytes(body)
				}
				err := tr.read(t, body)
				checkLimitErr(t, err, "longer than 100 bytes", "MaxLineBytes")
				want := strings.Count(tr.head, "\n") + 2
				if pe := (*ParseError)(nil); errors.As(err, &pe) && pe.Line != want {
					t.Errorf("Line = %d, want %d", pe.Line, want)
				}
			})
		}
	}
	exact := strings.Repeat("7", limit) + "\r\n" + strings.Repeat("8", limit)
	tb, err := ReadTable(strings.NewReader(exact), "in.csv")
	if err != nil || len(tb.Rows) != 2 {
		t.Fatalf("two lines of %d bytes: %v, %v", limit, tb, err)
	}
	_, err = ReadTable(strings.NewReader(exact+"9"), "in.csv")
	checkLimitErr(t, err, "longer than 100 bytes")
}

// endless repeats its pattern for ever, as /dev/zero does.
type endless struct {
	pat []byte
	off int
}

func (e *endless) Read(p []byte) (int, error) {
	if len(e.pat) < 1<<11 { // copy in blocks, not a few bytes at a time
		e.pat = bytes.Repeat(e.pat, (1<<12)/len(e.pat)+1)[:(1<<12)/len(e.pat)*len(e.pat)]
	}
	n := 0
	for n < len(p) {
		k := copy(p[n:], e.pat[e.off:])
		n += k
		e.off = (e.off + k) % len(e.pat)
	}
	return n, nil
}

// TestLimitsEndlessInput checks, with the real limits, that an endless line
// is refused after MaxLineBytes and an endless run of NUL bytes (/dev/zero)
// at once, with memory bounded by the line limit.
func TestLimitsEndlessInput(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadTable(&endless{pat: []byte("1,")}, "in.csv")
	runtime.ReadMemStats(&after)
	checkLimitErr(t, err, fmt.Sprintf("longer than %d bytes", MaxLineBytes))
	if got := after.TotalAlloc - before.TotalAlloc; got > 4*MaxLineBytes {
		t.Errorf("allocated %d bytes for a line limit of %d", got, MaxLineBytes)
	}
	runtime.ReadMemStats(&before)
	_, _, err = ReadLIBSVM(&endless{pat: []byte{0}}, "in.csv")
	runtime.ReadMemStats(&after)
	checkLimitErr(t, err, "NUL bytes")
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("allocated %d bytes before refusing NUL bytes", got)
	}
}

// TestLimitsDenseCells checks that tables and LIBSVM files stop growing at
// MaxDenseCells, counting 4 cells a row, however short the rows.
func TestLimitsDenseCells(t *testing.T) {
	setLimits(t, 0, 0, 100)
	tests := []struct {
		name string
		read func() error
		line int
		want string
	}{
		{"table", func() error {
			_, err := ReadTable(strings.NewReader(strings.Repeat("1,2\n", 20)), "in.csv")
			return err
		}, 17, "17 rows of 2 values count 102 cells (each row its values plus 4), more than the 100"}, // 17·(2+4) = 102
		{"table one column", func() error {
			_, err := ReadTable(strings.NewReader(strings.Repeat("1\n", 30)), "in.csv")
			return err
		}, 21, "21 rows of 1 values"},
		{"table wide line", func() error {
			_, err := ReadTable(strings.NewReader(strings.Repeat("1,", 99)+"1\n"), "in.csv")
			return err
		}, 1, "1 rows of 100 values"},
		{"sklearn", func() error {
			_, err := ReadSklearnCSV(strings.NewReader("30,1\n"+strings.Repeat("1,0\n", 30)), "in.csv")
			return err
		}, 18, "17 rows of 2 values"},
		{"libsvm labels only", func() error {
			_, _, err := ReadLIBSVM(strings.NewReader(strings.Repeat("1\n", 30)), "in.csv")
			return err
		}, 26, "26 rows holding 0 values need at least 104 cells"},
		{"libsvm values", func() error {
			_, _, err := ReadLIBSVM(strings.NewReader(strings.Repeat("1 1:1 2:1 3:1 4:1\n", 30)), "in.csv")
			return err
		}, 13, "13 rows holding 52 values need at least 104 cells"}, // 4·13 + 52 = 104
		{"libsvm wide", func() error {
			_, _, err := ReadLIBSVM(strings.NewReader(strings.Repeat("1 96:1\n", 2)), "in.csv")
			return err
		}, 0, "2 rows × 96 features (plus 4 cells a row) is more than the 100 cells"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.read()
			checkLimitErr(t, err, tc.want, "MaxDenseCells")
			if pe := (*ParseError)(nil); errors.As(err, &pe) && pe.Line != tc.line {
				t.Errorf("Line = %d, want %d", pe.Line, tc.line)
			}
		})
	}
	// Just inside: 16 rows of 2 (96 cells), 25 labels (100), one row of 96.
	if _, err := ReadTable(strings.NewReader(strings.Repeat("1,2\n", 16)), "in.csv"); err != nil {
		t.Errorf("16 rows of 2: %v", err)
	}
	if _, _, err := ReadLIBSVM(strings.NewReader(strings.Repeat("1\n", 25)), "in.csv"); err != nil {
		t.Errorf("25 labels: %v", err)
	}
	if _, _, err := ReadLIBSVM(strings.NewReader("1 96:1\n"), "in.csv"); err != nil {
		t.Errorf("one row of 96: %v", err)
	}
}

// TestLimitsLoadLabeledStream checks that LoadLabeled, which looks at the
// first sniffBytes to tell the format, reads files longer than that whole.
func TestLimitsLoadLabeledStream(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, row string }{{"csv", "0.25,-3,1\n"}, {"libsvm", "1 1:0.25 2:-3\n"}} {
		n := sniffBytes/len(tc.row) + 7
		body := []byte(strings.Repeat(tc.row, n))
		for _, gz := range []bool{false, true} {
			p := filepath.Join(dir, fmt.Sprintf("%s-%v", tc.name, gz))
			b := body
			if gz {
				b = gzipBytes(body)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := LoadLabeled(p, "")
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if len(d.X) != n || len(d.X[n-1]) != 2 || d.X[n-1][0] != 0.25 || d.X[n-1][1] != -3 || d.Y[n-1] != 1 {
				t.Fatalf("%s: %d rows, last %v %v", p, len(d.X), d.X[n-1], d.Y[n-1])
			}
		}
	}
}

// gzipClaim returns a gzip IDX file whose one dimension claims about
// ratio times the gzip file's size, with only 3 data bytes present.
func gzipClaim(t *testing.T, ratio int) (z []byte, claim int) {
	t.Helper()
	claim = 1
	for range 5 {
		z = gzipBytes(idxBytes([]uint32{uint32(claim)}, []byte{1, 2, 3}))
		if next := ratio * len(z); next != claim {
			claim = next
			continue
		}
		return z, claim
	}
	t.Fatal("gzip size does not settle")
	return nil, 0
}

// TestLimitsIDXDeflateRatio checks that a gzip IDX file claiming more data
// than 1032 times its size, which DEFLATE cannot produce, is refused before
// reading, and that the bound is not so low that real data fail it.
func TestLimitsIDXDeflateRatio(t *testing.T) {
	z, claim := gzipClaim(t, 1066) // between 1032 and the old, ineffective 1100
	_, err := ReadIDX(bytes.NewReader(z))
	var ie *IDXError
	if !errors.As(err, &ie) || ie.Field != "data" || !strings.Contains(err.Error(), "can expand to at most about") ||
		!strings.Contains(err.Error(), fmt.Sprintf("need %d bytes", claim)) {
		t.Fatalf("claim %d from %d gzip bytes: err = %v, want the DEFLATE bound", claim, len(z), err)
	}
	// The most compressible data there are, at gzip's best: accepted.
	zeros := make([]byte, 8<<20)
	in := gzipBytes(idxBytes([]uint32{uint32(len(zeros))}, zeros))
	if r := float64(len(zeros)) / float64(len(in)); r > maxDeflateRatio {
		t.Fatalf("gzip reached %.1f:1, above maxDeflateRatio %d", r, maxDeflateRatio)
	}
	if _, err := ReadIDX(bytes.NewReader(in)); err != nil {
		t.Fatalf("8 MiB of zeros, gzip: %v", err)
	}
}

// TestLimitsIDXElements checks that a header claiming more than
// MaxIDXElements elements is refused with the file, the claim and the limit,
// before anything is allocated for it, in ReadIDXFile and ReadImagesFile.
func TestLimitsIDXElements(t *testing.T) {
	dir := t.TempDir()
	// The audit's bomb: 5 000 000 images of 28×28, here without the data
	// (the claim is refused before they would be read).
	hdr := idxBytes([]uint32{5000000, 28, 28}, nil)
	plain := filepath.Join(dir, "bomb.idx")
	gz := filepath.Join(dir, "bomb.idx.gz")
	if err := os.WriteFile(plain, hdr, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gz, gzipBytes(hdr), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{plain, gz} {
		for name, read := range map[string]func(string) error{
			"ReadIDXFile":    func(p string) error { _, err := ReadIDXFile(p); return err },
			"ReadImagesFile": func(p string) error { _, _, _, _, err := ReadImagesFile(p); return err },
		} {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := read(p)
			runtime.ReadMemStats(&after)
			var ie *IDXError
			if !errors.As(err, &ie) || ie.Field != "dim[2]" || ie.Offset != 12 {
				t.Fatalf("%s(%s): err = %v, want an *IDXError for dim[2] at byte 12", name, p, err)
			}
			for _, w := range []string{p, "claim 3920000000 elements", "1073741824 (MaxIDXElements)"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q does not contain %q", name, err, w)
				}
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
				t.Errorf("%s(%s): allocated %d bytes", name, p, got)
			}
		}
	}
	// Products that overflow 64 bits are reported exactly.
	_, err := ReadIDX(bytes.NewReader(idxBytes([]uint32{1 << 31, 1 << 31, 1 << 31}, nil)))
	if err == nil || !strings.Contains(err.Error(), "claim 9903520314283042199192993792 elements") {
		t.Errorf("2^93 claim: err = %v", err)
	}
	// At the limit the claim passes the header check (and fails for want of data).
	_, err = ReadIDX(bytes.NewReader(idxBytes([]uint32{1 << 15, 1 << 15}, nil)))
	if err == nil || !strings.Contains(err.Error(), "need 1073741824 bytes of data") {
		t.Errorf("2^30 claim: err = %v", err)
	}
	// A zero dimension makes the claim empty, whatever the others say.
	if got, err := ReadIDX(bytes.NewReader(idxBytes([]uint32{1 << 31, 1 << 31, 0}, nil))); err != nil || len(got.Data) != 0 {
		t.Errorf("empty claim: %v, %v", got, err)
	}
}

// TestLimitsIDXShortNoAllocation checks that a file shorter than a header
// claim within MaxIDXElements fails without allocating the claim, for every
// way the input can arrive.
func TestLimitsIDXShortNoAllocation(t *testing.T) {
	dims := []uint32{1000, 512, 512} // 262 144 000 elements, under the limit
	in := idxBytes(dims, []byte{1, 2, 3})
	dir := t.TempDir()
	plain := filepath.Join(dir, "short.idx")
	gz := filepath.Join(dir, "short.idx.gz")
	if err := os.WriteFile(plain, in, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gz, gzipBytes(in), 0o644); err != nil {
		t.Fatal(err)
	}
	reads := map[string]func() error{
		"file":            func() error { _, err := ReadIDXFile(plain); return err },
		"gzip file":       func() error { _, err := ReadIDXFile(gz); return err },
		"images file":     func() error { _, _, _, _, err := ReadImagesFile(plain); return err },
		"unsized":         func() error { _, err := ReadIDX(onlyReader{bytes.NewReader(in)}); return err },
		"gzip unsized":    func() error { _, err := ReadIDX(onlyReader{bytes.NewReader(gzipBytes(in))}); return err },
		"one byte a read": func() error { _, err := ReadIDX(iotest.OneByteReader(bytes.NewReader(in))); return err },
	}
	for name, read := range reads {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := read()
		runtime.ReadMemStats(&after)
		var ie *IDXError
		if !errors.As(err, &ie) || ie.Field != "data" {
			t.Fatalf("%s: err = %v, want an *IDXError for the data", name, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
			t.Errorf("%s: allocated %d bytes for a %d-byte input", name, got, len(in))
		}
	}
}

// TestLimitsCountCells: countCells, which counts a row's cells before they
// are split, agrees with splitCells, ASCII and Unicode spaces alike.
func TestLimitsCountCells(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"1", "2.5", "-3e7", " ", "  ", "\t", "\r", "\v", "\f", "\u00a0", "\u0085", "\u2003", ",", "é", "x"}
	for range 20000 {
		var b strings.Builder
		for range rnd.IntN(12) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		s := b.String()
		for _, comma := range []bool{false, true} {
			if got, want := countCells(s, comma), len(splitCells(s, comma)); got != want {
				t.Fatalf("countCells(%q, %v) = %d, splitCells gives %d", s, comma, got, want)
			}
		}
	}
}
