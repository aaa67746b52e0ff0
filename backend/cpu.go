package backend

import "github.com/spikecast/spikecast/cpuref"

// newCPU runs the reference, cpuref.Sim (-backend ref).
func newCPU(c Config) Backend {
	s := cpuref.NewFrom(c.Params, c.State.Clone(), c.Stim)
	if c.Workers > 0 {
		s.SetWorkers(c.Workers)
	}
	return NewHost("ref", "cpuref (Go)", c.Params, c.Stim, refEngine{s})
}

// refEngine adapts cpuref.Sim to Engine.
type refEngine struct{ s *cpuref.Sim }

func (r refEngine) Run(k int) error           { return r.s.Run(k) }
func (r refEngine) Measures() cpuref.Measures { return r.s.Measures() }
func (r refEngine) State() *cpuref.State      { return r.s.State }
func (r refEngine) Load(st *cpuref.State) error {
	r.s.State = st.Clone()
	return nil
}
func (r refEngine) SetLearn(on bool) { r.s.Learn = on }

// SetParams: the reference reads Sim.Params at every step.
func (r refEngine) SetParams(p cpuref.Params) error { r.s.Params = p; return nil }
func (r refEngine) Frame() []cpuref.Rect            { return r.s.Frame() }
func (r refEngine) Target() []cpuref.Rect           { return r.s.Target() }
func (r refEngine) Release()                        {}
