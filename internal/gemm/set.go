package gemm

func setS(w *worker, x call[float32]) { w.s, w.wide = x, false }

func setD(w *worker, x call[float64]) { w.d, w.wide = x, true }
