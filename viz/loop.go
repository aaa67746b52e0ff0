package viz

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// app is the state of the frame loop.
type app struct {
	pointer       func(row, col int)
	ctx           *gpu.Context
	v             *Viz
	b             backend.Backend
	d             backend.Display
	surf          surface
	paused        bool
	stepOnce      bool
	stepsPerFrame int
	learn         bool
	learnReq      bool // L was pressed
	reset         bool
	quit          bool
	dragging      bool
	lastX, lastY  float64
	status        string
	statusUntil   time.Time
	saveReq       bool // S was pressed

	// Recording: V toggles, P and F12 take a screenshot. Frames are read
	// back through two pixel buffers, a frame late (see Readback).
	recToggle bool
	shot      bool
	rec       Recorder
	recPath   string
	recFrames int
	rb        *Readback

	// 2-D panels: drag pans the shared zoom, a click pins the inspector.
	panning    bool
	pressX     float64
	pressY     float64
	moved      bool
	curX, curY float64
	// Live parameter changes asked for by keys, applied off the GL thread.
	paramReq []Change
	changes  []Change // from -changes, not yet applied
	needs    []gpu.Buffer
}

// Loop is the one frame loop, for the window and for offscreen
// recording: each frame it steps the backend, brings the display up to
// date, draws the panels, hands the frame to a recording and presents
// it on the surface (the window, or an offscreen target). It runs until
// the window closes, Esc or Q, MaxSteps, Interrupted, or an error.
//
// Loop runs on an ordinary goroutine, not on ctx's thread: the backend
// runs its steps there itself, and the loop's GL work (events, drawing,
// read-back, swap) goes through ctx.Do, a few calls a frame. v draws d's
// buffers; both were made on ctx.
func Loop(ctx *gpu.Context, v *Viz, b backend.Backend, d backend.Display, o LoopOptions) (res Result, err error) {
	a := &app{ctx: ctx, v: v, b: b, d: d, stepsPerFrame: max(o.StepsPerFrame, 1), learn: true, pointer: o.Pointer}
	a.changes = append([]Change(nil), o.Changes...)
	if err := ctx.Do(func() error { return a.open(&o) }); err != nil {
		return res, err
	}
	defer ctx.Do(func() error { a.surf.release(); return nil })
	a.recToggle = o.RecordAtStart && o.StartRecording != nil
	// However the loop ends (Esc, the window closed, a signal, MaxSteps
	// or an error), a recording is finalised so that the file plays.
	// The normal end stops it explicitly too, to report it in res.
	defer ctx.Do(func() error { a.stopRecording(&res); return nil })
	start := time.Now()
	var m cpuref.Measures
	closed := false // the surface was closed: read after each frame
	ctx.Do(func() error { closed = a.surf.closed(); return nil })
	lastT := time.Now()
	var winSteps, winFrames int64
	stats := Stats{N: b.Params().N, Backend: b.Name(), Renderer: o.Renderer, Learn: true, Live: liveText(b.Params())}
	if a.surf.stepLocked() {
		// The video's rates, not this machine's.
		stats.StepsPerS, stats.FPS = float64(a.stepsPerFrame)*o.FPS, o.FPS
	}
	for !a.quit && !closed {
		if o.Interrupted != nil && o.Interrupted() {
			// Finish this frame (a requested screenshot is taken), then stop.
			res.Interrupted = true
			a.quit = true
		}
		ctx.Do(func() error { a.surf.events(); return nil })
		if err := a.requests(&o); err != nil {
			return res, err
		}
		k := a.stepsThisFrame(o.MaxSteps)
		if k > 0 {
			if err := a.step(k, &o); err != nil {
				return res, err
			}
			winSteps += int64(k)
		}
		stats.Live = liveText(b.Params())
		changed := a.updateNeeds()
		last := o.MaxSteps > 0 && b.T() >= o.MaxSteps
		if a.surf.stepLocked() {
			if k != a.stepsPerFrame {
				// Step-locked: the steps left over after the last whole
				// frame are run, not drawn.
				if last || a.quit {
					break
				}
				continue
			}
			if m, err = b.Measures(); err != nil {
				return res, err
			}
		}
		err := ctx.Do(func() (err error) {
			closed, err = a.frame(k, changed, last, &m, &stats, &o, &res)
			return err
		})
		if err != nil {
			return res, err
		}
		res.Frames++
		winFrames++
		if dt := time.Since(lastT).Seconds(); dt >= 0.5 && !a.surf.stepLocked() {
			stats.StepsPerS = float64(winSteps) / dt
			stats.FPS = float64(winFrames) / dt
			winSteps, winFrames, lastT = 0, 0, time.Now()
		}
		if last {
			break
		}
	}
	// Here, not only deferred: the caller reads res.Recordings.
	ctx.Do(func() error { a.stopRecording(&res); return nil })
	if a.surf.stepLocked() && res.RecordErr != nil {
		return res, res.RecordErr // offscreen, the recording is the run
	}
	res.Steps = b.T()
	res.Seconds = time.Since(start).Seconds()
	if res.Seconds > 0 {
		res.FPS = math.Round(float64(res.Frames)/res.Seconds*10) / 10
	}
	res.Measures = m
	return res, nil
}

// open makes the loop's surface: the window's, or an offscreen target.
func (a *app) open(o *LoopOptions) error {
	if o.Window != nil {
		a.surf = newWindowSurface(o.Window, a, o.Screenshot)
		return nil
	}
	t, err := NewTarget(o.Width, o.Height)
	if err != nil {
		return err
	}
	a.surf = offscreenSurface{t}
	return nil
}

// stepsThisFrame is how many steps the next frame runs: stepsPerFrame,
// one after →, none while paused or quitting, and none past maxSteps.
func (a *app) stepsThisFrame(maxSteps int64) int {
	k := 0
	if a.quit {
		k = 0
	} else if !a.paused {
		k = a.stepsPerFrame
	} else if a.stepOnce {
		k = 1
	}
	a.stepOnce = false
	if maxSteps > 0 {
		k = int(min(int64(k), maxSteps-a.b.T()))
	}
	return k
}

// updateNeeds tells a host display which buffers the views on screen
// read, and reports whether that changed: a new need (a view cycled in,
// a cell pinned) is uploaded at once.
func (a *app) updateNeeds() bool {
	needs := a.v.Needs()
	changed := !slices.Equal(needs, a.needs)
	if u, ok := a.d.(backend.Uploader); ok && changed {
		u.UploadAlso(needs)
	}
	a.needs = needs
	return changed
}

// frame draws one frame k steps after the last on the GL thread, hands
// it to a recording and presents it; it reports whether the surface has
// been closed. m holds the newest measures; offscreen, the ones just
// waited for.
func (a *app) frame(k int, changed, last bool, m *cpuref.Measures, st *Stats, o *LoopOptions, res *Result) (closed bool, err error) {
	if k > 0 || changed {
		if err := a.d.Sync(); err != nil {
			return false, err
		}
	}
	if k > 0 {
		a.v.Update()
	}
	if a.surf.stepLocked() {
		a.v.Curve.Add(a.b.T(), m.F1, m.HiddenRate)
	} else {
		a.d.RequestMeasures()
		if mm, t, ok := a.d.PollMeasures(); ok {
			*m = mm
			a.v.Curve.Add(t, m.F1, m.HiddenRate)
		}
	}
	fbW, fbH, scale := a.surf.size()
	if a.v.Camera.Auto && !a.paused {
		a.v.Camera.Yaw += 0.004
	}
	st.Step, st.F1, st.Precision, st.Recall, st.HiddenRate = a.b.T(), m.F1, m.Precision, m.Recall, m.HiddenRate
	st.Paused, st.StepsPerFrame, st.Learn = a.paused, a.stepsPerFrame, a.learn
	st.Status = ""
	if time.Now().Before(a.statusUntil) && !a.surf.stepLocked() { // step-locked frames depend on nothing but the run
		st.Status = a.status
	}
	a.surf.bindDraw()
	if err := a.v.Draw(fbW, fbH, scale, *st); err != nil {
		return false, err
	}
	if err := a.v.DrawCaption(fbW, fbH, scale, o.Caption); err != nil {
		return false, err
	}
	if err := a.recordFrame(o, res, fbW, fbH, k); err != nil {
		return false, err
	}
	err = a.surf.present(last || a.quit, func() error {
		if a.rec == nil {
			return nil
		}
		// After the read-back: the badge is for the presenter, not the
		// recording.
		return a.v.DrawRecording(fbW, fbH, scale, *st, fmt.Sprintf("%d", a.recFrames))
	})
	return a.surf.closed(), err
}

// requests carries out what the keys asked for that touches the
// backend (S, L, R): off the GL thread, where the backend runs.
func (a *app) requests(o *LoopOptions) error {
	if a.paused && len(a.paramReq) > 0 {
		// Paused: apply now, so the header shows it; the next step runs
		// with it.
		for _, c := range a.paramReq {
			c.Step = a.b.T()
			if err := a.apply(c, o); err != nil {
				a.flash(err.Error())
			}
		}
		a.paramReq = nil
	}
	if a.saveReq {
		a.saveReq = false
		if o.Save == nil {
			a.flash("saving is not available")
		} else if path, err := o.Save(); err != nil {
			a.flash("save failed: " + err.Error())
		} else {
			a.flash("saved " + path)
		}
	}
	if a.learnReq {
		a.learnReq = false
		a.b.SetLearn(a.learn)
	}
	if a.reset {
		a.reset = false
		init := o.Initial
		if init == nil {
			init = cpuref.NewState(a.b.Params())
		}
		if err := a.b.Load(init); err != nil {
			return err
		}
		a.ctx.Do(func() error {
			a.d.Reset()
			a.v.Curve.Reset()
			a.v.ResetViews()
			return a.d.Sync()
		})
		if o.Initial != nil && o.Initial.T > 0 {
			a.flash(fmt.Sprintf("network back at step %d", o.Initial.T))
		} else {
			a.flash("network re-initialised")
		}
	}
	return nil
}

// flash shows s in the header for two seconds (in the window).
func (a *app) flash(s string) {
	a.status, a.statusUntil = s, time.Now().Add(2*time.Second)
}
