package session

import (
	"runtime"
	"sync"
	"time"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/sweep"
)

// batchCPU runs the queue's networks on c.Batch goroutines.
func batchCPU(c *Config, queue <-chan sweep.Run, br *batchRun) {
	workers := 1
	if c.Batch < runtime.NumCPU() {
		workers = max(1, c.Workers/c.Batch)
	}
	var wg sync.WaitGroup
	for range c.Batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range queue {
				if br.stopped() {
					return
				}
				if err := runCPU(c, r, workers, br); err != nil {
					br.fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// runCPU runs one network of a CPU batch to its end: -steps, or the end
// of its -frames source.
func runCPU(c *Config, r sweep.Run, workers int, br *batchRun) error {
	stim, closeStim, err := openStim(r.Params)
	if err != nil {
		return err
	}
	defer closeStim()
	b, err := backend.New(backend.Config{Name: c.Backend, Params: r.Params, Workers: workers, Stim: stim})
	if err != nil {
		return err
	}
	defer b.Release()
	n := &network{run: r, b: b, start: time.Now()}
	steps := br.steps
	for b.T() < steps && !br.stopped() {
		if err := b.Step(int(min(batchChunk, steps-b.T()))); err != nil {
			if br.ended(err) {
				return br.finish(n)
			}
			return err
		}
	}
	if b.T() == steps {
		return br.finish(n)
	}
	return nil // stopped: dropped
}
