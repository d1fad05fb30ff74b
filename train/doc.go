// Package train trains Bayesian neural networks with the optimizers of
// package blr on MNIST and Fashion-MNIST, evaluates them, and saves and
// resumes their state.
//
// # Optimizers
//
// The Trainer drives an Optimizer, an interface over one engine of package
// blr: Step(oracle, normals, rnd), the step size (LR, SetLR), the step
// count (Steps, SetSteps), the named state tensors to save and restore
// (State, Restored), the resolved settings a resumed run must reproduce
// (Settings) and the posterior it learnt (Posterior). Optimizers are
// registered by name (Register, Lookup, Names) with a Spec that gives their
// posterior family, whether they are Bayesian (default test samples) and
// sample weights while training (train samples), the hyperparameter flags
// they take, and a Builder. The built-in ones:
//
//   - sgd, rmsprop, adam, adamw, ogn, vogn, vadam, ivon, iblr-diag: blr's
//     diagonal-Gaussian engine (blr.New); family FamilyGaussian;
//   - ste, binaryconnect, bayesbinn: blr's binary engine over the dense and
//     convolution weights (biases stay at their initial 0); family
//     FamilyBernoulli;
//   - dropout: dropout-SGD as the rule (blr.Dropout) on the MLP with
//     non-inverted Dropout(Config.Dropout) layers; family FamilyDropout;
//   - mixture: Config.Components IVON components (blr.MixtureIVON);
//     family FamilyMixture.
//
// A hyperparameter left at 0 takes the validated recipe of the data set,
// model and optimizer where there is one (RecipeFor: adam, ivon, vogn and
// mixture on Fashion-MNIST, chosen on a validation split), else the
// optimizer's own default.
//
// Layers (and NewNetwork) turn a Config into the network: the MLP gets
// Config.BatchNorm batch norms without affine parameters and the dropout
// layers; NewPredictionNetwork is the same network without its dropout
// layers, the one posteriors predict with.
//
// # Training
//
// A Trainer owns one run: its Config, the network (package nn, float32), the
// optimizer, the seeded minibatch order (data.Batcher) and the generators of
// the weight noise and of any other draw. Trainer.Step takes one minibatch
// step (setting the step size first under Config.Schedule) and
// Trainer.Epoch runs to the end of the current epoch. A step that fails (a
// non-finite loss, gradient or update) is refused: it returns the error and
// leaves the weights, the optimizer, the batch-norm statistics, the data
// position and the generators as they were. Every finished epoch leaves an
// EpochRecord (Trainer.History: loss, time and, with SetEpochEval, test
// scores), which metrics.json reports as its "history".
//
// # Determinism and resumption
//
// Every draw comes from a stream derived from Config.Seed: the initial
// weights, the minibatch order (which depends on the seed and the epoch
// only), the weight noise (a counter-based key advanced once per draw) and a
// PCG generator for Monte Carlo labels, Gumbel noise and dropout masks.
// Trainer.Save writes everything a run needs to go on into
// DIR/state.safetensors (the optimizer's State tensors, the batch-norm
// statistics, the step count, the data position, the generator states, the
// Config, the optimizer's settings and a checksum of the training data),
// the posterior into DIR/posterior.safetensors and the epoch records into
// DIR/history.json, each atomically (checkpoint.WriteFile), so a process
// killed at any moment leaves the previous files whole. ReadState and Resume
// restore a Trainer that continues bit-identically, for every optimizer: T
// steps in one process and k steps, Save, Resume, T−k steps give the same
// bytes. The metadata hold no paths or timestamps, so the same state always
// gives the same bytes. Network results do not depend on GOMAXPROCS
// (package nn), so neither does training.
//
// # Prediction and evaluation
//
// A Posterior is the learnt distribution over the weights together with the
// model it belongs to; it is what posterior.safetensors holds, in the form
// of its family (a Gaussian's mean and precision; a Bernoulli's λ and mode
// network; a mixture's component means, precisions and weights; dropout's
// mean, drop probabilities and σ²). It predicts with its point networks
// (PointWeights: the mean weights, the mode network sign λ, dropout's mean
// (1−p)⊙m, or the weighted component means) and with the posterior average
// Σₛ wₛ p(y|x, θₛ) over S networks θₛ drawn from q (SampleWeights; for
// dropout this is MC dropout). Posterior.Evaluate (and EvaluateEnsemble,
// for the average of several posteriors) reports accuracy, NLL (mean,
// nats), ECE (10 equal-width bins of the top probability), the Brier score
// (sum over classes) and the mean predictive entropy for both predictives,
// and the AUROC of the predictive entropy for telling an
// out-of-distribution set (MNIST ↔ Fashion-MNIST) from the test set.
package train
