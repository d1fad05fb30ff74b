package data

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeFakeMNIST writes four tiny IDX files (n training and m test images of
// 2×3 pixels) into dir; gz chooses gzip-compressed files with .gz names.
func writeFakeMNIST(t *testing.T, dir string, n, m int, gz bool) {
	t.Helper()
	write := func(name string, dims []uint32, data []byte) {
		b := idxBytes(dims, data)
		if gz {
			b = gzipBytes(b)
		} else {
			name = strings.TrimSuffix(name, ".gz")
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, part := range []struct {
		img, lbl string
		n        int
	}{{TrainImagesFile, TrainLabelsFile, n}, {TestImagesFile, TestLabelsFile, m}} {
		px := make([]byte, part.n*6)
		for i := range px {
			px[i] = byte(i * 51) // 0, 51, 102, 153, 204, 255, …
		}
		lb := make([]byte, part.n)
		for i := range lb {
			lb[i] = byte(i % 10)
		}
		write(part.img, []uint32{uint32(part.n), 2, 3}, px)
		write(part.lbl, []uint32{uint32(part.n)}, lb)
	}
}

func TestLoadImagesFake(t *testing.T) {
	for _, gz := range []bool{true, false} {
		dir := t.TempDir()
		writeFakeMNIST(t, dir, 12, 4, gz)
		for _, name := range []string{"mnist", "Fashion-MNIST"} {
			train, test, err := Load(name, dir)
			if err != nil {
				t.Fatalf("gz=%v Load(%q): %v", gz, name, err)
			}
			if train.N != 12 || test.N != 4 || train.D != 6 || train.H != 2 || train.W != 3 || train.Classes != 10 {
				t.Fatalf("train = %d×%d (%d×%d), test N = %d", train.N, train.D, train.H, train.W, test.N)
			}
			if err := train.Validate(); err != nil {
				t.Fatal(err)
			}
			wantX := []float32{0, 0.2, 0.4, 0.6, 0.8, 1}
			if got := train.Row(0); !slices.Equal(got, wantX) {
				t.Fatalf("row 0 = %v, want %v", got, wantX)
			}
			if train.Y[11] != 1 || test.Y[3] != 3 {
				t.Fatalf("labels %v / %v", train.Y, test.Y)
			}
			if !strings.HasSuffix(train.Name, "/train") || !strings.HasSuffix(test.Name, "/test") {
				t.Fatalf("names %q %q", train.Name, test.Name)
			}
		}
	}
}

func TestLoadImagesErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(dir string) // damages a good fake set
		load    func(dir string) error
		want    []string
		notFind bool
	}{
		{
			name:    "missing fashion file",
			setup:   func(dir string) { os.Remove(filepath.Join(dir, TestLabelsFile)) },
			load:    func(dir string) error { _, _, err := LoadFashionMNIST(dir); return err },
			want:    []string{"Fashion-MNIST not found in", TestLabelsFile, "dataset-fashion-mnist", "give the directory that holds the files"},
			notFind: true,
		},
		{
			name:    "missing mnist file",
			setup:   func(dir string) { os.Remove(filepath.Join(dir, TrainImagesFile)) },
			load:    func(dir string) error { _, _, err := LoadMNIST(dir); return err },
			want:    []string{"MNIST not found in", TrainImagesFile, GoMNISTModule, "give the directory that holds the files"},
			notFind: true,
		},
		{
			name:    "no such directory",
			setup:   func(string) {},
			load:    func(dir string) error { _, _, err := LoadFashionMNIST(filepath.Join(dir, "nope")); return err },
			want:    []string{"nope", "does not exist", "dataset-fashion-mnist"},
			notFind: true,
		},
		{
			name: "bad label",
			setup: func(dir string) {
				os.WriteFile(filepath.Join(dir, TrainLabelsFile), idxBytes([]uint32{12}, []byte{0, 1, 2, 3, 4, 5, 6, 12, 8, 9, 0, 1}), 0o644)
			},
			load: func(dir string) error { _, _, err := LoadMNIST(dir); return err },
			want: []string{"MNIST is corrupt", TrainLabelsFile, "label 12 of example 7"},
		},
		{
			name: "count mismatch",
			setup: func(dir string) {
				os.WriteFile(filepath.Join(dir, TestLabelsFile), idxBytes([]uint32{3}, []byte{0, 1, 2}), 0o644)
			},
			load: func(dir string) error { _, _, err := LoadMNIST(dir); return err },
			want: []string{TestLabelsFile, "3 labels for the 4 images"},
		},
		{
			name: "labels as images",
			setup: func(dir string) {
				os.WriteFile(filepath.Join(dir, TrainImagesFile), idxBytes([]uint32{12}, make([]byte, 12)), 0o644)
			},
			load: func(dir string) error { _, _, err := LoadMNIST(dir); return err },
			want: []string{TrainImagesFile, "needs 3 dimensions"},
		},
		{
			name: "truncated images",
			setup: func(dir string) {
				b := gzipBytes(idxBytes([]uint32{12, 2, 3}, make([]byte, 70)))
				os.WriteFile(filepath.Join(dir, TrainImagesFile), b, 0o644)
			},
			load: func(dir string) error { _, _, err := LoadMNIST(dir); return err },
			want: []string{TrainImagesFile, "need 72 bytes of data but the file ends after 70"},
		},
		{
			name:  "unknown name",
			setup: func(string) {},
			load:  func(dir string) error { _, _, err := Load("cifar10", dir); return err },
			want:  []string{`"cifar10"`, "mnist, fashion-mnist"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFakeMNIST(t, dir, 12, 4, true)
			tc.setup(dir)
			err := tc.load(dir)
			if err == nil {
				t.Fatal("load succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if got := errors.Is(err, ErrNotFound); got != tc.notFind {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", got, tc.notFind)
			}
		})
	}
}

// TestLoadMNISTReal loads the real MNIST from the GoMNIST module.
func TestLoadMNISTReal(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		t.Skipf("MNIST files not available: %v", err)
	}
	t.Logf("MNIST dir: %s", dir)
	train, test, err := LoadMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	checkRealSet(t, train, 60000, 5)
	checkRealSet(t, test, 10000, 7)
}

// TestLoadFashionMNISTReal loads Fashion-MNIST from the Debian package.
func TestLoadFashionMNISTReal(t *testing.T) {
	if _, ok := findFile(FashionMNISTDir, TrainImagesFile); !ok {
		t.Skipf("Fashion-MNIST not installed in %s (Debian package dataset-fashion-mnist)", FashionMNISTDir)
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	train, test, err := LoadFashionMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	checkRealSet(t, train, 60000, 9) // the first training image is an ankle boot
	checkRealSet(t, test, 10000, 9)
}

func checkRealSet(t *testing.T, s *Set, n, firstLabel int) {
	t.Helper()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.N != n || s.D != 784 || s.H != 28 || s.W != 28 || s.Classes != 10 {
		t.Fatalf("%s: N=%d D=%d H=%d W=%d Classes=%d", s.Name, s.N, s.D, s.H, s.W, s.Classes)
	}
	if s.Y[0] != firstLabel {
		t.Errorf("%s: Y[0] = %d, want %d", s.Name, s.Y[0], firstLabel)
	}
	count := make([]int, 10)
	for _, y := range s.Y {
		count[y]++
	}
	for c, k := range count {
		if k < n/20 {
			t.Errorf("%s: class %d has only %d examples", s.Name, c, k)
		}
	}
	lo, hi := float32(1), float32(0)
	for _, v := range s.X {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo != 0 || hi != 1 {
		t.Errorf("%s: pixels span [%v, %v], want [0, 1]", s.Name, lo, hi)
	}
}

func tinySet(n, d int) *Set {
	s := &Set{X: make([]float32, n*d), Y: make([]int, n), N: n, D: d, Classes: 10, Name: "tiny"}
	for i := range n {
		for j := range d {
			s.X[i*d+j] = float32(100*i + j)
		}
		s.Y[i] = i % 10
	}
	return s
}

func TestSplit(t *testing.T) {
	s := tinySet(50, 3)
	tr, va, err := s.Split(0.2, 7)
	if err != nil {
		t.Fatal(err)
	}
	if tr.N != 40 || va.N != 10 || tr.Validate() != nil || va.Validate() != nil {
		t.Fatalf("sizes %d/%d", tr.N, va.N)
	}
	seen := map[float32]bool{}
	for _, part := range []*Set{tr, va} {
		for i := range part.N {
			r := part.Row(i)
			id := r[0] / 100
			if seen[id] {
				t.Fatalf("example %v in both parts", id)
			}
			seen[id] = true
			if part.Y[i] != int(id)%10 || r[2] != r[0]+2 {
				t.Fatalf("row %v and label %d do not belong together", r, part.Y[i])
			}
		}
	}
	if len(seen) != 50 {
		t.Fatalf("%d examples seen, want 50", len(seen))
	}
	tr2, va2, _ := s.Split(0.2, 7)
	if !slices.Equal(tr.X, tr2.X) || !slices.Equal(va.Y, va2.Y) {
		t.Fatal("same seed, different split")
	}
	_, va3, _ := s.Split(0.2, 8)
	if slices.Equal(va.X, va3.X) {
		t.Fatal("seeds 7 and 8 gave the same split")
	}
	va.X[0] = -1
	if s.X[0] == -1 {
		t.Fatal("split aliases the original")
	}
	for _, frac := range []float64{0, 1, -0.5, 2, 0.001, 0.999} {
		if _, _, err := s.Split(frac, 1); !errors.Is(err, ErrInvalid) {
			t.Errorf("Split(%v): err = %v, want ErrInvalid", frac, err)
		}
	}
	bad := tinySet(5, 3)
	bad.X = bad.X[:14]
	if _, _, err := bad.Split(0.5, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("inconsistent set: err = %v", err)
	}
}

func TestPermute(t *testing.T) {
	s := tinySet(4, 5)
	perm := PermutationFromSeed(5, 3)
	if !slices.Equal(perm, PermutationFromSeed(5, 3)) {
		t.Fatal("PermutationFromSeed is not deterministic")
	}
	sorted := slices.Sorted(slices.Values(perm))
	if !slices.Equal(sorted, []int{0, 1, 2, 3, 4}) {
		t.Fatalf("%v is not a permutation", perm)
	}
	p, err := Permute(s, perm)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.N {
		for j := range s.D {
			if p.X[i*5+j] != s.X[i*5+perm[j]] {
				t.Fatalf("X'[%d,%d] = %v, want X[%d,%d]", i, j, p.X[i*5+j], i, perm[j])
			}
		}
	}
	if !slices.Equal(p.Y, s.Y) {
		t.Fatal("labels changed")
	}
	for _, bad := range [][]int{{0, 1, 2, 3}, {0, 1, 2, 3, 3}, {0, 1, 2, 3, 5}, {-1, 1, 2, 3, 4}} {
		if _, err := Permute(s, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Permute(%v): err = %v", bad, err)
		}
	}
	if !slices.Equal(PermutationFromSeed(0, 1), []int{}) || len(PermutationFromSeed(-3, 1)) != 0 {
		t.Error("empty permutation")
	}
}

func TestFilterClasses(t *testing.T) {
	s := tinySet(30, 2)
	for _, task := range SplitMNISTTasks() {
		f, err := FilterClasses(s, task, true)
		if err != nil {
			t.Fatal(err)
		}
		if f.N != 6 || f.Classes != 2 {
			t.Fatalf("task %v: N=%d Classes=%d", task, f.N, f.Classes)
		}
		for i, y := range f.Y {
			orig := int(f.X[i*2] / 100)
			if task[y] != orig%10 {
				t.Fatalf("task %v: relabelled %d for original label %d", task, y, orig%10)
			}
		}
	}
	f, err := FilterClasses(s, []int{9, 3}, false)
	if err != nil || f.N != 6 || f.Classes != 10 || f.Y[0] != 3 {
		t.Fatalf("keep labels: %+v %v", f, err)
	}
	for _, bad := range [][]int{nil, {10}, {-1}, {1, 1}} {
		if _, err := FilterClasses(s, bad, true); !errors.Is(err, ErrInvalid) {
			t.Errorf("FilterClasses(%v): err = %v", bad, err)
		}
	}
}

func TestSubsetErrors(t *testing.T) {
	s := tinySet(3, 2)
	if _, err := s.Subset([]int{0, 3}); !errors.Is(err, ErrInvalid) {
		t.Errorf("err = %v", err)
	}
	var nilSet *Set
	if err := nilSet.Validate(); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil set: err = %v", err)
	}
	s.Y[1] = 10
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "Y[1] = 10") {
		t.Errorf("err = %v", err)
	}
}

// TestMNISTDirFallbacks hides the go tool and checks the module-cache
// fallbacks: $GOMODCACHE, then $GOPATH/pkg/mod, then a clear error.
func TestMNISTDirFallbacks(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("PATH", empty) // no go tool
	t.Setenv("HOME", empty)
	cache := t.TempDir()
	gopath := t.TempDir()
	t.Setenv("GOMODCACHE", cache)
	t.Setenv("GOPATH", gopath)

	_, err := MNISTDir()
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), cache) || !strings.Contains(err.Error(), GoMNISTModule) {
		t.Fatalf("nothing cached: err = %v", err)
	}

	inGopath := filepath.Join(gopath, "pkg", "mod", filepath.FromSlash(goMNISTCacheDir), "data")
	if err := os.MkdirAll(inGopath, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFakeMNIST(t, inGopath, 3, 2, true)
	if got, err := MNISTDir(); err != nil || got != inGopath {
		t.Fatalf("GOPATH fallback: %q, %v", got, err)
	}

	inCache := filepath.Join(cache, filepath.FromSlash(goMNISTCacheDir), "data")
	if err := os.MkdirAll(inCache, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFakeMNIST(t, inCache, 3, 2, false)
	if got, err := MNISTDir(); err != nil || got != inCache {
		t.Fatalf("GOMODCACHE first: %q, %v", got, err)
	}
	train, _, err := LoadMNIST("")
	if err != nil || train.N != 3 {
		t.Fatalf("LoadMNIST from the cache: %v", err)
	}
}

// TestLoadMNISTDirIsFile: a --data-dir that is a file says so (it used to
// say the directory does not exist).
func TestLoadMNISTDirIsFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "metrics.json")
	if err := os.WriteFile(f, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadMNIST(f)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "it is a file, not a directory") {
		t.Fatalf("LoadMNIST(a file): %v", err)
	}
}
