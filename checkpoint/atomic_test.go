package checkpoint

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var errInjected = errors.New("injected failure")

// faultFS is the real file system with one failure injected: at a step
// ("create", "chmod", "sync", "close", "rename", "syncdir") or, with step
// "write", after writing the first k bytes of the file.
type faultFS struct {
	osFS
	step string
	k    int
}

func (f faultFS) CreateTemp(dir, pattern string) (tempFile, error) {
	if f.step == "create" {
		return nil, errInjected
	}
	t, err := f.osFS.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &faultFile{tempFile: t, fs: f}, nil
}

func (f faultFS) Rename(oldpath, newpath string) error {
	if f.step == "rename" {
		return errInjected
	}
	return f.osFS.Rename(oldpath, newpath)
}

func (f faultFS) SyncDir(dir string) error {
	if f.step == "syncdir" {
		return errInjected
	}
	return f.osFS.SyncDir(dir)
}

type faultFile struct {
	tempFile
	fs      faultFS
	written int
}

// Write writes what fits before byte k, as a failing disk would, then fails.
func (f *faultFile) Write(p []byte) (int, error) {
	if f.fs.step == "write" && f.written+len(p) > f.fs.k {
		n, _ := f.tempFile.Write(p[:f.fs.k-f.written])
		f.written += n
		return n, errInjected
	}
	n, err := f.tempFile.Write(p)
	f.written += n
	return n, err
}

func (f *faultFile) Chmod(m fs.FileMode) error {
	if f.fs.step == "chmod" {
		return errInjected
	}
	return f.tempFile.Chmod(m)
}

func (f *faultFile) Sync() error {
	if f.fs.step == "sync" {
		return errInjected
	}
	return f.tempFile.Sync()
}

func (f *faultFile) Close() error {
	err := f.tempFile.Close()
	if f.fs.step == "close" {
		return errInjected
	}
	return err
}

// tempFiles lists the leftover temporary files of path.
func tempFiles(t *testing.T, path string) []string {
	t.Helper()
	m, err := filepath.Glob(path + ".tmp-*")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.safetensors")
	for step := range int64(3) {
		if err := WriteFile(path, sample(step)); err != nil {
			t.Fatal(err)
		}
		f, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := f.Meta.Int(KeyStep); got != step {
			t.Errorf("step %d read back as %d", step, got)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	if left := tempFiles(t, path); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A relative path writes in the current directory.
	t.Chdir(filepath.Dir(path))
	if err := WriteFile("rel.safetensors", sample(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile("rel.safetensors"); err != nil {
		t.Fatal(err)
	}
	// An invalid File touches nothing.
	if err := WriteFile(path, &File{Kind: "nope"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("WriteFile(invalid) = %v", err)
	}
	if f, err := ReadFile(path); err != nil || f.Meta[KeyStep] != "2" {
		t.Errorf("invalid write changed the file: %v", err)
	}
}

// TestWriteFileFaultEveryByte makes the write fail after each byte count k
// of the new checkpoint in turn, with and without an old one in place: the
// destination must hold the old checkpoint byte for byte (or nothing), and
// no temporary file may be left.
func TestWriteFileFaultEveryByte(t *testing.T) {
	dir := t.TempDir()
	oldPath := filepath.Join(dir, "old.safetensors")
	newPath := filepath.Join(dir, "none.safetensors")
	if err := WriteFile(oldPath, sample(1)); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(oldPath)
	if err != nil {
		t.Fatal(err)
	}
	next := sample(2)
	size := len(mustEncode(t, next))
	faults := 0
	for k := range size {
		err := writeFile(faultFS{step: "write", k: k}, oldPath, next)
		if !errors.Is(err, errInjected) {
			t.Fatalf("fault at byte %d: %v", k, err)
		}
		if got, err := os.ReadFile(oldPath); err != nil || !bytes.Equal(got, old) {
			t.Fatalf("fault at byte %d: the old checkpoint changed (%v)", k, err)
		}
		if err := writeFile(faultFS{step: "write", k: k}, newPath, next); !errors.Is(err, errInjected) {
			t.Fatalf("fault at byte %d: %v", k, err)
		}
		if _, err := os.Stat(newPath); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("fault at byte %d: a failed first write left a file (%v)", k, err)
		}
		faults += 2
	}
	if left := append(tempFiles(t, oldPath), tempFiles(t, newPath)...); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	t.Logf("%d injected write faults over %d byte offsets, all old-or-nothing", faults, size)
}

// TestWriteFileFaultSteps fails each system call in turn.
func TestWriteFileFaultSteps(t *testing.T) {
	tests := []struct {
		step    string
		wantNew bool // the new checkpoint is in place despite the error
	}{
		{"create", false},
		{"chmod", false},
		{"sync", false},
		{"close", false},
		{"rename", false},
		{"syncdir", true},
	}
	for _, tc := range tests {
		t.Run(tc.step, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.safetensors")
			if err := WriteFile(path, sample(1)); err != nil {
				t.Fatal(err)
			}
			old, _ := os.ReadFile(path)
			next := sample(2)
			err := writeFile(faultFS{step: tc.step}, path, next)
			if !errors.Is(err, errInjected) {
				t.Fatalf("error %v, want the injected one", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the path", err)
			}
			want := old
			if tc.wantNew {
				want = mustEncode(t, next)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
				t.Errorf("file holds neither the expected old nor new checkpoint")
			}
			if left := tempFiles(t, path); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	good := mustEncode(t, sample(1))
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		path string
		want error
	}{
		{"missing", filepath.Join(dir, "absent"), fs.ErrNotExist},
		{"directory", dir, nil},
		{"empty", write("empty", nil), ErrTruncated},
		{"short", write("short", good[:5]), ErrTruncated},
		{"header past the end", write("cut", good[:100]), ErrTruncated},
		{"huge header length", write("huge", append([]byte{0, 0, 0, 0, 0, 0, 0, 0x80}, good[8:]...)), ErrHeader},
		{"corrupt", write("corrupt", append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^1)), ErrChecksum},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadFile(tc.path)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			var pe *fs.PathError
			if !errors.As(err, &pe) || pe.Path != tc.path {
				t.Errorf("error %v does not carry the path", err)
			}
		})
	}
}

// killEnv names the checkpoint the helper process rewrites in a loop.
const killEnv = "BLR_CHECKPOINT_KILL_TEST_PATH"

// killFile is the checkpoint of step i: its content follows from i, and its
// size varies, so that a torn write could not pass for a whole one.
func killFile(i int64) *File {
	f := sample(i)
	v := make([]float64, 1000+int(i%7)*1000)
	for j := range v {
		v[j] = float64(i) + float64(j)
	}
	f.Tensors = append(f.Tensors, NewFloat64("v", v))
	return f
}

// TestKillDuringWrite starts a copy of the test binary that rewrites a
// checkpoint in a loop, kills it with SIGKILL at a random moment, and checks
// that the file on disk decodes and is the whole checkpoint of one step, no
// older than the last step the child reported done.
func TestKillDuringWrite(t *testing.T) {
	if path := os.Getenv(killEnv); path != "" {
		for i := int64(1); ; i++ {
			if err := WriteFile(path, killFile(i)); err != nil {
				fmt.Println("error:", err)
				os.Exit(1)
			}
			fmt.Println(i)
		}
	}
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	const rounds = 8
	midWrite := 0
	for round := range rounds {
		path := filepath.Join(t.TempDir(), "run.safetensors")
		cmd := exec.Command(exe, "-test.run=^TestKillDuringWrite$")
		cmd.Env = append(os.Environ(), killEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Read the child's reports on the side, so that the kill below is not
		// timed to them.
		first, last := make(chan struct{}), make(chan int64, 1)
		go func() {
			var done int64
			lines := bufio.NewScanner(out)
			for lines.Scan() {
				if n, err := strconv.ParseInt(lines.Text(), 10, 64); err == nil {
					if done == 0 {
						close(first)
					}
					done = n
				}
			}
			if done == 0 {
				close(first)
			}
			last <- done
		}()
		<-first
		time.Sleep(time.Duration(r.IntN(20_000)) * time.Microsecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		done := <-last // every step the child reported, up to its death
		_ = cmd.Wait()
		if done == 0 {
			t.Fatalf("round %d: the child wrote nothing", round)
		}

		f, err := ReadFile(path)
		if err != nil {
			t.Fatalf("round %d: after the kill: %v", round, err)
		}
		step, err := f.Meta.Int(KeyStep)
		if err != nil {
			t.Fatal(err)
		}
		if step != done && step != done+1 {
			t.Errorf("round %d: the file holds step %d, but the child reported step %d as the last written", round, step, done)
		}
		want := normalize(killFile(step))
		wantV := want.Tensors[len(want.Tensors)-2].F64
		if got, err := f.Float64("v", len(wantV)); err != nil || !slices.Equal(got, wantV) {
			t.Errorf("round %d: the content of step %d is wrong (%v)", round, step, err)
		}
		strays := len(tempFiles(t, path))
		if strays > 0 {
			midWrite++
		}
		t.Logf("round %d: killed after step %d was reported; the file holds step %d whole; %d stray temporary files",
			round, done, step, strays)
	}
	t.Logf("%d kills, %d of them while a temporary file was open; every file decoded whole", rounds, midWrite)
}
