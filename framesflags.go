package main

import (
	"errors"
	"flag"

	"github.com/spikecast/spikecast/frames"
)

// addFramesFlags checks -frames (a model parameter, declared with the
// others in cpuref.Params): the source is probed before any step runs
// (opened, its header and first frames read), so a missing or unreadable
// file, an unsupported format, zero frames, a .npy of the wrong dtype or
// rank, a lavfi expression ffmpeg rejects or no ffmpeg for a video are
// one line and exit 2. A fresh run records the source's fingerprint in
// -frames_id, so its checkpoints carry it; a run resumed with -load is
// refused when its source has changed.
func addFramesFlags(_ *flag.FlagSet, c *config) check {
	return func(_ *flag.FlagSet, _ []string) error {
		p := &c.Params
		if p.Frames == "" {
			if p.FramesID != "" && c.Resume == nil {
				return usagef("invalid -frames_id %q: it is set by spikecast for a -frames source, not by hand", p.FramesID)
			}
			return nil
		}
		info, err := frames.Probe(p.Frames)
		var fe *frames.Error
		if errors.As(err, &fe) {
			err = fe.Err
		}
		from := ""
		if c.Resume != nil {
			from = " (the source of -load " + c.Load + ")"
		}
		if err != nil {
			return usagef("invalid -frames %q%s: %v", p.Frames, from, err)
		}
		if c.Resume != nil {
			if id := info.ID(); id != p.FramesID {
				return usagef("invalid -load %s: its -frames source %q has changed: the checkpoint was made from %q, the source is now %q", c.Load, p.Frames, p.FramesID, id)
			}
			return nil
		}
		if p.FramesID != "" && p.FramesID != info.ID() {
			return usagef("invalid -frames_id %q: it is set by spikecast for a -frames source, not by hand", p.FramesID)
		}
		p.FramesID = info.ID()
		return nil
	}
}
