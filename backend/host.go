package backend

import (
	"fmt"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// Engine is a simulation that keeps its state in host memory, in
// cpuref's layout: what NewHost needs to make a Backend of it. The
// reference (cpu.go) is one; a faster CPU engine is another, with a file
// that adapts its methods to these and calls NewHost.
type Engine interface {
	Run(k int) error
	Measures() cpuref.Measures
	// State is the engine's own state (not a copy).
	State() *cpuref.State
	// Load continues from a copy of st.
	Load(st *cpuref.State) error
	SetLearn(on bool)
	// Frame and Target are the rectangles lit in the last step's input
	// and target frames, for the display.
	Frame() []cpuref.Rect
	Target() []cpuref.Rect
	Release()
}

// A faster CPU engine plugs in with one file in this package, e.g.
//
//	// fast.go
//	func newFast(c Config) (Backend, error) {
//		s, err := cpufast.New(c.Params, c.State.Clone(), c.Stim)
//		if err != nil {
//			return nil, err
//		}
//		s.SetWorkers(c.Workers)
//		return NewHost("cpufast", "cpufast (Go)", c.Params, c.Stim, fastEngine{s}), nil
//	}
//
//	// fastEngine adapts what differs from Engine (Run's result, say).
//	type fastEngine struct{ *cpufast.Sim }
//
//	func (f fastEngine) Run(k int) error { f.Sim.Run(k); return nil }
//
// plus its name in Names and a case in New; -backend, the window,
// recording, -save, -load and -metrics then take it with no other change.

// NewHost makes a Backend named name (its -backend value) of an engine;
// renderer names the engine in summaries. stim is the engine's stimulus,
// which a display mirror needs to draw a loaded state's frames.
func NewHost(name, renderer string, p cpuref.Params, stim cpuref.Stimulus, e Engine) Backend {
	return &hostBackend{name: name, renderer: renderer, p: p, stim: stim, e: e}
}

type hostBackend struct {
	name, renderer string
	p              cpuref.Params
	stim           cpuref.Stimulus
	e              Engine
	loaded         bool // Load since the display's last Sync
	spikes         *hostSpikes
}

func (h *hostBackend) Step(k int) error {
	if h.spikes == nil {
		return h.e.Run(k)
	}
	// One step at a time, to see each step's spikes in the state.
	for range k {
		if err := h.e.Run(1); err != nil {
			return err
		}
		if err := h.spikes.after(h.e.State()); err != nil {
			return err
		}
	}
	return nil
}

// TapSpikes hands sink each step's spikes, read from the engine's state
// after the step.
func (h *hostBackend) TapSpikes(want [gpu.NumSpikeLayers]bool, sink SpikeSink) error {
	h.spikes = &hostSpikes{want: want, sink: sink}
	return nil
}

// FlushSpikes has nothing to do: Step hands over each step as it ends.
func (h *hostBackend) FlushSpikes() error { return nil }

func (h *hostBackend) T() int64                           { return h.e.State().T }
func (h *hostBackend) Measures() (cpuref.Measures, error) { return h.e.Measures(), nil }
func (h *hostBackend) State() (*cpuref.State, error)      { return h.e.State(), nil }
func (h *hostBackend) SetLearn(on bool)                   { h.e.SetLearn(on) }
func (h *hostBackend) Params() cpuref.Params              { return h.p }
func (h *hostBackend) Name() string                       { return h.name }
func (h *hostBackend) Renderer() string                   { return h.renderer }
func (h *hostBackend) Release()                           { h.e.Release() }

// ParamSetter is an Engine that can change its parameters between
// steps; one that is not refuses live changes.
type ParamSetter interface {
	SetParams(p cpuref.Params) error
}

func (h *hostBackend) SetParams(p cpuref.Params) error {
	if f, ok := LiveChangeable(h.p, p); !ok {
		return fmt.Errorf("backend: -%s cannot change while the network runs", f)
	}
	ps, ok := h.e.(ParamSetter)
	if !ok {
		return fmt.Errorf("backend: the %s backend cannot change parameters while it runs", h.name)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("backend: %w", err)
	}
	if err := ps.SetParams(p); err != nil {
		return fmt.Errorf("backend: %w", err)
	}
	h.p = p
	return nil
}

func (h *hostBackend) Load(st *cpuref.State) error {
	if st.N != h.p.N {
		return fmt.Errorf("backend: state is for n=%d, the %s backend for n=%d", st.N, h.name, h.p.N)
	}
	h.loaded = true
	return h.e.Load(st)
}

// Display makes a gpu.Sim on ctx that mirrors the engine: it is never
// stepped, only loaded with the display buffers after each batch of
// steps.
func (h *hostBackend) Display(ctx *gpu.Context) (Display, error) {
	d := &hostDisplay{h: h}
	err := ctx.Do(func() (err error) {
		if err := gpu.CheckLimits(h.p); err != nil {
			return err
		}
		d.mirror, err = gpu.New(h.p, h.e.State().Clone(), h.stim)
		return err
	})
	if err != nil {
		return nil, err
	}
	h.loaded = false
	return d, nil
}

type hostDisplay struct {
	h      *hostBackend
	mirror *gpu.Sim
	also   []gpu.Buffer // buffers the views read beyond the display's
}

// UploadAlso makes every Sync upload bufs too (weights or per-cell maps
// that the views on screen draw), until the next call; nil for none.
func (d *hostDisplay) UploadAlso(bufs []gpu.Buffer) { d.also = bufs }

func (d *hostDisplay) Sim() *gpu.Sim { return d.mirror }

func (d *hostDisplay) Sync() error {
	st := d.h.e.State()
	if d.h.loaded {
		// A loaded state's frames are its stimulus's, which the mirror
		// computes on a whole load; the engine's are those of its last
		// step before the load.
		d.h.loaded = false
		return d.mirror.Load(st)
	}
	if err := d.mirror.LoadDisplay(st, d.h.e.Frame(), d.h.e.Target()); err != nil {
		return err
	}
	return d.mirror.Upload(st, d.also)
}

func (d *hostDisplay) RequestMeasures() {}
func (d *hostDisplay) PollMeasures() (cpuref.Measures, int64, bool) {
	return d.h.e.Measures(), d.h.e.State().T, true
}
func (d *hostDisplay) Reset() {}
func (d *hostDisplay) Release() {
	if d.mirror != nil {
		d.mirror.Release()
		d.mirror = nil
	}
}
