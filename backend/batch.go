package backend

import (
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// GPUBatch runs many networks of one shape as one gpu.Batch on a
// context: one dispatch a pass covers them all. Every GL call runs inside
// ctx.Do, as the gpu backend's.
type GPUBatch struct {
	ctx   *gpu.Context
	batch *gpu.Batch
}

// BatchCapacity returns how many networks with parameters p one GPUBatch
// on ctx can hold (0: such a network runs alone), and the GL limit that
// sets it; see gpu.BatchCapacity.
func BatchCapacity(ctx *gpu.Context, p cpuref.Params) (n int, limit string) {
	ctx.Do(func() error {
		n, limit = gpu.BatchCapacity(p)
		return nil
	})
	return n, limit
}

// NewGPUBatch uploads the initial state of each network with parameters
// ps (which must share gpu.BatchKey) and compiles the passes for them.
// Network z is driven by stims[z], or by its parameters' stimulus where
// stims or stims[z] is nil, as Config.Stim (a frame source must be given).
func NewGPUBatch(ctx *gpu.Context, ps []cpuref.Params, stims []cpuref.Stimulus) (*GPUBatch, error) {
	inits := make([]*cpuref.State, len(ps))
	given := stims
	stims = make([]cpuref.Stimulus, len(ps))
	for z, p := range ps {
		inits[z] = cpuref.NewState(p)
		if z < len(given) && given[z] != nil {
			stims[z] = given[z]
		} else {
			stims[z] = cpuref.NewStimulus(p)
		}
	}
	g := &GPUBatch{ctx: ctx}
	err := ctx.Do(func() (err error) {
		g.batch, err = gpu.NewBatch(ps, inits, stims)
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// Step runs k steps of every network.
func (g *GPUBatch) Step(k int) error { return g.ctx.Do(func() error { return g.batch.Run(k) }) }

// T is the step count every network has reached.
func (g *GPUBatch) T() int64 { return g.batch.T() }

// Len is the number of networks.
func (g *GPUBatch) Len() int { return g.batch.Len() }

// Net returns network z of the batch.
func (g *GPUBatch) Net(z int) Network { return batchNet{g, z} }

// Release frees the batch's GL objects. Safe to call twice.
func (g *GPUBatch) Release() {
	g.ctx.Do(func() error {
		g.batch.Release()
		return nil
	})
}

// batchNet is one network of a GPUBatch.
type batchNet struct {
	g *GPUBatch
	z int
}

func (n batchNet) T() int64              { return n.g.batch.T() }
func (n batchNet) Params() cpuref.Params { return n.g.batch.Params(n.z) }
func (n batchNet) Name() string          { return "gpu" }
func (n batchNet) Renderer() string      { return n.g.ctx.Renderer }

func (n batchNet) Measures() (m cpuref.Measures, err error) {
	err = n.g.ctx.Do(func() error {
		all, err := n.g.batch.Measures()
		if err == nil {
			m = all[n.z]
		}
		return err
	})
	return m, err
}

func (n batchNet) State() (st *cpuref.State, err error) {
	err = n.g.ctx.Do(func() error {
		st, err = n.g.batch.ReadState(n.z)
		return err
	})
	return st, err
}
