package train

// Recipe is the setting of an optimizer chosen on a 10% validation split for
// one data set and model (bench/validation.md §5: the lowest validation NLL
// of the reported predictive, fixed before any test run). A Config whose
// hyperparameter is 0 and whose Schedule is empty takes the recipe's value
// for its Data, Model and Optimizer (RecipeFor); fields the recipe leaves 0
// keep the optimizer's own default.
type Recipe struct {
	LR             float64 // α
	PriorPrecision float64 // P₀ on the summed loss
	Beta1          float64 // β₁ of the momentum
	HessInit       float64 // h₀
	Temperature    float64 // τ of the tempered posterior
	ClipRadius     float64 // IVON's element-wise clipping of the step
	Schedule       string  // "constant" or "cosine"
	// Epochs is the length of the runs the recipe was chosen for; the
	// schedule and β₂ adapt to Config.Epochs, which the recipe leaves alone.
	Epochs int
}

// recipeKey names a data set, a model and an optimizer.
type recipeKey struct{ data, model, optimizer string }

// recipes are the validated settings on Fashion-MNIST (bench/validation.md
// §5–§7, bench/quality.md for their test results). The mixture's
// components are IVON runs and the mixture takes IVON's recipe (its MLP
// test runs: bench/quality.md, the third round; no LeNet mixture was run).
// On
// MNIST the optimizers' own defaults are the validated recipe (§1, the MLP
// for 2 epochs), so MNIST has no entries.
var recipes = map[recipeKey]Recipe{
	{"fashion-mnist", "mlp", "adam"}:      {LR: 1e-3, PriorPrecision: 6, Schedule: "cosine", Epochs: 10},
	{"fashion-mnist", "mlp", "ivon"}:      {LR: 0.3, PriorPrecision: 3, Beta1: 0.8, HessInit: 0.01, Temperature: 0.01, ClipRadius: 1, Schedule: "cosine", Epochs: 10},
	{"fashion-mnist", "mlp", "mixture"}:   {LR: 0.3, PriorPrecision: 3, Beta1: 0.8, HessInit: 0.01, Temperature: 0.01, ClipRadius: 1, Schedule: "cosine", Epochs: 10},
	{"fashion-mnist", "mlp", "vogn"}:      {LR: 1e-3, PriorPrecision: 6, HessInit: 0.01, Temperature: 0.003, ClipRadius: 1, Schedule: "cosine", Epochs: 10},
	{"fashion-mnist", "lenet", "adam"}:    {LR: 1e-3, Schedule: "constant", Epochs: 5},
	{"fashion-mnist", "lenet", "ivon"}:    {LR: 0.3, PriorPrecision: 18, HessInit: 0.1, Temperature: 0.3, ClipRadius: 1, Schedule: "cosine", Epochs: 5},
	{"fashion-mnist", "lenet", "mixture"}: {LR: 0.3, PriorPrecision: 18, HessInit: 0.1, Temperature: 0.3, ClipRadius: 1, Schedule: "cosine", Epochs: 5},
	{"fashion-mnist", "lenet", "vogn"}:    {LR: 1e-2, PriorPrecision: 18, Temperature: 0.01, Schedule: "cosine", Epochs: 5},
}

// RecipeFor returns the validated recipe of optimizer on the data set and
// model (canonical names: "fashion-mnist", "mlp", "ivon"), and whether there
// is one. Without one the optimizer's own defaults apply with a constant
// schedule: they were chosen on MNIST's MLP (bench/validation.md §1).
func RecipeFor(data, model, optimizer string) (Recipe, bool) {
	r, ok := recipes[recipeKey{canonicalData(data), model, optimizer}]
	return r, ok
}

// fill sets the zero hyperparameters of c and an empty Schedule to the
// recipe's values.
func (r Recipe) fill(c *Config) {
	for _, f := range []struct {
		dst *float64
		v   float64
	}{{&c.LR, r.LR}, {&c.PriorPrecision, r.PriorPrecision}, {&c.Beta1, r.Beta1}, {&c.HessInit, r.HessInit}, {&c.Temperature, r.Temperature}, {&c.ClipRadius, r.ClipRadius}} {
		if *f.dst == 0 {
			*f.dst = f.v
		}
	}
	if c.Schedule == "" {
		c.Schedule = r.Schedule
	}
}
