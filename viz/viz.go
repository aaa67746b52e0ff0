// Package viz draws the simulation in the GL context that runs it: four
// panels (input, prediction, error map, and the three layers as a 3-D
// spike scatter), a learning curve and live statistics. Every panel reads
// the simulation's storage buffers directly; nothing n×n is copied to the
// CPU in the frame loop.
package viz

import (
	"fmt"
	"math"
	"strings"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/gpu"
)

// Panel kinds, shared with panel.frag.
const (
	PanelInput = iota
	PanelPrediction
	PanelError
	Panel3D
)

// Stats are the live numbers the window shows.
type Stats struct {
	Step          int64
	StepsPerS     float64
	FPS           float64
	F1            float64
	Precision     float64
	Recall        float64
	HiddenRate    float64
	N             int
	Backend       string
	Renderer      string
	Paused        bool
	StepsPerFrame int
	Learn         bool
	Status        string // a transient message, e.g. "re-initialised"
}

// Rect is a pixel rectangle, origin top-left.
type Rect struct{ X, Y, W, H float32 }

// Layout places the header, the four panels and the learning curve in a
// framebuffer of w×h pixels at a UI scale. The usual landscape window has
// the three 2-D panels across the top and the 3-D panel beside the
// learning curve below; a very wide one has all four panels in a row over
// a curve strip.
type Layout struct {
	Header Rect
	Panels [4]Rect // content areas, 2-D ones square
	Titles [4]Rect // title bar above each panel
	Curve  Rect
}

// ComputeLayout lays out a w×h framebuffer.
func ComputeLayout(w, h int, scale float32) Layout {
	var l Layout
	W, H := float32(w), float32(h)
	pad := 8 * scale
	headerH := 44 * scale
	titleH := 22 * scale
	l.Header = Rect{0, 0, W, headerH}
	top := headerH
	avail := H - top - pad
	square := func(k int, x, y, side float32) {
		l.Titles[k] = Rect{x, y, side, titleH}
		l.Panels[k] = Rect{x, y + titleH, side, side}
	}
	if W/max(avail, 1) > 2.6 {
		// Four across, curve strip below.
		curveH := max(60*scale, avail*0.2)
		colW := (W - pad) / 4
		side := min(colW-pad, avail-curveH-titleH-2*pad)
		for k := 0; k < 3; k++ {
			square(k, pad+float32(k)*colW+(colW-pad-side)/2, top, side)
		}
		x3 := pad + 3*colW
		l.Titles[Panel3D] = Rect{x3, top, colW - pad, titleH}
		l.Panels[Panel3D] = Rect{x3, top + titleH, colW - pad, side}
		l.Curve = Rect{pad, top + titleH + side + pad, W - 2*pad, H - (top + titleH + side + 2*pad)}
		return l
	}
	// Three squares across the top; the 3-D panel and the curve below.
	colW := (W - pad) / 3
	side := max(min(colW-pad, avail*0.46-titleH), 16)
	for k := 0; k < 3; k++ {
		square(k, pad+float32(k)*colW+(colW-pad-side)/2, top, side)
	}
	y2 := top + titleH + side + pad
	h2 := H - y2 - titleH - pad
	w3 := (W - 3*pad) * 0.62
	l.Titles[Panel3D] = Rect{pad, y2, w3, titleH}
	l.Panels[Panel3D] = Rect{pad, y2 + titleH, w3, max(h2, 16)}
	l.Curve = Rect{2*pad + w3, y2 + titleH, W - 3*pad - w3, max(h2, 16)}
	return l
}

// Options configure a Viz.
type Options struct {
	// Afterglow is the per-frame fade of a spike in the 3-D panel, in
	// [0, 1): 0 shows the last step's spikes only.
	Afterglow float32
}

// Viz renders a gpu.Sim's buffers. Its methods run on the GL thread.
type Viz struct {
	sim       *gpu.Sim
	opts      Options
	panelProg [3]uint32 // one per 2-D panel kind (PANEL_KIND is a #define)
	lineProg  uint32
	emptyVAO  uint32
	scatter   *scatter
	text      *Text
	textScale float32
	Curve     *Curve
	Camera    Camera
	ShowHelp  bool
	// Hide3D leaves the 3-D panel empty (to measure what it costs).
	Hide3D bool
}

// New builds the renderer's programs and buffers for sim.
func New(sim *gpu.Sim, opts Options) (*Viz, error) {
	v := &Viz{sim: sim, opts: opts, Camera: DefaultCamera()}
	defs := gpu.SimDefines()
	defs["B_GLOW"] = bindGlow
	defs["B_POINTS"] = bindPoints
	defs["PANEL_INPUT"] = PanelInput
	defs["PANEL_PREDICTION"] = PanelPrediction
	defs["PANEL_ERROR"] = PanelError
	if sim.Params.Frames != "" {
		// A frame source's frames are whole images: the panels and the
		// glow read X and Y from their bit sets instead of rectangles.
		defs["FRAMES"] = 1
	}
	var err error
	// One program per panel kind rather than a uniform: a software
	// renderer runs every side of a branch, so a shared program would read
	// all four buffers at every pixel.
	for k := range v.panelProg {
		defs["PANEL_KIND"] = k
		if v.panelProg[k], err = gpu.NewGraphicsProgram("panel.vert", "panel.frag", defs, ""); err != nil {
			v.Release()
			return nil, err
		}
	}
	delete(defs, "PANEL_KIND")
	if v.lineProg, err = gpu.NewGraphicsProgram("lines.vert", "lines.frag", defs, ""); err != nil {
		v.Release()
		return nil, err
	}
	gl.CreateVertexArrays(1, &v.emptyVAO)
	if v.scatter, err = newScatter(sim.Params.N, defs, v.lineProg); err != nil {
		v.Release()
		return nil, err
	}
	v.Curve = newCurve()
	return v, nil
}

// ensureText (re)builds the font atlas for a UI scale, so text stays sharp
// when the window moves to a screen of another density.
func (v *Viz) ensureText(scale float32) error {
	if v.text != nil && v.textScale == scale {
		return nil
	}
	if v.text != nil {
		v.text.Release()
	}
	t, err := NewText(float64(14 * scale))
	if err != nil {
		return err
	}
	v.text, v.textScale = t, scale
	return nil
}

// Update advances the 3-D panel's afterglow by one frame from the last
// step's buffers. Call it once per drawn frame, after stepping.
func (v *Viz) Update() {
	v.sim.Bind()
	v.scatter.update(v.opts.Afterglow, v.sim.Frame())
}

// PointCount returns how many points the 3-D panel lists (waits for the
// GPU; for tests and benchmarks).
func (v *Viz) PointCount() uint32 { return v.scatter.count() }

// Palette.
var (
	bgColour     = [4]float32{0.035, 0.04, 0.055, 1}
	panelBg      = [4]float32{0.07, 0.078, 0.10, 1}
	titleColour  = [4]float32{0.92, 0.93, 0.96, 1}
	dimColour    = [4]float32{0.60, 0.63, 0.70, 1}
	accentColour = [4]float32{0.45, 0.85, 1.0, 1}
	redColour    = [4]float32{1.00, 0.25, 0.20, 1}
	greenColour  = [4]float32{0.25, 0.92, 0.45, 1}
	blueColour   = [4]float32{0.30, 0.55, 1.00, 1}
	whiteColour  = [4]float32{0.95, 0.95, 0.95, 1}
)

// Draw renders a frame into the current framebuffer of fbW×fbH pixels at
// the given UI scale (framebuffer pixels per screen coordinate).
func (v *Viz) Draw(fbW, fbH int, scale float32, st Stats) error {
	if err := v.ensureText(scale); err != nil {
		return err
	}
	v.sim.Bind()
	gl.BindFramebuffer(gl.DRAW_FRAMEBUFFER, currentFBO())
	gl.Viewport(0, 0, int32(fbW), int32(fbH))
	gl.Disable(gl.DEPTH_TEST)
	gl.ClearColor(bgColour[0], bgColour[1], bgColour[2], 1)
	gl.Clear(gl.COLOR_BUFFER_BIT)
	l := ComputeLayout(fbW, fbH, scale)
	t := v.text

	// Backgrounds first, then what the GPU draws, then the text on top.
	// Large solid areas are scissored clears: a software renderer fills
	// them far faster than blended, textured quads.
	for k := 0; k < 4; k++ {
		p := l.Panels[k]
		fillRect(Rect{p.X - 1, p.Y - 1, p.W + 2, p.H + 2}, fbH, [4]float32{0.16, 0.17, 0.21, 1})
		fillRect(p, fbH, panelBg)
	}
	fillRect(l.Curve, fbH, panelBg)
	gl.Disable(gl.SCISSOR_TEST)

	gl.Disable(gl.BLEND)
	gl.BindVertexArray(v.emptyVAO)
	for k := PanelInput; k <= PanelError; k++ {
		p := l.Panels[k]
		setViewport(p, fbH)
		prog := v.panelProg[k]
		gl.UseProgram(prog)
		gl.Uniform1i(loc(prog, "uN"), int32(v.sim.Params.N))
		gl.Uniform2f(loc(prog, "uPixels"), float32(int(p.W)), float32(int(p.H)))
		// cpuref.Rect is four int32s, the layout of an ivec4.
		frame, target := v.sim.Frame(), v.sim.Target()
		if len(frame) > 0 {
			gl.Uniform4iv(loc(prog, "uFrame"), int32(len(frame)), &frame[0].R0)
		}
		gl.Uniform1i(loc(prog, "uNumFrame"), int32(len(frame)))
		if len(target) > 0 {
			gl.Uniform4iv(loc(prog, "uTargets"), int32(len(target)), &target[0].R0)
		}
		gl.Uniform1i(loc(prog, "uNumTargets"), int32(len(target)))
		gl.DrawArrays(gl.TRIANGLE_STRIP, 0, 4)
	}
	p3 := l.Panels[Panel3D]
	setViewport(p3, fbH)
	if !v.Hide3D {
		v.scatter.draw(v.Camera, p3.W/max(p3.H, 1), int(p3.H))
	}
	gl.Viewport(0, 0, int32(fbW), int32(fbH))
	v.Curve.draw(v.lineProg, l.Curve.X+4*scale, l.Curve.Y+18*scale, l.Curve.W-8*scale, l.Curve.H-22*scale, fbW, fbH)

	v.drawText(l, scale, st)
	t.Flush(fbW, fbH)
	return nil
}

func (v *Viz) drawText(l Layout, scale float32, st Stats) {
	t := v.text
	lh := t.LineHeight()
	h := l.Header
	x := 10 * scale
	t.Add(Bold, "spikecast", x, h.Y+4*scale, accentColour)
	w, _ := t.Measure(Bold, "spikecast ")
	t.Add(Regular, fmt.Sprintf(" n=%d  ·  %s  ·  %s", st.N, st.Backend, st.Renderer), x+w, h.Y+4*scale, dimColour)
	state := "running"
	if st.Paused {
		state = "paused"
	}
	learn := "learning on"
	if !st.Learn {
		learn = "learning OFF"
	}
	line := fmt.Sprintf("step %-8d %7.0f steps/s %5.1f fps   F1 %.3f   precision %.3f   recall %.3f   hidden rate %.3f%%   %s · %d step/frame · %s",
		st.Step, st.StepsPerS, st.FPS, st.F1, st.Precision, st.Recall, 100*st.HiddenRate, state, st.StepsPerFrame, learn)
	if w, _ := t.Measure(Mono, line); w > h.W-2*x {
		// A narrow window gets the short form.
		line = fmt.Sprintf("step %d  %.0f st/s  %.0f fps  F1 %.3f  P %.2f  R %.2f  rate %.2f%%  %s", st.Step, st.StepsPerS, st.FPS,
			st.F1, st.Precision, st.Recall, 100*st.HiddenRate, state)
	}
	t.Add(Mono, line, x, h.Y+4*scale+lh, titleColour)
	if st.Status != "" {
		sw, _ := t.Measure(Regular, st.Status)
		t.Add(Regular, st.Status, h.W-sw-10*scale, h.Y+4*scale, accentColour)
	}

	titles := [4]string{"Input X(t)", "Prediction ŷ(t)", "Error y − ŷ", "Spikes in 3-D"}
	for k := 0; k < 4; k++ {
		r := l.Titles[k]
		t.Add(Bold, titles[k], r.X, r.Y+3*scale, titleColour)
	}
	// Legends, right-aligned in the title bars.
	legend := func(k int, items ...any) {
		r := l.Titles[k]
		var total float32
		for i := 0; i < len(items); i += 2 {
			w, _ := t.Measure(Regular, items[i].(string))
			total += lh*0.8 + w + 10*scale
		}
		lx := r.X + r.W - total
		// A narrow panel has no room beside its title; the legend would
		// be printed over it.
		if tw, _ := t.Measure(Bold, titles[k]); lx < r.X+tw+6*scale {
			return
		}
		for i := 0; i < len(items); i += 2 {
			label, c := items[i].(string), items[i+1].([4]float32)
			t.Rect(lx, r.Y+lh*0.35, lh*0.55, lh*0.55, c)
			lx += lh * 0.8
			t.Add(Regular, label, lx, r.Y+3*scale, dimColour)
			w, _ := t.Measure(Regular, label)
			lx += w + 10*scale
		}
	}
	legend(PanelInput, "dot", redColour)
	legend(PanelPrediction, "ŷ", greenColour, "X(t+1)", whiteColour)
	legend(PanelError, "miss", redColour, "false alarm", blueColour)
	legend(Panel3D, "input", redColour, "hidden", blueColour, "output", greenColour)

	c := l.Curve
	t.Add(Regular, "learning curve", c.X+6*scale, c.Y+2*scale, dimColour)
	lw, _ := t.Measure(Regular, "learning curve   ")
	t.Add(Regular, "F1", c.X+6*scale+lw, c.Y+2*scale, greenColour)
	fw, _ := t.Measure(Regular, "F1   ")
	rate := fmt.Sprintf("hidden rate (top = %.2f%%)", 100*v.Curve.maxRate())
	t.Add(Regular, rate, c.X+6*scale+lw+fw, c.Y+2*scale, blueColour)
	rw, _ := t.Measure(Regular, rate)
	if n := len(v.Curve.Steps); n > 0 {
		s := fmt.Sprintf("step %d", v.Curve.Steps[n-1])
		sw, _ := t.Measure(Regular, s)
		// Only where it clears the labels on the left: a narrow curve
		// would print it over them.
		if x := c.X + c.W - sw - 6*scale; x >= c.X+6*scale+lw+fw+rw+10*scale {
			t.Add(Regular, s, x, c.Y+2*scale, dimColour)
		}
	}
	t.Add(Regular, "H: help", l.Panels[Panel3D].X+6*scale, l.Panels[Panel3D].Y+l.Panels[Panel3D].H-lh-4*scale, dimColour)

	if v.ShowHelp {
		v.drawHelp(l, scale)
	}
}

// Keys lists every key the window answers to, for the help overlay.
var Keys = [][2]string{
	{"space", "pause / resume"},
	{"→", "one step while paused"},
	{"+ / −", "more / fewer steps per frame"},
	{"L", "learning on / off"},
	{"R", "re-initialise the network"},
	{"C", "reset the camera"},
	{"drag", "orbit the 3-D view"},
	{"scroll", "zoom the 3-D view"},
	{"V", "start / stop recording (-record, or a new .mp4)"},
	{"P or F12", "save a PNG screenshot"},
	{"S", "save a checkpoint (-save, or a new .ckpt)"},
	{"H or ?", "this help"},
	{"Esc or Q", "quit"},
}

func (v *Viz) drawHelp(l Layout, scale float32) {
	t := v.text
	lh := t.LineHeight()
	var keyW, descW float32
	for _, k := range Keys {
		w, _ := t.Measure(Bold, k[0])
		keyW = max(keyW, w)
		w, _ = t.Measure(Regular, k[1])
		descW = max(descW, w)
	}
	w := keyW + descW + 60*scale
	h := float32(len(Keys)+2)*lh + 20*scale
	fw := l.Header.W
	x := (fw - w) / 2
	y := l.Header.H + 40*scale
	t.Rect(x-2, y-2, w+4, h+4, accentColour)
	t.Rect(x, y, w, h, [4]float32{0.05, 0.06, 0.08, 0.96})
	t.Add(Bold, "Keys", x+20*scale, y+10*scale, accentColour)
	for i, k := range Keys {
		ry := y + 10*scale + float32(i+1)*lh + lh*0.5
		t.Add(Bold, k[0], x+20*scale, ry, titleColour)
		t.Add(Regular, k[1], x+40*scale+keyW, ry, dimColour)
	}
}

// setViewport sets the GL viewport to a top-left-origin rectangle.
// fillRect paints r (layout pixels, y down) in an opaque colour with a
// scissored clear, covering the pixels whose centres lie inside r, as a
// rasterised quad would. It leaves the scissor test on.
func fillRect(r Rect, fbH int, rgba [4]float32) {
	x0, x1 := int32(math.Ceil(float64(r.X)-0.5)), int32(math.Ceil(float64(r.X+r.W)-0.5))
	y0, y1 := int32(math.Ceil(float64(r.Y)-0.5)), int32(math.Ceil(float64(r.Y+r.H)-0.5))
	if x1 <= x0 || y1 <= y0 {
		return
	}
	gl.Enable(gl.SCISSOR_TEST)
	gl.Scissor(x0, int32(fbH)-y1, x1-x0, y1-y0)
	gl.ClearColor(rgba[0], rgba[1], rgba[2], rgba[3])
	gl.Clear(gl.COLOR_BUFFER_BIT)
}

func setViewport(r Rect, fbH int) {
	gl.Viewport(int32(r.X), int32(float32(fbH)-r.Y-float32(int(r.H))), int32(r.W), int32(r.H))
}

// currentFBO returns the bound draw framebuffer, so Draw renders wherever
// the caller pointed it (the window, or an offscreen target in tests).
func currentFBO() uint32 {
	var id int32
	gl.GetIntegerv(gl.DRAW_FRAMEBUFFER_BINDING, &id)
	return uint32(id)
}

// Release deletes everything New made. Safe to call twice.
func (v *Viz) Release() {
	if v.scatter != nil {
		v.scatter.release()
	}
	if v.Curve != nil {
		v.Curve.release()
	}
	if v.text != nil {
		v.text.Release()
		v.text = nil
	}
	for _, p := range []*uint32{&v.panelProg[0], &v.panelProg[1], &v.panelProg[2], &v.lineProg} {
		if *p != 0 {
			gl.DeleteProgram(*p)
			*p = 0
		}
	}
	if v.emptyVAO != 0 {
		gl.DeleteVertexArrays(1, &v.emptyVAO)
		v.emptyVAO = 0
	}
}

var _ = strings.TrimSpace
