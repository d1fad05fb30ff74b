package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// decodeErrors are the values every Decode error must wrap one of.
var decodeErrors = []error{ErrTruncated, ErrHeader, ErrFormat, ErrVersion, ErrChecksum, ErrNonFinite}

// sample returns a small training state that exercises every dtype, a
// scalar, an empty tensor, names on both sides of "__metadata__" and
// metadata that needs escaping.
func sample(step int64) *File {
	m := Meta{
		KeyAlgorithm:      "ivon",
		KeyFamily:         "diag-gaussian",
		KeyDataSize:       "1000",
		KeyLoaderEpoch:    "2",
		KeyLoaderPosition: "17",
		"note":            "quote \" backslash \\ tab \t nl \n nul \x00 del \x7f λ→∞ 😀 <&>",
	}
	m.SetInt(KeyStep, step)
	if err := m.SetJSON(KeyHyperparameters, map[string]any{"lr": 0.1, "beta2": 0.99999, "ess": 1000}); err != nil {
		panic(err)
	}
	if err := m.SetRandState(KeyRandState, rand.NewPCG(1, uint64(step))); err != nil {
		panic(err)
	}
	s := float64(step)
	return &File{
		Kind: KindTrainingState,
		Meta: m,
		Tensors: []Tensor{
			NewFloat64("precision", []float64{1 + s, 2.5, 1e-300}),
			NewFloat64("mean", []float64{s, -0.125, math.SmallestNonzeroFloat64}),
			NewFloat32("Momentum", []float32{1, -2, 3.5, float32(s)}, 2, 2),
			NewInt64("_perm", []int64{3, 0, -1, math.MaxInt64}),
			NewUint8("z", []byte{}),
			{Name: "__scalar", DType: F64, F64: []float64{math.Pi}},
			{Name: "scale", DType: F64, Shape: []int{}, F64: []float64{2}},
		},
	}
}

func mustEncode(t testing.TB, f *File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

// normalize returns f as Decode returns it: tensors sorted, shapes non-nil,
// empty slices non-nil for the tensor's dtype.
func normalize(f *File) *File {
	g := &File{Kind: f.Kind, Meta: Meta{}, Tensors: append([]Tensor{}, f.Tensors...)}
	for k, v := range f.Meta {
		g.Meta[k] = v
	}
	slices.SortFunc(g.Tensors, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	for i := range g.Tensors {
		t := &g.Tensors[i]
		if t.Shape == nil {
			t.Shape = []int{}
		}
		switch t.DType {
		case F64:
			t.F64 = append([]float64{}, t.F64...)
		case F32:
			t.F32 = append([]float32{}, t.F32...)
		case I64:
			t.I64 = append([]int64{}, t.I64...)
		case U8:
			t.U8 = append([]byte{}, t.U8...)
		}
	}
	return g
}

func TestRoundTrip(t *testing.T) {
	reversed := sample(7)
	slices.Reverse(reversed.Tensors)
	tests := []struct {
		name string
		f    *File
	}{
		{"no tensors", &File{Kind: KindPosterior}},
		{"empty meta map", &File{Kind: KindPosterior, Meta: Meta{}}},
		{"one scalar", &File{Kind: KindPosterior, Tensors: []Tensor{{Name: "x", DType: I64, I64: []int64{-1}}}}},
		{"zero-size dims", &File{Kind: KindPosterior, Tensors: []Tensor{NewFloat32("e", nil, 0, 5), NewInt64("f", []int64{}, 3, 0)}}},
		{"posterior", &File{Kind: KindPosterior, Meta: Meta{KeyFamily: "diag-gaussian"}, Tensors: []Tensor{
			NewFloat64("mean", []float64{0.5, -1}), NewFloat64("precision", []float64{3, 4})}}},
		{"training state", sample(3)},
		{"same state, tensors reversed", reversed},
		{"names sort around __metadata__", &File{Kind: KindPosterior, Tensors: []Tensor{
			NewUint8("__a", []byte{1}), NewUint8("__metadata__x", []byte{2}), NewUint8("__metadata_", []byte{3}),
			NewUint8("Z", []byte{4}), NewUint8("é", []byte{5}), NewUint8("\x01", []byte{6})}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b1 := mustEncode(t, tc.f)
			if n := binary.LittleEndian.Uint64(b1); (8+n)%8 != 0 {
				t.Errorf("8+N = %d is not a multiple of 8", 8+n)
			}
			g, err := Decode(b1)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if want := normalize(tc.f); !reflect.DeepEqual(g, want) {
				t.Errorf("Decode(Encode(f)) =\n%#v\nwant\n%#v", g, want)
			}
			b2 := mustEncode(t, g)
			if !bytes.Equal(b1, b2) {
				t.Errorf("encode → decode → encode changed the bytes:\n%q\n%q", b1, b2)
			}
			if b3 := mustEncode(t, tc.f); !bytes.Equal(b1, b3) {
				t.Errorf("encoding the same File twice gave different bytes")
			}
		})
	}
	if !bytes.Equal(mustEncode(t, sample(7)), mustEncode(t, reversed)) {
		t.Errorf("tensor order in File changed the bytes")
	}
}

// TestFloatBitsPreserved checks that signed zeros, subnormals and extreme
// values survive bit for bit.
func TestFloatBitsPreserved(t *testing.T) {
	f64 := []float64{0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, -math.MaxFloat64, math.Nextafter(1, 2)}
	f32 := []float32{0, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, -math.MaxFloat32, math.Nextafter32(1, 2)}
	g, err := Decode(mustEncode(t, &File{Kind: KindPosterior, Tensors: []Tensor{NewFloat64("a", f64), NewFloat32("b", f32)}}))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range g.Tensors[0].F64 {
		if math.Float64bits(v) != math.Float64bits(f64[i]) {
			t.Errorf("F64[%d] = %x, want %x", i, math.Float64bits(v), math.Float64bits(f64[i]))
		}
	}
	for i, v := range g.Tensors[1].F32 {
		if math.Float32bits(v) != math.Float32bits(f32[i]) {
			t.Errorf("F32[%d] = %x, want %x", i, math.Float32bits(v), math.Float32bits(f32[i]))
		}
	}
}

// TestLayout pins the exact bytes of a small posterior, as documented.
func TestLayout(t *testing.T) {
	f := &File{Kind: KindPosterior, Meta: Meta{KeyFamily: "diag-gaussian"}, Tensors: []Tensor{
		NewFloat64("precision", []float64{4}), NewFloat64("mean", []float64{1.5})}}
	b := mustEncode(t, f)
	n := binary.LittleEndian.Uint64(b)
	header := string(b[8 : 8+n])
	const want = `{"__metadata__":{"crc32c":"XXXXXXXX","family":"diag-gaussian","format":"blr","kind":"posterior","version":"1"},` +
		`"mean":{"data_offsets":[0,8],"dtype":"F64","shape":[1]},"precision":{"data_offsets":[8,16],"dtype":"F64","shape":[1]}}`
	i := strings.Index(header, `"crc32c":"`) + len(`"crc32c":"`)
	got := header[:i] + "XXXXXXXX" + header[i+8:]
	if strings.TrimRight(got, " ") != want {
		t.Errorf("header\n%s\nwant\n%s", got, want)
	}
	if pad := len(got) - len(want); pad < 0 || pad > 7 || (8+len(got))%8 != 0 {
		t.Errorf("padding of %d spaces to a header of %d bytes", pad, len(got))
	}
	data := b[8+n:]
	if len(data) != 16 || math.Float64frombits(binary.LittleEndian.Uint64(data)) != 1.5 ||
		math.Float64frombits(binary.LittleEndian.Uint64(data[8:])) != 4 {
		t.Errorf("data buffer %x", data)
	}
	// The checksum, recomputed from its definition.
	zeroed := bytes.Clone(b)
	copy(zeroed[8+i:], "00000000")
	if sum := fmt.Sprintf("%08x", crc32.Checksum(zeroed, crc32.MakeTable(crc32.Castagnoli))); sum != header[i:i+8] {
		t.Errorf("crc32c = %s, recomputed %s", header[i:i+8], sum)
	}
	// Any JSON reader can parse the header.
	var generic map[string]any
	if err := json.Unmarshal([]byte(header), &generic); err != nil {
		t.Errorf("encoding/json rejects the header: %v", err)
	}
}

func TestTruncation(t *testing.T) {
	b := mustEncode(t, sample(1))
	for n := range len(b) {
		_, err := Decode(b[:n])
		var de *DecodeError
		if !errors.Is(err, ErrTruncated) || !errors.As(err, &de) {
			t.Fatalf("Decode of the first %d of %d bytes: %v, want ErrTruncated", n, len(b), err)
		}
	}
	t.Logf("%d truncations, all ErrTruncated", len(b))
}

func TestBitFlips(t *testing.T) {
	b := mustEncode(t, sample(1))
	counts := map[error]int{}
	for i := range len(b) * 8 {
		c := bytes.Clone(b)
		c[i/8] ^= 1 << (i % 8)
		_, err := Decode(c)
		if err == nil {
			t.Fatalf("flipping bit %d of byte %d went undetected", i%8, i/8)
		}
		found := false
		for _, e := range decodeErrors {
			if errors.Is(err, e) {
				counts[e]++
				found = true
			}
		}
		if !found {
			t.Fatalf("flip of bit %d of byte %d: untyped error %v", i%8, i/8, err)
		}
	}
	t.Logf("%d single-bit flips, all detected: %d truncated, %d header, %d format, %d version, %d checksum",
		len(b)*8, counts[ErrTruncated], counts[ErrHeader], counts[ErrFormat], counts[ErrVersion], counts[ErrChecksum])
}

// TestRandomCorruption flips random bytes and splices random runs over a
// checkpoint; every result must be rejected with a typed error.
func TestRandomCorruption(t *testing.T) {
	b := mustEncode(t, sample(1))
	r := rand.New(rand.NewPCG(1, 2))
	const trials = 3000
	for range trials {
		c := bytes.Clone(b)
		for range 1 + r.IntN(4) {
			c[r.IntN(len(c))] = byte(r.Uint32())
		}
		if bytes.Equal(c, b) {
			continue
		}
		_, err := Decode(c)
		if err == nil {
			t.Fatalf("corruption undetected: %q", c)
		}
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("untyped error %v", err)
		}
	}
}

// craft builds a file from a header and a data buffer. It pads the header
// with spaces unless pad is false, and if the header holds
// "crc32c":"00000000" it fills in the right checksum, so that each case
// tests the check it is about.
func craft(header string, data []byte, pad bool) []byte {
	h := []byte(header)
	for pad && (8+len(h))%8 != 0 {
		h = append(h, ' ')
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	b = append(b, h...)
	b = append(b, data...)
	if i := bytes.Index(b, []byte(`"crc32c":"00000000"`)); i >= 0 {
		at := i + len(`"crc32c":"`)
		copy(b[at:], fmt.Sprintf("%08x", crc32.Checksum(b, castagnoli)))
	}
	return b
}

func f64bytes(v ...float64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

func TestDecodeErrors(t *testing.T) {
	const meta = `"__metadata__":{"crc32c":"00000000","format":"blr","kind":"posterior","version":"1"}`
	const x1 = `"x":{"data_offsets":[0,8],"dtype":"F64","shape":[1]}`
	one := f64bytes(1)
	lenOnly := func(n uint64, extra int) []byte {
		return append(binary.LittleEndian.AppendUint64(nil, n), make([]byte, extra)...)
	}
	tests := []struct {
		name string
		data []byte
		want error // nil: valid
	}{
		{"valid", craft(`{`+meta+`,`+x1+`}`, one, true), nil},
		{"valid, no tensors", craft(`{`+meta+`}`, nil, true), nil},
		{"empty file", nil, ErrTruncated},
		{"seven bytes", make([]byte, 7), ErrTruncated},
		{"header length over the cap", lenOnly(MaxHeaderSize+1, 8), ErrHeader},
		{"header length 2^64-1", lenOnly(math.MaxUint64, 8), ErrHeader},
		{"header length past the end", lenOnly(9, 8), ErrTruncated},
		{"zero-length header", lenOnly(0, 0), ErrHeader},
		{"header is an array", craft(`[]`, nil, true), ErrHeader},
		{"header is not JSON", craft(`{"x":`, nil, true), ErrHeader},
		{"header is a string", craft(`"abc"`, nil, true), ErrHeader},
		{"duplicate tensor", craft(`{`+meta+`,`+x1+`,`+x1+`}`, one, true), ErrHeader},
		{"empty metadata key", craft(`{"__metadata__":{"":"x","crc32c":"00000000","format":"blr","kind":"posterior","version":"1"}}`, nil, true), ErrHeader},
		{"duplicate metadata key", craft(`{"__metadata__":{"crc32c":"00000000","format":"blr","format":"blr","kind":"posterior","version":"1"}}`, nil, true), ErrHeader},
		{"duplicate field", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","dtype":"F64","shape":[1]}}`, one, true), ErrHeader},
		{"unknown dtype", craft(`{`+meta+`,"x":{"data_offsets":[0,2],"dtype":"BF16","shape":[1]}}`, []byte{0, 0}, true), ErrHeader},
		{"dtype not a string", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":8,"shape":[1]}}`, one, true), ErrHeader},
		{"negative dimension", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":[-1]}}`, one, true), ErrHeader},
		{"fractional dimension", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":[1.0]}}`, one, true), ErrHeader},
		{"exponent dimension", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":[1e0]}}`, one, true), ErrHeader},
		{"leading zero", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":[01]}}`, one, true), ErrHeader},
		{"shape is a string", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":"1"}}`, one, true), ErrHeader},
		{"shape null", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":null}}`, one, true), ErrHeader},
		{"integer overflow", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":[99999999999999999999]}}`, one, true), ErrHeader},
		{"element count overflow", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":[4294967296,4294967296]}}`, one, true), ErrHeader},
		{"three offsets", craft(`{`+meta+`,"x":{"data_offsets":[0,8,8],"dtype":"F64","shape":[1]}}`, one, true), ErrHeader},
		{"one offset", craft(`{`+meta+`,"x":{"data_offsets":[8],"dtype":"F64","shape":[1]}}`, one, true), ErrHeader},
		{"end before begin", craft(`{`+meta+`,"x":{"data_offsets":[8,0],"dtype":"F64","shape":[1]}}`, one, true), ErrHeader},
		{"offsets disagree with shape", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":[2]}}`, one, true), ErrHeader},
		{"missing dtype", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"shape":[1]}}`, one, true), ErrHeader},
		{"missing shape", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64"}}`, one, true), ErrHeader},
		{"missing offsets", craft(`{`+meta+`,"x":{"dtype":"F64","shape":[1]}}`, one, true), ErrHeader},
		{"unknown field", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":[1],"stride":[1]}}`, one, true), ErrHeader},
		{"tensor not an object", craft(`{`+meta+`,"x":[0,8]}`, one, true), ErrHeader},
		{"empty tensor name", craft(`{"":{"data_offsets":[0,8],"dtype":"F64","shape":[1]},`+meta+`}`, one, true), ErrHeader},
		{"gap", craft(`{`+meta+`,"x":{"data_offsets":[8,16],"dtype":"F64","shape":[1]}}`, f64bytes(1, 2), true), ErrHeader},
		{"overlap", craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":[1]},"y":{"data_offsets":[0,8],"dtype":"F64","shape":[1]}}`, one, true), ErrHeader},
		{"packed out of name order", craft(`{`+meta+`,"x":{"data_offsets":[8,16],"dtype":"F64","shape":[1]},"y":{"data_offsets":[0,8],"dtype":"F64","shape":[1]}}`, f64bytes(1, 2), true), ErrHeader},
		{"unindexed trailer", craft(`{`+meta+`,`+x1+`}`, f64bytes(1, 2), true), ErrHeader},
		{"data cut short", craft(`{`+meta+`,"x":{"data_offsets":[0,16],"dtype":"F64","shape":[2]}}`, one, true), ErrTruncated},
		{"metadata value a number", craft(`{"__metadata__":{"crc32c":"00000000","format":"blr","kind":"posterior","step":1,"version":"1"}}`, nil, true), ErrHeader},
		{"metadata not an object", craft(`{"__metadata__":"blr"}`, nil, true), ErrHeader},
		{"whitespace", craft(`{ `+meta+`,`+x1+`}`, one, true), ErrHeader},
		{"keys unsorted", craft(`{`+x1+`,`+meta+`}`, one, true), ErrHeader},
		{"metadata keys unsorted", craft(`{"__metadata__":{"format":"blr","crc32c":"00000000","kind":"posterior","version":"1"}}`, nil, true), ErrHeader},
		{"needless escape", craft(`{`+meta+`,"\u0078":{"data_offsets":[0,8],"dtype":"F64","shape":[1]}}`, one, true), ErrHeader},
		{"escaped slash", craft(`{"__metadata__":{"a":"\/","crc32c":"00000000","format":"blr","kind":"posterior","version":"1"}}`, nil, true), ErrHeader},
		{"padding missing", craft(`{`+meta+`}`+"", nil, false), ErrHeader},
		{"padding too long", craft(`{`+meta+`}        `, nil, true), ErrHeader},
		{"tab padding", craft(`{`+meta+`}`+"\t\t\t\t\t\t\t\t", nil, false), ErrHeader},
		{"garbage after object", craft(`{`+meta+`}x`, nil, true), ErrHeader},
		{"raw control character", craft(`{"__metadata__":{"a":"`+"\x01"+`","crc32c":"00000000","format":"blr","kind":"posterior","version":"1"}}`, nil, true), ErrHeader},
		{"invalid UTF-8", craft(`{"__metadata__":{"a":"`+"\xff"+`","crc32c":"00000000","format":"blr","kind":"posterior","version":"1"}}`, nil, true), ErrHeader},
		{"lone surrogate", craft(`{"__metadata__":{"a":"\ud800","crc32c":"00000000","format":"blr","kind":"posterior","version":"1"}}`, nil, true), ErrHeader},
		{"bad escape", craft(`{"__metadata__":{"a":"\x","crc32c":"00000000","format":"blr","kind":"posterior","version":"1"}}`, nil, true), ErrHeader},
		{"unterminated string", craft(`{"__metadata__":{"a`, nil, true), ErrHeader},
		{"no metadata", craft(`{`+x1+`}`, one, true), ErrFormat},
		{"plain safetensors metadata", craft(`{"__metadata__":{"format":"pt"},`+x1+`}`, one, true), ErrFormat},
		{"no format", craft(`{"__metadata__":{"crc32c":"00000000","kind":"posterior","version":"1"}}`, nil, true), ErrFormat},
		{"other format", craft(`{"__metadata__":{"crc32c":"00000000","format":"gguf","kind":"posterior","version":"1"}}`, nil, true), ErrFormat},
		{"version 2", craft(`{"__metadata__":{"crc32c":"00000000","format":"blr","kind":"posterior","version":"2"}}`, nil, true), ErrVersion},
		{"no version", craft(`{"__metadata__":{"crc32c":"00000000","format":"blr","kind":"posterior"}}`, nil, true), ErrVersion},
		{"unknown kind", craft(`{"__metadata__":{"crc32c":"00000000","format":"blr","kind":"model","version":"1"}}`, nil, true), ErrFormat},
		{"no kind", craft(`{"__metadata__":{"crc32c":"00000000","format":"blr","version":"1"}}`, nil, true), ErrFormat},
		{"no checksum", craft(`{"__metadata__":{"format":"blr","kind":"posterior","version":"1"}}`, nil, true), ErrChecksum},
		{"upper-case checksum", craft(`{"__metadata__":{"crc32c":"ABCDEF01","format":"blr","kind":"posterior","version":"1"}}`, nil, true), ErrChecksum},
		{"short checksum", craft(`{"__metadata__":{"crc32c":"abc","format":"blr","kind":"posterior","version":"1"}}`, nil, true), ErrChecksum},
		{"wrong checksum", craft(`{"__metadata__":{"crc32c":"01234567","format":"blr","kind":"posterior","version":"1"}}`, nil, true), ErrChecksum},
		{"NaN", craft(`{`+meta+`,`+x1+`}`, f64bytes(math.NaN()), true), ErrNonFinite},
		{"+Inf", craft(`{`+meta+`,`+x1+`}`, f64bytes(math.Inf(1)), true), ErrNonFinite},
		{"F32 -Inf", craft(`{`+meta+`,"x":{"data_offsets":[0,4],"dtype":"F32","shape":[]}}`, binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(math.Inf(-1)))), true), ErrNonFinite},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Decode(tc.data)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if b := mustEncode(t, f); !bytes.Equal(b, tc.data) {
					t.Errorf("re-encoding gave other bytes")
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decode: %v, want %v", err, tc.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > int64(len(tc.data)) {
				t.Errorf("error %#v: want a *DecodeError with an offset in the file", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tc.want.Error()+" at byte ") || de.Detail == "" {
				t.Errorf("message %q", msg)
			}
			t.Log(err)
			for _, other := range decodeErrors {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("error also wraps %v", other)
				}
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	ok := func() *File { return &File{Kind: KindPosterior, Tensors: []Tensor{NewFloat64("x", []float64{1})}} }
	with := func(edit func(*File)) *File { f := ok(); edit(f); return f }
	tests := []struct {
		name    string
		f       *File
		nonFin  bool
		wantErr bool
	}{
		{"valid", ok(), false, false},
		{"nil", nil, false, true},
		{"no kind", with(func(f *File) { f.Kind = "" }), false, true},
		{"unknown kind", with(func(f *File) { f.Kind = "model" }), false, true},
		{"reserved key format", with(func(f *File) { f.Meta = Meta{"format": "blr"} }), false, true},
		{"reserved key version", with(func(f *File) { f.Meta = Meta{"version": "1"} }), false, true},
		{"reserved key kind", with(func(f *File) { f.Meta = Meta{"kind": "posterior"} }), false, true},
		{"reserved key crc32c", with(func(f *File) { f.Meta = Meta{"crc32c": "00000000"} }), false, true},
		{"empty key", with(func(f *File) { f.Meta = Meta{"": "x"} }), false, true},
		{"key not UTF-8", with(func(f *File) { f.Meta = Meta{"\xff": "x"} }), false, true},
		{"value not UTF-8", with(func(f *File) { f.Meta = Meta{"a": "\xc3"} }), false, true},
		{"duplicate tensors", with(func(f *File) { f.Tensors = append(f.Tensors, NewFloat64("x", []float64{2})) }), false, true},
		{"tensor named __metadata__", with(func(f *File) { f.Tensors[0].Name = "__metadata__" }), false, true},
		{"empty tensor name", with(func(f *File) { f.Tensors[0].Name = "" }), false, true},
		{"tensor name not UTF-8", with(func(f *File) { f.Tensors[0].Name = "\xfe" }), false, true},
		{"unknown dtype", with(func(f *File) { f.Tensors[0].DType = "BF16" }), false, true},
		{"negative dimension", with(func(f *File) { f.Tensors[0].Shape = []int{-1} }), false, true},
		{"too many elements", with(func(f *File) { f.Tensors[0].Shape = []int{math.MaxInt / 2, 3} }), false, true},
		{"short data", with(func(f *File) { f.Tensors[0].Shape = []int{2} }), false, true},
		{"data in the wrong slice", with(func(f *File) { f.Tensors[0].F32 = []float32{1} }), false, true},
		{"NaN", with(func(f *File) { f.Tensors[0].F64[0] = math.NaN() }), true, true},
		{"-Inf", with(func(f *File) { f.Tensors[0].F64[0] = math.Inf(-1) }), true, true},
		{"F32 +Inf", with(func(f *File) { f.Tensors = []Tensor{NewFloat32("y", []float32{float32(math.Inf(1))})} }), true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Encode(&buf, tc.f)
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("Encode: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Encode: %v, want ErrInvalid", err)
			}
			if errors.Is(err, ErrNonFinite) != tc.nonFin {
				t.Errorf("errors.Is(%v, ErrNonFinite) = %v", err, !tc.nonFin)
			}
			if buf.Len() != 0 {
				t.Errorf("Encode wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

// shortWriter accepts at most n bytes and then fails.
type shortWriter struct{ n int }

func (w *shortWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, nil
	}
	w.n -= len(p)
	return len(p), nil
}

func TestEncodeShortWrite(t *testing.T) {
	if err := Encode(&shortWriter{n: 10}, sample(1)); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("Encode to a short writer: %v", err)
	}
}

func TestAccessors(t *testing.T) {
	f, err := Decode(mustEncode(t, sample(5)))
	if err != nil {
		t.Fatal(err)
	}
	type call struct {
		name  string
		get   func() (any, error)
		want  any
		error error
	}
	tests := []call{
		{"F64 vector", func() (any, error) { return f.Float64("mean", 3) }, []float64{5, -0.125, math.SmallestNonzeroFloat64}, nil},
		{"F64 scalar", func() (any, error) { return f.Float64("__scalar") }, []float64{math.Pi}, nil},
		{"F32 matrix", func() (any, error) { return f.Float32("Momentum", 2, 2) }, []float32{1, -2, 3.5, 5}, nil},
		{"I64", func() (any, error) { return f.Int64("_perm", 4) }, []int64{3, 0, -1, math.MaxInt64}, nil},
		{"U8 empty", func() (any, error) { return f.Uint8("z", 0) }, []byte{}, nil},
		{"missing", func() (any, error) { return f.Float64("variance", 3) }, nil, ErrMissing},
		{"wrong dtype", func() (any, error) { return f.Float32("mean", 3) }, nil, ErrDType},
		{"wrong length", func() (any, error) { return f.Float64("mean", 4) }, nil, ErrShape},
		{"wrong rank", func() (any, error) { return f.Float64("mean", 3, 1) }, nil, ErrShape},
		{"vector asked as scalar", func() (any, error) { return f.Float64("mean") }, nil, ErrShape},
		{"matrix transposed is not checked, flattened is", func() (any, error) { return f.Float32("Momentum", 4) }, nil, ErrShape},
		{"negative dimension asked", func() (any, error) { return f.Float32("Momentum", -2, -2) }, nil, ErrShape},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.get()
			if tc.error != nil {
				var me *MismatchError
				if !errors.Is(err, tc.error) || !errors.As(err, &me) || me.Name == "" || me.Want == "" {
					t.Fatalf("error %v, want a *MismatchError wrapping %v", err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := f.Tensor("nope"); !errors.Is(err, ErrMissing) {
		t.Errorf("Tensor(nope): %v", err)
	}
}

func TestMeta(t *testing.T) {
	type hyper struct {
		LR    float64 `json:"lr"`
		Beta2 float64 `json:"beta2"`
	}
	m := Meta{"bad int": "12x", "bad json": "{", "extra field": `{"lr":1,"momentum":0.9}`, "trailing": `{"lr":1} {}`}
	m.SetInt(KeyStep, -42)
	if err := m.SetJSON(KeyHyperparameters, hyper{LR: 0.1, Beta2: 1 - 1e-5}); err != nil {
		t.Fatal(err)
	}
	if err := m.SetJSON("nan", math.NaN()); err == nil {
		t.Errorf("SetJSON(NaN) succeeded")
	}
	if _, ok := m["nan"]; ok {
		t.Errorf("failed SetJSON stored a value")
	}
	if v, err := m.Int(KeyStep); err != nil || v != -42 {
		t.Errorf("Int = %d, %v", v, err)
	}
	var h hyper
	if err := m.JSON(KeyHyperparameters, &h); err != nil || h != (hyper{0.1, 1 - 1e-5}) {
		t.Errorf("JSON = %+v, %v", h, err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"missing Get", func() error { _, err := m.Get("x"); return err }(), ErrMissing},
		{"missing Int", func() error { _, err := m.Int("x"); return err }(), ErrMissing},
		{"bad Int", func() error { _, err := m.Int("bad int"); return err }(), ErrFormat},
		{"missing JSON", m.JSON("x", &h), ErrMissing},
		{"bad JSON", m.JSON("bad json", &h), ErrFormat},
		{"unknown JSON field", m.JSON("extra field", &h), ErrFormat},
		{"trailing JSON", m.JSON("trailing", &h), ErrFormat},
		{"missing rand state", m.RandState("x", rand.NewPCG(0, 0)), ErrMissing},
		{"bad rand state", m.RandState("bad int", rand.NewPCG(0, 0)), ErrFormat},
	}
	for _, tc := range tests {
		var me *MismatchError
		if !errors.Is(tc.err, tc.want) || !errors.As(tc.err, &me) {
			t.Errorf("%s: %v, want a *MismatchError wrapping %v", tc.name, tc.err, tc.want)
		}
	}
}

func TestRandState(t *testing.T) {
	chachaRead := rand.NewChaCha8([32]byte{1, 2, 3})
	var buf [3]byte
	_, _ = chachaRead.Read(buf[:]) // leaves 5 bytes buffered: the "readbuf:" form
	tests := []struct {
		name  string
		src   interface{ Uint64() uint64 }
		fresh func() interface{ Uint64() uint64 }
	}{
		{"PCG", rand.NewPCG(1, 2), func() interface{ Uint64() uint64 } { return rand.NewPCG(0, 0) }},
		{"ChaCha8", rand.NewChaCha8([32]byte{9}), func() interface{ Uint64() uint64 } { return rand.NewChaCha8([32]byte{}) }},
		{"ChaCha8 mid-Read", chachaRead, func() interface{ Uint64() uint64 } { return rand.NewChaCha8([32]byte{}) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 1000 { // move past the start, and past a ChaCha8 block
				tc.src.Uint64()
			}
			s, err := EncodeRandState(tc.src.(interface{ MarshalBinary() ([]byte, error) }))
			if err != nil {
				t.Fatal(err)
			}
			if s != strings.ToLower(s) {
				t.Errorf("state %q is not lower-case", s)
			}
			dst := tc.fresh()
			if err := DecodeRandState(s, dst.(interface{ UnmarshalBinary([]byte) error })); err != nil {
				t.Fatal(err)
			}
			if r, ok := tc.src.(*rand.ChaCha8); ok && r == chachaRead {
				var a, b [5]byte
				_, _ = r.Read(a[:])
				_, _ = dst.(*rand.ChaCha8).Read(b[:])
				if a != b {
					t.Errorf("buffered bytes differ after the round trip: %x vs %x", a, b)
				}
			}
			for i := range 10000 {
				if a, b := tc.src.Uint64(), dst.Uint64(); a != b {
					t.Fatalf("draw %d after the round trip: %d, want %d", i, b, a)
				}
			}
		})
	}
}

func TestDecodeRandStateErrors(t *testing.T) {
	good, _ := EncodeRandState(rand.NewChaCha8([32]byte{}))
	goodPCG, _ := EncodeRandState(rand.NewPCG(1, 1))
	overlong := fmt.Sprintf("%x", append(append([]byte("readbuf:\x09"), make([]byte, 9)...), mustHex(good)...))
	tests := []struct {
		name string
		s    string
		pcg  bool
	}{
		{"empty", "", false},
		{"odd length", good[:len(good)-1], false},
		{"upper case", strings.ToUpper(good), false},
		{"not hex", "zz" + good[2:], false},
		{"short", good[:20], false},
		{"read buffer longer than eight bytes (golang/go#81488)", overlong, false},
		{"read buffer length past the end", fmt.Sprintf("%x", []byte("readbuf:\xff")), false},
		{"read buffer then invalid core", fmt.Sprintf("%x", append([]byte("readbuf:\x03POC"), make([]byte, 48)...)), false},
		{"PCG state into ChaCha8", goodPCG, false},
		{"ChaCha8 state into PCG", good, true},
		{"PCG wrong prefix", fmt.Sprintf("%x", append([]byte("pcx:"), make([]byte, 16)...)), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.pcg {
				p := rand.NewPCG(5, 6)
				if err := DecodeRandState(tc.s, p); !errors.Is(err, ErrFormat) {
					t.Fatalf("error %v, want ErrFormat", err)
				}
				if *p != *rand.NewPCG(5, 6) {
					t.Errorf("failed decode changed the generator")
				}
				return
			}
			c := rand.NewChaCha8([32]byte{7})
			before, _ := c.MarshalBinary()
			if err := DecodeRandState(tc.s, c); !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v, want ErrFormat", err)
			}
			if after, _ := c.MarshalBinary(); !bytes.Equal(before, after) {
				t.Errorf("failed decode changed the generator")
			}
		})
	}
}

func mustHex(s string) []byte {
	b, err := decodeLowerHex(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestGoldenV1 keeps a version-1 checkpoint in testdata: it must always
// load, with the same values, and re-encode to the same bytes. Regenerate
// with -update only when the format version changes (and then add a new
// file rather than overwrite this one).
func TestGoldenV1(t *testing.T) {
	const path = "testdata/v1-training-state.safetensors"
	want := sample(1)
	if *update {
		if err := os.WriteFile(path, mustEncode(t, want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, normalize(want)) {
		t.Errorf("golden file decodes to\n%#v\nwant\n%#v", f, normalize(want))
	}
	disk, _ := os.ReadFile(path)
	if !bytes.Equal(mustEncode(t, f), disk) {
		t.Errorf("re-encoding the golden file changed its bytes")
	}
}

// TestDecodeAllocBound checks that a header cannot make Decode allocate more
// than a small multiple of the file: shapes and offsets that claim terabytes
// are refused before any buffer is made.
func TestDecodeAllocBound(t *testing.T) {
	const meta = `"__metadata__":{"crc32c":"00000000","format":"blr","kind":"posterior","version":"1"}`
	cases := map[string][]byte{
		"a terabyte claimed": craft(`{`+meta+`,"x":{"data_offsets":[0,8796093022208],"dtype":"F64","shape":[1099511627776]}}`, one8(), true),
		"many empty tensors": craft(`{`+meta+manyEmpty(3000)+`}`, nil, true),
		"a huge rank":        craft(`{`+meta+`,"x":{"data_offsets":[0,0],"dtype":"U8","shape":[`+strings.Repeat("0,", 5000)+`0]}}`, nil, true),
		"valid":              mustEncode(t, sample(1)),
	}
	for name, data := range cases {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _ = Decode(data)
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > uint64(16*len(data)+64<<10) {
			t.Errorf("%s: Decode of %d bytes allocated %d bytes", name, len(data), got)
		}
	}
}

func one8() []byte { return f64bytes(1) }

func manyEmpty(n int) string {
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, `,"t%05d":{"data_offsets":[0,0],"dtype":"U8","shape":[0]}`, i)
	}
	return sb.String()
}
