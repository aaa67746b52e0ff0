package viz

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
)

// View is what a 2-D panel shows. The first three are drawn by
// panel.frag, one program each (a View is its PANEL_KIND); the rest by
// view.frag from the simulation's storage buffers, or from the
// renderer's own rate and raster buffers.
type View int

// The views, in the order the panel keys cycle them.
const (
	ViewInput View = iota
	ViewPrediction
	ViewError
	ViewWIn    // W_in: each hidden cell's 3×3 patch, tiled in grid order
	ViewWOut   // the local W_out window of each output cell
	ViewWRec   // W_rec window of each hidden cell
	ViewW12    // second-layer W12 patches (-horizon > 1)
	ViewTheta  // threshold θ
	ViewV      // membrane potential v
	ViewP      // pre-synaptic trace p
	ViewQ      // post-synaptic trace q
	ViewRate   // hidden firing rate (per-frame EMA, see rate.comp)
	ViewRaster // spike raster of a row or a sample of cells
	numViews
)

// Kinds of view, shared with view.frag.
const (
	kindPanel = iota // panel.frag
	kindMosaic
	kindMap
	kindRaster
)

type viewSpec struct {
	name, title string
	kind        int
	glsl        string     // the simulation buffer it draws ("" : the renderer's own)
	signed      bool       // diverging colour map around 0
	cells       cellLayout // how it holds a pixel's K hidden cells
	side        func(p cpuref.Params) int
	// ok reports whether the network has this view (W12 needs a second
	// layer, W_rec a radius, the W_out mosaic a local layout).
	ok func(p cpuref.Params) bool
}

func always(cpuref.Params) bool { return true }
func three(cpuref.Params) int   { return 3 }

var viewSpecs = [numViews]viewSpec{
	ViewInput:      {"input", "Input X(t)", kindPanel, "", false, perPixel, nil, always},
	ViewPrediction: {"prediction", "Prediction ŷ(t)", kindPanel, "", false, perPixel, nil, always},
	ViewError:      {"error", "Error y − ŷ", kindPanel, "", false, perPixel, nil, always},
	ViewWIn:        {"win", "W_in patches", kindMosaic, "wIn", false, planes, three, always},
	ViewWOut: {"wout", "W_out windows", kindMosaic, "wOut", true, inner,
		func(p cpuref.Params) int { return 2*p.ROut + 1 },
		func(p cpuref.Params) bool { return p.OutLayout == cpuref.Local }},
	ViewWRec: {"wrec", "W_rec windows", kindMosaic, "wRec", true, both,
		func(p cpuref.Params) int { return 2*p.RRec + 1 },
		func(p cpuref.Params) bool { return p.RRec > 0 }},
	ViewW12: {"w12", "W12 patches", kindMosaic, "w12", false, inner, three,
		func(p cpuref.Params) bool { return p.Layer2() == 1 }},
	ViewTheta:  {"theta", "θ threshold", kindMap, "theta", false, planes, nil, always},
	ViewV:      {"v", "v membrane", kindMap, "v", true, planes, nil, always},
	ViewP:      {"p", "p pre trace", kindMap, "p", false, perPixel, nil, always},
	ViewQ:      {"q", "q post trace", kindMap, "q", false, planes, nil, always},
	ViewRate:   {"rate", "Firing rate", kindMap, "", false, planes, nil, always},
	ViewRaster: {"raster", "Spike raster", kindRaster, "", false, perPixel, nil, always},
}

func (v View) String() string {
	if v < 0 || v >= numViews {
		return fmt.Sprintf("View(%d)", int(v))
	}
	return viewSpecs[v].name
}

// ViewNames lists every view's name, for -panels and the help overlay.
func ViewNames() []string {
	out := make([]string, numViews)
	for i := range out {
		out[i] = viewSpecs[i].name
	}
	return out
}

// ParseViews reads a comma-separated list of view names (-panels), at
// most three, for the 2-D panels in order.
func ParseViews(s string) ([]View, error) {
	var out []View
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.ToLower(f))
		if f == "" {
			continue
		}
		i := slices.Index(ViewNames(), f)
		if i < 0 {
			return nil, fmt.Errorf("viz: unknown view %q (want one of %s)", f, strings.Join(ViewNames(), ", "))
		}
		out = append(out, View(i))
	}
	if len(out) > 3 {
		return nil, fmt.Errorf("viz: %d views for 3 panels", len(out))
	}
	return out, nil
}

// Available reports whether the network with parameters p has view w.
func Available(w View, p cpuref.Params) bool {
	return w >= 0 && w < numViews && viewSpecs[w].ok(p)
}

// Raster layers.
const (
	RasterInput = iota
	RasterHidden
	RasterOutput
	RasterHidden2
)

var rasterLayerNames = []string{"input", "hidden", "output ŷ", "hidden₂"}

// Sizes of the renderer's view buffers.
const (
	rasterCols    = 512  // frames of history, a multiple of 32
	rasterMaxRows = 1024 // cells in a sampled raster
	rateAlpha     = 1.0 / 64
)

// Binding points of the views' buffers, after the 3-D panel's.
var (
	bindViewSrc     = gpu.FirstFreeBinding + 2
	bindRanges      = gpu.FirstFreeBinding + 3
	bindRaster      = gpu.FirstFreeBinding + 4
	bindRasterCells = gpu.FirstFreeBinding + 5
	bindRate        = gpu.FirstFreeBinding + 6
	bindLastSpike   = gpu.FirstFreeBinding + 7
)

// views holds what the data views need beyond the simulation's buffers:
// their programs (compiled on first use), the per-cell rate and last
// spike, the raster, and each view's colour scale.
type views struct {
	n      int
	k      int // hidden cells a pixel
	show   int // the cell the per-cell views show, or ShowAll
	p      cpuref.Params
	defs   gpu.Defines
	prog   [numViews]uint32
	rateP  uint32 // rate.comp
	rastP  uint32 // raster.comp
	rangeP uint32 // viewRange.comp

	rate, lastSpike uint32
	raster, cells   uint32
	ranges          uint32 // max |x| of each view, as float bits
	scales          *smallRead
	Scale           [numViews]float32 // last scales read back (a frame late)

	rows      int // raster rows in use
	head      int // raster column of the newest frame
	filled    int
	layer     int // raster layer
	rowOf     int // raster: the grid row shown, or −1 for a sample
	cellList  []uint32
	listDirty bool
}

func newViews(p cpuref.Params, defs gpu.Defines) (*views, error) {
	d := gpu.Defines{}
	maps.Copy(d, defs)
	d["B_VIEWSRC"], d["B_RANGES"], d["B_RASTER"] = bindViewSrc, bindRanges, bindRaster
	d["B_RASTERCELLS"], d["B_RATE"], d["B_LASTSPIKE"] = bindRasterCells, bindRate, bindLastSpike
	defs = d
	w := &views{n: p.N, k: cellsOf(p), p: p, defs: defs, layer: RasterHidden, rowOf: -1, listDirty: true}
	if w.k > 1 {
		w.show = ShowAll
	}
	var err error
	if w.rateP, err = gpu.ComputeProgram("rate.comp", defs); err != nil {
		return nil, err
	}
	if w.rastP, err = gpu.ComputeProgram("raster.comp", defs); err != nil {
		w.release()
		return nil, err
	}
	if w.rangeP, err = gpu.ComputeProgram("viewRange.comp", defs); err != nil {
		w.release()
		return nil, err
	}
	cells := w.k * p.N * p.N // the rate and last spike of every hidden cell
	for _, b := range []*uint32{&w.rate, &w.lastSpike, &w.raster, &w.cells, &w.ranges} {
		gl.CreateBuffers(1, b)
	}
	gl.NamedBufferData(w.rate, 4*cells, nil, gl.DYNAMIC_COPY)
	gl.NamedBufferData(w.lastSpike, 4*cells, nil, gl.DYNAMIC_COPY)
	gl.NamedBufferData(w.raster, 4*rasterMaxRows*rasterCols/32, nil, gl.DYNAMIC_COPY)
	gl.NamedBufferData(w.cells, 4*rasterMaxRows, nil, gl.DYNAMIC_DRAW)
	gl.NamedBufferData(w.ranges, 4*int(numViews), nil, gl.DYNAMIC_COPY)
	w.reset()
	if e := gl.GetError(); e != gl.NO_ERROR {
		w.release()
		return nil, fmt.Errorf("viz: allocate view buffers: GL error 0x%x", e)
	}
	w.scales = newSmallRead(4 * int(numViews))
	return w, nil
}

// reset forgets the rates, last spikes and the raster (after R).
func (w *views) reset() {
	for _, b := range []uint32{w.rate, w.lastSpike, w.raster, w.ranges} {
		gl.ClearNamedBufferData(b, gl.R32UI, gl.RED_INTEGER, gl.UNSIGNED_INT, nil)
	}
	w.head, w.filled = rasterCols-1, 0
}

// program returns view k's program, compiling it on first use.
func (w *views) program(k View) (uint32, error) {
	if w.prog[k] != 0 {
		return w.prog[k], nil
	}
	d := gpu.Defines{}
	maps.Copy(d, w.defs)
	d["VIEW_MOSAIC"], d["VIEW_MAP"], d["VIEW_RASTER"] = kindMosaic, kindMap, kindRaster
	d["VIEW_KIND"] = viewSpecs[k].kind
	p, err := gpu.NewGraphicsProgram("panel.vert", "view.frag", d, "")
	if err != nil {
		return 0, err
	}
	w.prog[k] = p
	return p, nil
}

// SetRasterRow shows grid row r in the raster, or a sample of cells
// when r < 0.
func (w *views) setRasterRow(r int) {
	if r != w.rowOf {
		w.rowOf, w.listDirty = r, true
	}
}

// setShown shows hidden cell c of every pixel (or ShowAll) in the
// per-cell views and the raster's hidden layer.
func (w *views) setShown(c int) {
	if c != w.show {
		w.show = c
		w.listDirty = w.listDirty || w.layer == RasterHidden
	}
}

// rasterCells lists the cells of the raster's rows, in grid order: all
// cells when they fit, one grid row, or a fixed random sample. In the
// hidden layer with K > 1 cells a pixel an entry is a hidden cell,
// ci = c·n² + i: the cell shown of each pixel, or all K of each, a
// pixel's after one another.
func (w *views) rasterCells() []uint32 {
	n := w.n
	planes := []int{0}
	if w.layer == RasterHidden && w.k > 1 {
		if planes[0] = w.show; w.show == ShowAll {
			planes = make([]int, w.k)
			for c := range planes {
				planes[c] = c
			}
		}
	}
	// The entries in order: pixel i's are e = i·len(planes) + the plane's place.
	entry := func(e int) uint32 {
		return uint32(planes[e%len(planes)]*n*n + e/len(planes))
	}
	per := len(planes)
	switch {
	case w.rowOf >= 0:
		out := make([]uint32, n*per)
		for e := range out {
			out[e] = entry(w.rowOf*n*per + e)
		}
		return out
	case n*n*per <= rasterMaxRows:
		out := make([]uint32, n*n*per)
		for e := range out {
			out[e] = entry(e)
		}
		return out
	}
	// A fixed sample (the same every run), sorted so rows keep grid order.
	r := rand.New(rand.NewPCG(1, uint64(n)))
	pick := r.Perm(n * n * per)[:rasterMaxRows]
	sort.Ints(pick)
	out := make([]uint32, len(pick))
	for i, e := range pick {
		out[i] = entry(e)
	}
	return out
}

// update runs the per-frame passes after the steps of a frame: the rate
// and last spike of every hidden cell, and one raster column. t is the
// step count reached (the spikes are those of step t−1).
func (w *views) update(t int64) {
	if w.listDirty {
		w.cellList = w.rasterCells()
		w.rows = len(w.cellList)
		gl.NamedBufferSubData(w.cells, 0, 4*len(w.cellList), gl.Ptr(w.cellList))
		gl.ClearNamedBufferData(w.raster, gl.R32UI, gl.RED_INTEGER, gl.UNSIGNED_INT, nil)
		w.filled = 0
		w.listDirty = false
	}
	gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(bindRate), w.rate)
	gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(bindLastSpike), w.lastSpike)
	gl.UseProgram(w.rateP)
	setInt(w.rateP, "uN", int32(w.n))
	setInt(w.rateP, "uCells", int32(w.k))
	setFloat(w.rateP, "uAlpha", rateAlpha)
	gl.ProgramUniform1ui(w.rateP, loc(w.rateP, "uStep"), uint32(max(t-1, 0)))
	gx, gy := gpu.Groups(w.n)
	gl.DispatchCompute(gx, gy, 1)

	w.head = (w.head + 1) % rasterCols
	w.filled = min(w.filled+1, rasterCols)
	gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(bindRaster), w.raster)
	gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(bindRasterCells), w.cells)
	gl.UseProgram(w.rastP)
	setInt(w.rastP, "uN", int32(w.n))
	setInt(w.rastP, "uRows", int32(w.rows))
	setInt(w.rastP, "uCols", rasterCols)
	setInt(w.rastP, "uCol", int32(w.head))
	setInt(w.rastP, "uLayer", int32(w.layer))
	gl.DispatchCompute(uint32((w.rows+gpu.WGX*gpu.WGY-1)/(gpu.WGX*gpu.WGY)), 1, 1)
	gl.MemoryBarrier(gl.SHADER_STORAGE_BARRIER_BIT)
}

// source returns the GL buffer a view draws and its length in floats.
func (w *views) source(sim *gpu.Sim, k View) (uint32, int) {
	if k == ViewRate {
		return w.rate, w.k * w.n * w.n
	}
	b, ok := gpu.BufferNamed(viewSpecs[k].glsl)
	if !ok {
		return 0, 0
	}
	return sim.BufferID(b), sim.BufferBytes(b) / 4
}

// measure computes the colour scale (max |x|) of each view in ks, on the
// GPU, for the draws that follow; the values come back to Scale a frame
// later for the colour bars' labels. A view of one cell of a K-plane
// buffer is scaled to that cell's plane; one of a pixel's K windows side
// by side (W_out, W12), to all of them.
func (w *views) measure(sim *gpu.Sim, ks []View) {
	if vals, ok := w.scales.poll(); ok {
		w.setScales(vals)
	}
	gl.UseProgram(w.rangeP)
	gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(bindRanges), w.ranges)
	done := map[View]bool{}
	for _, k := range ks {
		if done[k] || viewSpecs[k].kind == kindPanel || viewSpecs[k].kind == kindRaster {
			continue
		}
		done[k] = true
		buf, length := w.source(sim, k)
		if buf == 0 {
			continue
		}
		gl.ClearNamedBufferSubData(w.ranges, gl.R32UI, 4*int(k), 4, gl.RED_INTEGER, gl.UNSIGNED_INT, nil)
		gl.MemoryBarrier(gl.BUFFER_UPDATE_BARRIER_BIT)
		setInt(w.rangeP, "uRangeSlot", int32(k))
		// A band of rows at a time (the whole buffer in one, unless it is
		// larger than a storage block): the maxima add up by atomicMax.
		// One cell of a K-plane buffer shown: the scale of its plane.
		c := layoutOf(k, w.p)
		one := w.k > 1 && w.show != ShowAll && (c == planes || c == both)
		w.bands(sim, k, buf, length, func(b band) {
			if one && b.p1-b.p0 > 1 {
				per := b.floats / (b.p1 - b.p0)
				b.src0, b.floats = b.src0+(w.show-b.p0)*per, per
			} else if one && (w.show < b.p0 || w.show >= b.p1) {
				return
			}
			gl.ProgramUniform1ui(w.rangeP, loc(w.rangeP, "uSrc0"), uint32(b.src0))
			gl.ProgramUniform1ui(w.rangeP, loc(w.rangeP, "uLen"), uint32(b.floats))
			per := gpu.WGX * gpu.WGY * 16
			gl.DispatchCompute(uint32((b.floats+per-1)/per), 1, 1)
		})
		gl.MemoryBarrier(gl.SHADER_STORAGE_BARRIER_BIT)
	}
	if !w.scales.inFlight() {
		w.scales.start([]copySpan{{w.ranges, 0, 0, 4 * int(numViews)}})
	}
}

func (w *views) setScales(vals []uint32) {
	for i := range w.Scale {
		w.Scale[i] = math.Float32frombits(vals[i])
	}
}

// draw draws view k into the current viewport of pw×ph pixels; bar draws
// its colour bar instead.
func (w *views) draw(sim *gpu.Sim, k View, pw, ph int, z Zoom, pick [2]int, bar bool) error {
	prog, err := w.program(k)
	if err != nil {
		return err
	}
	s := viewSpecs[k]
	gl.UseProgram(prog)
	buf, length := w.source(sim, k)
	if buf == 0 {
		buf, length = w.rate, w.n*w.n // the raster reads no source; bind something valid
	}
	gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(bindRanges), w.ranges)
	gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(bindRaster), w.raster)
	gl.Uniform1i(loc(prog, "uN"), int32(w.n))
	gl.Uniform2f(loc(prog, "uPixels"), float32(pw), float32(ph))
	gl.Uniform4f(loc(prog, "uView"), z.X, z.Y, z.Span, z.Span)
	gl.Uniform2i(loc(prog, "uPick"), int32(pick[1]), int32(pick[0]))
	side := 1
	if s.side != nil {
		side = s.side(w.p)
	}
	gl.Uniform1i(loc(prog, "uSide"), int32(side))
	gl.Uniform1i(loc(prog, "uRange"), int32(k))
	gl.Uniform1i(loc(prog, "uSigned"), b2i(s.signed))
	gl.Uniform1i(loc(prog, "uBar"), b2i(bar))
	gl.Uniform1i(loc(prog, "uRows"), int32(max(w.rows, 1)))
	gl.Uniform1i(loc(prog, "uCols"), rasterCols)
	gl.Uniform1i(loc(prog, "uHead"), int32(w.head))
	gl.Uniform1i(loc(prog, "uFilled"), int32(w.filled))
	vc := cellsFor(layoutOf(k, w.p), w.k, w.show)
	gl.Uniform1i(loc(prog, "uPlanes"), int32(vc.planes))
	gl.Uniform1i(loc(prog, "uInner"), int32(vc.inner))
	gl.Uniform1i(loc(prog, "uShow"), int32(vc.show))
	gl.Uniform2i(loc(prog, "uTile"), int32(vc.tile[0]), int32(vc.tile[1]))
	gl.Uniform1i(loc(prog, "uEntries"), int32(vc.entries))
	// A band of rows (and planes) at a time; each draw leaves the others'
	// cells alone.
	w.bands(sim, k, buf, length, func(b band) {
		gl.Uniform2i(loc(prog, "uBand"), int32(b.r0), int32(b.r0+b.rows))
		gl.Uniform2i(loc(prog, "uPlaneRange"), int32(b.p0), int32(b.p1))
		gl.Uniform1i(loc(prog, "uSrc0"), int32(b.src0))
		gl.DrawArrays(gl.TRIANGLE_STRIP, 0, 4)
	})
	return nil
}

// band is one part of a view's source buffer bound at bindViewSrc: the
// planes [p0, p1) and grid rows [r0, r0+rows) it holds, from float src0
// of the bound range (an offset GL cannot bind at is rounded down), and
// its floats.
type band struct {
	p0, p1, r0, rows int
	src0, floats     int
}

// bands binds view k's source buf (length floats) at bindViewSrc a part
// at a time and calls f for each. A weight buffer larger than a storage
// block comes in the bands of rows the simulation dispatches
// (gpu.Sim.Bands), a K-plane one a plane at a time (a band of a plane's
// rows is contiguous; the same rows of all planes are not); any other
// buffer in one part of every plane and row.
func (w *views) bands(sim *gpu.Sim, k View, buf uint32, length int, f func(band)) {
	np := 1
	if c := layoutOf(k, w.p); w.k > 1 && (c == planes || c == both) {
		np = w.k
	}
	rows, rowBytes := w.n, 0
	if b, ok := gpu.BufferNamed(viewSpecs[k].glsl); ok && buf == sim.BufferID(b) {
		rows, rowBytes = sim.Bands(b)
	}
	if rows >= w.n || rowBytes == 0 {
		gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(bindViewSrc), buf)
		f(band{p0: 0, p1: np, r0: 0, rows: w.n, floats: length})
		return
	}
	var align int32
	gl.GetIntegerv(gl.SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT, &align)
	align = max(align, 4)
	planeRow := rowBytes / np // a simulation row holds the row of every plane
	for p := range np {
		for r0 := 0; r0 < w.n; r0 += rows {
			n := min(rows, w.n-r0)
			off := (p*w.n + r0) * planeRow
			at := off - off%int(align)
			gl.BindBufferRange(gl.SHADER_STORAGE_BUFFER, uint32(bindViewSrc), buf, at, off-at+n*planeRow)
			f(band{p0: p, p1: p + 1, r0: r0, rows: n, src0: (off - at) / 4, floats: n * planeRow / 4})
		}
	}
}

// rasterCell returns the cell (row, col) of raster row fraction f in
// [0, 1), or false when the raster is empty.
func (w *views) rasterCell(f float32) (int, int, bool) {
	if len(w.cellList) == 0 {
		return 0, 0, false
	}
	// An entry may be a hidden cell ci = c·n² + i: its pixel is i.
	i := int(w.cellList[min(int(f*float32(len(w.cellList))), len(w.cellList)-1)]) % (w.n * w.n)
	return i / w.n, i % w.n, true
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

func (w *views) release() {
	for i := range w.prog {
		if w.prog[i] != 0 {
			gl.DeleteProgram(w.prog[i])
			w.prog[i] = 0
		}
	}
	for _, p := range []*uint32{&w.rateP, &w.rastP, &w.rangeP} {
		if *p != 0 {
			gl.DeleteProgram(*p)
			*p = 0
		}
	}
	for _, b := range []*uint32{&w.rate, &w.lastSpike, &w.raster, &w.cells, &w.ranges} {
		if *b != 0 {
			gl.DeleteBuffers(1, b)
			*b = 0
		}
	}
	if w.scales != nil {
		w.scales.release()
		w.scales = nil
	}
}
