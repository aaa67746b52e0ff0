package backend

import (
	"fmt"
	"time"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// gpuBackend runs the compute shaders: a gpu.Sim on a context, every GL
// call inside ctx.Do.
type gpuBackend struct {
	ctx     *gpu.Context
	ownCtx  bool
	sim     *gpu.Sim
	scratch *cpuref.State // State's read-back, allocated once

	spikes    *gpu.SpikeReader // with TapSpikes
	spikeSink SpikeSink
}

func newGPU(c Config) (*gpuBackend, error) {
	g := &gpuBackend{ctx: c.Context}
	if g.ctx == nil {
		ctx, err := NewHeadlessContext(c.GL, c.Warn)
		if err != nil {
			return nil, err
		}
		g.ctx, g.ownCtx = ctx, true
	}
	p := c.Params
	err := g.ctx.Do(func() (err error) {
		// Refuse what the GL cannot hold before building the state.
		if err := gpu.CheckLimits(p); err != nil {
			return err
		}
		g.sim, err = gpu.New(p, c.State.Clone(), c.Stim)
		return err
	})
	if err != nil {
		g.Release()
		return nil, err
	}
	return g, nil
}

func (g *gpuBackend) Step(k int) error {
	if g.spikes == nil {
		return g.ctx.Do(func() error { return g.sim.Run(k) })
	}
	return g.ctx.Do(func() error {
		for range k {
			if err := g.sim.Run(1); err != nil {
				return err
			}
			if err := g.spikes.Capture(g.sim, g.spikeSink); err != nil {
				return err
			}
		}
		return nil
	})
}

// TapSpikes reads the bit sets of each step back through a
// gpu.SpikeReader: copies queued on the GPU, read a chunk behind.
func (g *gpuBackend) TapSpikes(want [gpu.NumSpikeLayers]bool, sink SpikeSink) error {
	return g.ctx.Do(func() error {
		if g.spikes != nil {
			g.spikes.Release()
		}
		g.spikes, g.spikeSink = gpu.NewSpikeReader(g.sim, want), sink
		return nil
	})
}

// FlushSpikes waits for the copies still in flight and hands them over.
func (g *gpuBackend) FlushSpikes() error {
	if g.spikes == nil {
		return nil
	}
	return g.ctx.Do(func() error { return g.spikes.Flush(g.spikeSink) })
}

func (g *gpuBackend) T() int64 { return g.sim.T }

func (g *gpuBackend) Measures() (m cpuref.Measures, err error) {
	err = g.ctx.Do(func() (err error) { m, err = g.sim.Measures(); return err })
	return m, err
}

func (g *gpuBackend) State() (*cpuref.State, error) {
	if g.scratch == nil {
		g.scratch = cpuref.NewStateShape(g.sim.Params)
	}
	err := g.ctx.Do(func() error { return g.sim.ReadInto(g.scratch, true) })
	return g.scratch, err
}

func (g *gpuBackend) Load(st *cpuref.State) error {
	// The steps before the load are handed over before it.
	if err := g.FlushSpikes(); err != nil {
		return err
	}
	return g.ctx.Do(func() error { return g.sim.Load(st) })
}

// SetLearn sets a flag the next Run reads on the GL thread; Step's Do
// orders the two.
func (g *gpuBackend) SetLearn(on bool)      { g.sim.Learn = on }
func (g *gpuBackend) Params() cpuref.Params { return g.sim.Params }

// SetParams sets the passes' uniforms; Step's Do orders it before the
// next step.
func (g *gpuBackend) SetParams(p cpuref.Params) error {
	if f, ok := LiveChangeable(g.sim.Params, p); !ok {
		return fmt.Errorf("backend: -%s cannot change while the network runs", f)
	}
	return g.ctx.Do(func() error { return g.sim.SetParams(p) })
}
func (g *gpuBackend) Name() string     { return "gpu" }
func (g *gpuBackend) Renderer() string { return g.ctx.Renderer }

// GL says how the context was made (gpu.Context.GL), for the summary.
func (g *gpuBackend) GL() string { return g.ctx.GL }

// Profile times each pass of a step, drained one by one (the benchmark's
// per-pass table).
func (g *gpuBackend) Profile(steps int) (prof map[string]time.Duration, err error) {
	err = g.ctx.Do(func() (err error) { prof, err = g.sim.Profile(steps); return err })
	return prof, err
}

func (g *gpuBackend) Display(ctx *gpu.Context) (Display, error) {
	if ctx != g.ctx {
		return nil, fmt.Errorf("backend: the gpu backend draws on its own context")
	}
	d := &gpuDisplay{sim: g.sim}
	ctx.Do(func() error { d.reader = gpu.NewMeasureReader(); return nil })
	return d, nil
}

func (g *gpuBackend) Release() {
	if g.ctx == nil {
		return
	}
	g.ctx.Do(func() error {
		if g.spikes != nil {
			g.spikes.Release()
		}
		if g.sim != nil {
			g.sim.Release()
		}
		return nil
	})
	if g.ownCtx {
		g.ctx.Release()
	}
	g.ctx = nil
}

// gpuDisplay draws the backend's own buffers and reads its measures
// through a gpu.MeasureReader.
type gpuDisplay struct {
	sim    *gpu.Sim
	reader *gpu.MeasureReader
}

func (d *gpuDisplay) Sim() *gpu.Sim    { return d.sim }
func (d *gpuDisplay) Sync() error      { return nil }
func (d *gpuDisplay) RequestMeasures() { d.reader.Request(d.sim) }
func (d *gpuDisplay) PollMeasures() (cpuref.Measures, int64, bool) {
	return d.reader.Poll()
}
func (d *gpuDisplay) Reset() {
	d.reader.Release()
	d.reader = gpu.NewMeasureReader()
}
func (d *gpuDisplay) Release() { d.reader.Release() }
