//go:build !(goexperiment.simd && amd64)

package cpufast

import "runtime"

// vectorCPU is false: this build has no vector dense loop.
func vectorCPU() bool { return false }

// vectorWhy says why the plain loop runs.
func vectorWhy() string {
	if runtime.GOARCH != "amd64" {
		return "no vector loop for " + runtime.GOARCH
	}
	return "built without GOEXPERIMENT=simd"
}

// vectorRow does nothing: the plain loop does every cell.
func (k *layerKernel) vectorRow(i0, m int, marks []uint64) int { return 0 }

// vectorCandidates does nothing: the plain loop does every cell.
func (k *layerKernel) vectorCandidates(i0 int, vhat []float32, cross []bool, crossing []uint8, marks []uint64, cell cellParams) int {
	return 0
}
