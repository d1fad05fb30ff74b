package checkpoint

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"unicode/utf8"
)

// Decode parses a checkpoint, checking everything listed under "Loading" in
// the package documentation, and returns its content with the tensors sorted
// by name and the reserved metadata keys removed from Meta. Any error is a
// [*DecodeError] wrapping [ErrTruncated], [ErrHeader], [ErrFormat],
// [ErrVersion], [ErrChecksum] or [ErrNonFinite]. Decode accepts only what
// [Encode] writes: when it succeeds, encoding the result gives data again,
// byte for byte. The result does not alias data.
func Decode(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, &DecodeError{Err: ErrTruncated, Offset: int64(len(data)),
			Detail: fmt.Sprintf("file is %d bytes, shorter than the 8-byte header length", len(data))}
	}
	n := binary.LittleEndian.Uint64(data)
	if err := checkHeaderLength(n, len(data)); err != nil {
		return nil, err
	}
	header := data[8 : 8+n]
	buf := data[8+n:]

	p := parser{b: header}
	entries, meta, err := p.header()
	if err != nil {
		return nil, err
	}

	// Layout: contiguous in name order from 0, ending at the end of the file.
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.name, b.name) })
	for i := 1; i < len(entries); i++ {
		if entries[i].name == entries[i-1].name {
			return nil, headerErr(max(entries[i].at, entries[i-1].at), "duplicate key %q in the header", entries[i].name)
		}
	}
	var off int64
	for _, e := range entries {
		size := e.dtype.Size()
		elems, ok := numElements(e.shape, size)
		if !ok {
			return nil, headerErr(e.at, "tensor %q: shape %v is too large", e.name, e.shape)
		}
		if e.end < e.begin || e.end-e.begin != int64(elems)*int64(size) {
			return nil, headerErr(e.at, "tensor %q: data_offsets [%d,%d] do not hold %s %v (%d bytes)",
				e.name, e.begin, e.end, e.dtype, e.shape, int64(elems)*int64(size))
		}
		if e.begin != off {
			what := "a gap"
			if e.begin < off {
				what = "an overlap"
			}
			return nil, headerErr(e.at, "tensor %q: %s before offset %d; tensors must be packed in name order from 0",
				e.name, what, e.begin)
		}
		off = e.end
	}
	if off > int64(len(buf)) {
		return nil, &DecodeError{Err: ErrTruncated, Offset: int64(len(data)),
			Detail: fmt.Sprintf("the tensors need %d bytes of data, the file has %d", off, len(buf))}
	}
	if off < int64(len(buf)) {
		return nil, &DecodeError{Err: ErrHeader, Offset: 8 + int64(n) + off,
			Detail: fmt.Sprintf("%d bytes after the last tensor are not indexed by the header", int64(len(buf))-off)}
	}

	// Canonical form: re-encoding the parsed header must give its bytes.
	canon, crcAt := appendHeader(make([]byte, 0, len(header)), entries, meta)
	canon = pad(canon)
	if !bytes.Equal(canon, header) {
		i := 0
		for i < len(canon) && i < len(header) && canon[i] == header[i] {
			i++
		}
		return nil, headerErr(i, "header is not canonical JSON (sorted keys, no whitespace, minimal escapes, space padding to 8 bytes)")
	}

	if meta == nil {
		return nil, &DecodeError{Err: ErrFormat, Offset: 8, Detail: `no "__metadata__"`}
	}
	if v, ok := meta[keyFormat]; !ok || v != formatName {
		return nil, &DecodeError{Err: ErrFormat, Offset: p.metaAt(keyFormat),
			Detail: fmt.Sprintf("metadata format is %s, want %q", quoteOrMissing(v, ok), formatName)}
	}
	if v, ok := meta[keyVersion]; !ok || v != version {
		return nil, &DecodeError{Err: ErrVersion, Offset: p.metaAt(keyVersion),
			Detail: fmt.Sprintf("metadata version is %s; this package reads version %q", quoteOrMissing(v, ok), version)}
	}
	kind, ok := meta[keyKind]
	if !ok || kind != KindPosterior && kind != KindTrainingState {
		return nil, &DecodeError{Err: ErrFormat, Offset: p.metaAt(keyKind),
			Detail: fmt.Sprintf("metadata kind is %s, want %q or %q", quoteOrMissing(kind, ok), KindPosterior, KindTrainingState)}
	}
	sum, ok := meta[keyCRC]
	if !ok || crcAt < 0 {
		return nil, &DecodeError{Err: ErrChecksum, Offset: 8, Detail: "no crc32c in the metadata"}
	}
	want, ok := parseCRC(sum)
	if !ok {
		return nil, &DecodeError{Err: ErrChecksum, Offset: 8 + int64(crcAt),
			Detail: fmt.Sprintf("crc32c %q is not eight lower-case hex digits", sum)}
	}
	at := 8 + crcAt
	got := crc32.Update(0, castagnoli, data[:at])
	got = crc32.Update(got, castagnoli, []byte(crcPlaceholder))
	got = crc32.Update(got, castagnoli, data[at+len(crcPlaceholder):])
	if got != want {
		return nil, &DecodeError{Err: ErrChecksum, Offset: int64(at),
			Detail: fmt.Sprintf("crc32c of the file is %08x, the header says %08x", got, want)}
	}

	f := &File{Kind: kind, Meta: make(Meta, len(meta)), Tensors: make([]Tensor, len(entries))}
	for k, v := range meta {
		if !reserved(k) {
			f.Meta[k] = v
		}
	}
	base := 8 + int64(n)
	for i, e := range entries {
		t, err := decodeTensor(e, buf[e.begin:e.end], base+e.begin)
		if err != nil {
			return nil, err
		}
		f.Tensors[i] = t
	}
	return f, nil
}

// checkHeaderLength checks the declared header length n of a file of size
// bytes (at least 8) before anything is allocated.
func checkHeaderLength(n uint64, size int) error {
	if n > MaxHeaderSize {
		return &DecodeError{Err: ErrHeader, Offset: 0,
			Detail: fmt.Sprintf("header length %d exceeds MaxHeaderSize (%d)", n, MaxHeaderSize)}
	}
	if n > uint64(size-8) {
		return &DecodeError{Err: ErrTruncated, Offset: int64(size),
			Detail: fmt.Sprintf("header length %d exceeds the %d bytes after it", n, size-8)}
	}
	return nil
}

// decodeTensor copies a tensor's little-endian bytes b, found at file
// offset at, into a Tensor.
func decodeTensor(e entry, b []byte, at int64) (Tensor, error) {
	t := Tensor{Name: e.name, DType: e.dtype, Shape: slices.Clip(e.shape)}
	switch e.dtype {
	case F64:
		t.F64 = make([]float64, len(b)/8)
		for i := range t.F64 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Tensor{}, nonFinite(e.name, i, v, at+8*int64(i))
			}
			t.F64[i] = v
		}
	case F32:
		t.F32 = make([]float32, len(b)/4)
		for i := range t.F32 {
			v := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			if w := float64(v); math.IsNaN(w) || math.IsInf(w, 0) {
				return Tensor{}, nonFinite(e.name, i, w, at+4*int64(i))
			}
			t.F32[i] = v
		}
	case I64:
		t.I64 = make([]int64, len(b)/8)
		for i := range t.I64 {
			t.I64[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case U8:
		t.U8 = slices.Clone(b)
		if t.U8 == nil {
			t.U8 = []byte{}
		}
	}
	return t, nil
}

func nonFinite(name string, i int, v float64, at int64) error {
	return &DecodeError{Err: ErrNonFinite, Offset: at, Detail: fmt.Sprintf("tensor %q[%d] = %g", name, i, v)}
}

func quoteOrMissing(v string, ok bool) string {
	if !ok {
		return "missing"
	}
	return fmt.Sprintf("%q", v)
}

// parseCRC parses exactly eight lower-case hex digits.
func parseCRC(s string) (uint32, bool) {
	if len(s) != 8 {
		return 0, false
	}
	var v uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint32(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint32(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// headerErr returns an ErrHeader DecodeError at offset i of the header.
func headerErr(i int, format string, args ...any) error {
	return &DecodeError{Err: ErrHeader, Offset: 8 + int64(i), Detail: fmt.Sprintf(format, args...)}
}

// parser reads a safetensors header strictly: a JSON object whose values are
// tensor descriptions or, under "__metadata__", an object of strings. It
// accepts JSON whitespace (the canonical check rejects it later, with a
// clearer message for everything else) but nothing outside this schema:
// no duplicate keys, no unknown fields, no numbers other than non-negative
// integers.
type parser struct {
	b       []byte
	i       int
	metaPos map[string]int // offset of each metadata value in b
}

func (p *parser) fail(format string, args ...any) error {
	return headerErr(p.i, format, args...)
}

// metaAt returns the file offset of the metadata value for key, or of the
// header when there is none.
func (p *parser) metaAt(key string) int64 {
	if i, ok := p.metaPos[key]; ok {
		return 8 + int64(i)
	}
	return 8
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// eat consumes c if it is next.
func (p *parser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(c byte, what string) error {
	p.ws()
	if p.eat(c) {
		return nil
	}
	if p.i >= len(p.b) {
		return p.fail("header ends where %s was expected", what)
	}
	return p.fail("found %q where %s was expected", p.b[p.i], what)
}

// members parses the members of an object whose '{' has been read, calling
// member for each after reading its key and ':'. The callers reject
// duplicate keys, each in the cheapest way for its object.
func (p *parser) members(member func(key string, at int) error) error {
	p.ws()
	if p.eat('}') {
		return nil
	}
	for {
		p.ws()
		at := p.i
		key, err := p.str()
		if err != nil {
			return err
		}
		if err := p.expect(':', "':'"); err != nil {
			return err
		}
		p.ws()
		if err := member(key, at); err != nil {
			return err
		}
		p.ws()
		if p.eat(',') {
			continue
		}
		return p.expect('}', "',' or '}'")
	}
}

// header parses the whole header: the object, then only space padding.
func (p *parser) header() ([]entry, map[string]string, error) {
	var entries []entry
	var meta map[string]string
	if err := p.expect('{', "the header's JSON object"); err != nil {
		return nil, nil, err
	}
	err := p.members(func(key string, at int) error {
		if key == metadataKey {
			if meta != nil {
				return headerErr(at, "duplicate key %q in the header", key)
			}
			m, err := p.metadata()
			meta = m
			return err
		}
		e, err := p.tensor(key, at)
		entries = append(entries, e)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	for ; p.i < len(p.b); p.i++ {
		if p.b[p.i] != ' ' {
			return nil, nil, p.fail("found %q after the header's JSON object, where only space padding may follow", p.b[p.i])
		}
	}
	return entries, meta, nil
}

// metadata parses the "__metadata__" object of strings.
func (p *parser) metadata() (map[string]string, error) {
	if err := p.expect('{', `"__metadata__" object`); err != nil {
		return nil, err
	}
	meta := make(map[string]string)
	p.metaPos = make(map[string]int)
	err := p.members(func(key string, at int) error {
		if key == "" { // Encode refuses it too
			return headerErr(at, "empty key in \"__metadata__\"")
		}
		if _, dup := meta[key]; dup {
			return headerErr(at, "duplicate key %q in \"__metadata__\"", key)
		}
		p.metaPos[key] = p.i
		v, err := p.str()
		if err != nil {
			return err
		}
		meta[key] = v
		return nil
	})
	return meta, err
}

// tensor parses one tensor description.
func (p *parser) tensor(name string, at int) (entry, error) {
	e := entry{name: name, at: at}
	if name == "" {
		return e, headerErr(at, "empty tensor name")
	}
	if err := p.expect('{', "a tensor's object"); err != nil {
		return e, err
	}
	var hasDType, hasShape, hasOffsets bool
	err := p.members(func(key string, at int) error {
		if key == "dtype" && hasDType || key == "shape" && hasShape || key == "data_offsets" && hasOffsets {
			return headerErr(at, "duplicate key %q in tensor %q", key, name)
		}
		switch key {
		case "dtype":
			hasDType = true
			vAt := p.i
			s, err := p.str()
			if err != nil {
				return err
			}
			e.dtype = DType(s)
			if e.dtype.Size() == 0 {
				return headerErr(vAt, "tensor %q: unsupported dtype %q (want F64, F32, I64 or U8)", name, s)
			}
		case "shape":
			hasShape = true
			dims, err := p.ints(-1)
			if err != nil {
				return err
			}
			e.shape = dims
		case "data_offsets":
			hasOffsets = true
			offs, err := p.ints(2)
			if err != nil {
				return err
			}
			e.begin, e.end = int64(offs[0]), int64(offs[1])
		default:
			return p.fail("tensor %q: unknown field %q", name, key)
		}
		return nil
	})
	if err != nil {
		return e, err
	}
	switch {
	case !hasDType:
		return e, headerErr(at, "tensor %q has no dtype", name)
	case !hasShape:
		return e, headerErr(at, "tensor %q has no shape", name)
	case !hasOffsets:
		return e, headerErr(at, "tensor %q has no data_offsets", name)
	}
	return e, nil
}

// ints parses an array of non-negative integers; with n ≥ 0 it must have
// exactly n elements.
func (p *parser) ints(n int) ([]int, error) {
	if err := p.expect('[', "'['"); err != nil {
		return nil, err
	}
	v := []int{} // a scalar's shape is [], not nil
	p.ws()
	if !p.eat(']') {
		for {
			p.ws()
			x, err := p.integer()
			if err != nil {
				return nil, err
			}
			v = append(v, x)
			p.ws()
			if p.eat(',') {
				continue
			}
			if err := p.expect(']', "',' or ']'"); err != nil {
				return nil, err
			}
			break
		}
	}
	if n >= 0 && len(v) != n {
		return nil, p.fail("array has %d elements, want %d", len(v), n)
	}
	return v, nil
}

// integer parses a JSON integer that is ≥ 0 and fits an int.
func (p *parser) integer() (int, error) {
	start := p.i
	var v int
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		d := int(p.b[p.i] - '0')
		if v > (math.MaxInt-d)/10 {
			return 0, headerErr(start, "integer too large")
		}
		v = v*10 + d
		p.i++
	}
	switch {
	case p.i == start:
		return 0, p.fail("want a non-negative integer")
	case p.b[start] == '0' && p.i-start > 1:
		return 0, headerErr(start, "integer with a leading zero")
	case p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E'):
		return 0, p.fail("want an integer, found a fraction or exponent")
	}
	return v, nil
}

// str parses a JSON string, rejecting invalid UTF-8 and lone surrogates.
func (p *parser) str() (string, error) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		if p.i >= len(p.b) {
			return "", p.fail("header ends where a string was expected")
		}
		return "", p.fail("found %q where a string was expected", p.b[p.i])
	}
	p.i++
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := p.b[start:p.i]
			if !utf8.Valid(s) {
				return "", headerErr(start, "string is not valid UTF-8")
			}
			p.i++
			return string(s), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.i++
	}
	s := append([]byte(nil), p.b[start:p.i]...)
	for {
		if p.i >= len(p.b) {
			return "", p.fail("unterminated string")
		}
		c := p.b[p.i]
		switch {
		case c == '"':
			if !utf8.Valid(s) {
				return "", headerErr(start, "string is not valid UTF-8")
			}
			p.i++
			return string(s), nil
		case c < 0x20:
			return "", p.fail("control character %q in a string", c)
		case c != '\\':
			s = append(s, c)
			p.i++
			continue
		}
		p.i++ // the backslash
		if p.i >= len(p.b) {
			return "", p.fail("unterminated string")
		}
		c = p.b[p.i]
		p.i++
		switch c {
		case '"', '\\', '/':
			s = append(s, c)
		case 'b':
			s = append(s, '\b')
		case 'f':
			s = append(s, '\f')
		case 'n':
			s = append(s, '\n')
		case 'r':
			s = append(s, '\r')
		case 't':
			s = append(s, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if 0xDC00 <= r && r <= 0xDFFF {
				return "", p.fail("lone low surrogate in a string")
			}
			if 0xD800 <= r && r <= 0xDBFF {
				if p.i+1 >= len(p.b) || p.b[p.i] != '\\' || p.b[p.i+1] != 'u' {
					return "", p.fail("lone high surrogate in a string")
				}
				p.i += 2
				lo, err := p.hex4()
				if err != nil {
					return "", err
				}
				if lo < 0xDC00 || lo > 0xDFFF {
					return "", p.fail("high surrogate without a low surrogate in a string")
				}
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
			}
			s = utf8.AppendRune(s, r)
		default:
			return "", p.fail("invalid escape \\%c in a string", c)
		}
	}
}

// hex4 parses the four hex digits of a \u escape.
func (p *parser) hex4() (rune, error) {
	if p.i+4 > len(p.b) {
		return 0, p.fail("truncated \\u escape")
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, p.fail("invalid \\u escape")
		}
	}
	p.i += 4
	return r, nil
}
