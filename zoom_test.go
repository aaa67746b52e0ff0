package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/viz"
)

// TestOpeningZoomFlags: without -zoom, a run opens zoomed in where its
// grid is too fine for the panels (and not on a frame source's images);
// -zoom, 1 included, keeps its meaning.
func TestOpeningZoomFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		auto bool
	}{
		{[]string{"-n", "256"}, true},
		{[]string{"-n", "256", "-zoom", "1"}, false},
		{[]string{"-n", "256", "-zoom", "4"}, false},
		{[]string{"-n", "256", "-frames", "lavfi:testsrc=size=64x64:rate=5"}, false},
	} {
		cfg, err := parse(c.args, nil)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if cfg.AutoZoom != c.auto {
			t.Errorf("%v: opening zoom %v, want %v", c.args, cfg.AutoZoom, c.auto)
		}
	}
}

// TestWindowOpensZoomedOnLargeGrid opens the window (on a virtual
// screen) at n = 256, whose cells would be under 2 pixels in the default
// 1280×800 window: its screenshot shows the dot as a square of many
// pixels in the input panel, not a speck.
func TestWindowOpensZoomedOnLargeGrid(t *testing.T) {
	d, err := gpu.EnsureDisplay()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	shot := filepath.Join(t.TempDir(), "n256.png")
	code, _, stderr := runCmd(t, "-n", "256", "-steps", "4", "-vsync=false", "-backend", "cpu", "-screenshot", shot)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	l := viz.ComputeLayout(b.Dx(), b.Dy(), float32(b.Dx())/1280)
	p := l.Panels[0]
	red := 0
	for y := int(p.Y); y < int(p.Y+p.H); y++ {
		for x := int(p.X); x < int(p.X+p.W); x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 200 && g>>8 < 120 && bl>>8 < 120 {
				red++
			}
		}
	}
	// Whole, the dot is 1.6 pixels wide (3 pixels lit); ×8, 13 by 13.
	if cell := p.W / 256; red < int(40*cell*cell) {
		t.Errorf("input panel has %d dot pixels: the window did not open zoomed in (a cell is %.1f pixels whole)", red, cell)
	}
}
