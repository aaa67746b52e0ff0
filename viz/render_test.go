package viz

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-gl/gl/v4.3-core/gl"
	"github.com/go-gl/mathgl/mgl32"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/gpu/gputest"
)

var update = flag.Bool("update", false, "rewrite golden images")

// Golden-image tolerance: a pixel matches when every colour channel is
// within goldenChannelTol counts, and an image matches when at most
// goldenMaxBad of its pixels do not. The slack absorbs rasterisation
// differences between GL implementations (point and line edges, glyph
// filtering), not a changed picture.
const (
	goldenChannelTol = 8
	goldenMaxBad     = 0.005
)

// testN is the grid side of every rendering test: small enough to step
// quickly on a software renderer, large enough for the panels to show
// structure.
const testN = 32

// goldenDir holds the reference images, at the repository root.
var goldenDir = filepath.Join("..", "testdata")

// testParams are the defaults at n = testN.
func testParams() cpuref.Params {
	p := cpuref.Defaults()
	p.N = testN
	return p
}

// newTestSim uploads init and releases the simulation when t ends. It
// must not run on the GL thread.
func newTestSim(t *testing.T, p cpuref.Params, init *cpuref.State) *gpu.Sim {
	t.Helper()
	t.Cleanup(func() { gputest.Do(t, func() error { unuseProgram(); return nil }) })
	return gputest.Sim(t, p, init)
}

// unuseProgram makes no program current. A program deleted while current
// lives on until another is used; left current, it makes the next Text
// Flush, which puts the current program back when it is done, use a name
// that no longer exists (GL_INVALID_VALUE in the next test).
func unuseProgram() { gl.UseProgram(0) }

// newTestViz builds a Viz for sim and releases it when t ends.
func newTestViz(t *testing.T, sim *gpu.Sim, o Options) *Viz {
	t.Helper()
	var v *Viz
	gputest.Do(t, func() (err error) {
		v, err = New(sim, o)
		return err
	})
	t.Cleanup(func() { gputest.Do(t, func() error { v.Release(); unuseProgram(); return nil }) })
	return v
}

// drawFrame renders one frame of v into an offscreen w×h RGBA8 target and
// reads it back top row first. Alpha is set opaque: a window shows only
// the colour, and blending leaves the target's alpha below 1 where text
// and lines were drawn. It must run on the GL thread.
func drawFrame(v *Viz, w, h int, scale float32, st Stats) (*image.RGBA, error) {
	gl.GetError() // clear
	var err error
	img := render(w, h, func() { err = v.Draw(w, h, scale, st) })
	if err != nil {
		return nil, err
	}
	if e := gl.GetError(); e != gl.NO_ERROR {
		return nil, fmt.Errorf("draw %d×%d: GL error 0x%x", w, h, e)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img, nil
}

// The golden scene: the border walk learnt for goldenSteps steps, the
// learning curve sampled every curveEvery steps, and the last glowFrames
// steps drawn one a frame so the 3-D panel shows an afterglow trail.
const (
	goldenSteps = 1500
	curveEvery  = 25
	glowFrames  = 6
)

// goldenStats are constant, so the header does not depend on timing or
// on the machine's renderer.
var goldenStats = Stats{
	Step:          goldenSteps,
	StepsPerS:     24000,
	FPS:           60,
	F1:            0.75,
	Precision:     0.8,
	Recall:        0.7,
	HiddenRate:    0.005,
	N:             testN,
	Backend:       "gpu",
	Renderer:      "golden test",
	StepsPerFrame: 1,
	Learn:         true,
}

// goldenScene runs the golden scene and returns its Viz with a fixed
// camera.
func goldenScene(t *testing.T) *Viz {
	t.Helper()
	return scene(t, testParams(), nil)
}

// scene runs a network of p to goldenSteps on the GPU under a Viz, the
// learning curve sampled every curveEvery steps, and draws the last
// glowFrames steps one frame each so the afterglow builds up (glow, when
// not nil, sets the Viz up for those frames first). The camera is the
// default, not orbiting.
func scene(t *testing.T, p cpuref.Params, glow func(*Viz)) *Viz {
	t.Helper()
	sim := newTestSim(t, p, cpuref.NewState(p))
	v := newTestViz(t, sim, Options{Afterglow: 0.8})
	gputest.Do(t, func() error {
		for sim.T < goldenSteps-glowFrames {
			if err := sim.Run(int(min(curveEvery, goldenSteps-glowFrames-sim.T))); err != nil {
				return err
			}
			m, err := sim.Measures()
			if err != nil {
				return err
			}
			v.Curve.Add(sim.T, m.F1, m.HiddenRate)
		}
		if glow != nil {
			glow(v)
		}
		for range glowFrames {
			if err := sim.Run(1); err != nil {
				return err
			}
			v.Update()
		}
		m, err := sim.Measures()
		if err != nil {
			return err
		}
		v.Curve.Add(sim.T, m.F1, m.HiddenRate)
		t.Logf("scene (K=%d) after %d steps: F1 %.3f, precision %.3f, recall %.3f, hidden rate %.4f",
			p.K, sim.T, m.F1, m.Precision, m.Recall, m.HiddenRate)
		return nil
	})
	v.Camera = DefaultCamera()
	v.Camera.Auto = false
	return v
}

// TestGoldenImages renders the golden scene in the usual landscape
// layout, in the wide one with the help overlay, and at twice the pixel
// density, and compares each with its reference PNG in testdata.
func TestGoldenImages(t *testing.T) {
	v := goldenScene(t)
	for _, c := range []struct {
		name  string
		w, h  int
		scale float32
		help  bool
	}{
		{"viz_golden_960x600", 960, 600, 1, false},
		{"viz_golden_help_1600x500", 1600, 500, 1, true},   // four across
		{"viz_golden_hidpi_1280x800", 1280, 800, 2, false}, // a 640×400 window at twice the density
	} {
		t.Run(c.name, func(t *testing.T) {
			var img *image.RGBA
			gputest.Do(t, func() (err error) {
				v.ShowHelp = c.help
				defer func() { v.ShowHelp = false }()
				img, err = drawFrame(v, c.w, c.h, c.scale, goldenStats)
				return err
			})
			checkGolden(t, c.name, img)
		})
	}
}

// checkGolden compares img with goldenDir/name.png, or rewrites that file
// under -update. On a mismatch it writes img beside it as name_got.png.
func checkGolden(t *testing.T, name string, img *image.RGBA) {
	t.Helper()
	path := filepath.Join(goldenDir, name+".png")
	gotPath := filepath.Join(goldenDir, name+"_got.png")
	if *update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		writePNG(t, path, img)
		t.Logf("wrote %s", path)
		return
	}
	want, err := readPNG(path)
	if errors.Is(err, os.ErrNotExist) {
		writePNG(t, gotPath, img)
		t.Fatalf("no golden image %s (go test ./viz -run TestGoldenImages -update writes it); rendered image in %s", path, gotPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	if want.Bounds() != img.Bounds() {
		writePNG(t, gotPath, img)
		t.Fatalf("rendered %v, golden %s is %v; rendered image in %s", img.Bounds(), path, want.Bounds(), gotPath)
	}
	b := img.Bounds()
	bad, worst := 0, 0
	var first image.Point
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			d := channelDiff(img.RGBAAt(x, y), rgbaAt(want, x, y))
			if d > goldenChannelTol {
				if bad == 0 {
					first = image.Pt(x, y)
				}
				bad++
				worst = max(worst, d)
			}
		}
	}
	limit := int(goldenMaxBad * float64(b.Dx()*b.Dy()))
	if bad > limit {
		writePNG(t, gotPath, img)
		t.Errorf("%s: %d pixels (%.2f%%) differ by more than %d in a channel, over the %d allowed; first at %v (got %v, want %v), largest difference %d; rendered image in %s (rerun with -update if the change is intended)",
			path, bad, 100*float64(bad)/float64(b.Dx()*b.Dy()), goldenChannelTol, limit,
			first, img.RGBAAt(first.X, first.Y), rgbaAt(want, first.X, first.Y), worst, gotPath)
		return
	}
	t.Logf("%s: %d pixels differ by more than %d (%d allowed)", path, bad, goldenChannelTol, limit)
	os.Remove(gotPath) // a stale failure's image
}

// channelDiff is the largest difference of the colour channels.
func channelDiff(a, b color.RGBA) int {
	d := 0
	for _, p := range [][2]uint8{{a.R, b.R}, {a.G, b.G}, {a.B, b.B}} {
		d = max(d, int(p[0])-int(p[1]), int(p[1])-int(p[0]))
	}
	return d
}

func rgbaAt(img image.Image, x, y int) color.RGBA {
	return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return img, nil
}

// errorScene is a network whose last step has both misses and false
// alarms: W_out is drawn at random over [−WoutMax, WoutMax) and frozen
// (learning off), and the network steps until a step has a miss and a
// few false alarms and hidden spikes, so that counts of one would not
// pass by luck. It returns the simulation and its state after that step.
func errorScene(t *testing.T) (*gpu.Sim, *cpuref.State) {
	t.Helper()
	p := testParams()
	init := cpuref.NewState(p)
	const streamTestWOut = 0x7e57 // not one of cpuref's streams
	for k := range init.WOut {
		u := cpuref.Uniform(cpuref.Hash(p.Seed, streamTestWOut, 0, uint32(k)))
		init.WOut[k] = p.WoutMax * (2*u - 1)
	}
	sim := newTestSim(t, p, init)
	sim.Learn = false
	st := cpuref.NewStateShape(p)
	gputest.Do(t, func() error {
		for sim.T < 500 {
			if err := sim.Run(1); err != nil {
				return err
			}
			if err := sim.ReadInto(st, false); err != nil {
				return err
			}
			fn, fp := errCounts(st)
			if fn > 0 && fp >= 3 && count(st.S) >= 3 {
				return nil
			}
		}
		return fmt.Errorf("no step in %d has a miss, 3 false alarms and 3 hidden spikes", sim.T)
	})
	return sim, st
}

// errCounts returns the misses (e = +1) and false alarms (e = −1) of st's
// last step.
func errCounts(st *cpuref.State) (fn, fp int) {
	for _, e := range st.Err {
		switch e {
		case 1:
			fn++
		case -1:
			fp++
		}
	}
	return fn, fp
}

func count(b []uint32) int {
	c := 0
	for _, v := range b {
		if v != 0 {
			c++
		}
	}
	return c
}

// The 2-D panels' colours (panel.frag), in 8-bit counts.
var (
	dotRedPx    = color.RGBA{255, 59, 48, 255}
	predGreenPx = color.RGBA{51, 230, 102, 255}
	missRedPx   = color.RGBA{255, 64, 51, 255}
	alarmBluePx = color.RGBA{64, 140, 255, 255}
)

// isColour reports whether c is want, give or take rounding.
func isColour(c, want color.RGBA) bool { return channelDiff(c, want) <= 2 }

// A frame size in which the three 2-D panels are cellPx·testN pixels
// square at whole-pixel positions, so each cell covers exactly
// cellPx×cellPx pixels: (800−8)/3 = 264 = 8·32 + 8.
const (
	semW, semH = 800, 700
	cellPx     = 8
)

// panelCells returns the pixel rectangle of 2-D panel k at semW×semH,
// checking that its cells map onto whole pixels.
func panelCells(t *testing.T, k int) image.Rectangle {
	t.Helper()
	r := ComputeLayout(semW, semH, 1).Panels[k]
	if r.X != float32(int(r.X)) || r.Y != float32(int(r.Y)) || r.W != cellPx*testN || r.H != cellPx*testN {
		t.Fatalf("panel %d at %d×%d is %+v; the test needs whole pixels and %d-pixel cells", k, semW, semH, r, cellPx)
	}
	return image.Rect(int(r.X), int(r.Y), int(r.X)+cellPx*testN, int(r.Y)+cellPx*testN)
}

// cellCentre is the pixel at the middle of cell i of a panel.
func cellCentre(r image.Rectangle, i int) image.Point {
	return r.Min.Add(image.Pt(i%testN*cellPx+cellPx/2, i/testN*cellPx+cellPx/2))
}

// TestPanels checks the 2-D panels cell by cell against the buffers they
// draw, at a size where every cell is 8×8 pixels.
func TestPanels(t *testing.T) {
	sim, st := errorScene(t)
	v := newTestViz(t, sim, Options{})
	var img *image.RGBA
	gputest.Do(t, func() (err error) {
		img, err = drawFrame(v, semW, semH, 1, Stats{N: testN})
		return err
	})
	fn, fp := errCounts(st)
	t.Logf("after step %d: %d lit, %d spikes, %d predicted, %d misses, %d false alarms",
		st.T, count(st.X), count(st.S), count(st.YHat), fn, fp)

	t.Run("input", func(t *testing.T) {
		r := panelCells(t, int(ViewInput)) // the default views fill the slots in View order
		lit, red := count(st.X), 0
		for i := range st.X {
			c := img.RGBAAt(cellCentre(r, i).X, cellCentre(r, i).Y)
			if isColour(c, dotRedPx) != (st.X[i] != 0) {
				t.Errorf("input cell (%d,%d): pixel %v, X = %d", i/testN, i%testN, c, st.X[i])
			}
		}
		// Every pixel, not just the centres: a lit cell fills its square
		// and lights nothing beside it.
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if isColour(img.RGBAAt(x, y), dotRedPx) {
					red++
				}
			}
		}
		if lit != 1 {
			t.Errorf("%d cells lit, want the border walk's 1", lit)
		}
		if red != lit*cellPx*cellPx {
			t.Errorf("%d red pixels in the input panel, want %d (%d lit cells of %d×%d)", red, lit*cellPx*cellPx, lit, cellPx, cellPx)
		}
	})

	t.Run("prediction", func(t *testing.T) {
		r := panelCells(t, int(ViewPrediction))
		for i := range st.YHat {
			p := cellCentre(r, i)
			if c := img.RGBAAt(p.X, p.Y); isColour(c, predGreenPx) != (st.YHat[i] != 0) {
				t.Errorf("prediction cell (%d,%d): centre %v, ŷ = %d", i/testN, i%testN, c, st.YHat[i])
			}
		}
		// The target X(t+1) is outlined in white along its cell's edge,
		// inside or just outside it: every white pixel lies within 2
		// pixels of a target cell, and every target cell has some.
		const reach = 2
		var targets []image.Rectangle
		for i, y := range st.Y {
			if y != 0 {
				c := r.Min.Add(image.Pt(i%testN*cellPx, i/testN*cellPx))
				targets = append(targets, image.Rect(c.X-reach, c.Y-reach, c.X+cellPx+reach, c.Y+cellPx+reach))
			}
		}
		if len(targets) != 1 {
			t.Errorf("%d target cells, want the border walk's 1", len(targets))
		}
		ringed := make([]int, len(targets))
		stray := 0
		for y := r.Min.Y - reach; y < r.Max.Y+reach; y++ {
			for x := r.Min.X - reach; x < r.Max.X+reach; x++ {
				c := img.RGBAAt(x, y)
				if c.R < 200 || c.G < 200 || c.B < 200 {
					continue
				}
				near := false
				for k, tr := range targets {
					if image.Pt(x, y).In(tr) {
						ringed[k]++
						near = true
					}
				}
				if !near {
					if stray < 5 {
						t.Errorf("white pixel (%d,%d) %v is not on a target cell's outline", x, y, c)
					}
					stray++
				}
			}
		}
		for k, n := range ringed {
			if n < cellPx {
				t.Errorf("target cell at %v has %d white pixels around it; want an outline", targets[k].Min.Add(image.Pt(reach, reach)), n)
			}
		}
	})

	t.Run("error", func(t *testing.T) {
		if fn == 0 || fp == 0 {
			t.Fatalf("scene has %d misses and %d false alarms; the check needs both", fn, fp)
		}
		slot := int((st.T - 1) % cpuref.Window)
		if rfn, rfp := st.Ring[slot*cpuref.RingFields+cpuref.RingFN], st.Ring[slot*cpuref.RingFields+cpuref.RingFP]; int(rfn) != fn || int(rfp) != fp {
			t.Errorf("ring slot %d of step %d counts FN %d, FP %d; the error buffer has %d, %d", slot, st.T-1, rfn, rfp, fn, fp)
		}
		r := panelCells(t, int(ViewError))
		red, blue := 0, 0
		for i, e := range st.Err {
			p := cellCentre(r, i)
			c := img.RGBAAt(p.X, p.Y)
			isRed, isBlue := isColour(c, missRedPx), isColour(c, alarmBluePx)
			if isRed {
				red++
			}
			if isBlue {
				blue++
			}
			if isRed != (e > 0) || isBlue != (e < 0) {
				t.Errorf("error cell (%d,%d): pixel %v, e = %d", i/testN, i%testN, c, e)
			}
		}
		if red != fn || blue != fp {
			t.Errorf("error panel shows %d misses and %d false alarms, the step had FN %d, FP %d", red, blue, fn, fp)
		}
	})
}

// TestPointCount checks that with no afterglow the 3-D panel lists one
// point per spike of the last step in each layer.
func TestPointCount(t *testing.T) {
	sim, st := errorScene(t)
	v := newTestViz(t, sim, Options{Afterglow: 0})
	want := count(st.X) + count(st.S) + count(st.YHat)
	if want == 0 {
		t.Fatal("the scene's last step has no spikes in any layer")
	}
	var got uint32
	gputest.Do(t, func() error {
		v.Update()
		got = v.PointCount()
		return nil
	})
	if int(got) != want {
		t.Errorf("3-D panel lists %d points; the step had %d lit inputs + %d hidden spikes + %d predictions = %d",
			got, count(st.X), count(st.S), count(st.YHat), want)
	}
	// A second frame with no step in between shows the same spikes.
	gputest.Do(t, func() error {
		v.Update()
		got = v.PointCount()
		return nil
	})
	if int(got) != want {
		t.Errorf("after a second frame with no step: %d points, want %d", got, want)
	}
}

// TestLayout checks that the layout's rectangles lie in the framebuffer,
// do not overlap, and that the 2-D panels are square under their titles,
// in landscape, wide and portrait windows at scale 1 and 2.
func TestLayout(t *testing.T) {
	for _, sz := range layoutSizes {
		for _, scale := range []float32{1, 2} {
			w, h := sz[0], sz[1]
			l := ComputeLayout(w, h, scale)
			rects := map[string]Rect{"header": l.Header, "curve": l.Curve}
			names := [4]string{"input", "prediction", "error", "3-D"}
			for k := 0; k < 4; k++ {
				rects[names[k]] = l.Panels[k]
				rects[names[k]+" title"] = l.Titles[k]
			}
			where := fmt.Sprintf("%d×%d at scale %g", w, h, scale)
			for name, r := range rects {
				if r.W <= 0 || r.H <= 0 {
					t.Errorf("%s: %s is empty: %+v", where, name, r)
				}
				if r.X < 0 || r.Y < 0 || r.X+r.W > float32(w) || r.Y+r.H > float32(h) {
					t.Errorf("%s: %s %+v is not inside the framebuffer", where, name, r)
				}
				for other, o := range rects {
					if name < other && overlap(r, o) {
						t.Errorf("%s: %s %+v overlaps %s %+v", where, name, r, other, o)
					}
				}
			}
			for k := 0; k < 4; k++ {
				p, ti := l.Panels[k], l.Titles[k]
				if k < 3 && p.W != p.H {
					t.Errorf("%s: %s panel is %g×%g, not square", where, names[k], p.W, p.H)
				}
				if ti.X != p.X || ti.W != p.W || ti.Y+ti.H != p.Y {
					t.Errorf("%s: %s title %+v is not just above its panel %+v", where, names[k], ti, p)
				}
			}
		}
	}
}

// layoutSizes are framebuffers of the shapes a window takes: landscape,
// very wide (four panels across) and portrait.
var layoutSizes = [][2]int{{640, 480}, {1280, 800}, {1920, 1080}, {2560, 720}, {800, 1200}}

// TestCameraFitsStack checks that the default view keeps every corner of
// the three planes inside the 3-D panel, with a margin for the points'
// radius, at every yaw of the slow rotation and in every layout.
func TestCameraFitsStack(t *testing.T) {
	const margin = 0.92 // of the half-width and half-height in clip space
	for _, sz := range layoutSizes {
		for _, scale := range []float32{1, 2} {
			p := ComputeLayout(sz[0], sz[1], scale).Panels[Slot3D]
			aspect := p.W / p.H
			worst, worstYaw := float32(0), 0
			for deg := 0; deg < 360; deg += 3 {
				cam := DefaultCamera()
				cam.Yaw = float32(deg) * math.Pi / 180
				m := cam.mvp(aspect)
				for layer := -1; layer <= 1; layer++ {
					for _, c := range [4][2]float32{{-0.5, -0.5}, {0.5, -0.5}, {0.5, 0.5}, {-0.5, 0.5}} {
						q := m.Mul4x1(mgl32.Vec4{c[0], float32(layer) * layerGap, c[1], 1})
						e := max(abs32(q[0]/q[3]), abs32(q[1]/q[3]))
						if q[3] <= 0 {
							e = float32(math.Inf(1))
						}
						if e > worst {
							worst, worstYaw = e, deg
						}
					}
				}
			}
			if worst > margin {
				t.Errorf("%d×%d at scale %g: 3-D panel %g×%g; at yaw %d° a plane's corner is at %.2f of the half-size, over %g",
					sz[0], sz[1], scale, p.W, p.H, worstYaw, worst, margin)
			}
		}
	}
}

func abs32(x float32) float32 { return max(x, -x) }

// overlap reports whether two rectangles share any area (touching edges
// do not count).
func overlap(a, b Rect) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}
