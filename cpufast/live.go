package cpufast

import (
	"math"
)

// liveSet lists the cells of a trace (p, q or q₂) whose decay v ← λ·v can
// still change them. A trace that is not in the set is a fixed point of
// its decay — +0, or the smallest subnormal that λ = 0.8 rounds back to
// itself — and stays one until its cell is lit or spikes again, so
// decaying only the live cells gives every bit of decaying them all.
type liveSet struct {
	idx []int32
	in  []bool
}

// reset makes the set hold the nonzero entries of v (a zero trace is a
// fixed point).
func (l *liveSet) reset(v []float32) {
	l.in = make([]bool, len(v))
	l.idx = l.idx[:0]
	for i, x := range v {
		if x != 0 {
			l.add(int32(i))
		}
	}
}

func (l *liveSet) add(i int32) {
	if !l.in[i] {
		l.in[i] = true
		l.idx = append(l.idx, i)
	}
}

// decay applies v ← λ·v to the live cells where skip is 0 (the others are
// updated by their caller this step) and drops those it left unchanged.
// The list is in the order cells joined it; when it holds more than half
// the cells, they are swept in index order instead (decaySweep), which
// reads memory in order and leaves the list ascending.
func (l *liveSet) decay(v []float32, lambda float32, skip []uint32) {
	if 2*len(l.idx) > len(l.in) {
		l.decaySweep(v, lambda, skip)
		return
	}
	out := l.idx[:0]
	for _, i := range l.idx {
		if l.decayOne(v, lambda, skip, int(i)) {
			out = append(out, i)
		}
	}
	l.idx = out
}

// decaySweep is decay over the cells in index order, by their flags.
func (l *liveSet) decaySweep(v []float32, lambda float32, skip []uint32) {
	out := l.idx[:0] // not read below: the flags say which cells are live
	for i, live := range l.in {
		if live && l.decayOne(v, lambda, skip, i) {
			out = append(out, int32(i))
		}
	}
	l.idx = out
}

// decayOne decays live cell i unless skip[i] is set, and reports whether
// it stays live; a cell whose decay left its bits as they were leaves.
// A busy set's skipped cells (lit pixels, spikes) come in no order a
// branch predictor could learn, so skipping is a select, not a branch: a
// skipped cell gets its own bits back. Only leaving, which is rare, is a
// branch.
func (l *liveSet) decayOne(v []float32, lambda float32, skip []uint32, i int) bool {
	old := math.Float32bits(v[i])
	nv := math.Float32bits(float32(lambda * math.Float32frombits(old)))
	sk := skip[i]
	if sk != 0 {
		nv = old
	}
	v[i] = math.Float32frombits(nv)
	if (nv^old)|sk == 0 { // not skipped, and a fixed point
		l.in[i] = false
		return false
	}
	return true
}
