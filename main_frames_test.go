package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/npy"
)

// blobsNPY writes count frames of a moving bright square over a drifting
// texture, h×w uint8, seeded by k so two clips differ.
func blobsNPY(t *testing.T, path string, count, h, w, k int) {
	t.Helper()
	data := make([]byte, 0, count*h*w)
	for f := range count {
		for y := range h {
			for x := range w {
				v := (x*5 + y*3 + f*k) % 90
				if dx, dy := x-(f*2)%w, y-(f+k)%h; dx >= 0 && dx < 6 && dy >= 0 && dy < 6 {
					v = 250
				}
				data = append(data, byte(v))
			}
		}
	}
	var b bytes.Buffer
	if err := npy.WriteNPY(&b, npy.Array{Shape: []int64{int64(count), int64(h), int64(w)}, Data: data}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFramesBadInputExit2 runs each bad -frames source: exit 2 and one
// line naming the source and what is wrong, before any step runs.
func TestFramesBadInputExit2(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var empty, f8 bytes.Buffer
	npy.WriteNPY(&empty, npy.Array{Shape: []int64{0, 8, 8}, Data: []uint8{}})
	dict := "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }"
	dict += strings.Repeat(" ", 64-(10+len(dict)+1)%64) + "\n"
	f8.Write(append(append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), 0), dict...))
	f8.Write(make([]byte, 32))
	// A GIF of some 200 bytes whose screen and frame declare 60,000².
	hostile := []byte("GIF89a\x60\xea\x60\xea\x80\x00\x00\x00\x00\x00\xff\xff\xff" +
		"\x2c\x00\x00\x00\x00\x60\xea\x60\xea\x00\x02\xb0")
	hostile = append(append(hostile, bytes.Repeat([]byte{0x84}, 0xb0)...), 0, 0x3b)
	cases := []struct{ src, want string }{
		{write("hostile.gif", hostile), "GIF of 60000×60000 pixels is over the limit of 16384 pixels a side"},
		{filepath.Join(dir, "nope.mp4"), "no such file or directory"},
		{write("notes.txt", []byte("x")), "unsupported format"},
		{write("empty.npy", empty.Bytes()), "no frames"},
		{write("f8.npy", f8.Bytes()), `dtype "<f8"`},
		{"lavfi:testsrc=size=bogus", "ffmpeg:"},
		{write("broken.webm", []byte("not a video")), "ffmpeg:"},
	}
	for _, c := range cases {
		code, stdout, stderr := runCmd(t, "-headless", "-backend", "cpu", "-frames", c.src)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		want := `spikecast: invalid -frames "` + c.src + `": `
		if code != exitUsage || len(lines) != 1 || !strings.HasPrefix(lines[0], want) || !strings.Contains(lines[0], c.want) || stdout != "" {
			t.Errorf("-frames %s: exit %d, stderr %q; want 2 and one line %q…%q", c.src, code, stderr, want, c.want)
		}
	}
	// A video without ffmpeg on PATH.
	video := write("clip.mp4", []byte("x"))
	t.Setenv("PATH", dir)
	code, _, stderr := runCmd(t, "-headless", "-backend", "cpu", "-frames", video)
	if code != exitUsage || !strings.Contains(stderr, "ffmpeg is not on PATH") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("no ffmpeg: exit %d, %q", code, stderr)
	}
}

// TestFramesEndOfSource: without -loop the run ends with the source,
// says so in one line and still prints the summary; with -loop it runs
// its steps.
func TestFramesEndOfSource(t *testing.T) {
	src := filepath.Join(t.TempDir(), "clip.npy")
	blobsNPY(t, src, 30, 20, 20, 3)
	for _, backend := range []string{"cpu", "gpu"} {
		code, stdout, stderr := runCmd(t, "-headless", "-quiet", "-backend", backend, "-n", "20", "-frames", src, "-steps", "100")
		// The last step reads frame 28 and its target, frame 29.
		if s := summary(t, stdout); code != exitOK || s.Steps != 29 {
			t.Errorf("%s: exit %d, %d steps; want 0 and 29", backend, code, s.Steps)
		}
		if strings.TrimSpace(stderr) != "spikecast: -frames "+src+": the source ended after 30 frames (-loop restarts it)" {
			t.Errorf("%s: stderr %q", backend, stderr)
		}
		s := runOK(t, "-headless", "-quiet", "-backend", backend, "-n", "20", "-frames", src, "-loop", "-steps", "100")
		if s.Steps != 100 || s.F1 <= 0 {
			t.Errorf("%s -loop: %+v", backend, s)
		}
	}
}

// TestFramesResume: a -frames run saved and resumed (on the other
// backend) ends in the same bytes as one run straight through, with the
// event rule and -loop (the resumed source starts mid-lap); a checkpoint
// whose source is missing or changed is refused with the reason.
func TestFramesResume(t *testing.T) {
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	src := f("clip.npy")
	blobsNPY(t, src, 40, 24, 30, 3)
	common := []string{"-headless", "-quiet", "-n", "24", "-frames", src, "-events", "0.15", "-loop", "-crop"}
	runOK(t, append(common, "-backend", "cpu", "-steps", "130", "-save", f("full"))...)
	runOK(t, append(common, "-backend", "gpu", "-steps", "75", "-save", f("half"))...)
	runOK(t, "-headless", "-quiet", "-backend", "cpu", "-load", f("half"), "-steps", "55", "-save", f("resumed"))
	if !bytes.Equal(readFile(t, f("full")), readFile(t, f("resumed"))) {
		_, a, _ := checkpoint.Read(f("resumed"))
		_, b, _ := checkpoint.Read(f("full"))
		t.Errorf("75 steps on the GPU + 55 on the CPU differ from 130 straight: %v", firstDiff(a, b))
	}
	p, _, err := checkpoint.Read(f("half"))
	if err != nil || p.Frames != src || !strings.HasPrefix(p.FramesID, "npy 30x24 frames=40 sha256=") {
		t.Errorf("checkpoint's source: %q %q (%v)", p.Frames, p.FramesID, err)
	}

	// Changed: same size and count, other pixels.
	blobsNPY(t, src, 40, 24, 30, 4)
	code, _, stderr := runCmd(t, "-headless", "-backend", "cpu", "-load", f("half"), "-steps", "5")
	if code != exitUsage || !strings.Contains(stderr, "has changed") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("changed source: exit %d, %q", code, stderr)
	}
	// Changed length.
	blobsNPY(t, src, 41, 24, 30, 3)
	code, _, stderr = runCmd(t, "-headless", "-backend", "cpu", "-load", f("half"), "-steps", "5")
	if code != exitUsage || !strings.Contains(stderr, "frames=40") || !strings.Contains(stderr, "frames=41") {
		t.Errorf("longer source: exit %d, %q", code, stderr)
	}
	// Missing.
	os.Remove(src)
	code, _, stderr = runCmd(t, "-headless", "-backend", "cpu", "-load", f("half"), "-steps", "5")
	if code != exitUsage || !strings.Contains(stderr, "no such file") || !strings.Contains(stderr, "the source of -load") {
		t.Errorf("missing source: exit %d, %q", code, stderr)
	}
}

// TestFramesEndOfSourceInWindow: in the window, the end of a -frames
// source without -loop ends the run as it does a headless one: exit 0, the
// one line, and a summary of the steps taken.
func TestFramesEndOfSourceInWindow(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		d, err := gpu.EnsureDisplay()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Stop)
	}
	src := filepath.Join(t.TempDir(), "clip.npy")
	blobsNPY(t, src, 30, 20, 20, 3)
	code, stdout, stderr := runBinary(t, os.Environ(), "-n", "20", "-vsync=false", "-width", "640", "-height", "400", "-frames", src)
	if s := summary(t, stdout); code != exitOK || s.Steps != 29 {
		t.Errorf("exit %d, %d steps; want 0 and 29 (stderr %q)", code, s.Steps, stderr)
	}
	if !strings.Contains(stderr, "the source ended after 30 frames") {
		t.Errorf("stderr %q does not say the source ended", stderr)
	}
}
