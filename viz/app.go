package viz

import (
	"fmt"
	"image"
	"math"
	"time"

	"github.com/go-gl/gl/v4.3-core/gl"
	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// Backend is the simulation behind the window. Its methods run on the GL
// thread. After Step, the gpu.Sim given to New holds the last step's
// buffers.
type Backend interface {
	Step(k int) error
	// RequestMeasures asks for the measures without waiting; Measures
	// returns the newest that have arrived, their step, and whether they
	// are new.
	RequestMeasures()
	Measures() (cpuref.Measures, int64, bool)
	Reset() error
	SetLearn(on bool)
	Steps() int64
	Name() string
}

// GPUBackend runs the compute shaders.
type GPUBackend struct {
	Sim    *gpu.Sim
	reader *gpu.MeasureReader
}

// NewGPUBackend wraps sim. Run on the GL thread.
func NewGPUBackend(sim *gpu.Sim) *GPUBackend {
	return &GPUBackend{Sim: sim, reader: gpu.NewMeasureReader()}
}

func (g *GPUBackend) Step(k int) error { return g.Sim.Run(k) }
func (g *GPUBackend) RequestMeasures() { g.reader.Request(g.Sim) }
func (g *GPUBackend) Measures() (cpuref.Measures, int64, bool) {
	return g.reader.Poll()
}
func (g *GPUBackend) Reset() error {
	g.reader.Release()
	g.reader = gpu.NewMeasureReader()
	return g.Sim.Load(cpuref.NewState(g.Sim.P))
}
func (g *GPUBackend) SetLearn(on bool) { g.Sim.Learn = on }
func (g *GPUBackend) Steps() int64     { return g.Sim.T }
func (g *GPUBackend) Name() string     { return "gpu" }

// Release frees the measure reader (not the Sim).
func (g *GPUBackend) Release() { g.reader.Release() }

// CPUBackend runs the Go reference and uploads the buffers the panels draw
// into Mirror after each batch of steps: the one upload in the frame loop.
type CPUBackend struct {
	Ref    *cpuref.Sim
	Mirror *gpu.Sim
}

func (c *CPUBackend) Step(k int) error {
	for range k {
		c.Ref.Step()
	}
	return c.Mirror.LoadDisplay(c.Ref.State, c.Ref.Frame(), c.Ref.Target())
}
func (c *CPUBackend) RequestMeasures() {}
func (c *CPUBackend) Measures() (cpuref.Measures, int64, bool) {
	return c.Ref.Measures(), c.Ref.State.T, true
}
func (c *CPUBackend) Reset() error {
	c.Ref.State = cpuref.NewState(c.Ref.P)
	return c.Mirror.LoadDisplay(c.Ref.State, c.Ref.Frame(), c.Ref.Target())
}
func (c *CPUBackend) SetLearn(on bool) { c.Ref.Learn = on }
func (c *CPUBackend) Steps() int64     { return c.Ref.State.T }
func (c *CPUBackend) Name() string     { return "cpu" }

// AppOptions configure the interactive loop.
type AppOptions struct {
	// Pointer, when set, is told the cell under the mouse whenever it
	// moves over the input panel (for -env mouse).
	Pointer       func(row, col int)
	StepsPerFrame int
	MaxSteps      int64       // stop after this many steps; 0: until closed
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

// Result summarises an interactive run.
type Result struct {
	Steps       int64
	Frames      int64
	Seconds     float64
	FPS         float64
	Measures    cpuref.Measures
	Interrupted bool
	// Recordings are the files recorded, each finalised; RecordErr is
	// the first recording error (the run goes on without recording).
	Recordings []string
	RecordErr  error
}

// app is the state of the interactive loop.
type app struct {
	pointer       func(row, col int)
	v             *Viz
	b             Backend
	win           *glfw.Window
	paused        bool
	stepOnce      bool
	stepsPerFrame int
	learn         bool
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

// Run shows the window and runs the simulation until the window closes,
// Esc or Q, MaxSteps, or Interrupted. It runs on the GL thread.
func Run(ctx *gpu.Context, v *Viz, b Backend, o AppOptions) (Result, error) {
	if ctx.Window == nil {
		// An EGL context has no window to show, read or swap.
		return Result{}, fmt.Errorf("viz: the window needs a context with a window (gpu.NewContext), not a %s one", ctx.GL)
	}
	a := &app{v: v, b: b, win: ctx.Window, stepsPerFrame: max(o.StepsPerFrame, 1), learn: true, pointer: o.Pointer}
	a.install()
	defer a.uninstall()

	var res Result
	a.recToggle = o.RecordAtStart && o.StartRecording != nil
	// However the loop ends (Esc, the window closed, a signal, MaxSteps
	// or an error), a recording is finalised so that the file plays.
	// The normal end stops it explicitly too, to report it in res.
	defer a.stopRecording(&res)
	start := time.Now()
	var m cpuref.Measures
	lastT := time.Now()
	var winSteps, winFrames int64
	stats := Stats{N: v.sim.P.N, Backend: b.Name(), Renderer: o.Renderer, Learn: true}
	for !a.win.ShouldClose() && !a.quit {
		if o.Interrupted != nil && o.Interrupted() {
			// Finish this frame (a requested screenshot is taken), then stop.
			res.Interrupted = true
			a.quit = true
		}
		glfw.PollEvents()
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
		if a.reset {
			a.reset = false
			if err := b.Reset(); err != nil {
				return res, err
			}
			v.Curve.Reset()
			a.flash("network re-initialised")
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
			k = int(min(int64(k), o.MaxSteps-b.Steps()))
		}
		if k > 0 {
			if err := b.Step(k); err != nil {
				return res, err
			}
			v.Update()
			winSteps += int64(k)
		}
		b.RequestMeasures()
		if mm, t, ok := b.Measures(); ok {
			m = mm
			v.Curve.Add(t, m.F1, m.HiddenRate)
		}

		fbW, fbH := a.win.GetFramebufferSize()
		ww, _ := a.win.GetSize()
		scale := float32(1)
		if ww > 0 {
			scale = max(float32(fbW)/float32(ww), 1)
		}
		if a.v.Camera.Auto && !a.paused {
			a.v.Camera.Yaw += 0.004
		}
		stats.Step, stats.F1, stats.Precision, stats.Recall, stats.HiddenRate = b.Steps(), m.F1, m.Precision, m.Recall, m.HiddenRate
		stats.Paused, stats.StepsPerFrame, stats.Learn = a.paused, a.stepsPerFrame, a.learn
		stats.Status = ""
		if time.Now().Before(a.statusUntil) {
			stats.Status = a.status
		}
		if err := v.Draw(fbW, fbH, scale, stats); err != nil {
			return res, err
		}
		if err := v.DrawCaption(fbW, fbH, scale, o.Caption); err != nil {
			return res, err
		}
		if err := a.recordFrame(&o, &res, fbW, fbH, k); err != nil {
			return res, err
		}
		last := o.MaxSteps > 0 && b.Steps() >= o.MaxSteps
		if o.Screenshot != "" && (last || a.quit || a.win.ShouldClose()) {
			// Read the frame just drawn, before the swap hands the back
			// buffer away.
			gl.ReadBuffer(gl.BACK)
			if err := WritePNG(o.Screenshot, ReadPixels(fbW, fbH)); err != nil {
				return res, err
			}
			o.Screenshot = ""
		}
		if a.rec != nil {
			// After the read-back: the badge is for the presenter, not
			// the recording.
			if err := v.DrawRecording(fbW, fbH, scale, stats, fmt.Sprintf("%d", a.recFrames)); err != nil {
				return res, err
			}
		}
		a.win.SwapBuffers()
		res.Frames++
		winFrames++
		if dt := time.Since(lastT).Seconds(); dt >= 0.5 {
			stats.StepsPerS = float64(winSteps) / dt
			stats.FPS = float64(winFrames) / dt
			winSteps, winFrames, lastT = 0, 0, time.Now()
		}
		if o.MaxSteps > 0 && b.Steps() >= o.MaxSteps {
			break
		}
	}
	a.stopRecording(&res) // here, not only deferred: the caller reads res.Recordings
	res.Steps = b.Steps()
	res.Seconds = time.Since(start).Seconds()
	if res.Seconds > 0 {
		res.FPS = math.Round(float64(res.Frames)/res.Seconds*10) / 10
	}
	res.Measures = m
	return res, nil
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
				a.b.SetLearn(a.learn)
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
func (a *app) recordFrame(o *AppOptions, res *Result, fbW, fbH, k int) error {
	if a.shot {
		a.shot = false
		gl.BindFramebuffer(gl.READ_FRAMEBUFFER, 0)
		gl.ReadBuffer(gl.BACK)
		img := ReadPixels(fbW, fbH)
		path := fmt.Sprintf("spikecast-%d.png", a.b.Steps())
		var err error
		if o.Snapshot != nil {
			path, err = o.Snapshot(img, a.b.Steps())
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
			r, path, err := o.StartRecording(fbW, fbH, a.b.Steps(), a.stepsPerFrame)
			if err != nil {
				a.recordError(res, err)
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
	gl.BindFramebuffer(gl.READ_FRAMEBUFFER, 0)
	gl.ReadBuffer(gl.BACK)
	img, err := a.rb.Push()
	if err != nil {
		return err
	}
	a.recFrames++
	if img != nil {
		if err := a.rec.WriteFrame(img); err != nil {
			a.recordError(res, err)
			a.stopRecording(res)
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
	n := float32(a.v.sim.P.N)
	a.pointer(int((py-p.Y)/p.H*n), int((px-p.X)/p.W*n))
}
