package viz

import (
	"testing"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu/gputest"
)

// TestOpeningZoom: a grid whose cells would be specks in the default
// window (n = 256: under 2 pixels) opens zoomed in and following the dot,
// with the dot in view; one whose cells are large enough (n = 64), or a
// run given a zoom, opens as asked.
func TestOpeningZoom(t *testing.T) {
	if f := OpeningZoom(256, 416); f != 8 {
		t.Errorf("n=256 in a 416-pixel panel: zoom ×%g, want ×8 (13-pixel cells)", f)
	}
	if f := OpeningZoom(64, 416); f != 1 {
		t.Errorf("n=64 in a 416-pixel panel (6.5-pixel cells): zoom ×%g, want none", f)
	}
	if f := OpeningZoom(4096, 100); f != 512 {
		t.Errorf("n=4096 in a 100-pixel panel: zoom ×%g, want ×512 (12.5-pixel cells)", f)
	}
	ctx := gputest.Context(t)
	for _, c := range []struct {
		n        int
		opts     Options
		zoomed   bool
		wantSpan float32
	}{
		{256, Options{AutoZoom: true}, true, 32},
		{64, Options{AutoZoom: true}, false, 64},
		{256, Options{}, false, 256},
		{256, Options{AutoZoom: true, Zoom: 2}, false, 128},
	} {
		p := cpuref.Defaults()
		p.N = c.n
		b, err := backend.New(backend.Config{Name: "cpu", Params: p, Context: ctx})
		if err != nil {
			t.Fatal(err)
		}
		d, err := b.Display(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var v *Viz
		gputest.Do(t, func() (err error) { v, err = New(d.Sim(), c.opts); return err })
		_, err = Loop(ctx, v, b, d, LoopOptions{Width: 1280, Height: 800, FPS: 10, StepsPerFrame: 1, MaxSteps: 3})
		if err != nil {
			t.Fatal(err)
		}
		if v.Zoom.Span != c.wantSpan || v.autoZoomed != c.zoomed || (c.wantSpan < float32(c.n)) != v.Follow {
			t.Errorf("n=%d %+v: span %g, auto-zoomed %v, following %v; want span %g, auto-zoomed %v",
				c.n, c.opts, v.Zoom.Span, v.autoZoomed, v.Follow, c.wantSpan, c.zoomed)
		}
		if c.zoomed {
			// The border walk's dot is in the shown square.
			r := d.Sim().Frame()[0]
			z := v.Zoom
			if col, row := float32(r.C0), float32(r.R0); col < z.X || col >= z.X+z.Span || row < z.Y || row >= z.Y+z.Span {
				t.Errorf("dot at (%g, %g) outside the shown square %+v", row, col, z)
			}
		}
		gputest.Do(t, func() error { v.Release(); d.Release(); return nil })
		b.Release()
	}
}
