package viz

import "fmt"

// recordFrame handles P and V and hands the frame just drawn (k steps
// after the last) to the recording. It runs between Draw and the swap,
// while the back buffer holds the frame.
func (a *app) recordFrame(o *LoopOptions, res *Result, fbW, fbH, k int) error {
	if a.shot {
		a.shot = false
		a.screenshot(o, fbW, fbH)
	}
	justStarted := false
	if a.recToggle {
		a.recToggle = false
		var err error
		if justStarted, err = a.toggleRecording(o, res, fbW, fbH); err != nil {
			return err
		}
	}
	if a.rec == nil {
		return nil
	}
	// Step-locked: only a frame a whole stepsPerFrame after the last is
	// recorded (none while paused or single-stepping), so a clip's time
	// axis is the simulation's.
	if !justStarted && k != a.stepsPerFrame {
		return nil
	}
	if w, h := a.rb.Size(); w != fbW || h != fbH {
		a.stopRecording(res)
		a.flash("window resized: recording stopped")
		return nil
	}
	a.surf.bindRead()
	img, err := a.rb.Push()
	if err != nil {
		return err
	}
	a.recFrames++
	if img != nil {
		if err := a.rec.WriteFrame(img); err != nil {
			rerr := a.recordError(res, err)
			a.stopRecording(res)
			return rerr
		}
	}
	return nil
}

// screenshot writes the frame just drawn to a PNG (P or F12).
func (a *app) screenshot(o *LoopOptions, fbW, fbH int) {
	a.surf.bindRead()
	img := ReadPixels(fbW, fbH)
	path := fmt.Sprintf("spikecast-%d.png", a.b.T())
	var err error
	if o.Snapshot != nil {
		path, err = o.Snapshot(img, a.b.T())
	} else {
		err = WritePNG(path, img)
	}
	if err != nil {
		a.flash("screenshot failed: " + err.Error())
	} else {
		a.flash("screenshot " + path)
	}
}

// toggleRecording stops the recording, or starts one with this frame
// (started: true).
func (a *app) toggleRecording(o *LoopOptions, res *Result, fbW, fbH int) (started bool, err error) {
	switch {
	case a.rec != nil:
		a.stopRecording(res)
	case o.StartRecording == nil:
		a.flash("recording is not available")
	default:
		r, path, err := o.StartRecording(fbW, fbH, a.b.T(), a.stepsPerFrame)
		if err != nil {
			return false, a.recordError(res, err)
		}
		a.rec, a.recPath, a.recFrames = r, path, 0
		a.rb = NewReadback(fbW, fbH)
		a.flash("recording " + path)
		return true, nil
	}
	return false, nil
}

// stopRecording writes the last frame still in the pixel buffers and
// finalises the file. Safe when nothing is recording.
func (a *app) stopRecording(res *Result) {
	if a.rec == nil {
		return
	}
	rec, rb := a.rec, a.rb
	a.rec, a.rb = nil, nil
	img, err := rb.Flush()
	rb.Release()
	if err == nil && img != nil {
		err = rec.WriteFrame(img)
	}
	if cerr := rec.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		a.recordError(res, err) // the caller reads res.RecordErr
		return
	}
	res.Recordings = append(res.Recordings, a.recPath)
	res.Recorded += int64(a.recFrames)
	a.flash(fmt.Sprintf("saved %s (%d frames)", a.recPath, a.recFrames))
}

// recordError notes a recording's failure in res and returns err where
// the recording is the run (step-locked, offscreen), which ends it, or
// nil where the run goes on without recording.
func (a *app) recordError(res *Result, err error) error {
	if res.RecordErr == nil {
		res.RecordErr = err
	}
	a.flash("recording failed: " + err.Error())
	if a.surf.stepLocked() {
		return err
	}
	return nil
}
