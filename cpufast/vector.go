package cpufast

import "os"

// The dense loop has two paths that compute the same bits: the plain Go
// loop (idleRun, busyCell), which every build has and which is the loop's
// readable form, and a vector loop (vectorRow, in vector_amd64.go) that
// updates eight cells at once. The vector loop is built with
// GOEXPERIMENT=simd on amd64 (the Makefile sets it) and runs where the CPU
// has AVX2, unless the environment says SPIKECAST_VECTOR=off; elsewhere
// the plain loop runs. docs/CPUFAST.md says how the two agree.

// vectorOn reports whether a new Sim runs the vector loop: where it can,
// unless the environment asks for the plain one.
func vectorOn() bool { return vectorCPU() && os.Getenv("SPIKECAST_VECTOR") != "off" }

// VectorPath names the dense loop a new Sim runs in this process: "avx2",
// or "plain: " and why.
func VectorPath() string {
	switch {
	case vectorOn():
		return "avx2"
	case vectorCPU():
		return "plain: SPIKECAST_VECTOR=off"
	}
	return "plain: " + vectorWhy()
}

// SetVector turns the vector dense loop on (where this build and CPU have
// it) or off (the plain loop). The result does not depend on it.
// The bands are cut anew: the vector loop wants larger ones.
func (s *Sim) SetVector(on bool) {
	s.vector = on && vectorCPU()
	s.SetWorkers(s.workers)
}

// Vector reports whether s runs the vector dense loop.
func (s *Sim) Vector() bool { return s.vector }
