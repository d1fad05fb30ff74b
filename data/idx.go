package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/big"
	"os"
)

// IDX is the decoded contents of one IDX file (the format of the MNIST and
// Fashion-MNIST files): the sizes of its dimensions, outermost first, and its
// unsigned-byte elements in row-major order.
type IDX struct {
	Dims []int   // the size of each dimension, outermost first
	Data []uint8 // the Π Dims elements, row-major
}

// IDX element types, the third byte of the magic number.
const (
	IDXUint8   = 0x08 // unsigned byte, the only type ReadIDX accepts
	IDXInt8    = 0x09 // signed byte
	IDXInt16   = 0x0B // big-endian 16-bit integer
	IDXInt32   = 0x0C // big-endian 32-bit integer
	IDXFloat32 = 0x0D // big-endian IEEE 754 single
	IDXFloat64 = 0x0E // big-endian IEEE 754 double
)

// MaxIDXDims is the largest number of dimensions ReadIDX accepts. The format
// allows 255; real files have 1 (labels) or 3 (images).
const MaxIDXDims = 16

// MaxIDXElements is the largest number of elements ReadIDX accepts in one
// file: 2³⁰ (1 GiB of bytes, which ReadImagesFile turns into 4 GiB of
// float32 pixels), whatever the file's size. Real files are smaller: the
// 60 000 training images of MNIST hold 47 040 000 elements, EMNIST's
// largest (byclass, 697 932 images) 547 178 688. A header that claims more
// is refused before any data are read, and a gzip file must be large
// enough to hold its claim (maxDeflateRatio).
const MaxIDXElements = 1 << 30

// maxDeflateRatio bounds how many bytes one compressed byte can expand to
// under DEFLATE. Every symbol takes at least one bit, and the most one pair
// of symbols (a length code and a distance code, each of one bit at best)
// can produce is a match of 258 bytes: at most 129 bytes a bit, 1032 a byte.
// Block headers and gzip's 18-byte header and trailer only lower the real
// ratio, so a gzip input of S bytes cannot expand to more than 1032·S.
const maxDeflateRatio = 1032

var idxTypeNames = map[byte]string{
	IDXUint8:   "unsigned byte (0x08)",
	IDXInt8:    "signed byte (0x09)",
	IDXInt16:   "int16 (0x0B)",
	IDXInt32:   "int32 (0x0C)",
	IDXFloat32: "float32 (0x0D)",
	IDXFloat64: "float64 (0x0E)",
}

// ReadIDX decodes an IDX file of unsigned bytes from r. The contents may be
// gzip-compressed: that is told from the first two bytes (1f 8b), not from a
// file name. ReadIDX checks the magic number (00 00 type ndims), accepts only
// the unsigned-byte type 0x08 (the other IDX types give an error that names
// them), between 1 and MaxIDXDims dimensions, at most MaxIDXElements
// elements, exactly as many data bytes as the dimensions say and nothing
// after them.
//
// When r can tell how many bytes it holds (an *os.File, *bytes.Reader or
// *strings.Reader), a header that claims more elements than that size can
// hold (for gzip, more than 1032 times the compressed size, the most DEFLATE
// can expand to) is refused before any buffer is allocated. Otherwise the
// buffer grows as bytes arrive, so a lying header costs at most about twice
// the memory of the bytes that are really there. Errors are *IDXError values
// and wrap ErrFormat.
func ReadIDX(r io.Reader) (*IDX, error) {
	return readIDX(r, "")
}

// ReadIDXFile opens path and decodes it with ReadIDX; its errors name path.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readIDX(f, path)
}

// available returns how many bytes r has left, or -1 when it cannot tell.
func available(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }: // *bytes.Reader, *strings.Reader, *bytes.Buffer
		return int64(v.Len())
	case interface {
		Stat() (fs.FileInfo, error)
		io.Seeker
	}: // *os.File
		fi, err := v.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return -1
		}
		pos, err := v.Seek(0, io.SeekCurrent)
		if err != nil || pos > fi.Size() {
			return -1
		}
		return fi.Size() - pos
	case interface {
		Size() int64
		io.Seeker
	}: // *io.SectionReader
		pos, err := v.Seek(0, io.SeekCurrent)
		if err != nil || pos > v.Size() {
			return -1
		}
		return v.Size() - pos
	}
	return -1
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// openMaybeGzip wraps r in a gzip reader when its first bytes are the gzip
// magic number. limit is the bound on the decompressed size implied by avail
// (the raw size), or -1 when unknown.
func openMaybeGzip(r io.Reader, avail int64) (src io.Reader, gz bool, limit int64, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, true, -1, err
		}
		limit = -1
		if avail >= 0 && avail <= math.MaxInt64/maxDeflateRatio {
			limit = avail * maxDeflateRatio
		}
		return zr, true, limit, nil
	}
	return br, false, avail, nil
}

func readIDX(r io.Reader, name string) (*IDX, error) {
	fail := func(off int64, field, reason string, err error) (*IDX, error) {
		return nil, &IDXError{File: name, Offset: off, Field: field, Reason: reason, Err: err}
	}
	src, gz, limit, err := openMaybeGzip(r, available(r))
	if err != nil {
		return fail(0, "magic", "starts with the gzip magic number but the gzip header is bad", err)
	}
	cr := &countingReader{r: src}

	var magic [4]byte
	if n, err := io.ReadFull(cr, magic[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return fail(0, "magic", "the file is empty", nil)
		}
		return fail(0, "magic", fmt.Sprintf("the file ends after %d bytes, inside the 4-byte magic number", n), ioErr(err))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return fail(0, "magic", fmt.Sprintf("the first bytes are % x; an IDX file starts 00 00 <type> <ndims>", magic[:]), nil)
	}
	if magic[2] != IDXUint8 {
		if tn, ok := idxTypeNames[magic[2]]; ok {
			return fail(2, "dtype", fmt.Sprintf("element type is %s; only unsigned byte (0x08) is supported", tn), nil)
		}
		return fail(2, "dtype", fmt.Sprintf("element type byte is 0x%02X, which is not an IDX type; want 0x08 (unsigned byte)", magic[2]), nil)
	}
	nd := int(magic[3])
	if nd < 1 || nd > MaxIDXDims {
		return fail(3, "dims", fmt.Sprintf("%d dimensions; want 1 to %d", nd, MaxIDXDims), nil)
	}
	hdr := make([]byte, 4*nd)
	if n, err := io.ReadFull(cr, hdr); err != nil {
		return fail(4+int64(n), "dims", fmt.Sprintf("the file ends inside the header: %d dimension sizes need %d bytes, only %d present", nd, 4*nd, n), ioErr(err))
	}
	dims := make([]int, nd)
	for i := range dims {
		d := binary.BigEndian.Uint32(hdr[4*i:])
		if uint64(d) > math.MaxInt {
			return fail(4+4*int64(i), fmt.Sprintf("dim[%d]", i), fmt.Sprintf("size %d does not fit in an int on this platform", d), nil)
		}
		dims[i] = int(d)
	}
	// The whole claim, as a big number: 16 sizes below 2³² can overflow
	// uint64. The first size that takes the product past the limit is the
	// field blamed (a later 0 makes the claim empty, so it is multiplied in).
	claim, most := big.NewInt(1), big.NewInt(MaxIDXElements)
	blame := -1
	for i, d := range dims {
		claim.Mul(claim, big.NewInt(int64(d)))
		if blame < 0 && claim.Cmp(most) > 0 {
			blame = i
		}
	}
	if claim.Cmp(most) > 0 {
		return fail(4+4*int64(blame), fmt.Sprintf("dim[%d]", blame), fmt.Sprintf(
			"dimensions %v claim %s elements, more than the %d (MaxIDXElements) an IDX file may hold", dims, claim, MaxIDXElements), nil)
	}
	total := claim.Uint64()
	hlen := int64(4 + 4*nd)
	if limit >= 0 && int64(total) > limit-hlen {
		what := fmt.Sprintf("only %d bytes follow the header", limit-hlen)
		if gz {
			what = fmt.Sprintf("the compressed file can expand to at most about %d bytes", limit)
		}
		return fail(hlen, "data", fmt.Sprintf("dimensions %v need %d bytes of data but %s", dims, total, what), nil)
	}
	data, err := readN(cr, int64(total), !gz && limit >= 0)
	if err != nil {
		if e := ioErr(err); e != nil {
			return fail(hlen+int64(len(data)), "data", fmt.Sprintf("reading the %d data bytes failed after %d", total, len(data)), e)
		}
		return fail(hlen+int64(len(data)), "data", fmt.Sprintf("dimensions %v need %d bytes of data but the file ends after %d", dims, total, len(data)), nil)
	}
	// Nothing may follow the data; reading on also makes gzip check its CRC.
	var one [1]byte
	n, err := io.ReadFull(cr, one[:])
	if n > 0 {
		const probe = 1 << 20
		m, _ := io.Copy(io.Discard, io.LimitReader(cr, probe))
		extra := fmt.Sprintf("%d bytes follow", 1+m)
		if m == probe {
			extra = fmt.Sprintf("more than %d bytes follow", m)
		}
		return fail(hlen+int64(total), "end", fmt.Sprintf("%s the %d data bytes that dimensions %v call for", extra, total, dims), nil)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fail(hlen+int64(total), "end", "the data are complete but the file is corrupt after them", err)
	}
	return &IDX{Dims: dims, Data: data}, nil
}

// ioErr drops the uninformative io.ErrUnexpectedEOF and io.EOF (the message
// already says the file ends early) and keeps anything else, such as a gzip
// checksum error.
func ioErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return err
}

// readN reads exactly n bytes. When exact is true the caller has checked
// that n bytes are present and the buffer is allocated once; otherwise it
// grows as bytes arrive, so memory follows the data actually present rather
// than what a header claims. On error it returns what it read.
func readN(r io.Reader, n int64, exact bool) ([]byte, error) {
	const chunk = 1 << 20
	if exact {
		buf := make([]byte, n)
		m, err := io.ReadFull(r, buf)
		return buf[:m], err
	}
	buf := make([]byte, 0, min(n, chunk))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			next := make([]byte, len(buf), min(n, 2*int64(cap(buf))))
			copy(next, buf)
			buf = next
		}
		m, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
