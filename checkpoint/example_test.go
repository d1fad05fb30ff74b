package checkpoint_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/bayesrule/blr/checkpoint"
)

// Save a diagonal-Gaussian posterior (mean and precision) and load it back,
// checking it against the model's dimension.
func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "blr-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "posterior.safetensors")

	meta := checkpoint.Meta{
		checkpoint.KeyAlgorithm: "vogn",
		checkpoint.KeyFamily:    "diag-gaussian",
	}
	meta.SetInt(checkpoint.KeyDataSize, 1000)
	if err := meta.SetJSON(checkpoint.KeyHyperparameters, map[string]float64{"lr": 0.1, "prior_precision": 1}); err != nil {
		log.Fatal(err)
	}
	post := &checkpoint.File{
		Kind: checkpoint.KindPosterior,
		Meta: meta,
		Tensors: []checkpoint.Tensor{
			checkpoint.NewFloat64("mean", []float64{0.5, -1.25, 2}),
			checkpoint.NewFloat64("precision", []float64{10, 20, 40}),
		},
	}
	if err := checkpoint.WriteFile(path, post); err != nil {
		log.Fatal(err)
	}

	f, err := checkpoint.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	const dim = 3 // the model's number of parameters
	mean, err := f.Float64("mean", dim)
	if err != nil {
		log.Fatal(err)
	}
	prec, err := f.Float64("precision", dim)
	if err != nil {
		log.Fatal(err)
	}
	n, _ := f.Meta.Int(checkpoint.KeyDataSize)
	fmt.Println(f.Kind, f.Meta[checkpoint.KeyFamily], n)
	fmt.Println("mean", mean)
	fmt.Println("precision", prec)
	// Output:
	// posterior diag-gaussian 1000
	// mean [0.5 -1.25 2]
	// precision [10 20 40]
}

// A checkpoint for another model is refused with a typed error.
func ExampleFile_Float64() {
	f := &checkpoint.File{Kind: checkpoint.KindPosterior, Tensors: []checkpoint.Tensor{
		checkpoint.NewFloat64("mean", []float64{0, 0, 0}),
	}}
	_, err := f.Float64("mean", 4)
	fmt.Println(errors.Is(err, checkpoint.ErrShape))
	fmt.Println(err)
	_, err = f.Float64("precision", 3)
	fmt.Println(errors.Is(err, checkpoint.ErrMissing))
	// Output:
	// true
	// checkpoint: wrong shape: "mean" is F64 [3], want F64 [4]
	// true
}

// A damaged file is refused with a typed error that says what and where.
func ExampleDecode() {
	var buf bytes.Buffer
	if err := checkpoint.Encode(&buf, &checkpoint.File{Kind: checkpoint.KindPosterior, Tensors: []checkpoint.Tensor{
		checkpoint.NewFloat64("mean", []float64{1, 2}),
	}}); err != nil {
		log.Fatal(err)
	}
	data := buf.Bytes()
	data[len(data)-1] ^= 0x10 // one flipped bit in the last value

	_, err := checkpoint.Decode(data)
	fmt.Println(errors.Is(err, checkpoint.ErrChecksum))
	_, err = checkpoint.Decode(data[:len(data)-3])
	fmt.Println(errors.Is(err, checkpoint.ErrTruncated))
	// Output:
	// true
	// true
}

// Save a generator's state and resume it: the draws continue exactly.
func ExampleEncodeRandState() {
	rng := rand.NewPCG(1, 2)
	r := rand.New(rng)
	r.Float64() // the run so far

	state, err := checkpoint.EncodeRandState(rng)
	if err != nil {
		log.Fatal(err)
	}
	resumed := rand.NewPCG(0, 0)
	if err := checkpoint.DecodeRandState(state, resumed); err != nil {
		log.Fatal(err)
	}
	fmt.Println(state)
	fmt.Println(r.Float64() == rand.New(resumed).Float64())
	// Output:
	// 7063673ae299ad9c2bef30ba9b113a4837016dd9
	// true
}
