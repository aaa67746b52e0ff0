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
func (l *liveSet) decay(v []float32, lambda float32, skip []uint32) {
	out := l.idx[:0]
	for _, i := range l.idx {
		if skip[i] != 0 {
			out = append(out, i)
			continue
		}
		old := v[i]
		nv := float32(lambda * old)
		v[i] = nv
		if math.Float32bits(nv) == math.Float32bits(old) {
			l.in[i] = false
			continue
		}
		out = append(out, i)
	}
	l.idx = out
}
