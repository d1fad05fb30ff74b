package checkpoint

import (
	"encoding"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Conventional metadata keys. The checkpoint package does not require any of
// them; the training code writes those it has, with the value formats below.
const (
	KeyAlgorithm       = "algorithm"       // the named algorithm, e.g. "ivon"
	KeyFamily          = "family"          // the posterior family, e.g. "diag-gaussian"
	KeyHyperparameters = "hyperparameters" // a JSON object ([Meta.SetJSON])
	KeyDataSize        = "data_size"       // the number of training examples N ([Meta.SetInt])
	KeyStep            = "step"            // steps taken so far ([Meta.SetInt])
	KeyRandState       = "rand_state"      // the generator's state ([Meta.SetRandState])
	KeyLoaderEpoch     = "loader_epoch"    // the data loader's epoch ([Meta.SetInt])
	KeyLoaderPosition  = "loader_position" // the data loader's position in that epoch ([Meta.SetInt])
)

// Reserved metadata keys: [Encode] writes them and [Decode] checks and removes
// them; a [File]'s Meta must not hold them.
const (
	metadataKey = "__metadata__"
	keyFormat   = "format"
	keyVersion  = "version"
	keyKind     = "kind"
	keyCRC      = "crc32c"

	formatName = "blr"
	version    = "1"
)

func reserved(key string) bool {
	return key == keyFormat || key == keyVersion || key == keyKind || key == keyCRC
}

// Meta is a checkpoint's string-to-string metadata, without the reserved keys
// "format", "version", "kind" and "crc32c". The Set methods need a non-nil
// map.
type Meta map[string]string

// Get returns the value of key, or a [*MismatchError] wrapping [ErrMissing].
func (m Meta) Get(key string) (string, error) {
	v, ok := m[key]
	if !ok {
		return "", &MismatchError{Name: key, Err: ErrMissing, Want: "a metadata value"}
	}
	return v, nil
}

// Int returns the value of key as a decimal integer. It fails with
// [ErrMissing] or, if the value is not an int64 in decimal, [ErrFormat].
func (m Meta) Int(key string) (int64, error) {
	s, err := m.Get(key)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, &MismatchError{Name: key, Err: ErrFormat, Want: "a decimal integer", Got: strconv.Quote(s)}
	}
	return v, nil
}

// SetInt stores v in decimal.
func (m Meta) SetInt(key string, v int64) { m[key] = strconv.FormatInt(v, 10) }

// JSON decodes the value of key, a JSON document, into v (as
// [encoding/json.Unmarshal] does, but rejecting unknown fields of a struct).
// It fails with [ErrMissing] or, if the value does not decode, [ErrFormat].
func (m Meta) JSON(key string, v any) error {
	s, err := m.Get(key)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &MismatchError{Name: key, Err: ErrFormat, Want: fmt.Sprintf("JSON for %T", v), Got: err.Error()}
	}
	if dec.More() {
		return &MismatchError{Name: key, Err: ErrFormat, Want: fmt.Sprintf("JSON for %T", v), Got: "trailing data"}
	}
	return nil
}

// SetJSON stores v as JSON ([encoding/json.Marshal]: map keys sorted, struct
// fields in order, floats in the shortest form that reads back exactly). It
// fails, storing nothing, if v cannot be marshalled (NaN and infinities
// cannot).
func (m Meta) SetJSON(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("checkpoint: metadata %q: %w", key, err)
	}
	m[key] = string(b)
	return nil
}

// RandState restores dst from the value of key, written by
// [Meta.SetRandState]. It fails with [ErrMissing] or [ErrFormat].
func (m Meta) RandState(key string, dst encoding.BinaryUnmarshaler) error {
	s, err := m.Get(key)
	if err != nil {
		return err
	}
	if err := DecodeRandState(s, dst); err != nil {
		return &MismatchError{Name: key, Err: ErrFormat, Want: fmt.Sprintf("the state of a %T", dst), Got: err.Error()}
	}
	return nil
}

// SetRandState stores the state of src ([EncodeRandState]).
func (m Meta) SetRandState(key string, src encoding.BinaryMarshaler) error {
	s, err := EncodeRandState(src)
	if err != nil {
		return err
	}
	m[key] = s
	return nil
}

// EncodeRandState returns the state of a generator, such as math/rand/v2's
// *PCG or *ChaCha8, as lower-case hex of its MarshalBinary.
func EncodeRandState(src encoding.BinaryMarshaler) (string, error) {
	b, err := src.MarshalBinary()
	if err != nil {
		return "", fmt.Errorf("checkpoint: generator state: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// DecodeRandState restores dst from a state written by [EncodeRandState]: the
// next values dst draws are those the saved generator would have drawn. It
// fails with an error wrapping [ErrFormat] if s is not lower-case hex or dst
// rejects the bytes; dst is then unchanged for *rand.PCG and *rand.ChaCha8.
func DecodeRandState(s string, dst encoding.BinaryUnmarshaler) error {
	b, err := decodeLowerHex(s)
	if err != nil {
		return err
	}
	if c, ok := dst.(*rand.ChaCha8); ok {
		// (*ChaCha8).UnmarshalBinary panics on a read buffer longer than eight
		// bytes and keeps a read buffer even when the rest is invalid
		// (golang/go#81488), so check the layout and decode into a copy.
		if err := checkChaCha8(b); err != nil {
			return err
		}
		var tmp rand.ChaCha8
		if err := tmp.UnmarshalBinary(b); err != nil {
			return fmt.Errorf("%w: generator state: %v", ErrFormat, err)
		}
		*c = tmp
		return nil
	}
	if err := dst.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("%w: generator state: %v", ErrFormat, err)
	}
	return nil
}

// checkChaCha8 checks the framing of a ChaCha8 state: an optional
// "readbuf:" + length byte (at most 8) + bytes, then 48 bytes of core state.
func checkChaCha8(b []byte) error {
	const prefix, core = "readbuf:", 48
	if len(b) > len(prefix) && string(b[:len(prefix)]) == prefix {
		n := int(b[len(prefix)])
		if n > 8 || len(b) != len(prefix)+1+n+core {
			return fmt.Errorf("%w: generator state: invalid ChaCha8 read buffer", ErrFormat)
		}
		return nil
	}
	if len(b) != core {
		return fmt.Errorf("%w: generator state: ChaCha8 state is %d bytes, want %d", ErrFormat, len(b), core)
	}
	return nil
}

// decodeLowerHex decodes lower-case hex, so that each state has one spelling.
func decodeLowerHex(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return nil, fmt.Errorf("%w: generator state: byte %d is %q, want lower-case hex", ErrFormat, i, c)
		}
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: generator state: %v", ErrFormat, err)
	}
	return b, nil
}
