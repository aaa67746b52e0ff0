package backend

import "github.com/spikecast/spikecast/cpufast"

// newFast runs cpufast, the activity-driven CPU engine: bit for bit the
// reference's results (its tests run the two in lockstep), at a cost that
// follows the activity of a step rather than the size of every window.
// *cpufast.Sim has Engine's methods as they are.
func newFast(c Config) (Backend, error) {
	s, err := cpufast.New(c.Params, c.State, c.Stim) // New copies the state
	if err != nil {
		return nil, err
	}
	if c.Workers > 0 {
		s.SetWorkers(c.Workers)
	}
	return NewHost("cpu", FastRenderer(), c.Params, c.Stim, s), nil
}

// FastRenderer is what the summary's renderer says of the cpu backend:
// cpufast and the path of its dense loop (cpufast.VectorPath).
func FastRenderer() string { return "cpufast (Go, " + cpufast.VectorPath() + ")" }
