package train

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/bayesrule/blr/checkpoint"
	"github.com/bayesrule/blr/data"
)

// The tiny runs of the tests: 256 MNIST images in 4 batches of 64, 4
// epochs (16 steps), evaluated on 128 test images.
const (
	tinyTrainN, tinyTestN = 256, 128
	tinyBatch, tinyEpochs = 64, 4
	tinyTotalSteps        = 16
)

var (
	mnistOnce             sync.Once
	mnistTrain, mnistTest *data.Set
	fashionTest           *data.Set
	mnistErr, fashionErr  error
)

// sets returns the first 256 MNIST training and 128 test images (and the
// first 128 Fashion-MNIST test images when installed), loaded once.
func sets(t testing.TB) (train, test, ood *data.Set) {
	t.Helper()
	mnistOnce.Do(func() {
		mnistTrain, mnistTest, mnistErr = LoadSets("mnist", "", tinyTrainN, tinyTestN)
		fashionTest, fashionErr = LoadTestSet("fashion-mnist", "", tinyTestN)
	})
	if mnistErr != nil {
		t.Fatalf("loading MNIST: %v", mnistErr)
	}
	if fashionErr != nil {
		return mnistTrain, mnistTest, nil
	}
	return mnistTrain, mnistTest, fashionTest
}

// tinyConfig is a run of the tiny MLP 784-8-10 over 4 epochs of 4 batches.
func tinyConfig(optimizer string) Config {
	return Config{
		Data: "mnist", Model: "mlp", Hidden: []int{8}, Optimizer: optimizer,
		Epochs: tinyEpochs, Batch: tinyBatch, Seed: 7, TrainSamples: 1,
		TestSamples: DefaultTestSamples(optimizer), TrainSize: tinyTrainN, TestSize: tinyTestN,
	}
}

// readFiles returns the bytes of the state and posterior files in dir.
func readFiles(t testing.TB, dir string) (state, post []byte) {
	t.Helper()
	var err error
	if state, err = os.ReadFile(filepath.Join(dir, StateFile)); err != nil {
		t.Fatal(err)
	}
	if post, err = os.ReadFile(filepath.Join(dir, PosteriorFile)); err != nil {
		t.Fatal(err)
	}
	return state, post
}

// stateBytes encodes the trainer's current state in memory.
func stateBytes(t testing.TB, tr *Trainer) []byte {
	t.Helper()
	f, err := tr.stateFile()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := checkpoint.Encode(&b, f); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// runSteps takes n steps, failing the test on an error.
func runSteps(t testing.TB, tr *Trainer, n int) {
	t.Helper()
	for range n {
		if _, err := tr.Step(); err != nil {
			t.Fatalf("step %d: %v", tr.Steps(), err)
		}
	}
}
