package expfam

// EntropyForm is EntropyNegNatural: the base measure is constant.
func (q *DiagGaussian) EntropyForm() EntropyForm { return EntropyNegNatural }

// NaturalView returns λ without a copy (read only).
func (q *DiagGaussian) NaturalView() []float64 { return q.lam }

// EntropyForm is EntropyNegNatural: the base measure is constant.
func (f *FullGaussian) EntropyForm() EntropyForm { return EntropyNegNatural }

// EntropyForm is EntropyZero: the covariance is fixed.
func (q *FixedGaussian) EntropyForm() EntropyForm { return EntropyZero }
