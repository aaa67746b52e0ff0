package viz

import (
	"slices"
	"testing"
)

// TestTileOf: a tile holds k entries, is at least as wide as tall, and
// has no empty row.
func TestTileOf(t *testing.T) {
	for k := 1; k <= 16; k++ {
		c, r := tileOf(k)
		if c*r < k || c < r || (r-1)*c >= k {
			t.Errorf("tileOf(%d) = %d×%d", k, c, r)
		}
	}
	if c, r := tileOf(4); c != 2 || r != 2 {
		t.Errorf("tileOf(4) = %d×%d, want 2×2", c, r)
	}
}

// TestCellsFor: at K = 1 every view draws one entry of one plane, as
// before there were planes; with K > 1 a per-cell view shows the cell
// chosen, or all K in a tile, and W_rec K windows a cell.
func TestCellsFor(t *testing.T) {
	one := viewCells{planes: 1, inner: 1, show: 0, tile: [2]int{1, 1}, entries: 1}
	for _, l := range []cellLayout{perPixel, planes, inner, both} {
		for _, show := range []int{0, ShowAll} {
			if got := cellsFor(l, 1, show); got != one {
				t.Errorf("K=1, layout %d, show %d: %+v, want %+v", l, show, got, one)
			}
		}
		if got := cellsFor(perPixel, 4, ShowAll); got != one {
			t.Errorf("K=4, a per-pixel view: %+v, want %+v", got, one)
		}
	}
	for _, c := range []struct {
		l    cellLayout
		show int
		want viewCells
	}{
		{planes, 2, viewCells{4, 1, 2, [2]int{1, 1}, 1}},
		{planes, ShowAll, viewCells{4, 1, ShowAll, [2]int{2, 2}, 4}},
		{inner, 3, viewCells{1, 4, 3, [2]int{1, 1}, 1}},
		{inner, ShowAll, viewCells{1, 4, ShowAll, [2]int{2, 2}, 4}},
		{both, 1, viewCells{4, 4, 1, [2]int{2, 2}, 4}},
		{both, ShowAll, viewCells{4, 4, ShowAll, [2]int{4, 4}, 16}},
	} {
		if got := cellsFor(c.l, 4, c.show); got != c.want {
			t.Errorf("K=4, layout %d, show %d: %+v, want %+v", c.l, c.show, got, c.want)
		}
	}
}

// TestRasterCellsK: the hidden raster lists cell c of each pixel
// (ci = c·n² + i), or all K of each pixel one after another; the other
// layers list pixels; a row's entries name that row's pixels.
func TestRasterCellsK(t *testing.T) {
	const n, k = 4, 3
	w := &views{n: n, k: k, show: 1, layer: RasterHidden, rowOf: -1}
	got := w.rasterCells()
	if len(got) != n*n || got[0] != n*n || got[5] != n*n+5 {
		t.Errorf("cell 1: %v", got)
	}
	w.show = ShowAll
	got = w.rasterCells()
	if len(got) != k*n*n || !slices.Equal(got[:4], []uint32{0, n * n, 2 * n * n, 1}) {
		t.Errorf("all cells: %v…", got[:8])
	}
	w.rowOf = 2
	got = w.rasterCells()
	if len(got) != k*n || got[0] != 2*n || got[k] != 2*n+1 {
		t.Errorf("row 2, all cells: %v", got)
	}
	for e := range got {
		w.cellList = got
		f := (float32(e) + 0.5) / float32(len(got))
		if r, c, ok := w.rasterCell(f); !ok || r != 2 || c != e/k {
			t.Errorf("raster row %d of row 2: cell (%d, %d)", e, r, c)
		}
	}
	w.layer, w.rowOf = RasterInput, -1
	if got := w.rasterCells(); len(got) != n*n || got[n*n-1] != n*n-1 {
		t.Errorf("input layer: %v", got)
	}
	// Too many entries: a sample of rasterMaxRows, in grid order.
	w = &views{n: 32, k: 4, show: ShowAll, layer: RasterHidden, rowOf: -1}
	got = w.rasterCells()
	if len(got) != rasterMaxRows {
		t.Errorf("32×32×4 cells: %d rows, want a sample of %d", len(got), rasterMaxRows)
	}
	for e := 1; e < len(got); e++ {
		a, b := got[e-1], got[e]
		if a%(32*32) > b%(32*32) {
			t.Fatalf("sample rows %d, %d out of grid order: %d then %d", e-1, e, a, b)
		}
	}
}
