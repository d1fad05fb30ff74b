package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/train"
)

func init() {
	commands["predict"] = command{"predict the class of each image of an IDX file with a saved posterior, and how sure it is", runPredict}
}

const predictUsage = `usage: blr predict --posterior FILE --images FILE [--test-samples K] [--seed S] [--json]

Predicts the class of every image of an IDX image file (N images of 28×28
unsigned bytes, gzip-compressed or plain, as MNIST's t10k-images-idx3-ubyte.gz)
with a posterior saved by blr train (posterior.safetensors): the posterior
average over --test-samples networks (0: the point network; default: the
training run's), the predictive blr eval scores. For each image it prints
the class, its probability and the uncertainty in nats split in two:

  entropy      H[p̄], the total uncertainty of the averaged prediction
  expected     the networks' average entropy: what each is unsure of (aleatoric)
  mutual_info  entropy − expected, how much the networks disagree (epistemic;
               0 for one point network): high on inputs unlike the training data

--json prints {"posterior", "images", "samples", "predictions": [{"index",
"class", "probability", "probs", "entropy", "expected_entropy",
"mutual_info"}]}.

flags:
`

// predictionJSON is one image's line of blr predict --json.
type predictionJSON struct {
	Index       int       `json:"index"`
	Class       int       `json:"class"`
	Probability float64   `json:"probability"`
	Probs       []float64 `json:"probs"`
	Entropy     float64   `json:"entropy"`
	Expected    float64   `json:"expected_entropy"`
	MutualInfo  float64   `json:"mutual_info"`
}

func runPredict(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("predict", stderr)
	var (
		path, images string
		samples      int
		seed         uint64
		jsonOut      bool
	)
	fs.StringVar(&path, "posterior", "", "the posterior `FILE` (posterior.safetensors of blr train)")
	fs.StringVar(&images, "images", "", "IDX `FILE` of 28×28 images (gzip or plain)")
	fs.IntVar(&samples, "test-samples", -1, "networks `S` in the posterior average; 0: the point network only (default: the training run's)")
	fs.Uint64Var(&seed, "seed", 0, "`seed` of the posterior samples (default: the training run's)")
	fs.BoolVar(&jsonOut, "json", false, "print the predictions as JSON")
	set, err := parseFlags(fs, predictUsage, args, "flags only; see blr predict --help")
	if err != nil {
		return err
	}
	switch {
	case path == "":
		return errors.New("--posterior FILE is required")
	case images == "":
		return errors.New("--images FILE is required (an IDX file of 28×28 images)")
	}
	p, err := train.ReadPosterior(path)
	if err != nil {
		return pathFlag("--posterior", err)
	}
	if samples, seed, err = runSampling(set, p.Config, samples, seed); err != nil {
		return err
	}
	x, n, h, w, err := data.ReadImagesFile(images)
	if err != nil {
		return fmt.Errorf("--images %s: %w", images, err)
	}
	if h != 28 || w != 28 {
		return fmt.Errorf("--images %s: its %d images are %d×%d pixels; the models take 28×28", images, n, h, w)
	}
	pr, err := p.Predict(x, samples, seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "blr predict: %d images, %s posterior (%s) of %s trained on %s, %s\n", n,
		p.Config.Optimizer, p.Family, train.ModelName(p.Config), p.Config.Data, predictiveLabel(samples))
	if jsonOut {
		out := struct {
			Posterior   string           `json:"posterior"`
			Images      string           `json:"images"`
			Samples     int              `json:"samples"`
			Predictions []predictionJSON `json:"predictions"`
		}{path, images, samples, make([]predictionJSON, n)}
		for i := range n {
			c, q := pr.Class(i)
			out.Predictions[i] = predictionJSON{i, c, q, pr.Probs[i*train.Classes : (i+1)*train.Classes],
				pr.Entropy[i], pr.Expected[i], pr.MutualInfo[i]}
		}
		return printJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "index\tclass\tprobability\tentropy\texpected\tmutual_info\t")
	for i := range n {
		c, q := pr.Class(i)
		fmt.Fprintf(tw, "%d\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t\n", i, c, q, pr.Entropy[i], pr.Expected[i], pr.MutualInfo[i])
	}
	return tw.Flush()
}

// predictiveLabel says which predictive S networks make.
func predictiveLabel(samples int) string {
	if samples == 0 {
		return "point network"
	}
	return fmt.Sprintf("posterior average over %d networks", samples)
}
