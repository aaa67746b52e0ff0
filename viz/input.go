package viz

import (
	"fmt"
	"math"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// install routes the window's input to the app: keys and characters
// through the key table, the mouse to the panels under it.
func (s *windowSurface) install() {
	a, w := s.a, s.win
	w.SetKeyCallback(func(_ *glfw.Window, key glfw.Key, _ int, action glfw.Action, mods glfw.ModifierKey) {
		a.onKey(key, action, mods)
	})
	w.SetCharCallback(func(_ *glfw.Window, r rune) { a.onChar(r) })
	w.SetMouseButtonCallback(func(_ *glfw.Window, b glfw.MouseButton, action glfw.Action, _ glfw.ModifierKey) {
		if b == glfw.MouseButtonLeft {
			x, y := w.GetCursorPos()
			a.onButton(x, y, action == glfw.Press)
		}
	})
	w.SetCursorPosCallback(func(_ *glfw.Window, x, y float64) { a.onCursor(x, y) })
	w.SetScrollCallback(func(_ *glfw.Window, _, dy float64) {
		x, y := w.GetCursorPos()
		a.onScroll(x, y, dy)
	})
}

func (s *windowSurface) uninstall() {
	w := s.win
	w.SetKeyCallback(nil)
	w.SetCharCallback(nil)
	w.SetMouseButtonCallback(nil)
	w.SetCursorPosCallback(nil)
	w.SetScrollCallback(nil)
}

// onButton is the left button pressed or released at (x, y), in screen
// coordinates: over a 2-D panel a drag pans and a click pins the cell
// under it; elsewhere a drag orbits the 3-D view.
func (a *app) onButton(x, y float64, press bool) {
	if press {
		a.lastX, a.lastY, a.pressX, a.pressY, a.moved = x, y, x, y, false
		slot, _, _, _ := a.cellAt(x, y)
		a.panning, a.dragging = slot >= 0, slot < 0
		return
	}
	if a.panning && !a.moved {
		// A click: pin the cell under it, or unpin it when pinned.
		if _, row, col, ok := a.cellAt(x, y); ok {
			if a.v.Picked && a.v.Pick == [2]int{row, col} {
				a.v.SetPick(0, 0, false)
			} else {
				a.v.SetPick(row, col, true)
			}
		}
	}
	a.panning, a.dragging = false, false
}

// onCursor is the cursor moved to (x, y): it tells the pointer, pans
// the 2-D panels or orbits the 3-D view.
func (a *app) onCursor(x, y float64) {
	a.curX, a.curY = x, y
	if a.pointer != nil {
		a.point(x, y)
	}
	dx, dy := x-a.lastX, y-a.lastY
	if a.panning {
		if math.Abs(x-a.pressX)+math.Abs(y-a.pressY) > 3 {
			a.moved = true
		}
		if a.moved {
			l, s := a.layout()
			if slot := a.hoveredSlot(); slot >= 0 && a.v.Views[slot] != ViewRaster {
				p := l.Panels[slot]
				a.v.Zoom = a.v.Zoom.Pan(float32(dx)*s/p.W, float32(dy)*s/p.H, a.v.sim.Params.N)
			}
			a.lastX, a.lastY = x, y
		}
		return
	}
	if !a.dragging {
		return
	}
	a.lastX, a.lastY = x, y
	c := &a.v.Camera
	c.Auto = false
	c.Yaw -= float32(dx) * 0.008
	c.Pitch = min(max(c.Pitch+float32(dy)*0.008, -1.45), 1.45)
}

// onScroll zooms the 2-D panels about the point (x, y) under the
// cursor, or the 3-D view.
func (a *app) onScroll(x, y, dy float64) {
	l, s := a.layout()
	if slot, _, _, _ := a.cellAt(x, y); slot >= 0 && a.v.Views[slot] != ViewRaster {
		p := l.Panels[slot]
		fx, fy := (float32(x)*s-p.X)/p.W, (float32(y)*s-p.Y)/p.H
		a.v.Zoom = a.v.Zoom.ZoomAbout(fx, fy, float32(math.Pow(0.8, dy)), a.v.sim.Params.N)
		return
	}
	c := &a.v.Camera
	c.Auto = false
	c.Distance = min(max(c.Distance*float32(math.Pow(0.9, dy)), minDistance), maxDistance)
}

// layout is the surface's layout and its UI scale.
func (a *app) layout() (Layout, float32) {
	w, h, scale := a.surf.size()
	return a.v.Layout(w, h, scale), scale
}

// cellAt is Viz.CellAt at a cursor position in screen coordinates.
func (a *app) cellAt(x, y float64) (slot, row, col int, ok bool) {
	l, s := a.layout()
	return a.v.CellAt(l, float32(x)*s, float32(y)*s)
}

// hoveredSlot is the 2-D panel under the cursor, or the first.
func (a *app) hoveredSlot() int {
	if slot, _, _, _ := a.cellAt(a.curX, a.curY); slot >= 0 {
		return slot
	}
	return 0
}

// point reports the cell under the cursor at (x, y), in screen
// coordinates, to the Pointer callback when it is over a panel that
// shows the input.
func (a *app) point(x, y float64) {
	if slot, row, col, ok := a.cellAt(x, y); ok && a.v.Views[slot] == ViewInput {
		a.pointer(row, col)
	}
}

func (a *app) faster() {
	if a.rec != nil {
		a.flash("steps per frame are fixed while recording")
		return
	}
	a.stepsPerFrame = min(a.stepsPerFrame*2, 1024)
	a.flash(fmt.Sprintf("%d steps per frame", a.stepsPerFrame))
}

func (a *app) slower() {
	if a.rec != nil {
		a.flash("steps per frame are fixed while recording")
		return
	}
	a.stepsPerFrame = max(a.stepsPerFrame/2, 1)
	a.flash(fmt.Sprintf("%d steps per frame", a.stepsPerFrame))
}
