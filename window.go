package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/viz"
)

// runWindow runs the simulation in the live window until it is closed
// (exit 0), Esc/Q (0), -steps is reached (0), or a signal arrives (130 or
// 143). Every GL object is released before it returns.
func runWindow(c *config, sigs <-chan os.Signal, stdout, stderr io.Writer) int {
	ctx, err := gpu.NewContext(gpu.Options{Visible: true, Width: c.width, Height: c.height,
		Title: fmt.Sprintf("spikecast — n=%d, %s", c.params.N, c.backend), VSync: c.vsync})
	if err != nil {
		fmt.Fprintf(stderr, "spikecast: %v\n", err)
		return exitFailure
	}
	defer ctx.Release()

	var res viz.Result
	var got os.Signal
	err = ctx.Do(func() error {
		p := c.params
		if err := gpu.CheckLimits(p); err != nil {
			return err
		}
		init := initialState(c)
		// The gpu.Sim holds the buffers the panels draw; with -backend cpu
		// it is never stepped, only loaded from the reference.
		// One stimulus for both backends: with -env mouse the window
		// moves its dot.
		stim := cpuref.NewStimulus(p)
		sim, err := gpu.New(p, init, stim)
		if err != nil {
			return err
		}
		defer sim.Release()
		var backend viz.Backend
		if c.backend == "cpu" {
			ref := cpuref.NewFrom(p, init, stim)
			ref.SetWorkers(c.workers)
			backend = &viz.CPUBackend{Ref: ref, Mirror: sim}
		} else {
			g := viz.NewGPUBackend(sim)
			defer g.Release()
			backend = g
		}
		v, err := viz.New(sim, viz.Options{Afterglow: float32(c.afterglow)})
		if err != nil {
			return err
		}
		defer v.Release()
		obs, err := newObserver(c, init.T, int64(c.steps), stderr, false, backendReader(backend), nil)
		if err != nil {
			return err
		}
		defer obs.abort()
		if c.metrics != "" {
			backend = &observedBackend{backend, obs}
		}
		live := &liveRecorder{c: c, ctx: ctx}
		res, err = viz.Run(ctx, v, backend, viz.AppOptions{
			Pointer:        pointerFor(stim),
			StepsPerFrame:  c.stepsPerFrame,
			MaxSteps:       maxSteps(c),
			Renderer:       ctx.Renderer,
			Screenshot:     c.screenshot,
			Caption:        c.title,
			StartRecording: live.start,
			RecordAtStart:  c.record != "",
			Snapshot:       live.snapshot,
			Save:           func() (string, error) { return saveWindow(c, obs.state) },
			Interrupted: func() bool {
				select {
				case got = <-sigs:
					return true
				default:
					return false
				}
			},
		})
		if err != nil {
			return err
		}
		if err := obs.finish(); err != nil {
			return err
		}
		// The window shows measures read asynchronously; the summary
		// waits for the last step's.
		if c.backend == "gpu" {
			res.Measures, err = sim.Measures()
		}
		return err
	})
	if err != nil {
		fmt.Fprintf(stderr, "spikecast: %v\n", err)
		return exitFailure
	}
	for _, p := range res.Recordings {
		fmt.Fprintf(stderr, "spikecast: recorded %s\n", p)
	}
	m := res.Measures
	var rate float64
	if res.Seconds > 0 {
		rate = float64(res.Steps-initialT(c)) / res.Seconds // -load starts at the checkpoint's step
	}
	// Like a headless run, "steps" counts the steps of this run (after
	// -load, those beyond the checkpoint).
	sum := newSummary(c, m, res.Steps-initialT(c), rate, ctx.Renderer)
	sum.GL = ctx.GL
	sum.FPS = res.FPS
	printSummary(stdout, sum)
	if res.RecordErr != nil {
		fmt.Fprintf(stderr, "spikecast: %v\n", res.RecordErr)
		return exitFailure
	}
	return exitFor(got)
}

// pointerFor returns the window's pointer callback for a stimulus that
// follows the mouse, and nil for any other.
func pointerFor(stim cpuref.Stimulus) func(row, col int) {
	if m, ok := stim.(*cpuref.Mouse); ok {
		return m.Set
	}
	return nil
}
