package plot

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// Limits on the values a figure draws. gonum/plot chooses tick marks by a
// search that never ends when an axis' width is not finite (|v| near
// math.MaxFloat64), and pads a single-valued axis by ±1, which vanishes in
// rounding at |v| ≥ 2⁵³ and makes it panic: so this package sets every
// axis range itself, within these limits.
const (
	// MaxValue is the largest magnitude a figure draws: a larger
	// coordinate (or band edge) gives an error naming it. Any two values
	// within ±MaxValue are a finite distance apart.
	MaxValue = 1e300
	// MinLogValue is the smallest value a logarithmic axis draws: a
	// positive value below it gives an error (values ≤ 0 are left out).
	MinLogValue = 1 / MaxValue
)

const (
	// flatShare: a linear axis whose data span at most this share of their
	// magnitude (or of tinySpan, near 0) is drawn as flat.
	flatShare = 1e-10
	tinySpan  = 1e-100
	// flatPad is the padding of a flat axis: ±flatPad·max(1, |v|) around
	// its centre v (linear), or a factor 1 ± flatPad (logarithmic).
	flatPad = 1e-3
)

// checkValue says why v cannot be drawn on an axis (log: logarithmic), or
// returns nil. Values ≤ 0 on a log axis are for the caller to leave out.
func checkValue(v float64, log bool) error {
	switch {
	case !finite(v):
		return fmt.Errorf("%g is not finite", v)
	case math.Abs(v) > MaxValue:
		return fmt.Errorf("%g is beyond ±%g, the largest magnitude a figure draws", v, MaxValue)
	case log && v > 0 && v < MinLogValue:
		return fmt.Errorf("%g is below %g, the smallest value a log axis draws", v, MinLogValue)
	}
	return nil
}

// span accumulates the range of an axis' data.
type span struct{ lo, hi float64 }

func newSpan() span { return span{math.Inf(1), math.Inf(-1)} }

func (s *span) add(v float64) { s.lo, s.hi = math.Min(s.lo, v), math.Max(s.hi, v) }

// axisRange returns the range of an axis holding data in [lo, hi] (the
// data checked by checkValue): [lo, hi] itself, or, when the data are
// (nearly) a single value, that value padded so that min < max holds in
// float64: ±flatPad·max(1, |v|) around the centre on a linear axis, a
// factor 1 ± flatPad on a logarithmic one. It checks the ends more loosely
// than checkValue (within ±2·MaxValue, ≥ MinLogValue/2 on a log axis), so
// that a padded range passes again unchanged.
func axisRange(lo, hi float64, log bool) (min, max float64, err error) {
	switch {
	case !(lo <= hi):
		return 0, 0, fmt.Errorf("empty range [%g, %g]", lo, hi)
	case !finite(lo) || !finite(hi):
		return 0, 0, fmt.Errorf("range [%g, %g] is not finite", lo, hi)
	case math.Abs(lo) > 2*MaxValue || math.Abs(hi) > 2*MaxValue:
		return 0, 0, fmt.Errorf("range [%g, %g] is beyond ±%g, the largest magnitude a figure draws", lo, hi, MaxValue)
	case log && !(lo >= MinLogValue/2):
		return 0, 0, fmt.Errorf("range [%g, %g] of a log axis starts below %g, the smallest value it draws", lo, hi, MinLogValue)
	}
	if log {
		if hi > lo*(1+flatShare) {
			return lo, hi, nil
		}
		return lo * (1 - flatPad), hi * (1 + flatPad), nil
	}
	if !flat(lo, hi) {
		return lo, hi, nil
	}
	c := lo/2 + hi/2
	pad := flatPad * math.Max(1, math.Max(math.Abs(lo), math.Abs(hi)))
	return c - pad, c + pad, nil
}

// flat says whether finite data in [lo, hi] are (nearly) a single value
// on a linear axis: they span at most flatShare of their magnitude (or of
// tinySpan, near 0).
func flat(lo, hi float64) bool {
	return hi-lo <= flatShare*math.Max(math.Max(math.Abs(lo), math.Abs(hi)), tinySpan)
}

// checkPoint checks both coordinates of a point (x, y) as checkValue does,
// on axes that are logarithmic as logX and logY say; its error starts with
// the point and names the coordinate at fault.
func checkPoint(x, y float64, logX, logY bool) error {
	if err := checkValue(x, logX); err != nil {
		return fmt.Errorf("(%g, %g): x = %w", x, y, err)
	}
	if err := checkValue(y, logY); err != nil {
		return fmt.Errorf("(%g, %g): y = %w", x, y, err)
	}
	return nil
}

// setRange sets ax to the range of data in s (axisRange); name says which
// axis in an error.
func setRange(ax *plot.Axis, s span, log bool, name string) error {
	min, max, err := axisRange(s.lo, s.hi, log)
	if err != nil {
		return fmt.Errorf("%s axis: %w", name, err)
	}
	ax.Min, ax.Max = min, max
	if min != s.lo || max != s.hi {
		centreTick(ax, s.lo/2+s.hi/2)
	}
	return nil
}

// centreTick marks a padded (single-valued) axis with one tick at its
// value c, labelled with 6 significant digits, in place of gonum's default
// or logarithmic ticks: those would label the narrow range with copies of
// one rounded number (or, on a log axis, with no label at all). A custom
// ticker is kept.
func centreTick(ax *plot.Axis, c float64) {
	switch ax.Tick.Marker.(type) {
	case plot.DefaultTicks, *plot.DefaultTicks, plot.LogTicks, *plot.LogTicks:
		ax.Tick.Marker = plot.ConstantTicks{{Value: c, Label: strconv.FormatFloat(c, 'g', 6, 64)}}
	}
}

// isLog says whether ax uses a logarithmic scale.
func isLog(ax *plot.Axis) bool {
	switch ax.Scale.(type) {
	case plot.LogScale, *plot.LogScale:
		return true
	}
	return false
}

// fixAxes checks p's axis ranges before gonum draws it, as axisRange does
// (both ends finite, within ±2·MaxValue, ≥ MinLogValue/2 on a logarithmic
// axis, min ≤ max), and pads a range that is (nearly) a single value. what
// names the plot in an error.
func fixAxes(p *plot.Plot, what string) error {
	for _, a := range []struct {
		ax   *plot.Axis
		name string
	}{{&p.X, "x"}, {&p.Y, "y"}} {
		ax := a.ax
		if !(finite(ax.Min) && finite(ax.Max) && ax.Min <= ax.Max) {
			return fmt.Errorf("%s has axis ranges x [%g, %g], y [%g, %g]: add data or set them", what, p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
		}
		if err := setRange(ax, span{ax.Min, ax.Max}, isLog(ax), a.name); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return nil
}

// guard runs draw and turns a panic inside it into an error. It is the
// last line of defence around gonum/plot, which panics on ranges it cannot
// label; the checks before drawing (fixAxes) are meant to make it
// unreachable. what names the figure.
func guard(what string, draw func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plot: %s: drawing failed: %v", what, r)
		}
	}()
	draw()
	return nil
}
