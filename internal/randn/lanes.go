package randn

// laneBlock is the number of draws per lane that the lane kernel makes
// between stores: a block of laneBlock draws in each of the Streams lanes is
// transposed into laneBlock consecutive outputs of each chunk.
const laneBlock = 4

// lanes is the state that [fillLanes] and [fillPair] share with their
// kernels, which reach the fields by their offsets (checked by
// TestLanesLayout), so the layout must not change. In fillLanes lane l runs
// stream l; in fillPair lanes 0 and 1 run the first stream, 2 and 3 the
// second.
type lanes struct {
	s   [4][Streams]uint64          // 0: s0, s1, s2, s3 of each lane
	u   [Streams]uint64             // 128: the outputs of the stopped draw
	buf [laneBlock][Streams]float32 // 160: the kernel's block of draws
	i   int                         // 224: the draw index of the current block
	k   int                         // 232: where in its block the kernel stopped, or −1
	idx [Streams]uint64             // 240: the kernels' scratch
	tmp [4][Streams]uint64          // 272: the pair kernels' scratch: generators
}
