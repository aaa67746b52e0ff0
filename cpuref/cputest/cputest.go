// Package cputest holds what tests of several packages need from the
// reference: a random state for p that reaches every branch of a step.
package cputest

import (
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
	for i := range st.V {
		st.V[i] = rng.Float32()*2 - 0.5
		st.Theta[i] = p.ThetaMin + rng.Float32()*1.5
		st.Q[i] = rng.Float32() * 3
		st.P[i] = rng.Float32() * 3
		st.S[i] = bit()
		st.X[i], st.Y[i], st.YHat[i] = bit(), bit(), bit()
		st.Err[i] = int32(st.Y[i]) - int32(st.YHat[i])
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
