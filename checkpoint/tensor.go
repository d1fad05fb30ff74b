package checkpoint

import (
	"fmt"
	"math"
	"slices"
	"unicode/utf8"
)

// DType is a tensor's element type, named as in safetensors.
type DType string

// The element types a checkpoint can hold, all little-endian.
const (
	F64 DType = "F64" // float64, in Tensor.F64
	F32 DType = "F32" // float32, in Tensor.F32
	I64 DType = "I64" // int64, in Tensor.I64
	U8  DType = "U8"  // byte, in Tensor.U8
)

// Size returns the size of one element in bytes, or 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case F64, I64:
		return 8
	case F32:
		return 4
	case U8:
		return 1
	}
	return 0
}

// Tensor is a named array. Its elements are in the slice that matches its
// DType, in row-major order; the other three slices are nil.
type Tensor struct {
	Name  string
	DType DType
	Shape []int // nil or empty: a scalar
	F64   []float64
	F32   []float32
	I64   []int64
	U8    []byte
}

// NewFloat64 returns an F64 tensor holding data (not copied). Without a shape
// it is a vector of len(data) elements; a scalar is a Tensor literal with an
// empty Shape.
func NewFloat64(name string, data []float64, shape ...int) Tensor {
	return Tensor{Name: name, DType: F64, Shape: vectorShape(shape, len(data)), F64: data}
}

// NewFloat32 returns an F32 tensor holding data (not copied). Without a shape
// it is a vector of len(data) elements.
func NewFloat32(name string, data []float32, shape ...int) Tensor {
	return Tensor{Name: name, DType: F32, Shape: vectorShape(shape, len(data)), F32: data}
}

// NewInt64 returns an I64 tensor holding data (not copied). Without a shape it
// is a vector of len(data) elements.
func NewInt64(name string, data []int64, shape ...int) Tensor {
	return Tensor{Name: name, DType: I64, Shape: vectorShape(shape, len(data)), I64: data}
}

// NewUint8 returns a U8 tensor holding data (not copied). Without a shape it
// is a vector of len(data) elements.
func NewUint8(name string, data []byte, shape ...int) Tensor {
	return Tensor{Name: name, DType: U8, Shape: vectorShape(shape, len(data)), U8: data}
}

func vectorShape(shape []int, n int) []int {
	if len(shape) == 0 {
		return []int{n}
	}
	return slices.Clone(shape)
}

// lens returns the lengths of the four data slices, in the order F64, F32,
// I64, U8.
func (t *Tensor) lens() [4]int {
	return [4]int{len(t.F64), len(t.F32), len(t.I64), len(t.U8)}
}

// dataLen returns the length of the slice that DType selects, or −1 for an
// unknown DType.
func (t *Tensor) dataLen() int {
	switch t.DType {
	case F64:
		return len(t.F64)
	case F32:
		return len(t.F32)
	case I64:
		return len(t.I64)
	case U8:
		return len(t.U8)
	}
	return -1
}

// maxBytes bounds a tensor's size in bytes: it must fit an int.
const maxBytes = math.MaxInt

// numElements returns the product of shape, or false if a dimension is
// negative or the product times size exceeds maxBytes.
func numElements(shape []int, size int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			n = 0
			continue
		}
		if n > maxBytes/size/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// check reports whether t can be written.
func (t *Tensor) check() error {
	if err := checkName("tensor name", t.Name); err != nil {
		return err
	}
	if t.Name == metadataKey {
		return invalidf("tensor name %q is reserved", t.Name)
	}
	size := t.DType.Size()
	if size == 0 {
		return invalidf("tensor %q: unknown dtype %q", t.Name, t.DType)
	}
	n, ok := numElements(t.Shape, size)
	if !ok {
		return invalidf("tensor %q: invalid shape %v", t.Name, t.Shape)
	}
	for i, l := range t.lens() {
		want := 0
		if [4]DType{F64, F32, I64, U8}[i] == t.DType {
			want = n
		}
		if l != want {
			return invalidf("tensor %q: %s shape %v needs %d elements in %s, found %d in %s",
				t.Name, t.DType, t.Shape, n, t.DType, l, [4]DType{F64, F32, I64, U8}[i])
		}
	}
	for i, v := range t.F64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: tensor %q[%d] = %g: %w", ErrInvalid, t.Name, i, v, ErrNonFinite)
		}
	}
	for i, v := range t.F32 {
		if w := float64(v); math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("%w: tensor %q[%d] = %g: %w", ErrInvalid, t.Name, i, v, ErrNonFinite)
		}
	}
	return nil
}

// checkName rejects the empty string and invalid UTF-8.
func checkName(what, s string) error {
	if s == "" {
		return invalidf("empty %s", what)
	}
	if !utf8.ValidString(s) {
		return invalidf("%s %q is not valid UTF-8", what, s)
	}
	return nil
}

// The kinds of checkpoint, the values of File.Kind.
const (
	// KindPosterior is a fitted posterior q: its parameters (for a diagonal
	// Gaussian, the mean and the precision) and how it was obtained.
	KindPosterior = "posterior"
	// KindTrainingState is everything needed to resume a run bit-identically:
	// the posterior, the optimizer state, the step count, the generator state
	// and the data-loader position.
	KindTrainingState = "training-state"
)

// File is the content of a checkpoint.
type File struct {
	Kind    string   // KindPosterior or KindTrainingState
	Meta    Meta     // the caller's metadata; the reserved keys are not here
	Tensors []Tensor // any order when writing; sorted by name after Decode
}

// Tensor returns the tensor called name, or a [*MismatchError] wrapping
// [ErrMissing]. The result points into f.
func (f *File) Tensor(name string) (*Tensor, error) {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], nil
		}
	}
	return nil, &MismatchError{Name: name, Err: ErrMissing, Want: "a tensor"}
}

// lookup returns the tensor called name after checking its dtype and that
// its shape is exactly shape.
func (f *File) lookup(name string, dtype DType, shape []int) (*Tensor, error) {
	want := fmt.Sprintf("%s %v", dtype, shapeString(shape))
	t, err := f.Tensor(name)
	if err != nil {
		return nil, &MismatchError{Name: name, Err: ErrMissing, Want: want}
	}
	got := fmt.Sprintf("%s %v", t.DType, shapeString(t.Shape))
	if t.DType != dtype {
		return nil, &MismatchError{Name: name, Err: ErrDType, Want: want, Got: got}
	}
	if !slices.Equal(t.Shape, shape) || t.dataLen() != mustElements(shape) {
		return nil, &MismatchError{Name: name, Err: ErrShape, Want: want, Got: got}
	}
	return t, nil
}

// mustElements returns the element count of a shape, or −1 if it is invalid.
func mustElements(shape []int) int {
	n, ok := numElements(shape, 8)
	if !ok {
		return -1
	}
	return n
}

func shapeString(shape []int) string {
	if shape == nil {
		shape = []int{}
	}
	return fmt.Sprint(shape)
}

// Float64 returns the data of the F64 tensor called name, after checking that
// its shape is exactly shape (no arguments: a scalar). It fails with a
// [*MismatchError] wrapping [ErrMissing], [ErrDType] or [ErrShape]. The slice
// is f's own, not a copy.
func (f *File) Float64(name string, shape ...int) ([]float64, error) {
	t, err := f.lookup(name, F64, shape)
	if err != nil {
		return nil, err
	}
	return t.F64, nil
}

// Float32 is [File.Float64] for F32 tensors.
func (f *File) Float32(name string, shape ...int) ([]float32, error) {
	t, err := f.lookup(name, F32, shape)
	if err != nil {
		return nil, err
	}
	return t.F32, nil
}

// Int64 is [File.Float64] for I64 tensors.
func (f *File) Int64(name string, shape ...int) ([]int64, error) {
	t, err := f.lookup(name, I64, shape)
	if err != nil {
		return nil, err
	}
	return t.I64, nil
}

// Uint8 is [File.Float64] for U8 tensors.
func (f *File) Uint8(name string, shape ...int) ([]byte, error) {
	t, err := f.lookup(name, U8, shape)
	if err != nil {
		return nil, err
	}
	return t.U8, nil
}
