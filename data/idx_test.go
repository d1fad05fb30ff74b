package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// idxBytes encodes an IDX file of unsigned bytes with the given dims and data.
func idxBytes(dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, IDXUint8, byte(len(dims))})
	for _, d := range dims {
		_ = binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	return b.Bytes()
}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}

// onlyReader hides the Len method of *bytes.Reader, so that ReadIDX cannot
// know the size in advance.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestReadIDX(t *testing.T) {
	img := idxBytes([]uint32{2, 2, 3}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255})
	tests := []struct {
		name     string
		in       []byte
		dims     []int
		wantErr  string // substring of the error; "" for success
		wantFld  string
		wantOffs int64
	}{
		{name: "plain", in: img, dims: []int{2, 2, 3}},
		{name: "gzip", in: gzipBytes(img), dims: []int{2, 2, 3}},
		{name: "labels", in: idxBytes([]uint32{3}, []byte{7, 2, 1}), dims: []int{3}},
		{name: "zero length", in: idxBytes([]uint32{0, 28, 28}, nil), dims: []int{0, 28, 28}},
		{name: "empty file", in: nil, wantErr: "the file is empty", wantFld: "magic"},
		{name: "short magic", in: []byte{0, 0}, wantErr: "inside the 4-byte magic", wantFld: "magic"},
		{name: "bad magic", in: []byte{'P', 'K', 3, 4, 0, 0, 0, 0}, wantErr: "50 4b 03 04", wantFld: "magic"},
		{name: "float32", in: []byte{0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0}, wantErr: "float32 (0x0D); only unsigned byte", wantFld: "dtype", wantOffs: 2},
		{name: "int32", in: []byte{0, 0, 0x0C, 1, 0, 0, 0, 0}, wantErr: "int32 (0x0C)", wantFld: "dtype", wantOffs: 2},
		{name: "unknown dtype", in: []byte{0, 0, 0x42, 1, 0, 0, 0, 0}, wantErr: "0x42, which is not an IDX type", wantFld: "dtype", wantOffs: 2},
		{name: "no dims", in: []byte{0, 0, 8, 0}, wantErr: "0 dimensions", wantFld: "dims", wantOffs: 3},
		{name: "too many dims", in: []byte{0, 0, 8, 17}, wantErr: "17 dimensions", wantFld: "dims", wantOffs: 3},
		{name: "truncated dims", in: []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0}, wantErr: "3 dimension sizes need 12 bytes, only 6", wantFld: "dims"},
		{name: "truncated data", in: img[:len(img)-2], wantErr: "only 10 bytes follow the header", wantFld: "data", wantOffs: 16},
		{name: "truncated data gzip", in: gzipBytes(img[:len(img)-2]), wantErr: "need 12 bytes of data but the file ends after 10", wantFld: "data", wantOffs: 26},
		{name: "trailing data", in: append(append([]byte{}, img...), 1, 2, 3), wantErr: "3 bytes follow the 12 data bytes", wantFld: "end", wantOffs: 28},
		{name: "huge claim", in: idxBytes([]uint32{1000000, 1000000}, []byte{1, 2, 3}), wantErr: "claim 1000000000000 elements, more than the 1073741824 (MaxIDXElements)", wantFld: "dim[1]", wantOffs: 8},
		{name: "claim beyond file", in: idxBytes([]uint32{60000, 28, 28}, []byte{1, 2, 3}), wantErr: "need 47040000 bytes of data but only 3 bytes follow", wantFld: "data"},
		{name: "claim beyond gzip", in: gzipBytes(idxBytes([]uint32{100000, 1000}, []byte{1, 2, 3})), wantErr: "can expand to at most about", wantFld: "data"},
		{name: "bad gzip header", in: []byte{0x1f, 0x8b, 1, 2, 3}, wantErr: "gzip header is bad", wantFld: "magic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadIDX(bytes.NewReader(tc.in))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("ReadIDX: %v", err)
				}
				if !equalInts(got.Dims, tc.dims) {
					t.Fatalf("dims = %v, want %v", got.Dims, tc.dims)
				}
				if n := prod(tc.dims); len(got.Data) != n {
					t.Fatalf("len(Data) = %d, want %d", len(got.Data), n)
				}
				return
			}
			if err == nil {
				t.Fatalf("ReadIDX succeeded, want error containing %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %q does not contain %q", err, tc.wantErr)
			}
			var ie *IDXError
			if !errors.As(err, &ie) || !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not an *IDXError wrapping ErrFormat", err)
			}
			if ie.Field != tc.wantFld {
				t.Errorf("Field = %q, want %q", ie.Field, tc.wantFld)
			}
			if tc.wantOffs != 0 && ie.Offset != tc.wantOffs {
				t.Errorf("Offset = %d, want %d", ie.Offset, tc.wantOffs)
			}
		})
	}
}

func TestReadIDXData(t *testing.T) {
	data := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}
	for _, in := range [][]byte{idxBytes([]uint32{2, 2, 3}, data), gzipBytes(idxBytes([]uint32{2, 2, 3}, data))} {
		got, err := ReadIDX(onlyReader{bytes.NewReader(in)})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Data, data) {
			t.Fatalf("Data = %v, want %v", got.Data, data)
		}
	}
}

func TestReadIDXCorruptGzip(t *testing.T) {
	big := make([]byte, 5000)
	for i := range big {
		big[i] = byte(i * 7)
	}
	z := gzipBytes(idxBytes([]uint32{5000}, big))
	// Flip a byte of the CRC-32 in the gzip trailer: the data decode, the
	// checksum does not match.
	crc := append([]byte{}, z...)
	crc[len(crc)-6] ^= 0xff
	if _, err := ReadIDX(bytes.NewReader(crc)); err == nil || !errors.Is(err, gzip.ErrChecksum) || !errors.Is(err, ErrFormat) {
		t.Errorf("bad CRC: err = %v, want gzip.ErrChecksum and ErrFormat", err)
	}
	// Damage the deflate stream; whatever the decoder says, no panic and a
	// format error.
	for i := 12; i < len(z)-8; i += 5 {
		bad := append([]byte{}, z...)
		bad[i] ^= 0x5a
		if _, err := ReadIDX(bytes.NewReader(bad)); err != nil && !errors.Is(err, ErrFormat) {
			t.Fatalf("flip at %d: error %v does not wrap ErrFormat", i, err)
		}
	}
}

// TestReadIDXNoHugeAllocation checks that a header claiming far more data
// than is present does not allocate for the claim, whether or not the size
// of the input is known.
func TestReadIDXNoHugeAllocation(t *testing.T) {
	in := idxBytes([]uint32{4000, 1000, 1000}, []byte{1, 2, 3}) // claims 4·10⁹ bytes
	readers := map[string]func() io.Reader{
		"sized":        func() io.Reader { return bytes.NewReader(in) },
		"unsized":      func() io.Reader { return onlyReader{bytes.NewReader(in)} },
		"gzip unsized": func() io.Reader { return onlyReader{bytes.NewReader(gzipBytes(in))} },
	}
	for name, mk := range readers {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadIDX(mk())
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("%s: ReadIDX accepted a truncated file", name)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
			t.Errorf("%s: allocated %d bytes for a %d-byte input", name, got, len(in))
		}
	}
}

func TestReadIDXFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	bad := filepath.Join(dir, "bad.gz")
	if err := os.WriteFile(good, gzipBytes(idxBytes([]uint32{2}, []byte{4, 5})), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, idxBytes([]uint32{9}, []byte{4, 5}), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadIDXFile(good) // gzip without .gz in the name
	if err != nil || !bytes.Equal(got.Data, []byte{4, 5}) {
		t.Fatalf("ReadIDXFile(good) = %v, %v", got, err)
	}
	_, err = ReadIDXFile(bad) // plain despite .gz in the name, and truncated
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "need 9 bytes") {
		t.Fatalf("ReadIDXFile(bad) error = %v, want the path and the cause", err)
	}
	if _, err := ReadIDXFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: err = %v", err)
	}
}

func FuzzReadIDX(f *testing.F) {
	img := idxBytes([]uint32{2, 2, 3}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255})
	f.Add(img)
	f.Add(gzipBytes(img))
	f.Add(idxBytes([]uint32{3}, []byte{1, 2, 3}))
	f.Add(img[:9])
	f.Add([]byte{0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		if n := prod(got.Dims); n != len(got.Data) {
			t.Fatalf("dims %v hold %d elements, Data has %d", got.Dims, n, len(got.Data))
		}
	})
}

func prod(d []int) int {
	n := 1
	for _, v := range d {
		n *= v
	}
	return n
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
