// Package train trains Bayesian neural networks with the optimizers of
// package blr (SGD, RMSprop, Adam, AdamW, OGN, VOGN, Vadam, IVON and
// iBLR-diag) on MNIST and Fashion-MNIST, evaluates them, and saves and
// resumes their state.
//
// # Training
//
// A Trainer owns one run: its Config, the network (package nn, float32), the
// optimizer's diagonal-Gaussian engine over the network's weights, the seeded
// minibatch order (data.Batcher) and the generators of the weight noise and
// of any other draw. Trainer.Step takes one minibatch step and
// Trainer.Epoch runs to the end of the current epoch. A step that fails (a
// non-finite loss, gradient or update) is refused: it returns the error and
// leaves the weights, the optimizer, the data position and the generators as
// they were.
//
// # Determinism and resumption
//
// Every draw comes from a stream derived from Config.Seed: the initial
// weights, the minibatch order (which depends on the seed and the epoch
// only), the weight noise (a counter-based key advanced once per draw) and a
// PCG generator for Monte Carlo labels. Trainer.Save writes everything a run
// needs to go on into DIR/state.safetensors (the mean, the curvature h and
// momentum ḡ, the step count, the data position, the generator states, the
// Config and a checksum of the training data) and the posterior into
// DIR/posterior.safetensors, each atomically (checkpoint.WriteFile), so a
// process killed at any moment leaves the previous files whole. ReadState
// and Resume restore a Trainer that continues bit-identically: T steps in one
// process and k steps, Save, Resume, T−k steps give the same bytes. The
// metadata hold no paths or timestamps, so the same state always gives the
// same bytes. Network results do not depend on GOMAXPROCS (package nn), so
// neither does training.
//
// # Prediction and evaluation
//
// A Posterior is q = N(m, diag(P)⁻¹) over the weights together with the
// model it belongs to; it is what posterior.safetensors holds. It predicts
// with the mean weights, or with the posterior average (1/S)Σₛ p(y|x, θₛ) over
// S networks θₛ ~ q. Posterior.Evaluate reports accuracy, NLL (mean, nats),
// ECE (10 equal-width bins of the top probability), the Brier score (sum over
// classes) and the mean predictive entropy for both predictives, and the
// AUROC of the predictive entropy for telling an out-of-distribution set
// (MNIST ↔ Fashion-MNIST) from the test set.
package train
