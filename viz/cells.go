package viz

import (
	"fmt"
	"math"

	"github.com/spikecast/spikecast/cpuref"
)

// A network with K > 1 hidden cells a pixel holds K planes of every
// first-layer quantity: cell c of pixel i is at ci = c·n² + i (v, θ, q,
// the spikes' bit sets one plane after another, W_in's patches at
// ci·9 + m, W_rec's windows at (ci·K + c′)·S_rec + m), while the
// weights that read all K cells of a pixel keep a pixel's K windows side
// by side (local W_out at (k·K + c)·S_out + m, W12 at (i·K + c)·9 + m).
// The views show one cell c of every pixel, chosen by K in the window,
// or all K: each grid cell drawn as a tile of its K cells, row by row.
// At K = 1 there is one cell and nothing of this shows.

// ShowAll is Viz.Cell's value that shows every cell of a pixel, tiled.
const ShowAll = -1

// cellsOf returns the hidden cells a pixel of network p has.
func cellsOf(p cpuref.Params) int { return max(p.K, 1) }

// tileOf returns the tile (columns, rows) in which a grid cell shows k
// entries: the squarest with columns ≥ rows, e.g. 2×2 for 4, 3×2 for 5
// or 6, 4×4 for 16.
func tileOf(k int) (cols, rows int) {
	cols = int(math.Ceil(math.Sqrt(float64(k))))
	rows = (k + cols - 1) / cols
	return cols, rows
}

// CycleCell moves the views to the next (dir > 0) or previous of the
// cells 0 … K−1 and "all", and returns what they show now, for the
// window's status line.
func (v *Viz) CycleCell(dir int) string {
	k := cellsOf(v.sim.Params)
	if k == 1 {
		return "one hidden cell a pixel"
	}
	// The K + 1 choices in order: 0 … K−1, then all (ShowAll).
	at := v.Cell
	if at == ShowAll {
		at = k
	}
	at = (at + dir + k + 1) % (k + 1)
	if at == k {
		at = ShowAll
	}
	v.SetCell(at)
	return "hidden cells: " + v.cellLabel()
}

// SetCell shows cell c of every pixel (0 ≤ c < K), or all of them
// (ShowAll), in the per-cell views and the raster's hidden layer.
func (v *Viz) SetCell(c int) {
	k := cellsOf(v.sim.Params)
	if k == 1 || (c != ShowAll && (c < 0 || c >= k)) {
		return // one cell a pixel: always cell 0
	}
	if c != v.Cell {
		v.Cell = c
		v.views.setShown(c)
	}
}

// cellLabel names the cells the views show: "cell 2 of 4" or "all 4
// cells", or "" with one cell a pixel.
func (v *Viz) cellLabel() string {
	k := cellsOf(v.sim.Params)
	switch {
	case k == 1:
		return ""
	case v.Cell == ShowAll:
		return fmt.Sprintf("all %d cells", k)
	}
	return fmt.Sprintf("cell %d of %d", v.Cell, k)
}

// cellLayout says how a view's buffer holds the K cells of a pixel.
type cellLayout int

const (
	perPixel cellLayout = iota // one value a pixel: p, and the panels
	planes                     // K planes, cell ci = c·n² + i: v, θ, q, the rate, W_in
	inner                      // a pixel's K windows side by side, (i·K + c)·S: W_out, W12
	both                       // K planes of K windows, (ci·K + c′)·S: W_rec
)

// layoutOf returns how view k holds a pixel's cells in network p: its
// spec's layout, except W_out's, which has one window an output when the
// second layer (one cell a pixel) feeds the output (cpuref's OutPlanes).
func layoutOf(k View, p cpuref.Params) cellLayout {
	if k == ViewWOut && p.OutPlanes() == 1 {
		return perPixel
	}
	return viewSpecs[k].cells
}

// viewCells is what one draw of a view shows of the cells: the buffer's
// planes and windows a cell, the cell shown (or ShowAll) and the tile a
// grid cell is drawn as (1×1 when it shows one entry).
type viewCells struct {
	planes, inner int
	show          int
	tile          [2]int
	entries       int
}

// cellsFor returns how view k is drawn with K cells a pixel, showing
// cell show (or ShowAll). A pixel's tile holds one entry for each cell
// shown; W_rec shows cell c's K windows (one over each plane c′), and
// with ShowAll all K×K, a row a cell.
func cellsFor(l cellLayout, k, show int) viewCells {
	vc := viewCells{planes: 1, inner: 1, show: 0, tile: [2]int{1, 1}, entries: 1}
	if k == 1 || l == perPixel {
		return vc
	}
	switch l {
	case planes:
		vc.planes = k
	case inner:
		vc.inner = k
	case both:
		vc.planes, vc.inner = k, k
	}
	vc.show = show
	switch {
	case l == both && show == ShowAll:
		vc.tile, vc.entries = [2]int{k, k}, k*k
	case l == both || show == ShowAll:
		c, r := tileOf(k)
		vc.tile, vc.entries = [2]int{c, r}, k
	}
	return vc
}
