package session

import (
	"fmt"
	"io"
	"time"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/frames"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/sweep"
)

// batchGPU runs the queue's networks on one headless context, c.Batch at
// a time in gpu.Batches: networks that share a shape and compiled
// parameters (gpu.BatchKey) go into one batch, stepped together, one
// dispatch a pass. A network too large for a batch (its weights need
// bands of rows) runs alone.
func batchGPU(c *Config, queue <-chan sweep.Run, br *batchRun) error {
	ctx := br.hooks.ctx
	if ctx == nil {
		var err error
		if ctx, err = backend.NewHeadlessContext(c.GL, br.stderr); err != nil {
			return err
		}
		defer ctx.Release()
	}
	capacity := func(p cpuref.Params) (int, string) { return backend.BatchCapacity(ctx, p) }
	for _, group := range batchGroups(queue, c.Batch, capacity, br.stderr) {
		if br.stopped() {
			return nil
		}
		if err := runGroup(ctx, c, group, br); err != nil {
			return err
		}
	}
	return nil
}

// batchGroups splits the queue into the batches batchGPU runs, in the
// queue's order of each key's first run: at most size networks with one
// gpu.BatchKey each, and at most what capacity says this GL holds in one
// batch (0: the network runs alone), which it says on warn when it is
// fewer than size.
func batchGroups(queue <-chan sweep.Run, size int, capacity func(cpuref.Params) (int, string), warn io.Writer) [][]sweep.Run {
	var keys []string
	byKey := map[string][]sweep.Run{}
	for r := range queue {
		k := gpu.BatchKey(r.Params)
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], r)
	}
	var groups [][]sweep.Run
	for _, k := range keys {
		runs := byKey[k]
		n := min(size, len(runs))
		if c, limit := capacity(runs[0].Params); c < n {
			p := runs[0].Params
			if c == 0 {
				fmt.Fprintf(warn, "spikecast: -batch %d at n=%d: one network's weights are larger than this GL's storage block (%s), so these networks run one at a time\n", size, p.N, limit)
			} else {
				fmt.Fprintf(warn, "spikecast: -batch %d at n=%d: this GL holds %d such networks in one batch (%s); running %d at a time\n", size, p.N, c, limit, c)
			}
			n = max(c, 1)
		}
		for len(runs) > 0 {
			m := min(n, len(runs))
			groups = append(groups, runs[:m])
			runs = runs[m:]
		}
	}
	return groups
}

// runGroup steps one batch of networks to the end (-steps, or the end of
// their -frames source) and finishes each. A group of one runs as a lone
// gpu backend (banded, if its weights need).
func runGroup(ctx *gpu.Context, c *Config, group []sweep.Run, br *batchRun) error {
	start := time.Now()
	// Networks whose frames are the same bits share one decoder: the
	// batch steps them together.
	stims := make([]cpuref.Stimulus, len(group))
	shared := map[frames.Settings]cpuref.Stimulus{}
	for z, r := range group {
		set := frames.SettingsOf(r.Params)
		if s, ok := shared[set]; ok {
			stims[z] = s
			continue
		}
		stim, closeStim, err := openStim(r.Params)
		if err != nil {
			return err
		}
		defer closeStim()
		stims[z] = stim
		if stim != nil { // a frame source
			shared[set] = stim
		}
	}
	var (
		step func(k int) error
		t    func() int64
		nets []backend.Network
	)
	if len(group) == 1 {
		b, err := backend.New(backend.Config{Name: "gpu", Params: group[0].Params, Context: ctx, GL: c.GL, Stim: stims[0]})
		if err != nil {
			return err
		}
		defer b.Release()
		step, t, nets = b.Step, b.T, []backend.Network{b}
	} else {
		ps := make([]cpuref.Params, len(group))
		for z, r := range group {
			ps[z] = r.Params
		}
		b, err := backend.NewGPUBatch(ctx, ps, stims)
		if err != nil {
			return err
		}
		defer b.Release()
		step, t = b.Step, b.T
		for z := range group {
			nets = append(nets, b.Net(z))
		}
	}
	steps := br.steps
	for t() < steps && !br.stopped() {
		if err := step(int(min(batchChunk, steps-t()))); err != nil {
			if br.ended(err) {
				break // every network of the group ends at this step
			}
			return err
		}
	}
	if t() < steps && br.stopped() {
		return nil // stopped: unfinished networks are dropped
	}
	for z, r := range group {
		if err := br.finish(&network{run: r, b: nets[z], start: start}); err != nil {
			return err
		}
	}
	return nil
}
