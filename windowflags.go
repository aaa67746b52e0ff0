package main

import (
	"flag"
	"strings"
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
	return func(*flag.FlagSet, []string) error {
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
}
