package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/bayesrule/blr/checkpoint"
	"github.com/bayesrule/blr/data"
)

// The files a run keeps in its output directory.
const (
	StateFile     = "state.safetensors"     // the resumable training state
	PosteriorFile = "posterior.safetensors" // the posterior (see the Family constants)
	MetricsFile   = "metrics.json"          // the final evaluation
	// HistoryFile holds the finished epochs' records (EpochRecord), so that
	// a resumed run's metrics.json has the whole history. It holds
	// timings, so it is not part of the state's bytes.
	HistoryFile = "history.json"
)

// Metadata keys beyond checkpoint's conventional ones.
const (
	keyModel    = "model"       // "mlp 784-500-300-10" or "lenet": for people
	keyEngine   = "engine"      // the optimizer's resolved settings (JSON)
	keyNoiseKey = "noise_key"   // the weight-noise key, 16 hex digits
	keyDataCRC  = "data_crc32c" // the training data's fingerprint, 8 hex digits
)

// Tensor names.
const (
	tensorMean      = "mean"
	tensorPrecision = "precision"
	tensorHessian   = "hessian"
	tensorMomentum  = "momentum"
	tensorBuffers   = "buffers"
	tensorLatent    = "latent"
	tensorParams    = "params"
	tensorMode      = "mode"
	tensorWeights   = "weights"
	tensorDropProb  = "drop_prob"
	tensorVariance  = "variance"
)

// ErrState is wrapped by every error that reports a training state that
// cannot be resumed: a mismatch with the data, the build's optimizer
// settings, or an inconsistent file.
var ErrState = errors.New("train: cannot resume")

// StateError says why a training state cannot be resumed.
type StateError struct {
	Path   string
	Reason string
}

// Error formats the error as "train: cannot resume PATH: REASON".
func (e *StateError) Error() string {
	return fmt.Sprintf("train: cannot resume %s: %s", e.Path, e.Reason)
}

// Unwrap makes errors.Is(err, ErrState) true.
func (e *StateError) Unwrap() error { return ErrState }

// Settings returns the optimizer's resolved settings as JSON (what the
// state's "engine" metadata holds), for reports.
func (t *Trainer) Settings() string {
	m := checkpoint.Meta{}
	if err := m.SetJSON(keyEngine, t.opt.Settings()); err != nil {
		return ""
	}
	return m[keyEngine]
}

// ModelName describes the network of c for people: "mlp 784-500-300-10"
// or "lenet", followed by " +batchnorm" and " +dropout(P)" when they apply.
func ModelName(c Config) string {
	c.normalize()
	if c.Model != "mlp" {
		return c.Model
	}
	s := "mlp " + strconv.Itoa(ImageSize)
	for _, h := range c.Hidden {
		s += "-" + strconv.Itoa(h)
	}
	s += "-" + strconv.Itoa(Classes)
	if c.BatchNorm {
		s += " +batchnorm"
	}
	if c.Dropout > 0 {
		s += " +dropout(" + strconv.FormatFloat(c.Dropout, 'g', -1, 64) + ")"
	}
	return s
}

// commonMeta is the metadata a state and a posterior share.
func commonMeta(c *Config, n, step int) (checkpoint.Meta, error) {
	m := checkpoint.Meta{
		checkpoint.KeyAlgorithm: c.Optimizer,
		checkpoint.KeyFamily:    FamilyOf(c.Optimizer),
		keyModel:                ModelName(*c),
	}
	m.SetInt(checkpoint.KeyDataSize, int64(n))
	m.SetInt(checkpoint.KeyStep, int64(step))
	if err := m.SetJSON(checkpoint.KeyHyperparameters, c); err != nil {
		return nil, err
	}
	return m, nil
}

// stateFile builds the training state. Its tensors alias the live state:
// encode it before the next step.
func (t *Trainer) stateFile() (*checkpoint.File, error) {
	m, err := commonMeta(&t.cfg, t.set.N, t.step)
	if err != nil {
		return nil, err
	}
	if err := m.SetJSON(keyEngine, t.opt.Settings()); err != nil {
		return nil, err
	}
	if err := m.SetRandState(checkpoint.KeyRandState, t.pcg); err != nil {
		return nil, err
	}
	epoch, pos := t.Position()
	m.SetInt(checkpoint.KeyLoaderEpoch, int64(epoch))
	m.SetInt(checkpoint.KeyLoaderPosition, int64(pos))
	m[keyNoiseKey] = fmt.Sprintf("%016x", t.noise.Key)
	m[keyDataCRC] = fmt.Sprintf("%08x", t.crc)
	f := &checkpoint.File{Kind: checkpoint.KindTrainingState, Meta: m}
	for _, st := range t.opt.State() {
		f.Tensors = append(f.Tensors, checkpoint.NewFloat32(st.Name, st.Data))
	}
	if b := t.net.Buffers(); len(b) > 0 {
		f.Tensors = append(f.Tensors, checkpoint.NewFloat32(tensorBuffers, b))
	}
	return f, nil
}

// Save writes the training state to dir/state.safetensors, the posterior
// to dir/posterior.safetensors and the history to dir/history.json,
// creating dir if needed. Each file is replaced atomically
// (checkpoint.WriteFile): a process killed at any moment leaves the
// previous or the new file whole. The same state always gives the same
// bytes. The history is written first, so that a state file never has a
// history that lags behind it.
func (t *Trainer) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("train: creating the output directory: %w", err)
	}
	hist, err := json.MarshalIndent(t.History(), "", "  ")
	if err != nil {
		return fmt.Errorf("train: saving the history: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, HistoryFile), append(hist, '\n')); err != nil {
		return fmt.Errorf("train: saving the history: %w", err)
	}
	f, err := t.stateFile()
	if err != nil {
		return fmt.Errorf("train: saving the state: %w", err)
	}
	if err := checkpoint.WriteFile(filepath.Join(dir, StateFile), f); err != nil {
		return fmt.Errorf("train: saving the state: %w", err)
	}
	return t.Posterior().WriteFile(filepath.Join(dir, PosteriorFile))
}

// State is a training state read from disk, before the data it needs are
// loaded: its Config says which (Config.Data, TrainSize, TestSize).
type State struct {
	Config   Config
	Step     int // steps taken
	DataSize int // training examples N
	// History are the records of the finished epochs, from history.json
	// beside the state (nil when it is absent).
	History []EpochRecord
	path    string
	file    *checkpoint.File
}

// ReadState reads dir/state.safetensors (or the file itself when dir is a
// file) and checks that it is a training state of this package.
func ReadState(dir string) (*State, error) {
	path := dir
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		path = filepath.Join(dir, StateFile)
	}
	f, err := checkpoint.ReadFile(path)
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return &StateError{Path: path, Reason: fmt.Sprintf(format, args...)}
	}
	if f.Kind != checkpoint.KindTrainingState {
		return nil, bad("it is a %q checkpoint, not a training state", f.Kind)
	}
	st := &State{path: path, file: f}
	if err := readCommon(f, &st.Config, &st.DataSize, &st.Step); err != nil {
		return nil, bad("%v", err)
	}
	hpath := filepath.Join(filepath.Dir(path), HistoryFile)
	if b, err := os.ReadFile(hpath); err == nil {
		if err := json.Unmarshal(b, &st.History); err != nil {
			return nil, bad("%s: %v", hpath, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, bad("%v", err)
	}
	return st, nil
}

// readCommon reads and checks the metadata a state and a posterior share.
func readCommon(f *checkpoint.File, c *Config, n, step *int) error {
	if err := f.Meta.JSON(checkpoint.KeyHyperparameters, c); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("stored configuration: %w", err)
	}
	c.normalize()
	if fam, err := f.Meta.Get(checkpoint.KeyFamily); err != nil || fam != FamilyOf(c.Optimizer) {
		return fmt.Errorf("family %q, want %s's %q", fam, c.Optimizer, FamilyOf(c.Optimizer))
	}
	if alg, err := f.Meta.Get(checkpoint.KeyAlgorithm); err != nil || alg != c.Optimizer {
		return fmt.Errorf("algorithm %q differs from the configuration's optimizer %q", alg, c.Optimizer)
	}
	nv, err := f.Meta.Int(checkpoint.KeyDataSize)
	if err != nil {
		return err
	}
	sv, err := f.Meta.Int(checkpoint.KeyStep)
	if err != nil {
		return err
	}
	if nv < 1 || nv > 1<<40 || sv < 0 || sv > 1<<40 {
		return fmt.Errorf("data_size %d or step %d out of range", nv, sv)
	}
	*n, *step = int(nv), int(sv)
	return nil
}

// Resume rebuilds the Trainer of a state read by ReadState on its training
// set, which must be the same data (same size and fingerprint). The
// resumed run continues bit-identically. Mismatches give a *StateError.
func Resume(st *State, train *data.Set, warn io.Writer) (*Trainer, error) {
	bad := func(format string, args ...any) error {
		return &StateError{Path: st.path, Reason: fmt.Sprintf(format, args...)}
	}
	if train != nil && train.N != st.DataSize {
		return nil, bad("the run trained on %d examples, this training set has %d", st.DataSize, train.N)
	}
	t, err := newTrainer(st.Config, train, warn, false)
	if err != nil {
		return nil, err
	}
	f := st.file
	if s, _ := f.Meta.Get(keyDataCRC); s != fmt.Sprintf("%08x", t.crc) {
		return nil, bad("the training data differ from the run's (fingerprint %s, stored %q)", fmt.Sprintf("%08x", t.crc), s)
	}
	stored, err := f.Meta.Get(keyEngine)
	if err != nil {
		return nil, bad("%v", err)
	}
	if now := t.Settings(); now != stored {
		return nil, bad("the optimizer's settings in this build (%s) differ from the run's (%s)", now, stored)
	}
	if st.Step > t.TotalSteps() {
		return nil, bad("step %d is past the run's %d steps", st.Step, t.TotalSteps())
	}
	want := t.opt.State()
	if b := t.net.Buffers(); len(b) > 0 {
		want = append(want, StateTensor{tensorBuffers, b})
	}
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = w.Name
		src, err := f.Float32(w.Name, len(w.Data))
		if err != nil {
			return nil, bad("%v", err)
		}
		copy(w.Data, src)
	}
	for _, tn := range f.Tensors {
		if !slices.Contains(names, tn.Name) {
			return nil, bad("tensor %q is not part of %s's state", tn.Name, t.cfg.Optimizer)
		}
	}
	if err := t.opt.Restored(); err != nil {
		return nil, bad("%v", err)
	}
	if err := t.opt.SetSteps(st.Step); err != nil {
		return nil, bad("%v", err)
	}
	t.step = st.Step
	epoch, pos := t.Position()
	le, err1 := f.Meta.Int(checkpoint.KeyLoaderEpoch)
	lp, err2 := f.Meta.Int(checkpoint.KeyLoaderPosition)
	if err := errors.Join(err1, err2); err != nil {
		return nil, bad("%v", err)
	}
	if le != int64(epoch) || lp != int64(pos) {
		return nil, bad("data loader at epoch %d position %d, but step %d is at epoch %d position %d", le, lp, st.Step, epoch, pos)
	}
	if err := t.bt.Seek(epoch, pos); err != nil {
		return nil, bad("%v", err)
	}
	if err := f.Meta.RandState(checkpoint.KeyRandState, t.pcg); err != nil {
		return nil, bad("%v", err)
	}
	ks, _ := f.Meta.Get(keyNoiseKey)
	key, err := strconv.ParseUint(ks, 16, 64)
	if err != nil || len(ks) != 16 {
		return nil, bad("noise_key %q is not 16 hex digits", ks)
	}
	t.noise.Key = key
	for _, r := range st.History {
		if r.Epoch >= 1 && r.Epoch <= t.EpochsDone() {
			t.history = append(t.history, r)
		}
	}
	return t, nil
}
