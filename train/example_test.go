package train_test

import (
	"fmt"
	"log"
	"os"

	"github.com/bayesrule/blr/train"
)

// Train a small MLP with Adam on 512 MNIST images and evaluate it on 256
// test images with the mean weights.
func Example() {
	trainSet, test, err := train.LoadSets("mnist", "", 512, 256)
	if err != nil {
		log.Fatal(err)
	}
	cfg := train.DefaultConfig()
	cfg.Hidden, cfg.Optimizer, cfg.Epochs, cfg.Batch = []int{32}, "adam", 3, 64
	cfg.TestSamples = train.DefaultTestSamples("adam") // 0: the mean weights
	tr, err := train.New(cfg, trainSet, nil)
	if err != nil {
		log.Fatal(err)
	}
	for !tr.Done() {
		if _, err := tr.Epoch(nil); err != nil {
			log.Fatal(err)
		}
	}
	e, err := tr.Evaluate(test, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.ModelName(tr.Config()), "steps:", tr.Steps())
	fmt.Println("predictive:", e.Predictive(), "on", e.Test)
	fmt.Println("better than chance:", e.Mean.Accuracy > 0.5)
	// Output:
	// mlp 784-32-10 steps: 24
	// predictive: mean-weights on mnist/test
	// better than chance: true
}

// Stop a run after one epoch, save it, and resume it in new objects: the
// resumed run ends with the same bytes as an uninterrupted one.
func ExampleResume() {
	trainSet, _, err := train.LoadSets("mnist", "", 256, 0)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "blr-run")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := train.DefaultConfig()
	cfg.Hidden, cfg.Epochs, cfg.Batch, cfg.TrainSize = []int{16}, 2, 64, 256
	tr, err := train.New(cfg, trainSet, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := tr.Epoch(nil); err != nil {
		log.Fatal(err)
	}
	if err := tr.Save(dir); err != nil { // state.safetensors and posterior.safetensors
		log.Fatal(err)
	}
	st, err := train.ReadState(dir)
	if err != nil {
		log.Fatal(err)
	}
	resumed, err := train.Resume(st, trainSet, nil)
	if err != nil {
		log.Fatal(err)
	}
	epoch, pos := resumed.Position()
	fmt.Printf("resumed at step %d (epoch %d, position %d) of %d\n", resumed.Steps(), epoch, pos, resumed.TotalSteps())
	// Output: resumed at step 4 (epoch 1, position 0) of 8
}

// Predict new images with a trained posterior: the class, its probability
// and the uncertainty split into what every sampled network is unsure of
// (Expected) and what they disagree on (MutualInfo).
func ExamplePosterior_Predict() {
	trainSet, test, err := train.LoadSets("mnist", "", 512, 4)
	if err != nil {
		log.Fatal(err)
	}
	cfg := train.DefaultConfig()
	cfg.Hidden, cfg.Epochs, cfg.Batch = []int{32}, 3, 64
	tr, err := train.New(cfg, trainSet, nil)
	if err != nil {
		log.Fatal(err)
	}
	for !tr.Done() {
		if _, err := tr.Epoch(nil); err != nil {
			log.Fatal(err)
		}
	}
	pr, err := tr.Posterior().Predict(test.X, 10, 1)
	if err != nil {
		log.Fatal(err)
	}
	for i := range pr.N {
		c, _ := pr.Class(i)
		split := pr.Entropy[i] - pr.Expected[i] - pr.MutualInfo[i]
		fmt.Printf("image %d: label %d, predicted %d; entropy = expected + mutual information: %v\n",
			i, test.Y[i], c, split > -1e-12 && split < 1e-12)
	}
	// Output:
	// image 0: label 7, predicted 7; entropy = expected + mutual information: true
	// image 1: label 2, predicted 2; entropy = expected + mutual information: true
	// image 2: label 1, predicted 1; entropy = expected + mutual information: true
	// image 3: label 0, predicted 0; entropy = expected + mutual information: true
}
