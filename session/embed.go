package session

import (
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// What a program that embeds spikecast (the Python module, capi/) takes
// from a run, so that it chooses and exports as the command does.

// AutoBackend is -backend auto's choice for a network of parameters p
// with the given -workers and headless context options: the backend's
// name and why, in the line the command prints.
func AutoBackend(p cpuref.Params, workers int, gl gpu.HeadlessOptions) (name, why string) {
	c := &Config{Params: p, Workers: workers, GL: gl}
	ch := chooseBackend(p, defaultAutoEnv(c))
	return ch.Name, ch.Why
}

// ArrayShape is the shape a buffer of length elements has in a -state
// .npz (see ArrayName for its name), and the names of its axes, which
// the .npz's meta lists under "axes" (nil for an empty buffer).
func ArrayShape(b cpuref.BufferSpec, p cpuref.Params, length int) ([]int64, []string) {
	return arrayLayout(b, p, length)
}
