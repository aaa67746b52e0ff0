package viz

import (
	"fmt"
	"image"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-gl/gl/v4.3-core/gl"
	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/changes"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// LoopOptions configure the frame loop.
type LoopOptions struct {
	// Window, when set, is the surface: the loop handles its input and
	// swaps it. Without it, frames are drawn into an offscreen
	// Width×Height target, each exactly StepsPerFrame steps after the
	// last (step-locked), with measures waited for so a frame does not
	// depend on timing: a recording made headless.
	Window        *glfw.Window
	Width, Height int
	// FPS is an offscreen recording's playback rate: its header shows
	// the video's rates (StepsPerFrame·FPS steps/s, FPS frames/s), not
	// this machine's, so the frames are the same wherever they are made.
	FPS float64
	// Initial is the state R returns to (the loaded checkpoint's, or the
	// initial one).
	Initial *cpuref.State
	// Pointer, when set, is told the cell under the mouse whenever it
	// moves over the input panel (for -env mouse).
	Pointer       func(row, col int)
	StepsPerFrame int
	MaxSteps      int64       // stop at this step count; 0: until closed
	Interrupted   func() bool // polled every frame; true ends the loop
	Renderer      string
	// Screenshot, when set, is a PNG path the last frame is written to
	// when the loop ends (however it ends).
	Screenshot string
	// Save, when set, is called when S is pressed and returns the path
	// of the checkpoint it wrote; the window flashes the result.
	Save func() (string, error)
	// Caption is drawn along the bottom of every frame (-title).
	Caption string
	// StartRecording, when set, lets V record: it is called with the
	// framebuffer size, the step of the first frame and the steps per
	// frame, and returns the recorder and the path it writes.
	StartRecording func(w, h int, firstStep int64, stepsPerFrame int) (Recorder, string, error)
	// RecordAtStart starts a recording with the first frame (-record).
	RecordAtStart bool
	// Snapshot, when set, writes the screenshot P or F12 takes and returns
	// its path; without it, P writes spikecast-<step>.png.
	Snapshot func(img *image.RGBA, step int64) (string, error)
	// Changes are parameter changes to make at given steps (-changes),
	// in step order; the loop runs the steps up to each and applies it,
	// so a run with live changes can be repeated exactly.
	Changes []Change
	// OnChange, when set, is told of every change made (from Changes or
	// a key), after it has taken effect, with the step it applies from.
	OnChange func(Change)
}

// Change is a parameter change at a step (-changes, or a key).
type Change = changes.Change

// applyChange returns p with c's parameter set, validated.
func applyChange(p cpuref.Params, c Change) (cpuref.Params, error) { return changes.Apply(p, c) }

// LiveKeys are the parameters the keys 1–8 lower and raise, each by a
// factor of 1.25.
var LiveKeys = []string{"eta", "eta_out", "sigma_noise", "target_rate"}

// Recorder takes recorded frames; record.Recorder is one.
type Recorder interface {
	WriteFrame(img *image.RGBA) error
	Close() error
}

// Result summarises a run of the loop.
type Result struct {
	Steps       int64 // the step count reached
	Frames      int64 // frames drawn
	Recorded    int64 // frames recorded, over all recordings
	Seconds     float64
	FPS         float64
	Measures    cpuref.Measures
	Interrupted bool
	// Recordings are the files recorded, each finalised; RecordErr is
	// the first recording error (the run goes on without recording).
	Recordings []string
	RecordErr  error
}

// app is the state of the frame loop.
type app struct {
	pointer       func(row, col int)
	ctx           *gpu.Context
	v             *Viz
	b             backend.Backend
	d             backend.Display
	win           *glfw.Window // nil: offscreen
	target        *Target      // offscreen
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
// date, draws the panels, hands the frame to a recording and, in the
// window, handles input and swaps. It runs until the window closes, Esc
// or Q, MaxSteps, Interrupted, or an error.
//
// Loop runs on an ordinary goroutine, not on ctx's thread: the backend
// runs its steps there itself, and the loop's GL work (events, drawing,
// read-back, swap) goes through ctx.Do, a few calls a frame. v draws d's
// buffers; both were made on ctx.
func Loop(ctx *gpu.Context, v *Viz, b backend.Backend, d backend.Display, o LoopOptions) (res Result, err error) {
	a := &app{ctx: ctx, v: v, b: b, d: d, win: o.Window, stepsPerFrame: max(o.StepsPerFrame, 1), learn: true, pointer: o.Pointer}
	a.changes = append([]Change(nil), o.Changes...)
	if a.win != nil {
		ctx.Do(func() error { a.install(); return nil })
		defer ctx.Do(func() error { a.uninstall(); return nil })
	} else {
		if err := ctx.Do(func() (err error) { a.target, err = NewTarget(o.Width, o.Height); return err }); err != nil {
			return res, err
		}
		defer ctx.Do(func() error { a.target.Release(); return nil })
	}
	a.recToggle = o.RecordAtStart && o.StartRecording != nil
	// However the loop ends (Esc, the window closed, a signal, MaxSteps
	// or an error), a recording is finalised so that the file plays.
	// The normal end stops it explicitly too, to report it in res.
	defer ctx.Do(func() error { a.stopRecording(&res); return nil })
	start := time.Now()
	var m cpuref.Measures
	closed := false // the window was closed: read after each frame
	if a.win != nil {
		ctx.Do(func() error { closed = a.win.ShouldClose(); return nil })
	}
	lastT := time.Now()
	var winSteps, winFrames int64
	stats := Stats{N: b.Params().N, Backend: b.Name(), Renderer: o.Renderer, Learn: true, Live: liveText(b.Params())}
	if a.win == nil {
		stats.StepsPerFrame, stats.StepsPerS, stats.FPS = a.stepsPerFrame, float64(a.stepsPerFrame)*o.FPS, o.FPS
	}
	for !a.quit && !closed {
		if o.Interrupted != nil && o.Interrupted() {
			// Finish this frame (a requested screenshot is taken), then stop.
			res.Interrupted = true
			a.quit = true
		}
		if a.win != nil {
			ctx.Do(func() error { glfw.PollEvents(); return nil })
		}
		if err := a.requests(&o); err != nil {
			return res, err
		}
		k := 0
		if a.quit {
			k = 0
		} else if !a.paused {
			k = a.stepsPerFrame
		} else if a.stepOnce {
			k = 1
		}
		a.stepOnce = false
		if o.MaxSteps > 0 {
			k = int(min(int64(k), o.MaxSteps-b.T()))
		}
		if k > 0 {
			if err := a.step(k, &o); err != nil {
				return res, err
			}
			winSteps += int64(k)
		}
		stats.Live = liveText(b.Params())
		// A host display uploads what the views on screen read; a new
		// need (a view cycled in, a cell pinned) is uploaded at once.
		needs := v.Needs()
		changed := !slices.Equal(needs, a.needs)
		if u, ok := d.(backend.Uploader); ok && changed {
			u.UploadAlso(needs)
		}
		a.needs = needs
		last := o.MaxSteps > 0 && b.T() >= o.MaxSteps
		if a.win == nil {
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
		err := ctx.Do(func() error {
			if k > 0 || changed {
				if err := d.Sync(); err != nil {
					return err
				}
			}
			if k > 0 {
				v.Update()
			}
			if a.win == nil {
				v.Curve.Add(b.T(), m.F1, m.HiddenRate)
			} else {
				d.RequestMeasures()
				if mm, t, ok := d.PollMeasures(); ok {
					m = mm
					v.Curve.Add(t, m.F1, m.HiddenRate)
				}
			}
			fbW, fbH, scale := a.size()
			if a.v.Camera.Auto && !a.paused {
				a.v.Camera.Yaw += 0.004
			}
			stats.Step, stats.F1, stats.Precision, stats.Recall, stats.HiddenRate = b.T(), m.F1, m.Precision, m.Recall, m.HiddenRate
			stats.Paused, stats.StepsPerFrame, stats.Learn = a.paused, a.stepsPerFrame, a.learn
			stats.Status = ""
			if time.Now().Before(a.statusUntil) && a.win != nil { // offscreen frames depend on nothing but the run
				stats.Status = a.status
			}
			if a.target != nil {
				a.target.Bind()
			}
			if err := v.Draw(fbW, fbH, scale, stats); err != nil {
				return err
			}
			if err := v.DrawCaption(fbW, fbH, scale, o.Caption); err != nil {
				return err
			}
			if err := a.recordFrame(&o, &res, fbW, fbH, k); err != nil {
				return err
			}
			if a.win == nil {
				return nil
			}
			if o.Screenshot != "" && (last || a.quit || a.win.ShouldClose()) {
				// Read the frame just drawn, before the swap hands the back
				// buffer away.
				gl.ReadBuffer(gl.BACK)
				if err := WritePNG(o.Screenshot, ReadPixels(fbW, fbH)); err != nil {
					return err
				}
				o.Screenshot = ""
			}
			if a.rec != nil {
				// After the read-back: the badge is for the presenter, not
				// the recording.
				if err := v.DrawRecording(fbW, fbH, scale, stats, fmt.Sprintf("%d", a.recFrames)); err != nil {
					return err
				}
			}
			a.win.SwapBuffers()
			closed = a.win.ShouldClose()
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Frames++
		winFrames++
		if dt := time.Since(lastT).Seconds(); dt >= 0.5 && a.win != nil {
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
	if a.win == nil && res.RecordErr != nil {
		return res, res.RecordErr
	}
	res.Steps = b.T()
	res.Seconds = time.Since(start).Seconds()
	if res.Seconds > 0 {
		res.FPS = math.Round(float64(res.Frames)/res.Seconds*10) / 10
	}
	res.Measures = m
	return res, nil
}

// step runs k steps, stopping at each change of -changes (and at each a
// key asked for, at once) to apply it before the step it names.
func (a *app) step(k int, o *LoopOptions) error {
	for k > 0 {
		for len(a.paramReq) > 0 {
			c := a.paramReq[0]
			a.paramReq = a.paramReq[1:]
			c.Step = a.b.T()
			if err := a.apply(c, o); err != nil {
				a.flash(err.Error())
			}
		}
		for len(a.changes) > 0 && a.changes[0].Step <= a.b.T() {
			if err := a.apply(a.changes[0], o); err != nil {
				return err
			}
			a.changes = a.changes[1:]
		}
		j := k
		if len(a.changes) > 0 {
			j = int(min(int64(k), a.changes[0].Step-a.b.T()))
		}
		if err := a.b.Step(j); err != nil {
			return err
		}
		k -= j
	}
	return nil
}

// apply makes change c on the backend and reports it.
func (a *app) apply(c Change, o *LoopOptions) error {
	p, err := applyChange(a.b.Params(), c)
	if err != nil {
		return fmt.Errorf("step %d: %w", c.Step, err)
	}
	if err := a.b.SetParams(p); err != nil {
		return err
	}
	if o.OnChange != nil {
		o.OnChange(c)
	}
	a.flash(fmt.Sprintf("step %d: -%s %s", c.Step, c.Flag, c.Value))
	return nil
}

// liveText is the header's list of the parameters keys change.
func liveText(p cpuref.Params) string {
	var parts []string
	for _, f := range LiveKeys {
		s, _ := cpuref.ParamByFlag(f)
		sym := s.Symbol
		if sym == "" {
			sym = f
		}
		parts = append(parts, fmt.Sprintf("%s %.3g", sym, s.Value(p)))
	}
	return strings.Join(parts, " · ")
}

// nudge asks for parameter LiveKeys[i] times factor from the next step.
func (a *app) nudge(i int, factor float64) {
	if a.rec != nil && a.win == nil {
		return
	}
	f := LiveKeys[i]
	s, _ := cpuref.ParamByFlag(f)
	pending := a.b.Params()
	for _, c := range a.paramReq {
		if q, err := applyChange(pending, c); err == nil {
			pending = q
		}
	}
	old := float64(s.Value(pending).(float32))
	nv := old * factor
	if old == 0 && factor > 1 {
		nv = 0.001
	}
	a.paramReq = append(a.paramReq, Change{Flag: f, Value: strconv.FormatFloat(float64(float32(nv)), 'g', 6, 32)})
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

// size is the framebuffer's size and the UI scale: the window's pixel
// density, or for an offscreen frame 1 at the window's default 1280×800
// and larger for a bigger frame, so that text stays legible in a
// full-HD or 4K video.
func (a *app) size() (w, h int, scale float32) {
	if a.win == nil {
		w, h = a.target.W, a.target.H
		return w, h, max(1, min(float32(w)/1280, float32(h)/800))
	}
	w, h = a.win.GetFramebufferSize()
	ww, _ := a.win.GetSize()
	scale = 1
	if ww > 0 {
		scale = max(float32(w)/float32(ww), 1)
	}
	return w, h, scale
}

// bindRead makes the frame just drawn the source of a read-back: the
// window's back buffer, or the offscreen target.
func (a *app) bindRead() {
	if a.target != nil {
		a.target.Bind()
		return
	}
	gl.BindFramebuffer(gl.READ_FRAMEBUFFER, 0)
	gl.ReadBuffer(gl.BACK)
}

func (a *app) flash(s string) {
	a.status, a.statusUntil = s, time.Now().Add(2*time.Second)
}

func (a *app) install() {
	w := a.win
	w.SetKeyCallback(func(_ *glfw.Window, key glfw.Key, _ int, action glfw.Action, mods glfw.ModifierKey) {
		if action == glfw.Release {
			return
		}
		switch key {
		case glfw.KeySpace:
			if action == glfw.Press {
				a.paused = !a.paused
			}
		case glfw.KeyRight:
			if a.paused {
				a.stepOnce = true
			}
		case glfw.KeyL:
			if action == glfw.Press {
				a.learn = !a.learn
				a.learnReq = true
				a.flash(map[bool]string{true: "learning on", false: "learning off"}[a.learn])
			}
		case glfw.KeyR:
			if action == glfw.Press {
				a.reset = true
			}
		case glfw.KeyC:
			a.v.Camera = DefaultCamera()
		case glfw.KeyTab:
			if action == glfw.Press || action == glfw.Repeat {
				dir := 1
				if mods&glfw.ModShift != 0 {
					dir = -1
				}
				k := a.hoveredSlot()
				w := a.v.CycleView(k, dir)
				a.flash(fmt.Sprintf("panel %d: %s", k+1, viewSpecs[w].title))
			}
		case glfw.KeyF:
			if action == glfw.Press {
				a.v.Follow = !a.v.Follow
				a.flash(map[bool]string{true: "following the dot (when zoomed)", false: "follow off"}[a.v.Follow])
			}
		case glfw.KeyZ:
			a.v.Zoom = FullZoom(a.v.sim.Params.N)
		case glfw.KeyT:
			if action == glfw.Press {
				if a.v.LayoutKind == "talk" {
					a.v.LayoutKind = "four"
				} else {
					a.v.LayoutKind = "talk"
				}
				a.flash("layout " + a.v.LayoutKind)
			}
		case glfw.KeyY:
			if action == glfw.Press {
				a.flash("raster: " + a.v.CycleRasterLayer())
			}
		case glfw.KeyBackspace, glfw.KeyDelete:
			a.v.SetPick(0, 0, false)
		case glfw.KeyH:
			if action == glfw.Press {
				a.v.ShowHelp = !a.v.ShowHelp
			}
		case glfw.KeyV:
			if action == glfw.Press {
				a.recToggle = true
			}
		case glfw.KeyP, glfw.KeyF12:
			if action == glfw.Press {
				a.shot = true
			}
		case glfw.KeyS:
			if action == glfw.Press {
				a.saveReq = true
			}
		case glfw.KeyEscape, glfw.KeyQ:
			a.quit = true
		}
	})
	// Characters, not keys, for + − ?: they sit on different keys (and
	// need shift or not) across layouts, and the keypad sends them too.
	w.SetCharCallback(func(_ *glfw.Window, r rune) {
		switch r {
		case '+', '=':
			a.faster()
		case '-', '_':
			a.slower()
		case '?':
			a.v.ShowHelp = !a.v.ShowHelp
		case '1', '2', '3', '4', '5', '6', '7', '8':
			i := int(r - '1')
			f := 1.25
			if i%2 == 0 {
				f = 1 / 1.25
			}
			a.nudge(i/2, f)
		}
	})
	w.SetMouseButtonCallback(func(_ *glfw.Window, b glfw.MouseButton, action glfw.Action, _ glfw.ModifierKey) {
		if b != glfw.MouseButtonLeft {
			return
		}
		x, y := a.win.GetCursorPos()
		if action == glfw.Press {
			a.lastX, a.lastY, a.pressX, a.pressY, a.moved = x, y, x, y, false
			// Over a 2-D panel a drag pans; elsewhere it orbits the 3-D view.
			slot, _, _, _ := a.cellAt(x, y)
			a.panning, a.dragging = slot >= 0, slot < 0
			return
		}
		if a.panning && !a.moved {
			// A click: pin the cell under it, or unpin it when pinned.
			if _, row, col, ok := a.cellAt(x, y); ok {
				if a.v.Picked && a.v.Pick == [2]int{row, col} {
					a.v.SetPick(0, 0, false)
				} else {
					a.v.SetPick(row, col, true)
				}
			}
		}
		a.panning, a.dragging = false, false
	})
	w.SetCursorPosCallback(func(_ *glfw.Window, x, y float64) {
		a.curX, a.curY = x, y
		if a.pointer != nil {
			a.point(x, y)
		}
		dx, dy := x-a.lastX, y-a.lastY
		if a.panning {
			if math.Abs(x-a.pressX)+math.Abs(y-a.pressY) > 3 {
				a.moved = true
			}
			if a.moved {
				l, s := a.layout()
				if slot := a.hoveredSlot(); slot >= 0 && a.v.Views[slot] != ViewRaster {
					p := l.Panels[slot]
					a.v.Zoom = a.v.Zoom.Pan(float32(dx)*s/p.W, float32(dy)*s/p.H, a.v.sim.Params.N)
				}
				a.lastX, a.lastY = x, y
			}
			return
		}
		if !a.dragging {
			return
		}
		a.lastX, a.lastY = x, y
		c := &a.v.Camera
		c.Auto = false
		c.Yaw -= float32(dx) * 0.008
		c.Pitch = clampf(c.Pitch+float32(dy)*0.008, -1.45, 1.45)
	})
	w.SetScrollCallback(func(_ *glfw.Window, _, dy float64) {
		l, s := a.layout()
		x, y := a.win.GetCursorPos()
		if slot, _, _, _ := a.cellAt(x, y); slot >= 0 && a.v.Views[slot] != ViewRaster {
			// Zoom the 2-D panels about the point under the cursor.
			p := l.Panels[slot]
			fx, fy := (float32(x)*s-p.X)/p.W, (float32(y)*s-p.Y)/p.H
			a.v.Zoom = a.v.Zoom.ZoomAbout(fx, fy, float32(math.Pow(0.8, dy)), a.v.sim.Params.N)
			return
		}
		c := &a.v.Camera
		c.Auto = false
		c.Distance = clampf(c.Distance*float32(math.Pow(0.9, dy)), 0.6, 8)
	})
}

// layout is the window's layout and its UI scale.
func (a *app) layout() (Layout, float32) {
	fbW, fbH := a.win.GetFramebufferSize()
	ww, _ := a.win.GetSize()
	scale := float32(1)
	if ww > 0 {
		scale = max(float32(fbW)/float32(ww), 1)
	}
	return a.v.Layout(fbW, fbH, scale), scale
}

// cellAt is Viz.CellAt at a cursor position in screen coordinates.
func (a *app) cellAt(x, y float64) (slot, row, col int, ok bool) {
	l, s := a.layout()
	return a.v.CellAt(l, float32(x)*s, float32(y)*s)
}

// hoveredSlot is the 2-D panel under the cursor, or the first.
func (a *app) hoveredSlot() int {
	if slot, _, _, _ := a.cellAt(a.curX, a.curY); slot >= 0 {
		return slot
	}
	return 0
}

func (a *app) faster() {
	if a.rec != nil {
		a.flash("steps per frame are fixed while recording")
		return
	}
	a.stepsPerFrame = min(a.stepsPerFrame*2, 1024)
	a.flash(fmt.Sprintf("%d steps per frame", a.stepsPerFrame))
}

func (a *app) slower() {
	if a.rec != nil {
		a.flash("steps per frame are fixed while recording")
		return
	}
	a.stepsPerFrame = max(a.stepsPerFrame/2, 1)
	a.flash(fmt.Sprintf("%d steps per frame", a.stepsPerFrame))
}

func (a *app) uninstall() {
	w := a.win
	w.SetKeyCallback(nil)
	w.SetCharCallback(nil)
	w.SetMouseButtonCallback(nil)
	w.SetCursorPosCallback(nil)
	w.SetScrollCallback(nil)
}

func clampf(v, lo, hi float32) float32 { return min(max(v, lo), hi) }

// recordFrame handles P and V and hands the frame just drawn (k steps
// after the last) to the recording. It runs between Draw and the swap,
// while the back buffer holds the frame.
func (a *app) recordFrame(o *LoopOptions, res *Result, fbW, fbH, k int) error {
	if a.shot {
		a.shot = false
		a.bindRead()
		img := ReadPixels(fbW, fbH)
		path := fmt.Sprintf("spikecast-%d.png", a.b.T())
		var err error
		if o.Snapshot != nil {
			path, err = o.Snapshot(img, a.b.T())
		} else {
			err = WritePNG(path, img)
		}
		if err != nil {
			a.flash("screenshot failed: " + err.Error())
		} else {
			a.flash("screenshot " + path)
		}
	}
	justStarted := false
	if a.recToggle {
		a.recToggle = false
		switch {
		case a.rec != nil:
			a.stopRecording(res)
		case o.StartRecording == nil:
			a.flash("recording is not available")
		default:
			r, path, err := o.StartRecording(fbW, fbH, a.b.T(), a.stepsPerFrame)
			if err != nil {
				a.recordError(res, err)
				if a.win == nil {
					return err
				}
				break
			}
			a.rec, a.recPath, a.recFrames = r, path, 0
			a.rb = NewReadback(fbW, fbH)
			justStarted = true
			a.flash("recording " + path)
		}
	}
	if a.rec == nil {
		return nil
	}
	// Step-locked: only a frame a whole stepsPerFrame after the last is
	// recorded (none while paused or single-stepping), so a clip's time
	// axis is the simulation's.
	if !justStarted && k != a.stepsPerFrame {
		return nil
	}
	if w, h := a.rb.Size(); w != fbW || h != fbH {
		a.stopRecording(res)
		a.flash("window resized: recording stopped")
		return nil
	}
	a.bindRead()
	img, err := a.rb.Push()
	if err != nil {
		return err
	}
	a.recFrames++
	if img != nil {
		if err := a.rec.WriteFrame(img); err != nil {
			a.recordError(res, err)
			a.stopRecording(res)
			if a.win == nil {
				return err // offscreen, the recording is the run
			}
		}
	}
	return nil
}

// stopRecording writes the last frame still in the pixel buffers and
// finalises the file. Safe when nothing is recording.
func (a *app) stopRecording(res *Result) {
	if a.rec == nil {
		return
	}
	rec, rb := a.rec, a.rb
	a.rec, a.rb = nil, nil
	img, err := rb.Flush()
	rb.Release()
	if err == nil && img != nil {
		err = rec.WriteFrame(img)
	}
	if cerr := rec.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		a.recordError(res, err)
		return
	}
	res.Recordings = append(res.Recordings, a.recPath)
	res.Recorded += int64(a.recFrames)
	a.flash(fmt.Sprintf("saved %s (%d frames)", a.recPath, a.recFrames))
}

func (a *app) recordError(res *Result, err error) {
	if res.RecordErr == nil {
		res.RecordErr = err
	}
	a.flash("recording failed: " + err.Error())
}

// point reports the input-panel cell under the cursor at (x, y), in screen
// coordinates, to the Pointer callback.
func (a *app) point(x, y float64) {
	fbW, fbH := a.win.GetFramebufferSize()
	ww, _ := a.win.GetSize()
	scale := float32(1)
	if ww > 0 {
		scale = max(float32(fbW)/float32(ww), 1)
	}
	p := ComputeLayout(fbW, fbH, scale).Panels[PanelInput]
	px, py := float32(x)*scale, float32(y)*scale
	if px < p.X || py < p.Y || px >= p.X+p.W || py >= p.Y+p.H {
		return
	}
	n := float32(a.v.sim.Params.N)
	a.pointer(int((py-p.Y)/p.H*n), int((px-p.X)/p.W*n))
}
