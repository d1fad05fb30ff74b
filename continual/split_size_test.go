package continual

import (
	"errors"
	"testing"

	"github.com/bayesrule/blr/data"
)

// labelled returns a set of one example per label, 4 features each.
func labelled(labels ...int) *data.Set {
	const d = 4
	return &data.Set{X: make([]float32, len(labels)*d), Y: labels, N: len(labels), D: d, Classes: 10, Name: "labelled"}
}

// TestNewSplitShortSet: a split task without training images names
// train-size, one without test images test-size (it used to name
// train-size for both).
func TestNewSplitShortSet(t *testing.T) {
	all := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	tests := []struct {
		name        string
		train, test *data.Set
		want        string
	}{
		{"no test images of task 2", labelled(all...), labelled(0, 1, 5),
			"continual: test-size = 3: split task 2 (digits 2, 3) has 2 training and 0 test images; want at least one of each"},
		{"no training images of task 2", labelled(0, 1, 5), labelled(all...),
			"continual: train-size = 3: split task 2 (digits 2, 3) has 0 training and 2 test images; want at least one of each"},
		{"neither", labelled(0, 1), labelled(0, 1),
			"continual: train-size = 2: split task 2 (digits 2, 3) has 0 training and 0 test images; want at least one of each"},
	}
	for _, tc := range tests {
		_, err := NewSplit(tc.train, tc.test, 2)
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) || err.Error() != tc.want {
			t.Errorf("%s: err = %v\nwant %s", tc.name, err, tc.want)
		}
	}
}
