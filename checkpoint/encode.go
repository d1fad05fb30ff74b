package checkpoint

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MaxHeaderSize is the largest header, in bytes, that [Encode] writes and
// [Decode] reads (safetensors' own readers use the same order of limit).
const MaxHeaderSize = 100 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crcPlaceholder stands for the crc32c value while the checksum is computed.
const crcPlaceholder = "00000000"

// entry is one tensor's line in the header.
type entry struct {
	name       string
	dtype      DType
	shape      []int
	begin, end int64
	at         int // offset of the name in the header, for errors
}

// Encode writes f to w as a checkpoint (see the package documentation for
// the layout). The same File always gives the same bytes. Encode fails with
// an error wrapping [ErrInvalid], writing nothing, if f.Kind is not a known
// kind, f.Meta holds a reserved key or a name that is empty or not UTF-8, two
// tensors share a name, a tensor's data does not match its dtype and shape,
// or a float is NaN or infinite. The checkpoint is built in memory and
// written with one Write.
func Encode(w io.Writer, f *File) error {
	b, err := marshal(f)
	if err != nil {
		return err
	}
	n, err := w.Write(b)
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	return err
}

// marshal returns the bytes of f as a checkpoint.
func marshal(f *File) ([]byte, error) {
	if f == nil {
		return nil, invalidf("nil File")
	}
	if f.Kind != KindPosterior && f.Kind != KindTrainingState {
		return nil, invalidf("kind %q, want %q or %q", f.Kind, KindPosterior, KindTrainingState)
	}
	meta := make(map[string]string, len(f.Meta)+4)
	for k, v := range f.Meta {
		if err := checkName("metadata key", k); err != nil {
			return nil, err
		}
		if reserved(k) {
			return nil, invalidf("metadata key %q is reserved", k)
		}
		if !utf8.ValidString(v) {
			return nil, invalidf("metadata %q: value is not valid UTF-8", k)
		}
		meta[k] = v
	}
	meta[keyFormat] = formatName
	meta[keyVersion] = version
	meta[keyKind] = f.Kind
	meta[keyCRC] = crcPlaceholder

	ts := make([]*Tensor, len(f.Tensors))
	for i := range f.Tensors {
		ts[i] = &f.Tensors[i]
		if err := ts[i].check(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(ts, func(a, b *Tensor) int { return cmp.Compare(a.Name, b.Name) })
	entries := make([]entry, len(ts))
	var off int64
	for i, t := range ts {
		if i > 0 && t.Name == ts[i-1].Name {
			return nil, invalidf("two tensors are called %q", t.Name)
		}
		size := int64(t.dataLen()) * int64(t.DType.Size())
		entries[i] = entry{name: t.Name, dtype: t.DType, shape: t.Shape, begin: off, end: off + size}
		off += size
	}

	header, crcAt := appendHeader(nil, entries, meta)
	header = pad(header)
	if len(header) > MaxHeaderSize {
		return nil, invalidf("header of %d bytes exceeds MaxHeaderSize", len(header))
	}
	if off > int64(math.MaxInt-8-len(header)) {
		return nil, invalidf("%d bytes of tensor data do not fit in memory", off)
	}
	out := make([]byte, 0, 8+len(header)+int(off))
	out = binary.LittleEndian.AppendUint64(out, uint64(len(header)))
	out = append(out, header...)
	for _, t := range ts {
		out = appendData(out, t)
	}
	sum := crc32.Checksum(out, castagnoli)
	copy(out[8+crcAt:], fmt.Sprintf("%08x", sum))
	return out, nil
}

// appendData appends t's elements, little-endian.
func appendData(b []byte, t *Tensor) []byte {
	switch t.DType {
	case F64:
		for _, v := range t.F64 {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
	case F32:
		for _, v := range t.F32 {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	case I64:
		for _, v := range t.I64 {
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	case U8:
		b = append(b, t.U8...)
	}
	return b
}

// pad appends the fewest spaces that make 8+len(h) a multiple of 8.
func pad(h []byte) []byte {
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	return h
}

// appendHeader appends the canonical JSON header for entries (sorted by
// name) and meta, unpadded. It also returns the offset in the appended bytes
// of the crc32c value's first digit, or −1 if meta has no crc32c.
func appendHeader(b []byte, entries []entry, meta map[string]string) ([]byte, int) {
	start := len(b)
	crcAt := -1
	// "__metadata__" goes among the tensor names in sorted order.
	metaAt, _ := slices.BinarySearchFunc(entries, metadataKey, func(e entry, k string) int { return cmp.Compare(e.name, k) })
	b = append(b, '{')
	n := 0 // members written
	for i := 0; i <= len(entries); i++ {
		if i == metaAt && meta != nil {
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendString(b, metadataKey)
			b = append(b, ':', '{')
			for j, k := range slices.Sorted(maps.Keys(meta)) {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendString(b, k)
				b = append(b, ':')
				if k == keyCRC {
					crcAt = len(b) + 1 - start
				}
				b = appendString(b, meta[k])
			}
			b = append(b, '}')
		}
		if i == len(entries) {
			break
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		e := entries[i]
		b = appendString(b, e.name)
		b = append(b, `:{"data_offsets":[`...)
		b = strconv.AppendInt(b, e.begin, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, e.end, 10)
		b = append(b, `],"dtype":`...)
		b = appendString(b, string(e.dtype))
		b = append(b, `,"shape":[`...)
		for j, d := range e.shape {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(d), 10)
		}
		b = append(b, ']', '}')
	}
	b = append(b, '}')
	return b, crcAt
}

// appendString appends s as a canonical JSON string: raw UTF-8, with only
// '"', '\\' and the control characters below U+0020 escaped.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
