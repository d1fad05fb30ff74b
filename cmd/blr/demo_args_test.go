package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bayesrule/blr/data"
)

// TestDemoArgsRefused checks that leftover arguments and out-of-range
// counts are refused before any work, with exit status 1 and an error that
// names the argument or the flag and its value.
func TestDemoArgsRefused(t *testing.T) {
	png := filepath.Join(t.TempDir(), "x.png")
	tests := []struct {
		args []string
		want string
	}{
		// Leftover arguments, and the flags after them, are not ignored.
		{[]string{"table", "foo", "--json"}, `unexpected argument "foo" (flags only; see blr table --help)`},
		{[]string{"demo", "flat", "--out", png, "foo"}, `unexpected argument "foo" (flags only; see blr demo flat --help)`},
		{[]string{"demo", "mixture", "--out", png, "--steps", "1", "foo", "--k", "0"}, `unexpected argument "foo" (flags only; see blr demo mixture --help)`},
		{[]string{"demo", "em", "--iters", "1", "foo", "--k", "0"}, `unexpected argument "foo" (flags only; see blr demo em --help)`},
		{[]string{"demo", "lda", "--epochs", "1", "foo", "--k", "0"}, `unexpected argument "foo" (flags only; see blr demo lda --help)`},
		{[]string{"demo", "moons", "--out", t.TempDir(), "foo"}, `unexpected argument "foo" (flags only; see blr demo moons --help)`},

		// demo mixture's counts.
		{[]string{"demo", "mixture", "--out", png, "--k", "0"}, "--k = 0: want 1 … 8 components"},
		{[]string{"demo", "mixture", "--out", png, "--k", "9"}, "--k = 9: want 1 … 8 components"},
		{[]string{"demo", "mixture", "--out", png, "--samples", "1000000000", "--steps", "2"}, "--samples = 1000000000: want 1 … 10000 draws"},
		{[]string{"demo", "mixture", "--out", png, "--samples", "0"}, "--samples = 0: want 1 … 10000 draws"},
		{[]string{"demo", "mixture", "--out", png, "--steps", "99999999999"}, "--steps = 99999999999: want 1 … 1000000"},
		{[]string{"demo", "mixture", "--out", png, "--steps", "0"}, "--steps = 0: want 1 … 1000000"},

		// demo em's counts: refused before MNIST is read.
		{[]string{"demo", "em", "--n", "2", "--k", "2", "--iters", "3"}, "--dims = 3: want at most --n − 1 = 1"},
		{[]string{"demo", "em", "--n", "5", "--k", "5", "--dims", "20"}, "--dims = 20: want at most --n − 1 = 4"},
		{[]string{"demo", "em", "--n", "5", "--k", "2", "--dims", "5"}, "--dims = 5: want at most --n − 1 = 4"},
		{[]string{"demo", "em", "--dims", "0"}, "--dims = 0: want 1 … 20 PCA dimensions"},
		{[]string{"demo", "em", "--dims", "21"}, "--dims = 21: want 1 … 20 PCA dimensions"},
		{[]string{"demo", "em", "--k", "1"}, "--k = 1: want 2 … 100 components"},
		{[]string{"demo", "em", "--k", "101"}, "--k = 101: want 2 … 100 components"},
		{[]string{"demo", "em", "--iters", "0"}, "--iters = 0: want 1 … 1000"},
		{[]string{"demo", "em", "--iters", "99999999999"}, "--iters = 99999999999: want 1 … 1000"},
		{[]string{"demo", "em", "--n", "3", "--k", "4"}, "--n = 3: want at least --k = 4 images"},

		// demo lda's counts: refused before the corpus is read.
		{[]string{"demo", "lda", "--k", "100000", "--epochs", "1"}, "--k = 100000: want 2 … 1000 topics"},
		{[]string{"demo", "lda", "--k", "1"}, "--k = 1: want 2 … 1000 topics"},
		{[]string{"demo", "lda", "--batch", "0"}, "--batch = 0: want 1 … 1000000 documents"},
		{[]string{"demo", "lda", "--batch", "1000001"}, "--batch = 1000001: want 1 … 1000000 documents"},
		{[]string{"demo", "lda", "--epochs", "0"}, "--epochs = 0: want 1 … 10000"},
		{[]string{"demo", "lda", "--epochs", "10001"}, "--epochs = 10001: want 1 … 10000"},
		{[]string{"demo", "lda", "--top", "0"}, "--top = 0: want 1 … 3000 words"},
		{[]string{"demo", "lda", "--top", "3001"}, "--top = 3001: want 1 … 3000 words"},

		// demo moons' counts.
		{[]string{"demo", "moons", "--out", t.TempDir(), "--n", "100001"}, "--n = 100001: want 4 … 100000"},
		{[]string{"demo", "moons", "--out", t.TempDir(), "--grid", "1001"}, "--grid = 1001: want 10 … 1000"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != 1 {
				t.Errorf("exit %d, want 1 (stderr %q)", code, errb.String())
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", errb.String(), tc.want)
			}
			if _, err := os.Stat(png); err == nil {
				t.Errorf("%s was written", png)
			}
		})
	}
}

// TestDemoArgsHelp checks that blr demo -h, --help and help list the demos
// and exit 0, as a demo's own -h does.
func TestDemoArgsHelp(t *testing.T) {
	for _, h := range []string{"-h", "-help", "--help", "help"} {
		var out, errb bytes.Buffer
		if code := run([]string{"demo", h}, &out, &errb); code != 0 {
			t.Errorf("blr demo %s: exit %d, want 0 (stderr %q)", h, code, errb.String())
		}
		for _, name := range demoNames() {
			if !strings.Contains(out.String(), "\n  "+name+" ") {
				t.Errorf("blr demo %s: the list lacks %s:\n%s", h, name, out.String())
			}
		}
	}
	for _, name := range append(demoNames(), "") {
		args := []string{"demo", name, "-h"}
		if name == "" {
			args = []string{"table", "-h"}
		}
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Errorf("blr %s: exit %d, want 0 (stderr %q)", strings.Join(args, " "), code, errb.String())
		}
		if !strings.HasPrefix(errb.String(), "usage: blr "+strings.Join(args[:len(args)-1], " ")) {
			t.Errorf("blr %s: stderr does not start with its usage: %q", strings.Join(args, " "), errb.String())
		}
	}
}

// TestDemoArgsGlob checks demo lda's errors for a bad pattern, no match, and
// matching files without text: each names --glob and the pattern.
func TestDemoArgsGlob(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"a", "b"} {
		if err := os.WriteFile(filepath.Join(empty, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(empty, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		glob string
		want []string
	}{
		{"[", []string{`--glob "[": syntax error in pattern`}},
		{filepath.Join(dir, "none*"), []string{`--glob "` + filepath.Join(dir, "none*") + `": no files match`}},
		{filepath.Join(empty, "*"), []string{`--glob "` + filepath.Join(empty, "*") + `": the 3 matching files have no text: 2 empty, 1 unreadable`, "is a directory"}},
	}
	for _, tc := range tests {
		var out, errb bytes.Buffer
		if code := run([]string{"demo", "lda", "--glob", tc.glob, "--epochs", "1"}, &out, &errb); code != 1 {
			t.Errorf("--glob %q: exit %d, want 1", tc.glob, code)
		}
		for _, w := range tc.want {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("--glob %q: stderr %q lacks %q", tc.glob, errb.String(), w)
			}
		}
	}
}

// TestDemoArgsPCA checks that mnistPCA and checkEM refuse more dimensions
// than n images can give, and fewer images than components, where the test
// set is smaller than --n, instead of panicking.
func TestDemoArgsPCA(t *testing.T) {
	const n, d = 4, 6
	set := &data.Set{X: make([]float32, n*d), Y: make([]int, n), N: n, D: d, Classes: 1}
	for i := range set.X {
		set.X[i] = float32((i*7)%11) / 11
	}
	for dims := 1; dims <= d+1; dims++ {
		x, err := mnistPCA(set, n, dims)
		if dims < n {
			if err != nil || len(x) != n || len(x[0]) != dims {
				t.Errorf("dims %d: %d rows, err %v", dims, len(x), err)
			}
		} else if err == nil {
			t.Errorf("dims %d of %d images: no error", dims, n)
		}
	}
	if _, err := mnistPCA(set, n+1, 2); err == nil {
		t.Errorf("%d of %d images: no error", n+1, n)
	}
	// --n 5000 capped at a test set of 3 images.
	for _, tc := range []struct {
		dims, k int
		want    string
	}{
		{2, 5, "--n = 3 (the test set has 3 images): want at least --k = 5 images"},
		{3, 2, "--dims = 3: want at most --n − 1 = 2 (the test set has 3 images)"},
	} {
		err := checkEM(3, tc.dims, tc.k, 30, 3)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("checkEM(3, %d, %d, 30, 3) = %v, want %q", tc.dims, tc.k, err, tc.want)
		}
	}
}

// TestDemoArgsFileLimit: blr demo lda reads a file only up to its limit,
// and refuses a larger one naming it (it read every file whole).
func TestDemoArgsFileLimit(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"ten": "0123456789", "eleven": "0123456789a"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := readSmallFile(filepath.Join(dir, "ten"), 10); err != nil || string(b) != "0123456789" {
		t.Errorf("a file at the limit: %q, %v", b, err)
	}
	if _, err := readSmallFile(filepath.Join(dir, "eleven"), 10); err == nil || !strings.Contains(err.Error(), "eleven: more than 10 bytes") {
		t.Errorf("a file over the limit: %v", err)
	}
}
