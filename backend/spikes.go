package backend

import (
	"time"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// The layers whose spikes a run can export, by code (the layer field of
// -spikes records).
const (
	LayerInput   = 0 // input X
	LayerHidden  = 1 // hidden s
	LayerOutput  = 2 // prediction ŷ
	LayerHidden2 = 3 // second hidden layer s₂ (-horizon > 1)
)

// SpikeLayerNames names the layers, by code: the values of -spikes_layers.
var SpikeLayerNames = [gpu.NumSpikeLayers]string{"input", "hidden", "output", "hidden2"}

// SpikeSink receives every step's spikes in step order: the step t (the
// one that read frame X_t) and, by layer code, the cells that spiked,
// ascending (nil for a layer not asked for). The slices are reused once
// it returns.
type SpikeSink = gpu.Deliver

// SpikeTapper is a backend that can hand over every step's spikes. Both
// backends of this package are; a host engine is through NewHost.
type SpikeTapper interface {
	// TapSpikes asks that every later step's spikes of the layers in
	// want go to sink, which may be called late (the gpu backend reads
	// them back a chunk of steps behind) but always in step order, from
	// within Step, FlushSpikes, Load or Release.
	TapSpikes(want [gpu.NumSpikeLayers]bool, sink SpikeSink) error
	// FlushSpikes hands over every step taken that sink has not seen.
	FlushSpikes() error
}

// hostSpikes follows a host engine's binary buffers after each step.
type hostSpikes struct {
	want  [gpu.NumSpikeLayers]bool
	sink  SpikeSink
	cells [gpu.NumSpikeLayers][]uint32
}

// after hands over the spikes of the step that st ends.
func (h *hostSpikes) after(st *cpuref.State) error {
	for code, layer := range [][]uint32{st.X, st.S, st.YHat, st.S2} {
		h.cells[code] = h.cells[code][:0]
		if !h.want[code] {
			continue
		}
		for i, v := range layer {
			if v != 0 {
				h.cells[code] = append(h.cells[code], uint32(i))
			}
		}
	}
	return h.sink(st.T-1, &h.cells)
}

// StateLater is a backend that can read its state back without holding
// up its caller: StateLater queues the read and returns at once, and
// the function it returns waits for the read and returns a state of the
// caller's own. The gpu backend copies its buffers on the GPU and reads
// the copies once they are done (the window's S does not stall a frame);
// a host backend clones its state.
type StateLater interface {
	StateLater() (func() (*cpuref.State, error), error)
}

// StateLater clones the engine's state now; there is nothing to wait for.
func (h *hostBackend) StateLater() (func() (*cpuref.State, error), error) {
	st := h.e.State().Clone()
	return func() (*cpuref.State, error) { return st, nil }, nil
}

// StateLater queues a gpu.StateCopy; the function polls its fence between
// the frames' own calls on the GL thread and reads it once done.
func (g *gpuBackend) StateLater() (func() (*cpuref.State, error), error) {
	var c *gpu.StateCopy
	if err := g.ctx.Do(func() error { c = g.sim.CopyState(); return nil }); err != nil {
		return nil, err
	}
	ctx, p := g.ctx, g.sim.Params
	return func() (*cpuref.State, error) {
		for {
			var ready bool
			ctx.Do(func() error { ready = c.Ready(); return nil })
			if ready {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		st := cpuref.NewStateShape(p)
		err := ctx.Do(func() error { return c.ReadInto(st) })
		return st, err
	}, nil
}
