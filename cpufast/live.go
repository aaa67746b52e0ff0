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
// A busy set's skipped cells (lit pixels, spikes) come in no order a
// branch predictor could learn, so skipping is a select, not a branch: a
// skipped cell gets its own bits back. Only leaving the set, which is
// rare, is a branch.
func (l *liveSet) decay(v []float32, lambda float32, skip []uint32) {
	out := l.idx[:0]
	for _, i := range l.idx {
		old := math.Float32bits(v[i])
		nv := math.Float32bits(float32(lambda * math.Float32frombits(old)))
		sk := skip[i]
		if sk != 0 {
			nv = old
		}
		v[i] = math.Float32frombits(nv)
		if (nv^old)|sk == 0 { // not skipped, and a fixed point
			l.in[i] = false
			continue
		}
		out = append(out, i)
	}
	l.idx = out
}
