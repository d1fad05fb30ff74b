package data_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/bayesrule/blr/data"
)

// rawIDX builds an unsigned-byte IDX file by hand: 00 00 08 <ndims>, the
// big-endian sizes, then tail.
func rawIDX(dims []uint32, tail []byte) []byte {
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	return append(b, tail...)
}

// TestIDXErrorPlaces pins where ReadIDX blames a bad file: the field and
// byte offset of the first dimension that takes the element count past
// MaxIDXElements (not a later one), the offset 4+4·ndims+size of bytes that
// follow the data, and an empty file told apart from one cut inside the
// magic number.
func TestIDXErrorPlaces(t *testing.T) {
	big := uint32(data.MaxIDXElements + 1)
	for _, tc := range []struct {
		name   string
		file   []byte
		field  string
		offset int64
		reason string
	}{
		{"first dim too large", rawIDX([]uint32{big, 1, 1}, nil), "dim[0]", 4, "MaxIDXElements"},
		{"second dim takes it past", rawIDX([]uint32{2, 1 << 30, 3}, nil), "dim[1]", 8, "MaxIDXElements"},
		{"one trailing byte", rawIDX([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6, 7}), "end", 4 + 8 + 6, "1 bytes follow"},
		{"trailing bytes, 1 dim", rawIDX([]uint32{5}, make([]byte, 9)), "end", 4 + 4 + 5, "4 bytes follow"},
		{"empty file", nil, "magic", 0, "the file is empty"},
		{"one byte", []byte{0}, "magic", 0, "ends after 1 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := data.ReadIDX(bytes.NewReader(tc.file))
			var ie *data.IDXError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v, want an *IDXError", err)
			}
			if ie.Field != tc.field || ie.Offset != tc.offset || !strings.Contains(ie.Reason, tc.reason) {
				t.Errorf("field %q offset %d reason %q, want %q, %d and %q", ie.Field, ie.Offset, ie.Reason, tc.field, tc.offset, tc.reason)
			}
		})
	}
}

// TestTableShortLastLine pins that a last line without a newline is read
// whatever its length, one byte included, and that a line count is not
// changed by it: the rows are written out here by hand.
func TestTableShortLastLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		rows [][]float64
	}{
		{"1\n2\n3", [][]float64{{1}, {2}, {3}}},
		{"7", [][]float64{{7}}},
		{"y\n5", [][]float64{{5}}},
		{"1\n22", [][]float64{{1}, {22}}},
		{"1\n2\n", [][]float64{{1}, {2}}},
	} {
		got, err := data.ReadTableWith(strings.NewReader(tc.in), "t.csv", data.TableOptions{})
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got.Rows, tc.rows) {
			t.Errorf("%q: rows %v, want %v", tc.in, got.Rows, tc.rows)
		}
	}
}

// TestIDXGzipChecksumAfterData pins the error for a gzip file whose data
// are complete but whose CRC-32 trailer is wrong: field "end" at offset
// 4+4·ndims+size (the first byte after the data), wrapping
// gzip.ErrChecksum.
func TestIDXGzipChecksumAfterData(t *testing.T) {
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	if _, err := zw.Write(rawIDX([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	b := zb.Bytes()
	b[len(b)-8] ^= 0xff // the trailer is CRC-32 then size, 4 bytes each
	_, err := data.ReadIDX(bytes.NewReader(b))
	var ie *data.IDXError
	if !errors.As(err, &ie) || ie.Field != "end" || ie.Offset != 4+8+6 || !errors.Is(err, gzip.ErrChecksum) {
		t.Fatalf("error %#v, want an *IDXError on end at 18 wrapping gzip.ErrChecksum", err)
	}
}

// TestEpochOrderEmpty pins EpochOrder for n ≤ 0: no examples, an empty
// order (n < 0 is treated as 0).
func TestEpochOrderEmpty(t *testing.T) {
	for _, n := range []int{0, -1, -7} {
		if got := data.EpochOrder(n, 3, 1); len(got) != 0 {
			t.Errorf("EpochOrder(%d) = %v, want empty", n, got)
		}
	}
}

// TestTableReadError pins a failing reader in the middle of a table: a
// *ParseError on the line being read (here 3, after two whole lines) whose
// reason carries the reader's error, never a panic.
func TestTableReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("1,2\n3,4\n5,"), iotest.ErrReader(boom))
	_, err := data.ReadTableWith(r, "t.csv", data.TableOptions{})
	var pe *data.ParseError
	if !errors.As(err, &pe) || pe.Line != 3 || !strings.Contains(pe.Reason, "reading failed: disk on fire") {
		t.Fatalf("error %#v, want a ParseError on line 3 carrying the read error", err)
	}
}

// TestQuotedEmptyHeaderCell pins the unquoting of header cells at the
// shortest quoted cell: "" is the empty name, refused on column 1; "a" is a;
// a lone quote is kept as it is.
func TestQuotedEmptyHeaderCell(t *testing.T) {
	_, err := data.ReadTable(strings.NewReader("\"\",a\n1,2\n"), "t.csv")
	var pe *data.ParseError
	if !errors.As(err, &pe) || pe.Line != 1 || pe.Column != 1 || !strings.Contains(pe.Reason, "name is empty") {
		t.Errorf("header \"\": error %v, want an empty name on line 1, column 1", err)
	}
	got, err := data.ReadTable(strings.NewReader("\"a\",\"\n1,2\n"), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", `"`}; !reflect.DeepEqual(got.Header, want) {
		t.Errorf("header %q, want %q", got.Header, want)
	}
}

// TestLIBSVMWidthOne pins ReadLIBSVMFeatures with d = 1: index 1 is the
// only feature, and index 2 is refused.
func TestLIBSVMWidthOne(t *testing.T) {
	X, y, err := data.ReadLIBSVMFeatures(strings.NewReader("1 1:5\n-1\n"), "a.svm", 1)
	if err != nil || !reflect.DeepEqual(X, [][]float64{{5}, {0}}) || !reflect.DeepEqual(y, []float64{1, -1}) {
		t.Errorf("X %v y %v err %v, want [[5] [0]], [1 -1]", X, y, err)
	}
	if _, _, err := data.ReadLIBSVMFeatures(strings.NewReader("1 2:5\n"), "a.svm", 1); err == nil {
		t.Error("index 2 with d = 1 was read")
	}
}

// TestIDXShortDataFromPosition pins the early size check of ReadIDX on a
// reader that knows its size (an *io.SectionReader and an *os.File), read
// from an offset: the bytes left after the header are size − position, so
// a claim of 10 data bytes with 3 present is refused at the header's end
// (offset 8) as "only 3 bytes follow the header".
func TestIDXShortDataFromPosition(t *testing.T) {
	junk := []byte("JUNK!")
	file := append(append([]byte{}, junk...), rawIDX([]uint32{10}, []byte{1, 2, 3})...)
	path := filepath.Join(t.TempDir(), "x.idx")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	for _, r := range []io.ReadSeeker{io.NewSectionReader(bytes.NewReader(file), 0, int64(len(file))), fh} {
		if _, err := r.Seek(int64(len(junk)), io.SeekStart); err != nil {
			t.Fatal(err)
		}
		_, err := data.ReadIDX(r)
		var ie *data.IDXError
		if !errors.As(err, &ie) || ie.Field != "data" || ie.Offset != 8 || !strings.Contains(ie.Reason, "only 3 bytes follow the header") {
			t.Errorf("%T: error %v, want the early size check at offset 8", r, err)
		}
	}
}
