package cpufast

import (
	"math/bits"
	"slices"

	"github.com/spikecast/spikecast/cpuref"
)

// stimulus writes X_t and its target, touching only the cells that were or
// become lit, and lists the lit cells, ascending, for integrate's and
// output's scatters; with -direct 2 it first keeps X as X_{t−1} (XPrev).
// cpuref writes X and Y inside integrate, cell by cell; the trace p is
// advanced by integrate here too.
func (s *Sim) stimulus() {
	st, n := s.st, s.n
	if s.p.Direct == 2 {
		// XPrev ← X, the frame before this step's, before X changes.
		for _, j := range s.xPrevOn {
			st.XPrev[j] = 0
		}
		s.xPrevOn = append(s.xPrevOn[:0], s.xOn...)
		for _, j := range s.xPrevOn {
			st.XPrev[j] = 1
		}
	}
	if s.src != nil {
		s.xOn = relightBits(st.X, s.xOn, n, s.bitsNow)
		s.yOn = relightBits(st.Y, s.yOn, n, s.bitsNext)
		return
	}
	s.litNow = s.stim.Frame(st.T, s.litNow[:0])
	s.litNext = s.stim.Frame(st.T+int64(s.p.Horizon), s.litNext[:0])
	s.xOn = relight(st.X, s.xOn, n, s.litNow)
	s.yOn = relight(st.Y, s.yOn, n, s.litNext)
}

// relight clears the cells of on in frame, lights the rectangles (clipped
// to the grid) and returns the lit cells, ascending and without repeats.
func relight(frame []uint32, on []int32, n int, rects []cpuref.Rect) []int32 {
	for _, j := range on {
		frame[j] = 0
	}
	on = on[:0]
	for _, r := range rects {
		for row := max(int(r.R0), 0); row < min(int(r.R1), n); row++ {
			for col := max(int(r.C0), 0); col < min(int(r.C1), n); col++ {
				if j := row*n + col; frame[j] == 0 {
					frame[j] = 1
					on = append(on, int32(j))
				}
			}
		}
	}
	if len(rects) > 1 {
		slices.Sort(on)
	}
	return on
}

// relightBits is relight for a frame given as a plain bit set (a frame
// source's): the lit cells come out ascending, as the bits are scanned in
// row-major order.
func relightBits(frame []uint32, on []int32, n int, set []uint32) []int32 {
	for _, j := range on {
		frame[j] = 0
	}
	on = on[:0]
	wpr := (n + 31) >> 5 // words a row
	for row := range n {
		for w, word := range set[row*wpr : (row+1)*wpr] {
			for word != 0 {
				col := w<<5 + bits.TrailingZeros32(word)
				word &= word - 1
				if col < n {
					j := row*n + col
					frame[j] = 1
					on = append(on, int32(j))
				}
			}
		}
	}
	return on
}
