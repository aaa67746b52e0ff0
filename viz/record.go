package viz

import "fmt"

// recordFrame handles P and V and hands the frame just drawn (k steps
// after the last) to the recording. It runs between Draw and the swap,
// while the back buffer holds the frame.
func (a *app) recordFrame(o *LoopOptions, res *Result, fbW, fbH, k int) error {
	if a.shot {
		a.shot = false
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
	justStarted := false
	if a.recToggle {
		a.recToggle = false
		switch {
		case a.rec != nil:
			a.stopRecording(res)
		case o.StartRecording == nil:
			a.flash("recording is not available")
		default:
			r, path, err := o.StartRecording(fbW, fbH, a.b.T(), a.stepsPerFrame)
			if err != nil {
				a.recordError(res, err)
				if a.surf.stepLocked() {
					return err // offscreen, the recording is the run
				}
				break
			}
			a.rec, a.recPath, a.recFrames = r, path, 0
			a.rb = NewReadback(fbW, fbH)
			justStarted = true
			a.flash("recording " + path)
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
			a.recordError(res, err)
			a.stopRecording(res)
			if a.surf.stepLocked() {
				return err // offscreen, the recording is the run
			}
		}
	}
	return nil
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
		a.recordError(res, err)
		return
	}
	res.Recordings = append(res.Recordings, a.recPath)
	res.Recorded += int64(a.recFrames)
	a.flash(fmt.Sprintf("saved %s (%d frames)", a.recPath, a.recFrames))
}

func (a *app) recordError(res *Result, err error) {
	if res.RecordErr == nil {
		res.RecordErr = err
	}
	a.flash("recording failed: " + err.Error())
}
