package main

import (
	"flag"
	"os"
	"slices"
	"strings"

	"github.com/spikecast/spikecast/changes"
	"github.com/spikecast/spikecast/viz"
)

// addWindowFlags declares the window's flags (-width and -height also size
// an offscreen recording and the benchmark's frames).
func addWindowFlags(fs *flag.FlagSet, c *config) check {
	fs.IntVar(&c.Width, "width", 1280, "window width in screen coordinates [320, 16384]")
	fs.IntVar(&c.Height, "height", 800, "window height in screen coordinates [240, 16384]")
	fs.BoolVar(&c.VSync, "vsync", true, "swap at the display's refresh rate (-vsync=false to measure)")
	fs.IntVar(&c.StepsPerFrame, "steps_per_frame", 1, "simulation steps per drawn frame [1, 1024] (+/- in the window)")
	fs.Float64Var(&c.Afterglow, "afterglow", 0.8, "per-frame fade of a spike in the 3-D panel [0, 0.99]; 0 shows the last step only")
	fs.StringVar(&c.Screenshot, "screenshot", "", "write the window's last frame to this PNG file when the run ends")
	fs.StringVar(&c.Layout, "layout", "four", "window layout: "+strings.Join(viz.Layouts, " or ")+" (T in the window); -record draws it too")
	panels := fs.String("panels", "input,prediction,error", "the 2-D panels' views, comma-separated (Tab in the window): "+strings.Join(viz.ViewNames(), ", "))
	fs.Float64Var(&c.Zoom, "zoom", 1, "start the 2-D panels zoomed in by this factor, following the dot [1, n/2] (scroll and F in the window)")
	changesFile := fs.String("changes", "", "apply the parameter changes of this file, lines of \"step flag value\" (as the window logs them), at their steps: in the window, -headless and -headless -record alike")
	return func(fs *flag.FlagSet, _ []string) error {
		// Without -zoom, a grid too fine for its panels opens zoomed in
		// on the dot (a frame source's whole image has no one place to
		// zoom to); -zoom 1 shows the whole grid.
		c.AutoZoom = c.Params.Frames == ""
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "zoom" {
				c.AutoZoom = false
			}
		})
		if err := windowChecks(c); err != nil {
			return err
		}
		if !slices.Contains(viz.Layouts, c.Layout) {
			return usagef("invalid -layout %q: want one of %s", c.Layout, strings.Join(viz.Layouts, ", "))
		}
		views, err := viz.ParseViews(*panels)
		if err != nil {
			return usagef("invalid -panels %q: %v", *panels, strings.TrimPrefix(err.Error(), "viz: "))
		}
		for _, w := range views {
			if !viz.Available(w, c.Params) {
				return usagef("invalid -panels %q: this network has no %s view", *panels, w)
			}
		}
		c.Panels = views
		if !(c.Zoom >= 1 && c.Zoom <= max(1, float64(c.Params.N)/2)) {
			return usagef("invalid -zoom %v: want a number in [1, %d] (n/2)", c.Zoom, max(1, c.Params.N/2))
		}
		if *changesFile != "" {
			if c.Runs != nil || c.Bench {
				return usagef("invalid -changes with -batch, -sweep or -bench: changes apply to one network's run")
			}
			text, err := os.ReadFile(*changesFile)
			if err != nil {
				return usagef("invalid -changes: %v", err)
			}
			if c.Changes, err = changes.Parse(string(text), c.Params); err != nil {
				return usagef("invalid -changes %q: %v", *changesFile, strings.TrimPrefix(err.Error(), "changes: "))
			}
		}
		return nil
	}
}

// windowChecks are the window flags' checks of sizes and the screenshot.
func windowChecks(c *config) error {
	if c.Width < 320 || c.Width > 16384 {
		return usagef("invalid -width %d: want an integer in [320, 16384]", c.Width)
	}
	if c.Height < 240 || c.Height > 16384 {
		return usagef("invalid -height %d: want an integer in [240, 16384]", c.Height)
	}
	if c.StepsPerFrame < 1 || c.StepsPerFrame > 1024 {
		return usagef("invalid -steps_per_frame %d: want an integer in [1, 1024]", c.StepsPerFrame)
	}
	if !(c.Afterglow >= 0 && c.Afterglow <= 0.99) {
		return usagef("invalid -afterglow %v: want a number in [0, 0.99]", c.Afterglow)
	}
	if c.Screenshot == "" {
		return nil
	}
	if c.Headless {
		return usagef("invalid -screenshot with -headless: a screenshot needs the window")
	}
	if !strings.HasSuffix(strings.ToLower(c.Screenshot), ".png") {
		return usagef("invalid -screenshot %q: want a path ending in .png", c.Screenshot)
	}
	if err := checkWritableDir(c.Screenshot); err != nil {
		return usagef("invalid -screenshot %q: %v", c.Screenshot, err)
	}
	return nil
}
