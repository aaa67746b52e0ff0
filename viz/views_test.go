package viz

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu/gputest"
)

// TestViewGoldens renders every view, the "talk" layout, a zoomed view
// and the inspector in the golden scene, each against its reference PNG.
func TestViewGoldens(t *testing.T) {
	v := goldenScene(t)
	// The inspector's values and the colour scales come back a frame
	// late: draw once to start the read-backs, wait, then draw.
	for _, c := range []struct {
		name   string
		layout string
		views  [3]View
		zoom   Zoom
		pick   bool
		w, h   int
	}{
		{"viz_views_weights_960x600", "four", [3]View{ViewWIn, ViewWOut, ViewWRec}, FullZoom(testN), false, 960, 600},
		{"viz_views_maps_960x600", "four", [3]View{ViewTheta, ViewV, ViewP}, FullZoom(testN), false, 960, 600},
		{"viz_views_rate_960x600", "four", [3]View{ViewQ, ViewRate, ViewRaster}, FullZoom(testN), false, 960, 600},
		{"viz_views_zoom_pick_960x600", "four", [3]View{ViewInput, ViewWIn, ViewError}, Zoom{8, 0, 8}, true, 960, 600},
		{"viz_views_talk_1280x720", "talk", [3]View{ViewWIn}, FullZoom(testN), true, 1280, 720},
	} {
		t.Run(c.name, func(t *testing.T) {
			var img *image.RGBA
			gputest.Do(t, func() (err error) {
				v.LayoutKind, v.Views, v.Zoom = c.layout, c.views, c.zoom
				v.SetPick(1, 10, c.pick)
				defer func() {
					v.LayoutKind, v.Views, v.Zoom = "", [3]View{ViewInput, ViewPrediction, ViewError}, FullZoom(testN)
					v.SetPick(0, 0, false)
				}()
				if _, err = drawFrame(v, c.w, c.h, 1, goldenStats); err != nil {
					return err
				}
				v.views.setScales(v.views.scales.wait())
				if c.pick {
					v.inspect.Info = v.inspect.decode(v.inspect.read.wait())
				}
				// The scales read back are those the first frame measured.
				img, err = drawFrame(v, c.w, c.h, 1, goldenStats)
				return err
			})
			checkGolden(t, c.name, img)
		})
	}
}

// sequentialRGB is view.frag's sequential colour map, for the tests.
func sequentialRGB(t float32) color.RGBA {
	k := [5][3]float32{{0.267, 0.005, 0.329}, {0.231, 0.322, 0.545}, {0.129, 0.569, 0.549}, {0.369, 0.788, 0.384}, {0.992, 0.906, 0.145}}
	t = min(max(t, 0), 1) * 4
	i := min(int(t), 3)
	f := t - float32(i)
	var c [3]uint8
	for j := range c {
		c[j] = uint8(math.Round(float64((k[i][j]*(1-f) + k[i+1][j]*f) * 255)))
	}
	return color.RGBA{c[0], c[1], c[2], 255}
}

// TestMosaicMatchesWIn checks the W_in mosaic cell by cell and slot by
// slot against W_in read back, at a size where each slot is 3×3 pixels.
func TestMosaicMatchesWIn(t *testing.T) {
	p := testParams()
	sim := newTestSim(t, p, cpuref.NewState(p))
	v := newTestViz(t, sim, Options{})
	var img *image.RGBA
	var st *cpuref.State
	const slotPx = 3 // 32 cells · 3 slots · 3 pixels = 288 pixels a panel
	const w, h = 3*(3*slotPx*testN+8) + 8, 700
	gputest.Do(t, func() (err error) {
		if err := sim.Run(300); err != nil {
			return err
		}
		v.Update()
		v.Views = [3]View{ViewWIn, ViewInput, ViewInput}
		if st, err = sim.ReadState(); err != nil {
			return err
		}
		img, err = drawFrame(v, w, h, 1, Stats{N: testN})
		return err
	})
	r := ComputeLayout(w, h, 1).Panels[0]
	if r.W != 3*slotPx*testN || r.X != float32(int(r.X)) || r.Y != float32(int(r.Y)) {
		t.Fatalf("panel %+v: the test needs %d whole pixels", r, 3*slotPx*testN)
	}
	var m float32
	for _, x := range st.WIn {
		m = max(m, float32(math.Abs(float64(x))))
	}
	bad := 0
	for i := 0; i < testN*testN; i++ {
		row, col := i/testN, i%testN
		for s := 0; s < 9; s++ {
			dy, dx := s/3-1, s%3-1
			px := int(r.X) + (3*col+s%3)*slotPx + slotPx/2
			py := int(r.Y) + (3*row+s/3)*slotPx + slotPx/2
			got := img.RGBAAt(px, py)
			want := sequentialRGB(st.WIn[i*9+s] / m)
			if row+dy < 0 || row+dy >= testN || col+dx < 0 || col+dx >= testN {
				want = color.RGBA{9, 10, 13, 255} // off-grid
			}
			if channelDiff(got, want) > 3 {
				if bad++; bad <= 5 {
					t.Errorf("cell (%d,%d) slot %d: pixel %v, W_in %.4f of max %.4f wants %v", row, col, s, got, st.WIn[i*9+s], m, want)
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d slots wrong", bad, 9*testN*testN)
	}
}

// TestInspectorMatchesReference pins a cell and compares the inspector's
// read-back with the reference's state after the same steps.
func TestInspectorMatchesReference(t *testing.T) {
	p := testParams()
	init := cpuref.NewState(p)
	sim := newTestSim(t, p, init.Clone())
	v := newTestViz(t, sim, Options{})
	ref := cpuref.NewFrom(p, init.Clone(), cpuref.NewStimulus(p))
	const steps = 400
	for range steps {
		ref.Step()
	}
	st := ref.State
	for _, cell := range [][2]int{{0, 0}, {1, 10}, {17, 31}, {31, 5}} {
		var c *CellInfo
		gputest.Do(t, func() error {
			if sim.T < steps {
				if err := sim.Run(steps); err != nil {
					return err
				}
				v.Update()
			}
			v.SetPick(cell[0], cell[1], true)
			v.inspect.request(sim, v.views, cell[0], cell[1])
			c = v.inspect.decode(v.inspect.read.wait())
			return nil
		})
		i := cell[0]*testN + cell[1]
		f := func(name string, got, want float32) {
			if got != want {
				t.Errorf("cell %v: %s = %v, reference %v", cell, name, got, want)
			}
		}
		h := c.Cells[0]
		f("v", h.V, st.V[i])
		f("θ", h.Theta, st.Theta[i])
		f("p", c.P, st.P[i])
		f("q", h.Q, st.Q[i])
		for k := range 9 {
			f("W_in", h.WIn[k], st.WIn[i*9+k])
		}
		s := c.Side * c.Side
		for k := range s {
			f("W_out", c.WOut[k], st.WOut[i*s+k])
		}
		if c.Y != (st.Y[i] != 0) || c.YHat != (st.YHat[i] != 0) || h.Spike != (st.S[i] != 0) {
			t.Errorf("cell %v: y %v ŷ %v spike %v, reference %d %d %d", cell, c.Y, c.YHat, h.Spike, st.Y[i], st.YHat[i], st.S[i])
		}
		if c.Step != steps {
			t.Errorf("cell %v: values of step %d, want %d", cell, c.Step, steps)
		}
		t.Logf("cell %v: %s, v %.4f θ %.4f", cell, c.Outcome(), h.V, h.Theta)
	}
}

// TestZoomMapsBack: a screen point in a zoomed panel maps back to the
// cell drawn there, in every panel and both layouts, and the lit input
// cell drawn in a zoomed panel is the one CellAt names.
func TestZoomMapsBack(t *testing.T) {
	z := FullZoom(64).ZoomAbout(0.25, 0.75, 0.125, 64) // 8 cells across, about (16, 48)
	if z.Span != 8 || z.X != 14 || z.Y != 42 {
		t.Fatalf("zoom about (0.25, 0.75) by 1/8: %+v, want span 8 at (14, 42)", z)
	}
	if c, r := z.At(0.25, 0.75); c != 16 || r != 48 {
		t.Errorf("the point zoomed about moved: (%v, %v)", c, r)
	}
	z = z.Pan(0.5, 0, 64) // drag right by half a panel: 4 cells left
	if z.X != 10 {
		t.Errorf("pan: %+v, want X 10", z)
	}
	if z := FullZoom(64).ZoomAbout(0, 0, 100, 64); z != FullZoom(64) {
		t.Errorf("zooming out past the grid: %+v", z)
	}

	p := testParams()
	sim := newTestSim(t, p, cpuref.NewState(p))
	v := newTestViz(t, sim, Options{})
	var img *image.RGBA
	var st *cpuref.State
	const w, h = 960, 600
	gputest.Do(t, func() (err error) {
		if err := sim.Run(37); err != nil {
			return err
		}
		if st, err = sim.ReadState(); err != nil {
			return err
		}
		lit := 0
		for i, x := range st.X {
			if x != 0 {
				lit = i
			}
		}
		// 4 cells across, the lit cell in view but off centre.
		v.Zoom = Zoom{float32(lit%testN) - 1, float32(lit/testN) - 2, 4}.clamp(testN)
		img, err = drawFrame(v, w, h, 1, Stats{N: testN})
		return err
	})
	for _, kind := range Layouts {
		v.LayoutKind = kind
		l := v.Layout(w, h, 1)
		for k := 0; k < l.Slots; k++ {
			pr := l.Panels[k]
			for _, f := range [][2]float32{{0.01, 0.01}, {0.5, 0.5}, {0.99, 0.3}, {0.37, 0.91}} {
				x, y := pr.X+f[0]*pr.W, pr.Y+f[1]*pr.H
				slot, row, col, ok := v.CellAt(l, x, y)
				wc, wr := v.Zoom.At(f[0], f[1])
				if !ok || slot != k || row != int(wr) || col != int(wc) {
					t.Errorf("%s panel %d at %v: slot %d cell (%d,%d) ok %v, want (%d,%d)", kind, k, f, slot, row, col, ok, int(wr), int(wc))
				}
			}
		}
	}
	v.LayoutKind = ""
	// Every red pixel of the zoomed input panel maps back to a lit cell.
	l := v.Layout(w, h, 1)
	pr := l.Panels[0] // slot 0 shows the input by default
	red := 0
	for y := int(pr.Y); y < int(pr.Y+pr.H); y++ {
		for x := int(pr.X); x < int(pr.X+pr.W); x++ {
			if !isColour(img.RGBAAt(x, y), dotRedPx) {
				continue
			}
			red++
			// A pixel shows a lit cell when it overlaps one: its centre or
			// an edge maps to that cell.
			hit := false
			for _, d := range [][2]float32{{0.5, 0.5}, {0, 0}, {0.999, 0.999}, {0, 0.999}, {0.999, 0}} {
				if _, row, col, ok := v.CellAt(l, float32(x)+d[0], float32(y)+d[1]); ok && st.X[row*testN+col] != 0 {
					hit = true
				}
			}
			if _, row, col, _ := v.CellAt(l, float32(x)+0.5, float32(y)+0.5); !hit {
				t.Fatalf("red pixel (%d,%d) in panel %+v zoom %+v maps to cell (%d,%d), which is not lit (X lit: %v)", x, y, pr, v.Zoom, row, col, litCells(st))
			}
		}
	}
	if cell := pr.W / 4; float32(red) < 0.9*cell*cell {
		t.Errorf("%d red pixels; a lit cell 4 cells across a %v-pixel panel is %.0f²", red, pr.W, cell)
	}
}

func litCells(st *cpuref.State) (out [][2]int) {
	for i, x := range st.X {
		if x != 0 {
			out = append(out, [2]int{i / st.N, i % st.N})
		}
	}
	return out
}

// TestViewsInBands: weight views drawn a band of rows at a time (as a
// weight buffer larger than a storage block must be) look exactly as
// drawn whole: every mosaic, the colour scales, the cell lines and a
// pinned cell's ring across a band's edge.
func TestViewsInBands(t *testing.T) {
	p := testParams()
	p.RRec = 2
	sim := newTestSim(t, p, cpuref.NewState(p))
	v := newTestViz(t, sim, Options{})
	const w, h = 960, 600
	shot := func(bandRows int) *image.RGBA {
		var img *image.RGBA
		gputest.Do(t, func() (err error) {
			if err := sim.SetBandRows(bandRows); err != nil {
				return err
			}
			v.Views = [3]View{ViewWIn, ViewWOut, ViewWRec}
			v.SetPick(16, 10, true) // its ring crosses the rows 15 | 16 edge
			if _, err = drawFrame(v, w, h, 1, Stats{N: testN}); err != nil {
				return err
			}
			v.views.setScales(v.views.scales.wait())
			img, err = drawFrame(v, w, h, 1, Stats{N: testN})
			return err
		})
		return img
	}
	gputest.Do(t, func() error { return sim.Run(200) })
	whole := shot(testN)
	banded := shot(16)
	if whole.Rect != banded.Rect {
		t.Fatalf("sizes %v and %v", whole.Rect, banded.Rect)
	}
	differ := 0
	for i := range whole.Pix {
		if whole.Pix[i] != banded.Pix[i] {
			differ++
		}
	}
	if differ > 0 {
		t.Errorf("%d of %d bytes differ between the views drawn whole and in bands of 16 rows", differ, len(whole.Pix))
	}
}
