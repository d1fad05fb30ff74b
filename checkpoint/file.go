package checkpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
)

// WriteFile writes f to path atomically: after it returns, path holds either
// the old file or the new one, whole, and never a mixture, even if the
// process is killed or the write fails. It encodes f in memory ([Encode]),
// writes it to a temporary file "BASE.tmp-RANDOM" in path's directory, syncs
// and closes it, renames it over path and syncs the directory. On an error
// before the rename it removes the temporary file and path is untouched; an
// error from the final directory sync means path holds the new file but its
// durability across a power failure is not assured. The file gets mode 0644.
func WriteFile(path string, f *File) error {
	return writeFile(osFS{}, path, f)
}

// fileSystem is what writeFile needs from the operating system; tests
// substitute one that fails at a chosen step or byte.
type fileSystem interface {
	CreateTemp(dir, pattern string) (tempFile, error)
	Rename(oldpath, newpath string) error
	Remove(name string) error
	SyncDir(dir string) error
}

// tempFile is the part of *os.File that writeFile uses.
type tempFile interface {
	io.Writer
	Name() string
	Chmod(fs.FileMode) error
	Sync() error
	Close() error
}

type osFS struct{}

func (osFS) CreateTemp(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) }
func (osFS) Rename(oldpath, newpath string) error             { return os.Rename(oldpath, newpath) }
func (osFS) Remove(name string) error                         { return os.Remove(name) }
func (osFS) SyncDir(dir string) error                         { return syncDir(dir) }

// WriteAtomic replaces the file at path with b in the way WriteFile does (a
// temporary file in path's directory, synced, renamed over path, directory
// synced): a reader or a crash sees the old bytes or the new, whole. Other
// packages use it for their JSON reports.
func WriteAtomic(path string, b []byte) error {
	return writeBytes(osFS{}, path, b)
}

// writeFile is WriteFile on fsys.
func writeFile(fsys fileSystem, path string, f *File) error {
	b, err := marshal(f)
	if err != nil {
		return err
	}
	return writeBytes(fsys, path, b)
}

// writeBytes is WriteAtomic on fsys.
func writeBytes(fsys fileSystem, path string, b []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	wrap := func(step string, err error) error {
		return fmt.Errorf("checkpoint: writing %s: %s: %w", path, step, err)
	}
	tmp, err := fsys.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return wrap("create temporary file", err)
	}
	name := tmp.Name()
	closed, renamed := false, false
	defer func() {
		if renamed {
			return
		}
		if !closed {
			_ = tmp.Close() // the write already failed; report that error
		}
		_ = fsys.Remove(name)
	}()
	if err := tmp.Chmod(0o644); err != nil {
		return wrap("chmod", err)
	}
	n, err := tmp.Write(b)
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return wrap("write", err)
	}
	if err := tmp.Sync(); err != nil {
		return wrap("sync", err)
	}
	closed = true
	if err := tmp.Close(); err != nil {
		return wrap("close", err)
	}
	if err := fsys.Rename(name, path); err != nil {
		return wrap("rename", err)
	}
	renamed = true
	if err := fsys.SyncDir(dir); err != nil {
		return wrap("sync directory", err)
	}
	return nil
}

// ReadFile reads and decodes the checkpoint at path ([Decode]). It checks the
// header length against the file's size and [MaxHeaderSize] before reading
// the rest, so a wrong file fails fast, and reads nothing but regular files.
// Decoding errors come wrapped in an [*fs.PathError]; errors.Is sees the
// package's error values through it.
func ReadFile(path string) (*File, error) {
	fail := func(err error) (*File, error) {
		return nil, &fs.PathError{Op: "read checkpoint", Path: path, Err: err}
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return fail(errors.New("not a regular file"))
	}
	size := st.Size()
	if size > math.MaxInt {
		return fail(fmt.Errorf("file of %d bytes is too large", size))
	}
	readErr := func(err error) (*File, error) {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fail(&DecodeError{Err: ErrTruncated, Offset: size, Detail: "the file shrank while it was read"})
		}
		return nil, err
	}
	var prefix [8]byte
	k := int(min(size, 8))
	if _, err := io.ReadFull(fh, prefix[:k]); err != nil {
		return readErr(err)
	}
	if k == 8 {
		if err := checkHeaderLength(binary.LittleEndian.Uint64(prefix[:]), int(size)); err != nil {
			return fail(err)
		}
	}
	data := make([]byte, size)
	copy(data, prefix[:k])
	if _, err := io.ReadFull(fh, data[k:]); err != nil {
		return readErr(err)
	}
	f, err := Decode(data)
	if err != nil {
		return fail(err)
	}
	return f, nil
}
