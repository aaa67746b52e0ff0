// Package cputest holds what tests of several packages need from the
// reference: a random state for p that reaches every branch of a step,
// and a frame source no rectangles describe.
package cputest

import (
	"fmt"
	"math/rand/v2"

	"github.com/spikecast/spikecast/cpuref"
)

// RandomState fills every buffer of a state for p with random values in
// the ranges a run can reach, so that one step exercises every branch:
// many spikes, lit pixels, nonzero errors.
func RandomState(p cpuref.Params, rng *rand.Rand) *cpuref.State {
	st := cpuref.NewStateShape(p)
	st.T = rng.Int64N(100000)
	bit := func() uint32 {
		if rng.Float32() < 0.3 {
			return 1
		}
		return 0
	}
	// One pixel at a time, its first cell drawn in with it (the draws of
	// K = 1 in their old order), then the other K−1 planes.
	plane := len(st.X)
	for i := range st.V {
		st.V[i] = rng.Float32()*2 - 0.5
		st.Theta[i] = p.ThetaMin + rng.Float32()*1.5
		st.Q[i] = rng.Float32() * 3
		if i < plane {
			st.P[i] = rng.Float32() * 3
		}
		st.S[i] = bit()
		if i < plane {
			st.X[i], st.Y[i], st.YHat[i] = bit(), bit(), bit()
			st.Err[i] = int32(st.Y[i]) - int32(st.YHat[i])
		}
	}
	for i := range st.XPrev {
		st.XPrev[i] = bit()
	}
	for i := range st.WDirect {
		st.WDirect[i] = (rng.Float32()*2 - 1) * p.WoutMax
	}
	for i := range st.Bias {
		st.Bias[i] = (rng.Float32()*2 - 1) * p.WoutMax
	}
	for i := range st.WIn {
		st.WIn[i] = rng.Float32() * p.WinMax
	}
	for i := range st.WRec {
		st.WRec[i] = (rng.Float32()*2 - 1) * 0.3
	}
	for i := range st.WOut {
		st.WOut[i] = (rng.Float32()*2 - 1) * p.WoutMax
	}
	for i := range st.Ring {
		st.Ring[i] = rng.Uint32N(1000)
	}
	for i := range st.Elig {
		st.Elig[i] = rng.Float32()*2 - 1
	}
	for i := range st.V2 {
		st.V2[i] = rng.Float32()*2 - 0.5
		st.Theta2[i] = p.ThetaMin + rng.Float32()*1.5
		st.Q2[i] = rng.Float32() * 3
		st.S2[i] = bit()
	}
	for i := range st.W12 {
		st.W12[i] = rng.Float32() * p.WinMax
	}
	return st
}

// BitFrames is a cpuref.FrameSource of frames no rectangles describe: a
// hashed scatter of about one pixel in twelve (another for each Seed)
// plus a moving diagonal, with the padding bits past column N set too (a
// source must not light them, and no engine may read them). It ends at
// frame End.
type BitFrames struct {
	N    int
	End  int64
	Seed uint32
}

func (b BitFrames) Frame(_ int64, dst []cpuref.Rect) []cpuref.Rect { return dst }

func (b BitFrames) FrameBits(t int64, dst []uint32) error {
	if t >= b.End {
		return fmt.Errorf("frame %d: %w", t, cpuref.ErrEndOfSource)
	}
	wpr := cpuref.PlainStride(b.N)
	for i := range dst {
		dst[i] = ^uint32(0) // padding bits set; cleared below for the cells
	}
	for row := range b.N {
		for col := range b.N {
			on := cpuref.PCG(uint32(t)*7919+uint32(row*b.N+col)+b.Seed*104729)%12 == 0 || (row+col+int(t))%b.N == 0
			if !on {
				dst[row*wpr+col/32] &^= 1 << (col % 32)
			}
		}
	}
	return nil
}
