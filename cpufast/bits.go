package cpufast

import "math/bits"

// bitgrid is one bit per cell of a grid of rows×n cells (n×n, or the K
// planes of the hidden layer stacked, K·n rows), each row starting on a
// new 64-bit word, so that a band of rows owns its words outright and
// bands may be read and cleared by different goroutines. It marks the
// cells a pass must visit; a row of 64 unmarked cells costs one word test.
type bitgrid struct {
	n, wpr int // row length, words per row
	w      []uint64
}

func newBitgrid(rows, n int) bitgrid {
	wpr := (n + 63) / 64
	return bitgrid{n: n, wpr: wpr, w: make([]uint64, rows*wpr)}
}

func (g *bitgrid) clear() { clear(g.w) }

func (g *bitgrid) set(row, col int) { g.w[row*g.wpr+col>>6] |= 1 << uint(col&63) }

func (g *bitgrid) has(row, col int) bool { return g.w[row*g.wpr+col>>6]>>uint(col&63)&1 != 0 }

// setBox marks the cells of the radius-r square around (row, col) of an
// n×n plane that lie on the plane, in the plane whose first row is off.
// Every row of the square gets the same masks: the bits of columns
// [c0, c1] of words first to last.
func (g *bitgrid) setBox(off, row, col, r int) {
	r0, r1 := max(row-r, 0), min(row+r, g.n-1)
	c0, c1 := max(col-r, 0), min(col+r, g.n-1)
	first, last := c0>>6, c1>>6
	lo, hi := ^uint64(0)<<uint(c0&63), ^uint64(0)>>uint(63-c1&63)
	wpr := g.wpr
	w := g.w[(off+r0)*wpr : (off+r1+1)*wpr]
	if first == last {
		m := lo & hi
		for i := first; i < len(w); i += wpr {
			w[i] |= m
		}
		return
	}
	for base := 0; base < len(w); base += wpr {
		ws := w[base : base+wpr]
		ws[first] |= lo
		for wi := first + 1; wi < last; wi++ {
			ws[wi] = ^uint64(0)
		}
		ws[last] |= hi
	}
}

// each calls f for every marked cell of rows [r0, r1), in ascending
// index order.
func (g *bitgrid) each(r0, r1 int, f func(row, col int)) {
	for row := r0; row < r1; row++ {
		for wi, w := range g.w[row*g.wpr : (row+1)*g.wpr] {
			for w != 0 {
				b := bits.TrailingZeros64(w)
				w &= w - 1
				f(row, wi<<6+b)
			}
		}
	}
}
