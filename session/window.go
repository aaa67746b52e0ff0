package session

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/changes"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/viz"
)

// noDisplay says, in one line, how to run where there is no display.
func noDisplay(stderr io.Writer) int {
	fmt.Fprintln(stderr, "spikecast: no display (DISPLAY is not set): add -headless to simulate without a window, or run under xvfb-run to draw into a virtual screen")
	return ExitFailure
}

// runWindow runs the simulation in the live window until it is closed
// (exit 0), Esc/Q (0), -steps is reached (0), or a signal arrives (130 or
// 143). Every GL object is released before it returns.
func runWindow(c *Config, sigs <-chan os.Signal, stdout, stderr io.Writer) int {
	if !gpu.HasDisplay() {
		return noDisplay(stderr)
	}
	ctx, err := gpu.NewContext(gpu.Options{Visible: true, Width: c.Width, Height: c.Height,
		Title: fmt.Sprintf("spikecast — n=%d, %s", c.Params.N, c.Backend), VSync: c.VSync})
	if err != nil {
		return fail(stderr, err)
	}
	defer ctx.Release()
	// One stimulus for the backend and the window: with -env mouse the
	// window moves its dot.
	stim := c.Stim
	if stim == nil {
		stim = cpuref.NewStimulus(c.Params)
	}
	ob, release, err := c.observe(backend.Config{Context: ctx, Stim: stim}, stderr, false)
	if err != nil {
		return fail(stderr, err)
	}
	defer release()
	b, obs := ob.Backend, ob.o

	var got os.Signal
	var saves sync.WaitGroup // S's files, written off the frame loop
	live := &liveRecorder{c: c, ctx: ctx}
	res, err := draw(ctx, b, c, func(v *viz.Viz, d backend.Display) (viz.Result, error) {
		return viz.Loop(ctx, v, ob, d, viz.LoopOptions{
			Window:         ctx.Window,
			Initial:        c.initialState(),
			Pointer:        pointerFor(stim),
			StepsPerFrame:  c.StepsPerFrame,
			MaxSteps:       c.maxSteps(),
			Renderer:       ctx.Renderer,
			Screenshot:     c.Screenshot,
			Caption:        c.Title,
			StartRecording: live.start,
			RecordAtStart:  c.Record != "",
			Snapshot:       live.snapshot,
			Save:           func() (string, error) { return saveLater(c, b, obs.hist, &saves, stderr) },
			Changes:        c.Changes,
			OnChange:       c.logChange(stderr),
			Interrupted:    func() bool { got = poll(sigs); return got != nil },
		})
	})
	saves.Wait()
	if err != nil && !sourceEnded(stderr, err) {
		return fail(stderr, err)
	}
	if err := obs.finish(); err != nil {
		return fail(stderr, err)
	}
	// The window shows measures read asynchronously; the summary waits
	// for the last step's.
	m, err := b.Measures()
	if err != nil {
		return fail(stderr, err)
	}
	for _, p := range res.Recordings {
		fmt.Fprintf(stderr, "spikecast: recorded %s\n", p)
	}
	if res.Steps < b.T() {
		res.Steps = b.T() // the loop ended early, at the end of a -frames source
	}
	var rate float64
	if res.Seconds > 0 {
		rate = float64(res.Steps-c.t0()) / res.Seconds // -load starts at the checkpoint's step
	}
	sum := newSummary(c, m, res.Steps-c.t0(), rate, b.Renderer())
	sum.FPS, sum.GL = res.FPS, ctx.GL
	printSummary(stdout, sum)
	if res.RecordErr != nil {
		return fail(stderr, res.RecordErr)
	}
	return exitFor(got)
}

// draw makes b's display and the panels on ctx, runs loop with them and
// releases them.
func draw(ctx *gpu.Context, b backend.Backend, c *Config, loop func(*viz.Viz, backend.Display) (viz.Result, error)) (viz.Result, error) {
	d, err := b.Display(ctx)
	if err != nil {
		return viz.Result{}, err
	}
	defer ctx.Do(func() error { d.Release(); return nil })
	var v *viz.Viz
	if err := ctx.Do(func() (err error) {
		v, err = viz.New(d.Sim(), viz.Options{Afterglow: float32(c.Afterglow), Layout: c.Layout, Views: c.Panels, Zoom: float32(c.Zoom), AutoZoom: c.AutoZoom})
		if err == nil && c.History != nil {
			// The curve continues the loaded run's.
			v.Curve.Seed(c.History.Steps, c.History.F1, c.History.Rate)
		}
		return err
	}); err != nil {
		return viz.Result{}, err
	}
	defer ctx.Do(func() error { v.Release(); return nil })
	return loop(v, d)
}

// pointerFor returns the window's pointer callback for a stimulus that
// follows the mouse, and nil for any other.
func pointerFor(stim cpuref.Stimulus) func(row, col int) {
	if m, ok := stim.(*cpuref.Mouse); ok {
		return m.Set
	}
	return nil
}

// logChange returns the loop's OnChange: every parameter change, from
// -changes or a key, is written to stderr as a line of a changes file,
// "spikecast: change 1234 eta 0.0125", so that the run can be repeated
// with -changes.
func (c *Config) logChange(stderr io.Writer) func(changes.Change) {
	return func(ch changes.Change) {
		c.changeLog = append(c.changeLog, ch.String())
		fmt.Fprintf(stderr, "spikecast: change %s\n", ch)
	}
}
