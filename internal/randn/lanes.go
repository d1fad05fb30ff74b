package randn

// laneBlock is the number of draws of each stream that the four-lane kernel
// makes per step: the two words of one 64-bit output.
const laneBlock = 2

// lanes is the state that [fillLanes] and [fillPair] share with their
// kernels, which reach the fields by their offsets (checked by
// TestLanesLayout), so the layout must not change. In fillLanes lane l runs
// stream l; in fillPair lanes 0 and 1 run the first stream, one output
// apart, and lanes 2 and 3 the second.
type lanes struct {
	s   [4][Streams]uint64 // 0: s0, s1, s2, s3 of each lane
	pre [4][Streams]uint64 // 128: the generators before the step being fixed
	u   [Streams]uint64    // 256: that step's outputs
	i   int                // 288: the draw index, in each chunk, of the next step
	k   int                // 296: −1 at the end, or 0: stopped before a step it could not make
	m   uint64             // 304: the fix's scratch: the step's rejected words
	b   uint64             // 312: the fix's scratch: a word's index, or an output whose high word waits
}
