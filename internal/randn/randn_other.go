//go:build !amd64 || purego

package randn

// useLanes is false: there is no lane kernel in this build.
var useLanes = false

func fillLanes(dst, mean, std []float32, key uint64) { panic("randn: no lane kernel") }

// lanesFill is unused in this build.
type lanesFill struct{}

func (f *lanesFill) init(dst, mean, std []float32, key uint64) { panic("randn: no lane kernel") }

func (f *lanesFill) piece() bool { panic("randn: no lane kernel") }

func fillPair(dst, mean, std []float32, key uint64, s int) { panic("randn: no lane kernel") }

func initLanes() {}
