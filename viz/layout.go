package viz

// Slot3D is the 3-D panel's slot in Layout.Panels and Layout.Titles;
// slots 0 to Layout.Slots−1 hold the 2-D panels, whatever view each shows.
const Slot3D = 3

// Rect is a pixel rectangle, origin top-left.
type Rect struct{ X, Y, W, H float32 }

// Layout places the header, the panels and the learning curve in a
// framebuffer of w×h pixels at a UI scale. Panels[0..Slots) are the 2-D
// panels' slots (square); Panels[Slot3D] is the 3-D panel's. A 2-D slot
// beyond Slots is empty (zero size).
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
		l.Titles[Slot3D] = Rect{x3, top, w3, titleH}
		l.Panels[Slot3D] = Rect{x3, top + titleH, w3, h3}
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
		l.Titles[Slot3D] = Rect{x3, top, colW - pad, titleH}
		l.Panels[Slot3D] = Rect{x3, top + titleH, colW - pad, side}
		l.Curve = Rect{pad, top + titleH + side + pad, W - 2*pad, H - (top + titleH + side + 2*pad)}
		return l
	}
	// Three squares across the top, as wide as their columns so that a
	// 16:9 window has no gutters, leaving the 3-D panel and the curve
	// below at least a third of the height.
	colW := (W - pad) / 3
	side := max(min(colW-pad, avail*0.66-titleH), 16)
	for k := 0; k < 3; k++ {
		square(k, pad+float32(k)*colW+(colW-pad-side)/2, top, side)
	}
	y2 := top + titleH + side + pad
	h2 := H - y2 - titleH - pad
	// The 3-D panel no wider than 1.4 times its height: the stack of
	// planes is about as tall as wide, so a wider panel would be empty
	// at its sides; but wide enough for its title and legend. The curve
	// takes the rest.
	w3 := min((W-3*pad)*0.62, max(1.4*h2, 300*scale))
	l.Titles[Slot3D] = Rect{pad, y2, w3, titleH}
	l.Panels[Slot3D] = Rect{pad, y2 + titleH, w3, max(h2, 16)}
	l.Curve = Rect{2*pad + w3, y2 + titleH, W - 3*pad - w3, max(h2, 16)}
	return l
}
