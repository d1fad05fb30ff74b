package nn

import "fmt"

// Float is the set of element types a [Network] computes in.
type Float interface{ ~float32 | ~float64 }

// Shape is the shape of one example: C channels of H×W values, stored
// channel by channel. A vector of n features is Shape{C: n, H: 1, W: 1}.
type Shape struct{ C, H, W int }

// Vec is the shape of a vector of n features.
func Vec(n int) Shape { return Shape{C: n, H: 1, W: 1} }

// Size is the number of values in one example, C·H·W.
func (s Shape) Size() int { return s.C * s.H * s.W }

// String formats the shape as C×H×W.
func (s Shape) String() string { return fmt.Sprintf("%d×%d×%d", s.C, s.H, s.W) }

func (s Shape) valid() bool { return s.C >= 1 && s.H >= 1 && s.W >= 1 }
