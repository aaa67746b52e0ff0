package viz

import (
	"testing"
)

// TestCameraFillsPanel: at the default distance the three planes, at
// their worst yaw, reach most of the 3-D panel in the direction that
// limits them, in both layouts and at every window shape; the panel is
// not much wider than the stack; zooming in (a smaller Distance) brings
// them nearer.
func TestCameraFillsPanel(t *testing.T) {
	for _, kind := range Layouts {
		for _, sz := range layoutSizes {
			for _, scale := range []float32{1, 2} {
				p := ComputeLayoutKind(kind, sz[0], sz[1], scale).Panels[Slot3D]
				aspect := p.W / p.H
				cam := DefaultCamera()
				d := fitDistance(aspect, cam.Pitch)
				e := cam.extent(aspect, d)
				if e < 0.85 || e > 0.92 {
					t.Errorf("%s %d×%d at scale %g: the stack reaches %.2f of the panel's half-size, want 0.85 to 0.92", kind, sz[0], sz[1], scale, e)
				}
				if kind == "four" && aspect > 2.2 && p.W > 300*scale+1 {
					t.Errorf("%s %d×%d at scale %g: 3-D panel %g×%g, wider than the stack needs", kind, sz[0], sz[1], scale, p.W, p.H)
				}
				near := cam
				near.Distance = 0.7
				if m, f := near.mvp(aspect), cam.mvp(aspect); m == f {
					t.Errorf("%s %d×%d: zoom changes nothing", kind, sz[0], sz[1])
				}
			}
		}
	}
}
