package main

import (
	"flag"
	"strings"

	"github.com/spikecast/spikecast/record"
)

// addRecordFlags declares the recording flags. Their check runs before
// anything else does, so a run is never lost at its end to a typo, a
// read-only directory or a missing ffmpeg.
func addRecordFlags(fs *flag.FlagSet, c *config) check {
	fs.StringVar(&c.Record, "record", "", "record frames, each -steps_per_frame steps after the last, to a .mp4 (H.264, needs ffmpeg), a .gif, or a directory/ of PNGs; with -headless, rendered offscreen at -width×-height (V toggles recording in the window)")
	fs.Float64Var(&c.FPS, "fps", 30, "playback rate of a recording in frames per second [1, 240]")
	fs.StringVar(&c.Title, "title", "", "caption along the bottom of every frame (window and recording)")
	return func(*flag.FlagSet, []string) error {
		if !(c.FPS >= 1 && c.FPS <= 240) {
			return usagef("invalid -fps %v: want a number in [1, 240]", c.FPS)
		}
		if c.Record == "" {
			if c.Title != "" && c.Headless {
				return usagef("invalid -title with -headless and no -record: the caption is drawn on recorded frames")
			}
			return nil
		}
		if c.Bench {
			return usagef("invalid -record with -bench: a benchmark records nothing")
		}
		if err := record.Check(c.Record); err != nil {
			return usagef("invalid -record %q: %s", c.Record, strings.TrimPrefix(err.Error(), "record: "))
		}
		if c.Headless && c.Steps > 0 && c.Steps < c.StepsPerFrame {
			return usagef("invalid -steps %d with -record and -steps_per_frame %d: no frame would be recorded (want -steps ≥ -steps_per_frame)", c.Steps, c.StepsPerFrame)
		}
		return nil
	}
}
