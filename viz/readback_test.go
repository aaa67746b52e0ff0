package viz

import (
	"bytes"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/gpu/gputest"
)

// TestReadbackMatchesReadPixels: frames read back through the two pixel
// buffers, one frame late, are the frames ReadPixels reads at once, in
// order, and the last comes out of Flush.
func TestReadbackMatchesReadPixels(t *testing.T) {
	const w, h, frames = 320, 200, 4
	p := cpuref.Defaults()
	p.N = 16
	gputest.Do(t, func() error {
		sim, err := gpu.New(p, cpuref.NewState(p), cpuref.Border{N: p.N})
		if err != nil {
			return err
		}
		defer sim.Release()
		v, err := New(sim, Options{Afterglow: 0.5})
		if err != nil {
			return err
		}
		defer func() { v.Release(); unuseProgram() }()
		target, err := NewTarget(w, h)
		if err != nil {
			return err
		}
		defer target.Release()
		rb := NewReadback(w, h)
		defer rb.Release()

		var want, got [][]byte
		for k := 0; k < frames; k++ {
			if err := sim.Run(3); err != nil {
				return err
			}
			v.Update()
			target.Bind()
			if err := v.Draw(w, h, 1, Stats{Step: sim.T, N: p.N, Backend: "gpu", Learn: true}); err != nil {
				return err
			}
			if err := v.DrawCaption(w, h, 1, "caption"); err != nil {
				return err
			}
			want = append(want, ReadPixels(w, h).Pix)
			img, err := rb.Push()
			if err != nil {
				return err
			}
			if (img == nil) != (k == 0) {
				t.Errorf("Push %d returned image %v", k, img != nil)
			}
			if img != nil {
				got = append(got, img.Pix)
			}
		}
		img, err := rb.Flush()
		if err != nil || img == nil {
			// Not Fatal: this runs on the GL thread, not the test's.
			t.Errorf("Flush: %v, %v", img, err)
			return nil
		}
		got = append(got, img.Pix)
		if img, _ := rb.Flush(); img != nil {
			t.Error("a second Flush returned a frame")
		}
		for k := range want {
			if !bytes.Equal(got[k], want[k]) {
				t.Errorf("frame %d read back through the PBOs differs from ReadPixels", k)
			}
		}
		if bytes.Equal(want[0], want[frames-1]) {
			t.Error("frames do not change: the test shows nothing")
		}
		return nil
	})
}
