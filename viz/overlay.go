package viz

// DrawCaption draws s, centred in a bar along the bottom of the fbW×fbH
// frame Draw just rendered: the -title of a recording.
func (v *Viz) DrawCaption(fbW, fbH int, scale float32, s string) error {
	if s == "" {
		return nil
	}
	if err := v.ensureText(scale); err != nil {
		return err
	}
	t := v.text
	lh := t.LineHeight()
	w, _ := t.Measure(Bold, s)
	barH := lh + 10*scale
	y := float32(fbH) - barH
	t.Rect(0, y, float32(fbW), barH, [4]float32{0.02, 0.025, 0.035, 0.88})
	t.Add(Bold, s, max((float32(fbW)-w)/2, 6*scale), y+5*scale, titleColour)
	t.Flush(fbW, fbH)
	return nil
}

// DrawRecording draws the red "● REC" badge in the header, left of the
// transient status message st.Status. The window draws it after reading
// the frame back, so the recording itself does not show it.
func (v *Viz) DrawRecording(fbW, fbH int, scale float32, st Stats, label string) error {
	if err := v.ensureText(scale); err != nil {
		return err
	}
	t := v.text
	var sw float32
	if st.Status != "" {
		sw, _ = t.Measure(Regular, st.Status)
		sw += 16 * scale
	}
	s := "● REC " + label
	w, _ := t.Measure(Bold, s)
	lh := t.LineHeight()
	x := float32(fbW) - sw - w - 14*scale
	t.Rect(x-4*scale, 2*scale, w+8*scale, lh+4*scale, [4]float32{0.25, 0.03, 0.03, 0.9})
	t.Add(Bold, s, x, 4*scale, redColour)
	t.Flush(fbW, fbH)
	return nil
}
