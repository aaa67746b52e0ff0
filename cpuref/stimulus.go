package cpuref

// Stimulus produces the binary input frames. A frame is given as the
// indices of its lit pixels, so the GPU can be handed a frame as a few
// integers instead of an n×n upload.
type Stimulus interface {
	// Lit appends to dst the indices of the pixels lit in frame t.
	Lit(t int64, dst []int32) []int32
}

// Border is the seed's DotEnv: one dot walking clockwise around the border
// of an n×n grid, one pixel a step, starting at (0, 0).
type Border struct{ N int }

// Period is the number of steps of one lap: 4·(n−1), or 1 at n = 1.
func (b Border) Period() int64 {
	if b.N == 1 {
		return 1
	}
	return 4 * int64(b.N-1)
}

// Pos returns the dot's (row, col) at step t.
func (b Border) Pos(t int64) (row, col int) {
	n := b.N
	if n == 1 {
		return 0, 0
	}
	e := n - 1 // steps along one edge
	p := int(t % b.Period())
	if p < 0 {
		p += int(b.Period())
	}
	switch {
	case p < e: // top row, left to right
		return 0, p
	case p < 2*e: // right column, downwards
		return p - e, e
	case p < 3*e: // bottom row, right to left
		return e, e - (p - 2*e)
	default: // left column, upwards
		return e - (p - 3*e), 0
	}
}

// Lit implements Stimulus.
func (b Border) Lit(t int64, dst []int32) []int32 {
	r, c := b.Pos(t)
	return append(dst, int32(r*b.N+c))
}
