// Package viz draws the simulation in the GL context that runs it: four
// panels (input, prediction, error map, and the three layers as a 3-D
// spike scatter), a learning curve and live statistics. Every panel reads
// the simulation's storage buffers directly; nothing n×n is copied to the
// CPU in the frame loop.
package viz

import (
	"fmt"
	"math"
	"slices"
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
	// Live lists the parameters that keys change while it runs, e.g.
	// "η 0.01 · η_out 0.05 · σ 0.005 · r* 0.1" (empty: not shown).
	Live string
}

// Rect is a pixel rectangle, origin top-left.
type Rect struct{ X, Y, W, H float32 }

// Layout places the header, the panels and the learning curve in a
// framebuffer of w×h pixels at a UI scale. Panels[0..Slots) are the 2-D
// panels (square); Panels[Panel3D] is the 3-D one. A panel beyond Slots
// is empty (zero size).
type Layout struct {
	Header Rect
	Panels [4]Rect // content areas, 2-D ones square
	Titles [4]Rect // title bar above each panel
	Curve  Rect
	Slots  int // 2-D panels in use: 3 in "four", 1 in "talk"
}

// Layouts are the -layout values: "four", the three 2-D panels and the
// 3-D one with the curve; "talk", one large 2-D panel beside the 3-D
// scatter, for a projector.
var Layouts = []string{"four", "talk"}

// ComputeLayout lays out a w×h framebuffer in the "four" layout.
func ComputeLayout(w, h int, scale float32) Layout {
	return ComputeLayoutKind("four", w, h, scale)
}

// ComputeLayoutKind lays out a w×h framebuffer in the named layout (an
// unknown name is "four"). In "four" the usual landscape window has the
// three 2-D panels across the top, as wide as the columns allow, and the
// 3-D panel beside the learning curve below; a very wide one has all four
// panels in a row over a curve strip.
func ComputeLayoutKind(kind string, w, h int, scale float32) Layout {
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
	if kind == "talk" {
		// One square as tall as the window allows (but leaving the 3-D
		// panel at least a third of the width), the 3-D panel filling
		// the column beside it over a short curve.
		l.Slots = 1
		side := max(min(avail-titleH, (W-3*pad)*0.62), 16)
		square(0, pad, top, side)
		x3 := 2*pad + side
		w3 := max(W-x3-pad, 16)
		curveH := max(70*scale, avail*0.22)
		h3 := max(avail-curveH-titleH-pad, 16)
		l.Titles[Panel3D] = Rect{x3, top, w3, titleH}
		l.Panels[Panel3D] = Rect{x3, top + titleH, w3, h3}
		l.Curve = Rect{x3, top + titleH + h3 + pad, w3, max(avail-titleH-h3-pad, 16)}
		return l
	}
	l.Slots = 3
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
	// Three squares across the top, as wide as their columns so that a
	// 16:9 window has no gutters, leaving the 3-D panel and the curve
	// below at least a third of the height; the 3-D panel and the curve
	// below.
	colW := (W - pad) / 3
	side := max(min(colW-pad, avail*0.66-titleH), 16)
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
	// Layout is one of Layouts ("" is "four").
	Layout string
	// Views are the 2-D panels' starting views (-panels); missing ones
	// keep the defaults input, prediction, error.
	Views []View
	// Zoom, above 1, starts the 2-D panels zoomed in by that factor and
	// following the dot (-zoom).
	Zoom float32
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
	if v.views, err = newViews(sim.Params, defs); err != nil {
		v.Release()
		return nil, err
	}
	v.inspect = newInspector(sim.Params)
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
		if k >= l.Slots && k != Panel3D {
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
	p3 := l.Panels[Panel3D]
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

func (v *Viz) drawText(l Layout, scale float32, st Stats) {
	t := v.text
	lh := t.LineHeight()
	h := l.Header
	x := 10 * scale
	t.Add(Bold, "spikecast", x, h.Y+4*scale, accentColour)
	w, _ := t.Measure(Bold, "spikecast ")
	head := fmt.Sprintf(" n=%d  ·  %s  ·  %s", st.N, st.Backend, st.Renderer)
	t.Add(Regular, head, x+w, h.Y+4*scale, dimColour)
	if st.Live != "" {
		hw, _ := t.Measure(Regular, head+"   ")
		t.Add(Regular, st.Live, x+w+hw, h.Y+4*scale, accentColour)
	}
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

	var titles [4]string
	for k := 0; k < l.Slots; k++ {
		titles[k] = v.title(k)
	}
	titles[Panel3D] = "Spikes in 3-D"
	for k := 0; k < 4; k++ {
		if k >= l.Slots && k != Panel3D {
			continue
		}
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
	for k := 0; k < l.Slots; k++ {
		switch w := v.Views[k]; w {
		case ViewInput:
			legend(k, "dot", redColour)
		case ViewPrediction:
			legend(k, "ŷ", greenColour, "X(t+1)", whiteColour)
		case ViewError:
			legend(k, "miss", redColour, "false alarm", blueColour)
		case ViewRaster:
			legend(k, fmt.Sprintf("%d frames →", rasterCols), dimColour)
		default:
			// The colour bar's scale: 0 (or −max) to max, read back a
			// frame late.
			if b := v.barRect(l, k, scale); b.W > 0 {
				m := v.views.Scale[w]
				lo := "0"
				if viewSpecs[w].signed {
					lo = "−" + short(m)
				}
				lw, _ := t.Measure(Regular, lo)
				t.Add(Regular, lo, b.X-lw-4*scale, l.Titles[k].Y+3*scale, dimColour)
				t.Add(Regular, short(m), b.X+b.W+4*scale, l.Titles[k].Y+3*scale, dimColour)
			}
		}
		if v.Zoom.Span < float32(v.sim.Params.N) && v.Views[k] != ViewRaster {
			p := l.Panels[k]
			z := fmt.Sprintf("zoom ×%.1f", float32(v.sim.Params.N)/v.Zoom.Span)
			if v.Follow {
				z += " · following"
			}
			zw, _ := t.Measure(Regular, z)
			t.Rect(p.X+2*scale, p.Y+p.H-lh-6*scale, zw+8*scale, lh+4*scale, [4]float32{0.03, 0.035, 0.045, 0.85})
			t.Add(Regular, z, p.X+6*scale, p.Y+p.H-lh-4*scale, dimColour)
		}
	}
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

	if v.Picked {
		v.drawInspector(l, scale)
	}
	if v.ShowHelp {
		v.drawHelp(l, scale)
	}
}

// title is 2-D panel k's title.
func (v *Viz) title(k int) string {
	w := v.Views[k]
	if w != ViewRaster {
		return viewSpecs[w].title
	}
	what := fmt.Sprintf("%d cells", v.views.rows)
	switch {
	case v.views.rowOf >= 0:
		what = fmt.Sprintf("row %d", v.views.rowOf)
	case v.views.rows < v.sim.Params.N*v.sim.Params.N:
		what = fmt.Sprintf("%d sampled cells", v.views.rows)
	}
	return fmt.Sprintf("Raster · %s · %s", rasterLayerNames[v.views.layer], what)
}

// barRect is the colour bar of 2-D panel k in its title bar, right of the
// title and left of the scale's upper label; zero when it does not fit.
func (v *Viz) barRect(l Layout, k int, scale float32) Rect {
	r := l.Titles[k]
	t := v.text
	tw, _ := t.Measure(Bold, v.title(k))
	labelW, _ := t.Measure(Regular, "−0.000")
	barW := min(90*scale, r.W*0.25)
	x := r.X + r.W - labelW - barW
	if x-labelW < r.X+tw+8*scale {
		return Rect{}
	}
	return Rect{float32(int(x)), float32(int(r.Y + r.H*0.3)), float32(int(barW)), float32(int(max(r.H*0.4, 4)))}
}

// short formats a colour scale's end in at most 5 characters or so.
func short(x float32) string {
	switch {
	case x == 0:
		return "0"
	case x >= 100 || x < 0.001:
		return fmt.Sprintf("%.0e", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.3g", x)
}

// drawInspector draws the pinned cell's values in a box at the top of
// the 3-D panel: the cell's values, its W_in and its W_out window side by
// side, moved left over the curve when the panel is too narrow.
func (v *Viz) drawInspector(l Layout, scale float32) {
	t := v.text
	lh := t.LineHeight()
	cols := [][]string{{fmt.Sprintf("cell row %d, col %d: reading…", v.Pick[0], v.Pick[1])}}
	if c := v.inspect.Info; c != nil && c.Row == v.Pick[0] && c.Col == v.Pick[1] {
		cols = c.columns()
	}
	gapW := 18 * scale
	var w float32
	rows := 0
	widths := make([]float32, len(cols))
	for i, col := range cols {
		for _, s := range col {
			sw, _ := t.Measure(Mono, s)
			widths[i] = max(widths[i], sw)
		}
		w += widths[i] + gapW
		rows = max(rows, len(col))
	}
	w += 16*scale - gapW
	h := float32(rows)*lh + 12*scale
	p := l.Panels[Panel3D]
	x := max(6*scale, min(p.X+p.W-w-6*scale, l.Header.W-w-6*scale))
	y := p.Y + 6*scale
	t.Rect(x-1, y-1, w+2, h+2, [4]float32{1, 0.85, 0.2, 0.9})
	t.Rect(x, y, w, h, [4]float32{0.04, 0.045, 0.06, 0.92})
	cx := x + 8*scale
	for i, col := range cols {
		for j, s := range col {
			c := titleColour
			if j == 0 && i > 0 {
				c = dimColour
			}
			t.Add(Mono, s, cx, y+6*scale+float32(j)*lh, c)
		}
		cx += widths[i] + gapW
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
	{"drag", "3-D: orbit · 2-D panels: pan (all together)"},
	{"scroll", "3-D: zoom · 2-D panels: zoom about the pointer"},
	{"click", "pin / unpin the inspector on a cell (any 2-D panel)"},
	{"Backspace", "unpin the inspector"},
	{"Tab / Shift+Tab", "next / previous view in the panel under the pointer"},
	{"", "input prediction error win wout wrec w12 theta v p q rate raster"},
	{"Y", "raster layer: input, hidden, output (hidden 2)"},
	{"Z", "zoom out to the whole grid"},
	{"F", "follow the dot while zoomed"},
	{"T", "layout: four / talk"},
	{"1 2 / 3 4", "η down / up  ·  η_out down / up (×1.25)"},
	{"5 6 / 7 8", "σ down / up  ·  target rate down / up"},
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
	fw := l.Header.W
	y := l.Header.H + 40*scale
	// One column, or two where one would run off the bottom.
	cols := 1
	fh := max(l.Curve.Y+l.Curve.H, l.Panels[Panel3D].Y+l.Panels[Panel3D].H)
	if float32(len(Keys)+2)*lh+20*scale > fh-y {
		cols = 2
		y = l.Panels[0].Y + 4*scale // below the title bars: their text is drawn after boxes

	}
	perCol := (len(Keys) + cols - 1) / cols
	colW := keyW + descW + 40*scale
	w := float32(cols)*colW + 20*scale
	h := float32(perCol+2)*lh + 20*scale
	x := max((fw-w)/2, 4*scale)
	t.Rect(x-2, y-2, w+4, h+4, accentColour)
	t.Rect(x, y, w, h, [4]float32{0.05, 0.06, 0.08, 0.96})
	t.Add(Bold, "Keys", x+20*scale, y+10*scale, accentColour)
	for i, k := range Keys {
		c, r := i/perCol, i%perCol
		cx := x + 20*scale + float32(c)*colW
		ry := y + 10*scale + float32(r+1)*lh + lh*0.5
		t.Add(Bold, k[0], cx, ry, titleColour)
		t.Add(Regular, k[1], cx+20*scale+keyW, ry, dimColour)
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

var _ = strings.TrimSpace
