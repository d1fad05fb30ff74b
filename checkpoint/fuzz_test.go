package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"testing"
)

// fuzzSeeds are valid checkpoints and near misses for FuzzDecode.
func fuzzSeeds(t testing.TB) [][]byte {
	const meta = `"__metadata__":{"crc32c":"00000000","format":"blr","kind":"posterior","version":"1"}`
	seeds := [][]byte{
		nil,
		make([]byte, 8),
		mustEncode(t, sample(1)),
		mustEncode(t, &File{Kind: KindPosterior}),
		mustEncode(t, &File{Kind: KindPosterior, Meta: Meta{KeyFamily: "diag-gaussian"}, Tensors: []Tensor{
			NewFloat64("mean", []float64{0.5, -1}), NewFloat64("precision", []float64{3, 4})}}),
		mustEncode(t, &File{Kind: KindTrainingState, Tensors: []Tensor{
			NewFloat32("a", []float32{1}), NewInt64("b", []int64{-1}), NewUint8("c", []byte{7}), NewFloat64("d", nil, 0)}}),
		craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":[1]}}`, f64bytes(math.NaN()), true),
		craft(`{`+meta+`,"x":{"data_offsets":[0,8],"dtype":"F64","shape":[1]}}`, f64bytes(1, 2), true),
		craft(`{"__metadata__":{"a":"\ud83d\ude00\u0001","crc32c":"00000000","format":"blr","kind":"posterior","version":"1"}}`, nil, true),
		craft(`{"__metadata__":{"crc32c":"00000000","format":"blr","kind":"posterior","version":"2"}}`, nil, true),
	}
	return seeds
}

// fixCRC returns data with its crc32c value recomputed, so that the fuzzer
// also reaches the checks after the checksum; ok is false if there is no
// eight-character crc32c value to rewrite.
func fixCRC(data []byte) ([]byte, bool) {
	if len(data) < 8 {
		return nil, false
	}
	n := binary.LittleEndian.Uint64(data)
	if n > uint64(len(data)-8) {
		return nil, false
	}
	i := bytes.Index(data[8:8+n], []byte(`"crc32c":"`))
	if i < 0 {
		return nil, false
	}
	at := 8 + i + len(`"crc32c":"`)
	if at+9 > len(data) || data[at+8] != '"' {
		return nil, false
	}
	c := bytes.Clone(data)
	copy(c[at:], crcPlaceholder)
	copy(c[at:], fmt.Sprintf("%08x", crc32.Checksum(c, castagnoli)))
	return c, true
}

// checkDecode decodes data and checks the contract: a typed error, or a
// File that re-encodes to exactly data.
func checkDecode(t *testing.T, data []byte) error {
	f, err := Decode(data)
	if err != nil {
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("error is not a *DecodeError: %v", err)
		}
		found := false
		for _, e := range decodeErrors {
			found = found || errors.Is(err, e)
		}
		if !found || de.Offset < 0 || de.Offset > int64(len(data)) {
			t.Fatalf("error %v: unknown kind or offset out of range", err)
		}
		return err
	}
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatalf("Decode accepted a File that Encode rejects: %v", err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("Decode accepted bytes that re-encode differently:\n%q\n%q", data, buf.Bytes())
	}
	for _, tn := range f.Tensors {
		if _, err := f.Tensor(tn.Name); err != nil {
			t.Fatalf("Tensor(%q): %v", tn.Name, err)
		}
	}
	return nil
}

func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := checkDecode(t, data); errors.Is(err, ErrChecksum) {
			if fixed, ok := fixCRC(data); ok {
				checkDecode(t, fixed)
			}
		}
	})
}

// FuzzDecodeRandState checks that no state string makes the generators
// panic, and that an accepted state restores a working generator.
func FuzzDecodeRandState(f *testing.F) {
	for _, s := range []any{rand.NewPCG(1, 2), rand.NewChaCha8([32]byte{1})} {
		h, _ := EncodeRandState(s.(interface{ MarshalBinary() ([]byte, error) }))
		f.Add(h)
	}
	f.Add("726561646275663a09" + "00")
	f.Fuzz(func(t *testing.T, s string) {
		p := rand.NewPCG(0, 0)
		if err := DecodeRandState(s, p); err != nil && !errors.Is(err, ErrFormat) {
			t.Fatalf("PCG: untyped error %v", err)
		}
		c := rand.NewChaCha8([32]byte{})
		if err := DecodeRandState(s, c); err != nil && !errors.Is(err, ErrFormat) {
			t.Fatalf("ChaCha8: untyped error %v", err)
		} else if err == nil {
			c.Uint64()
		}
	})
}
