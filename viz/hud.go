package viz

import (
	"fmt"
	"strings"
	"time"

	"github.com/spikecast/spikecast/cpuref"
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

// drawText queues every piece of text (and the boxes behind it) for a
// frame: the header, the panels' titles and legends, the curve's labels
// and the overlays.
func (v *Viz) drawText(l Layout, scale float32, st Stats) {
	v.drawHeader(l, scale, st)
	v.drawTitles(l, scale)
	v.drawCurveLabels(l, scale)
	v.drawExpectation(l, scale, st)
	if v.Picked {
		v.drawInspector(l, scale)
	}
	if v.ShowHelp {
		v.drawHelp(l, scale)
	}
}

// drawHeader is the top bar: the run's identity, the live parameters,
// the measures and a transient status message.
func (v *Viz) drawHeader(l Layout, scale float32, st Stats) {
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
}

// drawTitles writes each panel's title and, right-aligned in its title
// bar, its legend or colour scale, and a zoomed 2-D panel's zoom badge.
func (v *Viz) drawTitles(l Layout, scale float32) {
	t := v.text
	lh := t.LineHeight()
	var titles [4]string
	for k := 0; k < l.Slots; k++ {
		titles[k] = v.title(k)
	}
	titles[Slot3D] = "Spikes in 3-D"
	for k := 0; k < 4; k++ {
		if k >= l.Slots && k != Slot3D {
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
			legend(k, "ŷ", greenColour, fmt.Sprintf("X(t+%d)", v.sim.Params.Horizon), whiteColour)
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
		// A badge in the panel's corner: the zoom, and the hidden cells a
		// per-cell view shows.
		var badge []string
		if v.Zoom.Span < float32(v.sim.Params.N) && v.Views[k] != ViewRaster {
			z := fmt.Sprintf("zoom ×%.1f", float32(v.sim.Params.N)/v.Zoom.Span)
			if v.Follow {
				z += " · following"
			}
			if v.autoZoomed && k == 0 {
				z += " · Z: whole grid"
			}
			badge = append(badge, z)
		}
		hiddenRaster := v.Views[k] == ViewRaster && v.views.layer == RasterHidden
		if c := v.cellLabel(); c != "" && (layoutOf(v.Views[k], v.sim.Params) != perPixel || hiddenRaster) {
			badge = append(badge, c)
		}
		if len(badge) > 0 {
			p := l.Panels[k]
			z := strings.Join(badge, " · ")
			zw, _ := t.Measure(Regular, z)
			t.Rect(p.X+2*scale, p.Y+p.H-lh-6*scale, zw+8*scale, lh+4*scale, [4]float32{0.03, 0.035, 0.045, 0.85})
			t.Add(Regular, z, p.X+6*scale, p.Y+p.H-lh-4*scale, dimColour)
		}
	}
	hidden := "hidden"
	if k := cellsOf(v.sim.Params); k > 1 {
		hidden = fmt.Sprintf("hidden ×%d", k) // a sub-layer a cell, blue to violet
	}
	legend(Slot3D, "input", redColour, hidden, blueColour, "output", greenColour)
}

// drawCurveLabels labels the learning curve and puts the help hint in
// the 3-D panel's corner.
func (v *Viz) drawCurveLabels(l Layout, scale float32) {
	t := v.text
	lh := t.LineHeight()
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
	t.Add(Regular, "H: help", l.Panels[Slot3D].X+6*scale, l.Panels[Slot3D].Y+l.Panels[Slot3D].H-lh-4*scale, dimColour)
}

// title is 2-D panel k's title. (With K > 1 cells a pixel the cells a
// view shows are in its badge, which leaves the title bar its colour bar.)
func (v *Viz) title(k int) string {
	w := v.Views[k]
	if w != ViewRaster {
		return viewSpecs[w].title
	}
	what := fmt.Sprintf("%d cells", v.views.rows)
	all := v.sim.Params.N * v.sim.Params.N
	if v.views.layer == RasterHidden && v.Cell == ShowAll {
		all *= cellsOf(v.sim.Params)
	}
	switch {
	case v.views.rowOf >= 0:
		what = fmt.Sprintf("row %d", v.views.rowOf)
	case v.views.rows < all:
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
		cols = c.columns(v.Cell)
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
	p := l.Panels[Slot3D]
	x := max(6*scale, min(p.X+p.W-w-6*scale, l.Header.W-w-6*scale))
	y := p.Y + 6*scale
	if c := l.Curve; x+w > p.X+p.W && x < c.X+c.W && x+w > c.X {
		// Wider than the 3-D panel, it spills over the curve: below the
		// curve's labels, which are drawn after the boxes.
		y = max(y, c.Y+20*scale)
	}
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

// drawHelp draws the key table in a box over the panels: the rows that
// apply to the network.
func (v *Viz) drawHelp(l Layout, scale float32) {
	t := v.text
	lh := t.LineHeight()
	var rows []binding
	for _, k := range keyTable {
		if k.only == nil || k.only(v.sim.Params) {
			rows = append(rows, k)
		}
	}
	var keyW, descW float32
	for _, k := range rows {
		w, _ := t.Measure(Bold, k.label)
		keyW = max(keyW, w)
		w, _ = t.Measure(Regular, k.help)
		descW = max(descW, w)
	}
	fw := l.Header.W
	y := l.Header.H + 40*scale
	// One column, or two where one would run off the bottom.
	cols := 1
	fh := max(l.Curve.Y+l.Curve.H, l.Panels[Slot3D].Y+l.Panels[Slot3D].H)
	if float32(len(rows)+2)*lh+20*scale > fh-y {
		cols = 2
		y = l.Panels[0].Y + 4*scale // below the title bars: their text is drawn after boxes

	}
	perCol := (len(rows) + cols - 1) / cols
	colW := keyW + descW + 40*scale
	w := float32(cols)*colW + 20*scale
	h := float32(perCol+2)*lh + 20*scale
	x := max((fw-w)/2, 4*scale)
	t.Rect(x-2, y-2, w+4, h+4, accentColour)
	t.Rect(x, y, w, h, [4]float32{0.05, 0.06, 0.08, 0.96})
	t.Add(Bold, "Keys", x+20*scale, y+10*scale, accentColour)
	for i, k := range rows {
		c, r := i/perCol, i%perCol
		cx := x + 20*scale + float32(c)*colW
		ry := y + 10*scale + float32(r+1)*lh + lh*0.5
		t.Add(Bold, k.label, cx, ry, titleColour)
		t.Add(Regular, k.help, cx+20*scale+keyW, ry, dimColour)
	}
}

// learnSteps estimates the steps the border walk takes, at the default
// parameters, until the rolling F1 first passes 0.5 at grid side n:
// 16·n + 700, fitted to runs of spikecast -headless -metrics_every 50
// at n = 32, 64, 128, 256 and 512 (1,200, 1,700, 2,700, 4,800 and 8,900
// steps; seeds 1 to 3 agree within 100), about seven laps of the border
// at n = 64 and four at n = 512. ok is false for any other stimulus or
// parameters, where nothing was measured.
func learnSteps(p cpuref.Params) (steps int64, ok bool) {
	q := p
	q.N, q.Seed = cpuref.Defaults().N, cpuref.Defaults().Seed
	if q != cpuref.Defaults() {
		return 0, false
	}
	return (16*int64(p.N) + 700 + 50) / 100 * 100, true // no more precise than it is
}

// drawExpectation says, in the learning curve, what to expect until the
// network has first learnt (F1 over 0.5): the estimated steps to get
// there, and at the measured rate the time.
func (v *Viz) drawExpectation(l Layout, scale float32, st Stats) {
	steps, ok := learnSteps(v.sim.Params)
	if !ok {
		return
	}
	for _, f := range v.Curve.F1 {
		if f > 0.5 {
			return
		}
	}
	t := v.text
	s := fmt.Sprintf("expect F1 > 0.5 after about %s steps (an estimate for the border walk at n=%d)", thousands(steps), v.sim.Params.N)
	if st.StepsPerS > 0 && st.Step < steps {
		s += fmt.Sprintf(", %s at %.0f steps/s", time.Duration(float64(steps-st.Step)/st.StepsPerS*float64(time.Second)).Round(time.Second), st.StepsPerS)
	}
	c := l.Curve
	w, _ := t.Measure(Regular, s)
	if w > c.W-12*scale {
		s = fmt.Sprintf("F1 > 0.5 in ≈%s steps (estimate)", thousands(steps))
		if w, _ = t.Measure(Regular, s); w > c.W-12*scale {
			return
		}
	}
	t.Add(Regular, s, c.X+(c.W-w)/2, c.Y+c.H/2-t.LineHeight()/2, accentColour)
}

// thousands writes a count with commas between the thousands.
func thousands(k int64) string {
	s := fmt.Sprint(k)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
