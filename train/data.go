package train

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"runtime"
	"runtime/debug"

	"github.com/bayesrule/blr/data"
)

// OODName returns the out-of-distribution partner of an image set: MNIST's
// is Fashion-MNIST and Fashion-MNIST's is MNIST.
func OODName(name string) string {
	switch canonicalData(name) {
	case "mnist":
		return "fashion-mnist"
	case "fashion-mnist":
		return "mnist"
	}
	return ""
}

// LoadSets reads the named image set ("mnist" or "fashion-mnist") from dir,
// or from its default place when dir is "" (see data.Load), and keeps the
// first trainSize training and testSize test examples when those are > 0.
// A missing file gives an error wrapping data.ErrNotFound that says what to
// install; a corrupt one an error that names the file.
func LoadSets(name, dir string, trainSize, testSize int) (train, test *data.Set, err error) {
	if trainSize < 0 {
		return nil, nil, &ConfigError{Field: "train-size", Value: trainSize, Reason: "must be ≥ 0 (0: the whole training set)"}
	}
	if testSize < 0 {
		return nil, nil, &ConfigError{Field: "test-size", Value: testSize, Reason: "must be ≥ 0 (0: the whole test set)"}
	}
	train, test, err = data.Load(name, dir)
	if err != nil {
		return nil, nil, err
	}
	if train, err = head(train, trainSize); err != nil {
		return nil, nil, err
	}
	if test, err = head(test, testSize); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// LoadData reads the training and evaluation sets of a run from dir (or the
// default place when dir is ""): cfg.Data's training set cut to its first
// cfg.TrainSize examples, and its test set cut to cfg.TestSize; with
// cfg.Validation > 0 the training set is split (data.Set.Split with
// cfg.Seed) and the held-out part replaces the test set.
func LoadData(cfg Config, dir string) (train, eval *data.Set, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	train, test, err := LoadSets(cfg.Data, dir, cfg.TrainSize, cfg.TestSize)
	if err != nil || cfg.Validation == 0 {
		return train, test, err
	}
	test = nil
	tr, val, err := train.Split(cfg.Validation, cfg.Seed)
	if err != nil {
		return nil, nil, &ConfigError{Field: "validation", Value: cfg.Validation, Reason: err.Error()}
	}
	if val, err = head(val, cfg.TestSize); err != nil {
		return nil, nil, err
	}
	return tr, val, nil
}

// LoadTestSet reads only the test set of name (see LoadSets), keeping its
// first size examples when size > 0. The training half, which data.Load
// reads as well, is dropped and its memory returned to the system before
// LoadTestSet returns.
func LoadTestSet(name, dir string, size int) (*data.Set, error) {
	_, test, err := LoadSets(name, dir, 0, size)
	// The training set (188 MB for MNIST) is garbage now: free it before the
	// caller loads anything else, so that it does not add to the peak.
	runtime.GC()
	debug.FreeOSMemory()
	return test, err
}

// LoadOOD reads the test set of name's out-of-distribution partner (see
// OODName) from dir or its default place. When the partner is not installed
// it returns nil and a nil error: the OOD metrics are then absent. Any other
// failure (a corrupt file) is an error.
func LoadOOD(name, dir string, size int) (*data.Set, error) {
	other := OODName(name)
	if other == "" {
		return nil, &ConfigError{Field: "data", Value: name, Reason: "has no out-of-distribution partner"}
	}
	set, err := LoadTestSet(other, dir, size)
	if errors.Is(err, data.ErrNotFound) {
		return nil, nil
	}
	return set, err
}

// head returns the first n examples of s (s itself when n is 0 or ≥ N).
func head(s *data.Set, n int) (*data.Set, error) {
	if n == 0 || n >= s.N {
		return s, nil
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return s.Subset(idx)
}

// CheckSet validates a set for the models: 28×28 examples, labels in
// [0, 10), finite pixels. A *ConfigError names the set as what (e.g. "test
// set") and its Value is the set's name. New, Resume and Evaluate check
// their sets with it; a caller that loads a test set before training can
// check it first, so that a wrong file is not found only after training.
func CheckSet(s *data.Set, what string) error {
	if s == nil {
		return &ConfigError{Field: what, Value: nil, Reason: "no data set"}
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("train: %s: %w", what, err)
	}
	switch {
	case s.N == 0:
		return &ConfigError{Field: what, Value: s.Name, Reason: "holds no examples"}
	case s.D != ImageSize:
		return &ConfigError{Field: what, Value: s.Name, Reason: fmt.Sprintf("has %d features per example; the models take 28×28 = %d", s.D, ImageSize)}
	case s.Classes > Classes:
		return &ConfigError{Field: what, Value: s.Name, Reason: fmt.Sprintf("has %d classes; the models have %d outputs", s.Classes, Classes)}
	}
	for i, v := range s.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return &ConfigError{Field: what, Value: s.Name, Reason: fmt.Sprintf("feature %d of example %d is %v; data must be finite", i%s.D, i/s.D, v)}
		}
	}
	return nil
}

// fingerprint is the CRC-32C of a set's dimensions, labels and pixels (as
// float32 bits), stored in the training state so that a run is not resumed
// on other data.
func fingerprint(s *data.Set) uint32 {
	tab := crc32.MakeTable(crc32.Castagnoli)
	buf := make([]byte, 0, 1<<16)
	var crc uint32
	flush := func() {
		crc = crc32.Update(crc, tab, buf)
		buf = buf[:0]
	}
	buf = binary.LittleEndian.AppendUint64(buf, uint64(s.N))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(s.D))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(s.Classes))
	for _, y := range s.Y {
		if len(buf)+8 > cap(buf) {
			flush()
		}
		buf = binary.LittleEndian.AppendUint64(buf, uint64(y))
	}
	for _, v := range s.X {
		if len(buf)+4 > cap(buf) {
			flush()
		}
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	}
	flush()
	return crc
}
