//go:build !amd64 || purego

package randn

// useLanes is false: there is no lane kernel in this build.
var useLanes = false

func fillLanes(dst, mean, std []float32, key uint64) { panic("randn: no lane kernel") }

func fillPair(dst, mean, std []float32, key uint64, s int) { panic("randn: no lane kernel") }

func initLanes() {}
