package viz

import (
	"fmt"
	"image"
	"math"
	"time"

	"github.com/go-gl/gl/v4.3-core/gl"
	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/spikecast/spikecast/backend"
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
}

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
	stats := Stats{N: b.Params().N, Backend: b.Name(), Renderer: o.Renderer, Learn: true}
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
			if err := b.Step(k); err != nil {
				return res, err
			}
			winSteps += int64(k)
		}
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
			if k > 0 {
				if err := d.Sync(); err != nil {
					return err
				}
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

// requests carries out what the keys asked for that touches the
// backend (S, L, R): off the GL thread, where the backend runs.
func (a *app) requests(o *LoopOptions) error {
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
		}
	})
	w.SetMouseButtonCallback(func(_ *glfw.Window, b glfw.MouseButton, action glfw.Action, _ glfw.ModifierKey) {
		if b == glfw.MouseButtonLeft {
			a.dragging = action == glfw.Press
			a.lastX, a.lastY = a.win.GetCursorPos()
		}
	})
	w.SetCursorPosCallback(func(_ *glfw.Window, x, y float64) {
		if a.pointer != nil {
			a.point(x, y)
		}
		if !a.dragging {
			return
		}
		dx, dy := x-a.lastX, y-a.lastY
		a.lastX, a.lastY = x, y
		c := &a.v.Camera
		c.Auto = false
		c.Yaw -= float32(dx) * 0.008
		c.Pitch = clampf(c.Pitch+float32(dy)*0.008, -1.45, 1.45)
	})
	w.SetScrollCallback(func(_ *glfw.Window, _, dy float64) {
		c := &a.v.Camera
		c.Auto = false
		c.Distance = clampf(c.Distance*float32(math.Pow(0.9, dy)), 0.6, 8)
	})
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
