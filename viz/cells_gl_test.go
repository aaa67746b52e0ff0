package viz

import (
	"image"
	"image/color"
	"math"
	"slices"
	"testing"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu/gputest"
)

// testK is the hidden cells a pixel of the K > 1 tests: a 2×2 tile.
const testK = 4

// kParams are testParams with testK cells a pixel.
func kParams() cpuref.Params {
	p := testParams()
	p.K = testK
	return p
}

// kState is a K-cell network's initial state with every per-cell value
// and weight the views show made distinct: θ and v of cell ci, W_in and
// W_out slots, each a function of its index, so that a view drawing
// another cell's or slot's value shows another colour; θ's planes have
// different ranges.
func kState(p cpuref.Params) *cpuref.State {
	st := cpuref.NewState(p)
	plane := p.N * p.N
	for ci := range st.Theta {
		st.Theta[ci] = (0.1 + float32(ci%97)/97) * float32(1+ci/plane)
		st.V[ci] = float32(ci%89)/44 - 1
	}
	for k := range st.WIn {
		st.WIn[k] = float32(k%101) / 100
	}
	for k := range st.WOut {
		st.WOut[k] = float32(k%103)/51 - 1
	}
	return st
}

// divergingRGB is view.frag's diverging colour map, for the tests.
func divergingRGB(t float32) color.RGBA {
	t = min(max(t, -1), 1)
	a := float32(math.Sqrt(math.Abs(float64(t))))
	bg := [3]float32{0.055, 0.063, 0.082}
	end := [3]float32{1.00, 0.55, 0.15}
	if t < 0 {
		end = [3]float32{0.30, 0.60, 1.00}
	}
	var c [3]uint8
	for j := range c {
		c[j] = uint8(math.Round(float64((bg[j]*(1-a) + end[j]*a) * 255)))
	}
	return color.RGBA{c[0], c[1], c[2], 255}
}

func maxAbs(xs []float32) float32 {
	var m float32
	for _, x := range xs {
		m = max(m, float32(math.Abs(float64(x))))
	}
	return m
}

// TestCellViewsMatchBuffers draws K = 4 per-cell views (θ, v, W_in and
// W_out; all cells tiled and one cell) at a size where each entry of a
// tile has whole pixels, and checks every entry's colour against the
// buffer's value for that cell: cell c of pixel i at c·n² + i for θ, v
// and W_in's patches, pixel i's window over plane c at (i·K + c)·S for
// W_out.
func TestCellViewsMatchBuffers(t *testing.T) {
	p := kParams()
	p.ROut = 0 // a W_out window is one slot: whole pixels
	st := kState(p)
	sim := newTestSim(t, p, st.Clone())
	v := newTestViz(t, sim, Options{})
	n, plane := testN, testN*testN
	const w, h = 3*(12*testN+8) + 8, 700 // 12-pixel cells: a 2×2 tile of 6-pixel entries, 2-pixel slots
	const cellPx, entryPx, slotPx = 12, 6, 2
	draw := func(views [3]View, show int) (*image.RGBA, Layout) {
		var img *image.RGBA
		gputest.Do(t, func() (err error) {
			v.Views = views
			v.SetCell(show)
			if _, err = drawFrame(v, w, h, 1, Stats{N: testN}); err != nil {
				return err
			}
			v.views.setScales(v.views.scales.wait())
			img, err = drawFrame(v, w, h, 1, Stats{N: testN})
			return err
		})
		l := ComputeLayout(w, h, 1)
		if r := l.Panels[0]; r.W != cellPx*testN || r.X != float32(int(r.X)) || r.Y != float32(int(r.Y)) {
			t.Fatalf("panel %+v: the test needs %d whole pixels", r, cellPx*testN)
		}
		return img, l
	}
	bad := 0
	// check compares pixel (x, y) of panel k with want, except under the
	// badge in the panel's corner that names the cells shown.
	check := func(what string, img *image.RGBA, l Layout, k, x, y int, want color.RGBA) {
		t.Helper()
		if x < 120 && y >= cellPx*testN-30 {
			return
		}
		got := img.RGBAAt(int(l.Panels[k].X)+x, int(l.Panels[k].Y)+y)
		if channelDiff(got, want) > 3 {
			if bad++; bad <= 8 {
				t.Errorf("%s: panel %d (%d, %d): pixel %v, want %v", what, k, x, y, got, want)
			}
		}
	}

	// Maps: all cells tiled in panel 0, cell 2 alone in panel 1 (both
	// panels show the one Cell, so two draws).
	img, l := draw([3]View{ViewTheta, ViewV, ViewInput}, ShowAll)
	mTheta, mV := maxAbs(st.Theta), maxAbs(st.V)
	for i := 0; i < plane; i++ {
		row, col := i/n, i%n
		for c := range testK {
			ex, ey := col*cellPx+c%2*entryPx+entryPx/2, row*cellPx+c/2*entryPx+entryPx/2
			check("θ, all cells", img, l, 0, ex, ey, sequentialRGB(st.Theta[c*plane+i]/mTheta))
			check("v, all cells", img, l, 1, ex, ey, divergingRGB(st.V[c*plane+i]/mV))
		}
	}
	// One cell: its plane's colour scale.
	img, l = draw([3]View{ViewTheta, ViewV, ViewInput}, 2)
	mTheta, mV = maxAbs(st.Theta[2*plane:3*plane]), maxAbs(st.V[2*plane:3*plane])
	if got := v.views.Scale[ViewTheta]; got != mTheta {
		t.Errorf("θ of cell 2: scale %v, want its plane's largest %v", got, mTheta)
	}
	for i := 0; i < plane; i++ {
		x, y := i%n*cellPx+cellPx/2, i/n*cellPx+cellPx/2
		check("θ, cell 2", img, l, 0, x, y, sequentialRGB(st.Theta[2*plane+i]/mTheta))
		check("v, cell 2", img, l, 1, x, y, divergingRGB(st.V[2*plane+i]/mV))
	}

	// Mosaics: W_in (K planes) and W_out (K windows side by side, at
	// rout = 0 one slot a window; always scaled to all of them).
	mOut := maxAbs(st.WOut)
	for _, show := range []int{ShowAll, 1} {
		mIn := maxAbs(st.WIn)
		if show != ShowAll {
			mIn = maxAbs(st.WIn[show*plane*9 : (show+1)*plane*9])
		}
		img, l = draw([3]View{ViewWIn, ViewWOut, ViewInput}, show)
		for i := 0; i < plane; i++ {
			row, col := i/n, i%n
			for c := range testK {
				if show != ShowAll && c != show {
					continue
				}
				x0, y0, ePx := col*cellPx+c%2*entryPx, row*cellPx+c/2*entryPx, entryPx
				if show != ShowAll {
					x0, y0, ePx = col*cellPx, row*cellPx, cellPx
				}
				for m := range 9 {
					dy, dx := m/3-1, m%3-1
					if row+dy < 0 || row+dy >= n || col+dx < 0 || col+dx >= n {
						continue
					}
					s := ePx / 3
					check("W_in", img, l, 0, x0+m%3*s+s/2, y0+m/3*s+s/2, sequentialRGB(st.WIn[(c*plane+i)*9+m]/mIn))
				}
				check("W_out", img, l, 1, x0+ePx/2, y0+ePx/2, divergingRGB(st.WOut[i*testK+c]/mOut))
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d entries wrong", bad)
	}
}

// TestInspectorK pins a pixel of a K = 4 network and compares the
// inspector's K cells with the state uploaded.
func TestInspectorK(t *testing.T) {
	p := kParams()
	p.ROut = 0 // W_out is a column of the cells' table
	st := kState(p)
	sim := newTestSim(t, p, st.Clone())
	v := newTestViz(t, sim, Options{})
	row, col := 5, 17
	var c *CellInfo
	gputest.Do(t, func() error {
		v.SetPick(row, col, true)
		v.inspect.request(sim, v.views, row, col)
		c = v.inspect.decode(v.inspect.read.wait())
		return nil
	})
	if len(c.Cells) != testK {
		t.Fatalf("%d cells, want %d", len(c.Cells), testK)
	}
	i, plane := row*testN+col, testN*testN
	for k, h := range c.Cells {
		ci := k*plane + i
		if h.V != st.V[ci] || h.Theta != st.Theta[ci] || h.Q != st.Q[ci] {
			t.Errorf("cell %d: v %v θ %v q %v, state %v %v %v", k, h.V, h.Theta, h.Q, st.V[ci], st.Theta[ci], st.Q[ci])
		}
		for m := range 9 {
			if h.WIn[m] != st.WIn[ci*9+m] {
				t.Errorf("cell %d: W_in[%d] %v, state %v", k, m, h.WIn[m], st.WIn[ci*9+m])
			}
		}
		if c.WOut[k] != st.WOut[i*testK+k] {
			t.Errorf("cell %d: W_out %v, state %v", k, c.WOut[k], st.WOut[i*testK+k])
		}
	}
	cols := c.columns(2)
	if len(cols) != 2 || len(cols[0]) != 3+testK || cols[1][0] != "W_in · cell 2" {
		t.Errorf("overlay columns %q", cols)
	}
}

// kScene is the golden scene with testK cells a pixel: the border walk
// with a ladder of target rates (cell c aims at r* + Δr·c, so the cells
// of a pixel differ), learnt for goldenSteps steps, the last glowFrames
// one a frame so the 3-D panel shows its afterglow.
func kScene(t *testing.T) *Viz {
	t.Helper()
	p := kParams()
	p.RRec = 1
	p.ROut = 1
	p.TargetRate = 0.02
	p.DRate = 0.03
	// The rate view on screen, so that the frames update the rates.
	return scene(t, p, func(v *Viz) { v.Views[2] = ViewRate })
}

// TestKGoldens renders the K = 4 scene: the four layout as it starts
// (all cells), the weights (W_in, W_out, W_rec, all cells), the maps of
// one cell and of all with the inspector pinned, and the raster of the
// hidden cells.
func TestKGoldens(t *testing.T) {
	v := kScene(t)
	for _, c := range []struct {
		name  string
		views [3]View
		show  int
		zoom  Zoom
		pick  bool
	}{
		{"viz_k4_four_960x600", [3]View{ViewInput, ViewPrediction, ViewRate}, ShowAll, FullZoom(testN), false},
		// 8 pixels across the top border, where the dot walks: every
		// pixel's 2×2 tile of patches and windows whole.
		{"viz_k4_weights_960x600", [3]View{ViewWIn, ViewWOut, ViewWRec}, ShowAll, Zoom{8, 0, 8}, true},
		{"viz_k4_maps_pick_960x600", [3]View{ViewTheta, ViewV, ViewQ}, ShowAll, FullZoom(testN), true},
		{"viz_k4_cell2_960x600", [3]View{ViewWIn, ViewTheta, ViewRaster}, 2, FullZoom(testN), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var img *image.RGBA
			gputest.Do(t, func() (err error) {
				v.Views, v.Zoom = c.views, c.zoom
				v.SetCell(c.show)
				v.SetPick(1, 10, c.pick)
				defer func() {
					v.Views, v.Zoom = [3]View{ViewInput, ViewPrediction, ViewError}, FullZoom(testN)
					v.SetCell(ShowAll)
					v.SetPick(0, 0, false)
				}()
				if _, err = drawFrame(v, 960, 600, 1, goldenStats); err != nil {
					return err
				}
				v.views.setScales(v.views.scales.wait())
				if c.pick {
					v.inspect.Info = v.inspect.decode(v.inspect.read.wait())
				}
				img, err = drawFrame(v, 960, 600, 1, goldenStats)
				return err
			})
			checkGolden(t, c.name, img)
		})
	}
}

// TestViewsInBandsK: with K = 4 cells a pixel, the weight views drawn a
// band of rows at a time (a K-plane buffer a plane at a time) look
// exactly as drawn whole, with all cells tiled and with one.
func TestViewsInBandsK(t *testing.T) {
	p := kParams()
	p.RRec = 2
	sim := newTestSim(t, p, kState(p))
	v := newTestViz(t, sim, Options{})
	const w, h = 960, 600
	shot := func(bandRows, show int) *image.RGBA {
		var img *image.RGBA
		gputest.Do(t, func() (err error) {
			if err := sim.SetBandRows(bandRows); err != nil {
				return err
			}
			v.Views = [3]View{ViewWIn, ViewWOut, ViewWRec}
			v.SetCell(show)
			v.SetPick(16, 10, true)
			if _, err = drawFrame(v, w, h, 1, Stats{N: testN}); err != nil {
				return err
			}
			v.views.setScales(v.views.scales.wait())
			img, err = drawFrame(v, w, h, 1, Stats{N: testN})
			return err
		})
		return img
	}
	for _, show := range []int{ShowAll, 3} {
		whole, banded := shot(testN, show), shot(16, show)
		differ := 0
		for i := range whole.Pix {
			if whole.Pix[i] != banded.Pix[i] {
				differ++
			}
		}
		if differ > 0 {
			t.Errorf("showing %d: %d of %d bytes differ between the views drawn whole and in bands of 16 rows", show, differ, len(whole.Pix))
		}
	}
}

// TestCellKey: K steps the views through cells 0 … K−1 and all, Shift+K
// back, and names the choice; with one cell a pixel it changes nothing.
func TestCellKey(t *testing.T) {
	p := kParams()
	sim := newTestSim(t, p, cpuref.NewState(p))
	v := newTestViz(t, sim, Options{})
	a := &app{v: v}
	if v.Cell != ShowAll {
		t.Fatalf("a K=%d network's views start at cell %d, want all", testK, v.Cell)
	}
	var seen []int
	for range testK + 1 {
		a.onKey(glfw.KeyK, glfw.Press, 0)
		seen = append(seen, v.Cell)
	}
	if want := []int{0, 1, 2, 3, ShowAll}; !slices.Equal(seen, want) {
		t.Errorf("K pressed %d times: cells %v, want %v", testK+1, seen, want)
	}
	a.onKey(glfw.KeyK, glfw.Press, glfw.ModShift)
	if v.Cell != testK-1 || v.views.show != testK-1 || a.status != "hidden cells: cell 3 of 4" {
		t.Errorf("Shift+K from all: cell %d (views %d), status %q", v.Cell, v.views.show, a.status)
	}

	q := testParams()
	v1 := newTestViz(t, newTestSim(t, q, cpuref.NewState(q)), Options{})
	a = &app{v: v1}
	a.onKey(glfw.KeyK, glfw.Press, 0)
	if v1.Cell != 0 || v1.views.show != 0 {
		t.Errorf("K with one cell a pixel: cell %d (views %d)", v1.Cell, v1.views.show)
	}
}

// TestPointCountK: with no afterglow the 3-D panel lists one point per
// spike of the last step, every hidden cell of every pixel counted.
func TestPointCountK(t *testing.T) {
	p := kParams()
	p.TargetRate, p.DRate = 0.05, 0.05
	sim := newTestSim(t, p, cpuref.NewState(p))
	v := newTestViz(t, sim, Options{Afterglow: 0})
	var st *cpuref.State
	var got uint32
	gputest.Do(t, func() (err error) {
		for sim.T < 400 {
			if err := sim.Run(1); err != nil {
				return err
			}
			if st, err = sim.ReadState(); err != nil {
				return err
			}
			planes := 0
			for c := range testK {
				if count(st.S[c*testN*testN:(c+1)*testN*testN]) > 0 {
					planes++
				}
			}
			if planes >= 2 {
				break
			}
		}
		v.Update()
		got = v.PointCount()
		return nil
	})
	want := count(st.X) + count(st.S) + count(st.YHat)
	if int(got) != want {
		t.Errorf("step %d: 3-D panel lists %d points; the step had %d lit inputs + %d hidden spikes (of %d cells) + %d predictions = %d",
			st.T, got, count(st.X), count(st.S), len(st.S), count(st.YHat), want)
	}
}

// TestDisplayK: a K = 4 network on the GPU and on the reference (a host
// backend, whose display uploads the state the views read): the
// inspector's K cells after a window's frame equal the backend's state.
func TestDisplayK(t *testing.T) {
	ctx := gputest.Context(t)
	p := kParams()
	p.TargetRate, p.DRate = 0.05, 0.05
	for _, name := range []string{"gpu", "ref"} {
		t.Run(name, func(t *testing.T) {
			b, err := backend.New(backend.Config{Name: name, Params: p, Context: ctx})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			if err := b.Step(60); err != nil {
				t.Fatal(err)
			}
			d, err := b.Display(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer gputest.Do(t, func() error { d.Release(); return nil })
			var v *Viz
			gputest.Do(t, func() (err error) { v, err = New(d.Sim(), Options{}); return err })
			defer gputest.Do(t, func() error { v.Release(); unuseProgram(); return nil })
			row, col := 0, 5 // on the border walk's row
			var c *CellInfo
			gputest.Do(t, func() error {
				v.SetPick(row, col, true)
				if u, ok := d.(backend.Uploader); ok {
					u.UploadAlso(v.Needs())
				}
				if err := d.Sync(); err != nil {
					return err
				}
				v.Update()
				v.inspect.request(d.Sim(), v.views, row, col)
				c = v.inspect.decode(v.inspect.read.wait())
				return nil
			})
			st, err := b.State()
			if err != nil {
				t.Fatal(err)
			}
			i, plane := row*testN+col, testN*testN
			for k, h := range c.Cells {
				ci := k*plane + i
				if h.V != st.V[ci] || h.Theta != st.Theta[ci] || h.Q != st.Q[ci] || h.Spike != (st.S[ci] != 0) || h.WIn != [9]float32(st.WIn[ci*9:ci*9+9]) {
					t.Errorf("cell %d: v %v θ %v q %v spike %v, state %v %v %v %d", k, h.V, h.Theta, h.Q, h.Spike, st.V[ci], st.Theta[ci], st.Q[ci], st.S[ci])
				}
			}
		})
	}
}

// TestSecondLayerK: with a second hidden layer feeding the output, W_out
// reads that layer's one cell a pixel (one window an output, drawn and
// inspected as such) while W12 shows each cell's K patches, one over
// each plane of the first layer.
func TestSecondLayerK(t *testing.T) {
	p := kParams()
	p.Horizon = 2
	if p.Layer2() != 1 || p.OutPlanes() != 1 {
		t.Fatalf("-horizon 2: Layer2 %d, OutPlanes %d; the test wants a second layer feeding the output", p.Layer2(), p.OutPlanes())
	}
	if layoutOf(ViewWOut, p) != perPixel || layoutOf(ViewW12, p) != inner {
		t.Errorf("W_out drawn as %d, W12 as %d", layoutOf(ViewWOut, p), layoutOf(ViewW12, p))
	}
	sim := newTestSim(t, p, cpuref.NewState(p))
	v := newTestViz(t, sim, Options{})
	var c *CellInfo
	gputest.Do(t, func() error {
		if err := sim.Run(50); err != nil {
			return err
		}
		v.Views = [3]View{ViewW12, ViewWOut, ViewWIn}
		v.SetPick(3, 4, true)
		if _, err := drawFrame(v, 960, 600, 1, Stats{N: testN}); err != nil {
			return err
		}
		c = v.inspect.decode(v.inspect.read.wait())
		return nil
	})
	if s := c.Side * c.Side; len(c.WOut) != s || len(c.Cells) != testK {
		t.Errorf("inspector: %d W_out weights (side %d), %d cells; want one window and %d cells", len(c.WOut), c.Side, len(c.Cells), testK)
	}
	if cols := c.columns(ShowAll); cols[len(cols)-1][0] != "W_out" {
		t.Errorf("overlay's last column %q, want the one W_out window", cols[len(cols)-1])
	}
}
