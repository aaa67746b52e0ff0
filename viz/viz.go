// Package viz draws the simulation in the GL context that runs it: four
// panels (input, prediction, error map, and the three layers as a 3-D
// spike scatter), a learning curve and live statistics. Every panel reads
// the simulation's storage buffers directly; nothing n×n is copied to the
// CPU in the frame loop.
//
// Loop (loop.go) drives a surface (surface.go: the window, or an
// offscreen target) a frame at a time. The window's input goes through
// input.go and the one key table in keys.go; live parameter changes are
// in live.go, recording and screenshots in record.go. A frame is laid
// out by layout.go, drawn by Viz (this file, with views.go, scatter.go
// and curve.go) and labelled by hud.go.
package viz

import (
	"math"
	"slices"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/gpu"
)

// Options configure a Viz.
type Options struct {
	// Afterglow is the per-frame fade of a spike in the 3-D panel, in
	// [0, 1): 0 shows the last step's spikes only.
	Afterglow float32
	// Layout is one of Layouts ("" is "four").
	Layout string
	// Views are the 2-D panels' starting views (-panels); missing ones
	// keep the defaults input, prediction, error.
	Views []View
	// Zoom, above 1, starts the 2-D panels zoomed in by that factor and
	// following the dot (-zoom).
	Zoom float32
	// AutoZoom, with Zoom at most 1, starts the 2-D panels zoomed in and
	// following the dot where the whole grid's cells would be under
	// minCellPx pixels (see OpeningZoom): the view a large grid opens on.
	AutoZoom bool
}

// Viz renders a gpu.Sim's buffers. Its methods run on the GL thread.
type Viz struct {
	sim       *gpu.Sim
	opts      Options
	panelProg [3]uint32 // panel.frag for ViewInput, ViewPrediction, ViewError (PANEL_KIND is a #define)
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

	// LayoutKind is the layout (one of Layouts; "" is "four").
	LayoutKind string
	// Views are what the 2-D panels show, in order.
	Views [3]View
	// Zoom is the part of the grid every 2-D panel shows.
	Zoom Zoom
	// Follow keeps the active region (the input frame's dots) in view.
	Follow bool
	// Pick is the inspector's cell (row, col) and whether one is pinned.
	Pick   [2]int
	Picked bool
	// Cell is the hidden cell of each pixel the per-cell views show, or
	// ShowAll: every one, tiled (with K > 1 cells a pixel; see cells.go).
	// Change it with SetCell.
	Cell int

	// opened: the first frame was laid out (the opening zoom is chosen
	// then); autoZoomed: it zoomed in, which the zoom badge says.
	opened, autoZoomed bool

	views   *views
	inspect *inspector
	bar     Rect // scratch: a colour bar's rectangle
}

// New builds the renderer's programs and buffers for sim.
func New(sim *gpu.Sim, opts Options) (*Viz, error) {
	v := &Viz{sim: sim, opts: opts, Camera: DefaultCamera()}
	defs := gpu.SimDefines()
	defs["B_GLOW"] = bindGlow
	defs["B_POINTS"] = bindPoints
	defs["PANEL_INPUT"] = int(ViewInput)
	defs["PANEL_PREDICTION"] = int(ViewPrediction)
	defs["PANEL_ERROR"] = int(ViewError)
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
	if v.scatter, err = newScatter(sim.Params.N, cellsOf(sim.Params), defs, v.lineProg); err != nil {
		v.Release()
		return nil, err
	}
	v.Curve = newCurve()
	if v.views, err = newViews(sim.Params, defs); err != nil {
		v.Release()
		return nil, err
	}
	v.inspect = newInspector(sim.Params)
	v.Cell = v.views.show
	v.Views = [3]View{ViewInput, ViewPrediction, ViewError}
	for k, w := range opts.Views {
		if k < 3 && Available(w, sim.Params) {
			v.Views[k] = w
		}
	}
	v.LayoutKind = opts.Layout
	v.Zoom = FullZoom(sim.Params.N)
	if opts.Zoom > 1 {
		v.Zoom = v.Zoom.ZoomAbout(0.5, 0.5, 1/opts.Zoom, sim.Params.N)
		v.Follow = true
		v.opts.AutoZoom = false
	}
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
	// The rate, last-spike and raster passes run only while a view or the
	// inspector reads them: they cost a pass over the grid a frame.
	shown := v.Views[:v.Layout(1280, 800, 1).Slots]
	if v.Picked || slices.Contains(shown, ViewRate) || slices.Contains(shown, ViewRaster) {
		v.views.update(v.sim.T)
		v.sim.Bind()
	}
}

// ResetViews forgets the rates, last spikes and raster (after R).
func (v *Viz) ResetViews() {
	v.views.reset()
	v.inspect.Info = nil
}

// Layout returns the layout of a w×h framebuffer at a UI scale.
func (v *Viz) Layout(w, h int, scale float32) Layout {
	return ComputeLayoutKind(v.LayoutKind, w, h, scale)
}

// shown lists the views of the panels in use in layout l.
func (v *Viz) shown(l Layout) []View {
	return v.Views[:l.Slots]
}

// Needs lists the simulation buffers the views on screen and the
// inspector read beyond the input, prediction and error panels' (which a
// host display always uploads), so that a host backend's display uploads
// only those.
func (v *Viz) Needs() []gpu.Buffer {
	var out []gpu.Buffer
	add := func(glsl string) {
		if b, ok := gpu.BufferNamed(glsl); ok && !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	for _, k := range v.Views[:v.Layout(1280, 800, 1).Slots] {
		if g := viewSpecs[k].glsl; g != "" {
			add(g)
		}
	}
	if v.Picked {
		for _, g := range []string{"v", "theta", "p", "q", "wIn", "wOut"} {
			add(g)
		}
	}
	return out
}

// Inspected returns the inspector's newest values, or nil.
func (v *Viz) Inspected() *CellInfo { return v.inspect.Info }

// SetPick pins the inspector to cell (row, col), or unpins it (on false).
func (v *Viz) SetPick(row, col int, on bool) {
	v.Pick, v.Picked = [2]int{row, col}, on
	v.inspect.Info = nil
	if on {
		v.views.setRasterRow(row)
	} else {
		v.views.setRasterRow(-1)
	}
}

// CycleRasterLayer shows the next layer in the raster.
func (v *Viz) CycleRasterLayer() string {
	n := 3
	if v.sim.Params.Layer2() == 1 {
		n = 4
	}
	v.views.layer = (v.views.layer + 1) % n
	v.views.listDirty = true // a fresh history for the new layer
	return rasterLayerNames[v.views.layer]
}

// CycleView moves 2-D panel k to the next (dir > 0) or previous view the
// network has.
func (v *Viz) CycleView(k, dir int) View {
	w := v.Views[k]
	for range numViews {
		w = View((int(w) + dir + int(numViews)) % int(numViews))
		if Available(w, v.sim.Params) {
			break
		}
	}
	v.Views[k] = w
	return w
}

// follow moves the zoomed view towards the input frame's lit cells.
func (v *Viz) follow() {
	fr := v.sim.Frame()
	if !v.Follow || len(fr) == 0 || v.Zoom.Span >= float32(v.sim.Params.N) {
		return
	}
	var cx, cy, wsum float32
	for _, r := range fr {
		a := float32((r.R1 - r.R0) * (r.C1 - r.C0))
		cx += a * float32(r.C0+r.C1) / 2
		cy += a * float32(r.R0+r.R1) / 2
		wsum += a
	}
	if wsum == 0 {
		return
	}
	cx, cy = cx/wsum, cy/wsum
	// Keep it inside the middle half: recentre when it leaves.
	z := v.Zoom
	if fx, fy := (cx-z.X)/z.Span, (cy-z.Y)/z.Span; fx < 0.25 || fx > 0.75 || fy < 0.25 || fy > 0.75 {
		v.Zoom = z.Centre(cx, cy, v.sim.Params.N)
	}
}

// CellAt returns the 2-D panel slot and the grid cell under framebuffer
// point (x, y) in layout l, or ok false when it is over no 2-D panel (or
// off the grid). A raster panel gives the cell of the row under it.
func (v *Viz) CellAt(l Layout, x, y float32) (slot, row, col int, ok bool) {
	for k := 0; k < l.Slots; k++ {
		// The panel as drawn: setViewport's whole pixels.
		p := l.Panels[k]
		p = Rect{float32(int32(p.X)), float32(int32(p.Y)), float32(int(p.W)), float32(int(p.H))}
		if x < p.X || y < p.Y || x >= p.X+p.W || y >= p.Y+p.H {
			continue
		}
		fx, fy := (x-p.X)/p.W, (y-p.Y)/p.H
		if v.Views[k] == ViewRaster {
			r, c, ok := v.views.rasterCell(fy)
			return k, r, c, ok
		}
		gc, gr := v.Zoom.At(fx, fy)
		n := float32(v.sim.Params.N)
		if gc < 0 || gr < 0 || gc >= n || gr >= n {
			return k, 0, 0, false
		}
		return k, int(gr), int(gc), true
	}
	return -1, 0, 0, false
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
	l := v.Layout(fbW, fbH, scale)
	t := v.text
	v.openZoom(l)
	v.follow()
	v.inspect.poll()
	if v.Picked {
		v.inspect.request(v.sim, v.views, v.Pick[0], v.Pick[1])
	}
	// The views' colour scales, computed on the GPU before they draw.
	v.views.measure(v.sim, v.shown(l))

	// Backgrounds first, then what the GPU draws, then the text on top.
	// Large solid areas are scissored clears: a software renderer fills
	// them far faster than blended, textured quads.
	for k := 0; k < 4; k++ {
		p := l.Panels[k]
		if k >= l.Slots && k != Slot3D {
			continue
		}
		fillRect(Rect{p.X - 1, p.Y - 1, p.W + 2, p.H + 2}, fbH, [4]float32{0.16, 0.17, 0.21, 1})
		fillRect(p, fbH, panelBg)
	}
	fillRect(l.Curve, fbH, panelBg)
	gl.Disable(gl.SCISSOR_TEST)

	gl.Disable(gl.BLEND)
	gl.BindVertexArray(v.emptyVAO)
	pick := [2]int{-1, -1}
	if v.Picked {
		pick = v.Pick
	}
	for k := 0; k < l.Slots; k++ {
		p := l.Panels[k]
		setViewport(p, fbH)
		w := v.Views[k]
		if viewSpecs[w].kind != kindPanel {
			if err := v.views.draw(v.sim, w, int(p.W), int(p.H), v.Zoom, pick, false); err != nil {
				return err
			}
			if viewSpecs[w].kind != kindRaster {
				if b := v.barRect(l, k, scale); b.W > 0 {
					setViewport(b, fbH)
					if err := v.views.draw(v.sim, w, int(b.W), int(b.H), v.Zoom, pick, true); err != nil {
						return err
					}
				}
			}
			continue
		}
		prog := v.panelProg[w]
		gl.UseProgram(prog)
		gl.Uniform1i(loc(prog, "uN"), int32(v.sim.Params.N))
		gl.Uniform2f(loc(prog, "uPixels"), float32(int(p.W)), float32(int(p.H)))
		gl.Uniform4f(loc(prog, "uView"), v.Zoom.X, v.Zoom.Y, v.Zoom.Span, v.Zoom.Span)
		gl.Uniform2i(loc(prog, "uPick"), int32(pick[1]), int32(pick[0]))
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
	p3 := l.Panels[Slot3D]
	setViewport(p3, fbH)
	if !v.Hide3D {
		v.scatter.draw(v.Camera, p3.W/max(p3.H, 1), int(p3.H))
		if v.Picked {
			v.scatter.drawPick(v.Camera, p3.W/max(p3.H, 1), v.Pick[0], v.Pick[1])
		}
	}
	gl.Viewport(0, 0, int32(fbW), int32(fbH))
	v.Curve.draw(v.lineProg, l.Curve.X+4*scale, l.Curve.Y+18*scale, l.Curve.W-8*scale, l.Curve.H-22*scale, fbW, fbH)

	v.drawText(l, scale, st)
	t.Flush(fbW, fbH)
	return nil
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
	if v.views != nil {
		v.views.release()
		v.views = nil
	}
	if v.inspect != nil {
		v.inspect.release()
		v.inspect = nil
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
