//go:build !amd64 || purego

package vec

// Enabled reports whether the AVX2 kernels run: never in this build.
var Enabled = false

func adamAVX2(int, *float32, *float32, *float32, *float32, *float32, *float32, *float32, *AdamConsts, int) int {
	return 0
}

func ivonAVX2(int, *float32, *float32, *float32, *float32, *float32, *float32, *float32, *float32, *IVONConsts, int) int {
	return 0
}

func drawAVX2(int, *float32, *float32, *float32, *float32, *float32, *DrawConsts, int) int {
	return 0
}

func axpyRowsAVX2(int, *float32, *float32, int, *int32, *float32, int) {}

func flushAVX2(int, *float32) {}
