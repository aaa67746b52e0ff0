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
