package viz

// Zoom is the part of the grid the 2-D panels show, shared by all of them
// so that a cell sits at the same place in each: a square of Span cells
// whose top-left corner is the grid point (X, Y) = (column, row).
type Zoom struct {
	X, Y, Span float32
}

// FullZoom shows the whole n×n grid.
func FullZoom(n int) Zoom { return Zoom{0, 0, float32(n)} }

// minSpan is the fewest cells across a panel: 2 shows a patch's 3×3
// weights large enough to read at any n.
const minSpan = 2

// clamp keeps the span in [minSpan, n] and the shown square on the grid.
func (z Zoom) clamp(n int) Zoom {
	N := float32(n)
	z.Span = min(max(z.Span, min(minSpan, N)), N)
	z.X = min(max(z.X, 0), N-z.Span)
	z.Y = min(max(z.Y, 0), N-z.Span)
	return z
}

// At returns the grid point (column, row) at fraction (fx, fy) of a
// panel, each in [0, 1].
func (z Zoom) At(fx, fy float32) (col, row float32) {
	return z.X + fx*z.Span, z.Y + fy*z.Span
}

// ZoomAbout scales the span by factor (< 1 zooms in) keeping the grid
// point under panel fraction (fx, fy) where it is.
func (z Zoom) ZoomAbout(fx, fy, factor float32, n int) Zoom {
	gx, gy := z.At(fx, fy)
	z.Span *= factor
	z.Span = min(max(z.Span, min(minSpan, float32(n))), float32(n))
	z.X, z.Y = gx-fx*z.Span, gy-fy*z.Span
	return z.clamp(n)
}

// Pan moves the view by a fraction of the panel (dragging right by a
// whole panel moves it a span left).
func (z Zoom) Pan(dfx, dfy float32, n int) Zoom {
	z.X -= dfx * z.Span
	z.Y -= dfy * z.Span
	return z.clamp(n)
}

// Centre puts grid point (col, row) in the middle, as far as the grid's
// edges allow.
func (z Zoom) Centre(col, row float32, n int) Zoom {
	z.X, z.Y = col-z.Span/2, row-z.Span/2
	return z.clamp(n)
}

// minCellPx is the smallest cell, in framebuffer pixels, at which a 2-D
// panel shows the whole grid when it opens: below it the dot is a speck.
const minCellPx = 4

// openCellPx is the cell size the opening zoom aims at.
const openCellPx = 8

// OpeningZoom is the zoom factor (a power of 2, at most n/2) at which a
// 2-D panel side pixels wide shows an n×n grid's cells at least
// openCellPx wide, or 1 where the whole grid's cells are already
// minCellPx or more.
func OpeningZoom(n int, side float32) float32 {
	if side <= 0 || side/float32(n) >= minCellPx {
		return 1
	}
	f := float32(1)
	for f*side/float32(n) < openCellPx && 2*f <= float32(n)/2 {
		f *= 2
	}
	return f
}

// openZoom zooms the 2-D panels in on the first frame where the whole
// grid would make the stimulus a speck (Options.AutoZoom), following it;
// Z shows the whole grid.
func (v *Viz) openZoom(l Layout) {
	if !v.opts.AutoZoom || v.opened {
		return
	}
	v.opened = true
	n := v.sim.Params.N
	if f := OpeningZoom(n, l.Panels[0].W); f > 1 {
		v.Zoom = FullZoom(n).ZoomAbout(0.5, 0.5, 1/f, n)
		v.Follow = true
		v.autoZoomed = true
	}
}
