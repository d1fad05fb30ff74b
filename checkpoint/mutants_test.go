package checkpoint_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr/checkpoint"
)

// encodeNote encodes a posterior with one tensor and the metadata value
// note under the key "note".
func encodeNote(t *testing.T, note string) []byte {
	t.Helper()
	var buf bytes.Buffer
	f := &checkpoint.File{
		Kind:    checkpoint.KindPosterior,
		Meta:    checkpoint.Meta{"note": note},
		Tensors: []checkpoint.Tensor{checkpoint.NewFloat64("mean", []float64{1, 2})},
	}
	if err := checkpoint.Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestControlCharacterEscapes pins the \u00XY escapes of metadata strings:
// every control character other than \b \f \n \r \t is written as \u00
// followed by two lowercase hex digits (hand-written here), and Decode turns
// each escape, high nibble and letter digits included, back into the same
// byte.
func TestControlCharacterEscapes(t *testing.T) {
	for _, tc := range []struct {
		note, escaped string
	}{
		{"\x01", `\u0001`},
		{"\x0b", `\u000b`},
		{"\x0e", `\u000e`},
		{"\x0f", `\u000f`},
		{"\x10", `\u0010`},
		{"\x1a", `\u001a`},
		{"\x1f", `\u001f`},
		{"a\x00b\x1cc\x7f", `a\u0000b\u001cc` + "\x7f"},
	} {
		b := encodeNote(t, tc.note)
		want := []byte(`"note":"` + tc.escaped + `"`)
		if !bytes.Contains(b, want) {
			t.Errorf("%q: header lacks %s", tc.note, want)
		}
		f, err := checkpoint.Decode(b)
		if err != nil {
			t.Fatalf("%q: %v", tc.note, err)
		}
		if got := f.Meta["note"]; got != tc.note {
			t.Errorf("%q: decoded note %q", tc.note, got)
		}
	}
}

// TestNonCanonicalOffset pins the offset of the "not canonical" error: the
// first header byte that differs from the canonical form (8 + its index in
// the header), found here by replacing one lowercase hex digit of a \u
// escape with its uppercase form, which parses to the same string.
func TestNonCanonicalOffset(t *testing.T) {
	for _, tc := range []struct {
		note, escaped, upper string
	}{
		{"\x1a", `\u001a`, `\u001A`},
		{"\x0f", `\u000f`, `\u000F`},
		{"x\x1b", `x\u001b`, `x\u001B`},
	} {
		b := encodeNote(t, tc.note)
		n := int(binary.LittleEndian.Uint64(b))
		i := bytes.Index(b[8:8+n], []byte(tc.escaped))
		if i < 0 {
			t.Fatalf("%q: no %s in the header", tc.note, tc.escaped)
		}
		mut := bytes.Clone(b)
		copy(mut[8+i:], tc.upper)
		_, err := checkpoint.Decode(mut)
		var de *checkpoint.DecodeError
		if !errors.As(err, &de) || !errors.Is(err, checkpoint.ErrHeader) {
			t.Fatalf("%q: error %v, want a *DecodeError wrapping ErrHeader", tc.note, err)
		}
		// The uppercase digit is the last byte of the escape.
		if want := int64(8 + i + len(tc.escaped) - 1); de.Offset != want {
			t.Errorf("%q: offset %d, want %d (%v)", tc.note, de.Offset, want, err)
		}
	}
}

// TestDecodeRandStateChaCha8Framing pins the framing checks of a ChaCha8
// state on hand-built byte strings: the bare "readbuf:" prefix (no length
// byte), a read buffer longer than 8 bytes and a core of the wrong length
// are format errors, never panics, and leave the generator unchanged.
func TestDecodeRandStateChaCha8Framing(t *testing.T) {
	core := bytes.Repeat([]byte{7}, 48)
	cat := func(parts ...[]byte) string { return hex.EncodeToString(bytes.Join(parts, nil)) }
	for _, tc := range []struct {
		name, state string
	}{
		{"bare prefix", cat([]byte("readbuf:"))},
		{"prefix and length only", cat([]byte("readbuf:"), []byte{0})},
		{"nine-byte read buffer", cat([]byte("readbuf:"), []byte{9}, make([]byte, 9), core)},
		{"short core", cat(core[:47])},
		{"long core", cat(core, []byte{0})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := rand.NewChaCha8([32]byte{1})
			before, _ := g.MarshalBinary()
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				err = checkpoint.DecodeRandState(tc.state, g)
			}()
			if !errors.Is(err, checkpoint.ErrFormat) {
				t.Fatalf("error %v, want ErrFormat", err)
			}
			if after, _ := g.MarshalBinary(); !bytes.Equal(before, after) {
				t.Error("the generator changed")
			}
		})
	}
}

// reseal sets the crc32c metadata of checkpoint bytes b (CRC-32C of the
// whole file with the crc value blanked to "00000000", as eight lower-case
// hex digits, per the package documentation) so that a hand-edited file
// passes the checksum.
func reseal(t *testing.T, b []byte) {
	t.Helper()
	n := int(binary.LittleEndian.Uint64(b))
	key := []byte(`"crc32c":"`)
	i := bytes.Index(b[8:8+n], key)
	if i < 0 {
		t.Fatal("no crc32c in the header")
	}
	at := 8 + i + len(key)
	copy(b[at:], "00000000")
	sum := crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))
	copy(b[at:], fmt.Sprintf("%08x", sum))
}

// TestNonFiniteOffset pins the offset a non-finite float reports: the
// file offset of the element itself, 8 + header length + the tensor's
// begin + index·size, here for NaN and −Inf written by hand into the
// second tensor (sorted by name) of a resealed file.
func TestNonFiniteOffset(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f32   bool
		index int
		bits  uint64
	}{
		{"f64 NaN at 1", false, 1, math.Float64bits(math.NaN())},
		{"f64 -Inf at 2", false, 2, math.Float64bits(math.Inf(-1))},
		{"f32 NaN at 1", true, 1, uint64(math.Float32bits(float32(math.NaN())))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			second := checkpoint.NewFloat64("b", []float64{3, 4, 5})
			size := 8
			if tc.f32 {
				second, size = checkpoint.NewFloat32("b", []float32{3, 4, 5}), 4
			}
			var buf bytes.Buffer
			f := &checkpoint.File{Kind: checkpoint.KindPosterior, Meta: checkpoint.Meta{},
				Tensors: []checkpoint.Tensor{second, checkpoint.NewFloat64("a", []float64{1, 2})}}
			if err := checkpoint.Encode(&buf, f); err != nil {
				t.Fatal(err)
			}
			b := buf.Bytes()
			n := int(binary.LittleEndian.Uint64(b))
			at := 8 + n + 16 + tc.index*size // "a" holds 16 bytes before "b"
			if tc.f32 {
				binary.LittleEndian.PutUint32(b[at:], uint32(tc.bits))
			} else {
				binary.LittleEndian.PutUint64(b[at:], tc.bits)
			}
			reseal(t, b)
			_, err := checkpoint.Decode(b)
			var de *checkpoint.DecodeError
			if !errors.As(err, &de) || !errors.Is(err, checkpoint.ErrNonFinite) || de.Offset != int64(at) {
				t.Fatalf("error %v, want ErrNonFinite at offset %d", err, at)
			}
		})
	}
}

// TestSurrogatePairOffset pins how Decode reads a \u surrogate pair in a
// header: it parses (a lone high surrogate would be refused where the pair
// continues), and the header is refused as not canonical at the pair's
// first byte, since the canonical form writes the raw UTF-8 instead.
func TestSurrogatePairOffset(t *testing.T) {
	b := encodeNote(t, "x😀")
	n := int(binary.LittleEndian.Uint64(b))
	header := bytes.TrimRight(b[8:8+n], " ")
	i := bytes.Index(header, []byte("😀"))
	if i < 0 {
		t.Fatal("no raw emoji in the header")
	}
	nh := append(append(bytes.Clone(header[:i]), `\ud83d\ude00`...), header[i+len("😀"):]...)
	for len(nh)%8 != 0 {
		nh = append(nh, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(nh)))
	out = append(append(out, nh...), b[8+n:]...)
	_, err := checkpoint.Decode(out)
	var de *checkpoint.DecodeError
	if !errors.As(err, &de) || !errors.Is(err, checkpoint.ErrHeader) || de.Offset != int64(8+i) {
		t.Fatalf("error %v, want a not-canonical ErrHeader at offset %d", err, 8+i)
	}
}

// TestInvalidHexEscapeOffset pins the refusal of a \u escape whose digits
// are not hex (written in place of a valid escape, the length unchanged):
// ErrHeader at the escape's first digit, not later at a canonical-form
// mismatch.
func TestInvalidHexEscapeOffset(t *testing.T) {
	for _, bad := range []string{`\u00zz`, `\u00g1`, `\u0G1a`, `\u00~1`} {
		b := encodeNote(t, "\x1a")
		n := int(binary.LittleEndian.Uint64(b))
		i := bytes.Index(b[8:8+n], []byte(`\u001a`))
		if i < 0 {
			t.Fatal(`no \u001a in the header`)
		}
		copy(b[8+i:], bad)
		_, err := checkpoint.Decode(b)
		var de *checkpoint.DecodeError
		if !errors.As(err, &de) || !errors.Is(err, checkpoint.ErrHeader) || de.Offset != int64(8+i+2) {
			t.Errorf("%s: error %v, want ErrHeader at offset %d", bad, err, 8+i+2)
		}
	}
}
