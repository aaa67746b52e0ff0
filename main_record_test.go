package main

import (
	"bytes"
	"encoding/json"
	"github.com/spikecast/spikecast/record/recordtest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/record"
)

// recordArgs is a small, fast recording: 120 frames of 320×240 at n=24.
func recordArgs(path string, extra ...string) []string {
	return append([]string{"-headless", "-backend", "gpu", "-n", "24", "-steps", "120", "-width", "320", "-height", "240", "-record", path}, extra...)
}

func runRecorded(t *testing.T, args ...string) Summary {
	t.Helper()
	code, stdout, stderr := runCmd(t, args...)
	if code != exitOK {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	s := summary(t, stdout)
	if s.Frames != 120 {
		t.Errorf("summary: %d frames, want 120", s.Frames)
	}
	return s
}

func TestRecordMP4(t *testing.T) {
	path := filepath.Join(t.TempDir(), "talk.mp4")
	runRecorded(t, recordArgs(path, "-fps", "25", "-seed", "5", "-title", "demo")...)
	p := recordtest.Probe(t, path)
	if p.Codec != "h264" || p.PixFmt != "yuv420p" || p.Width != 320 || p.Height != 240 || p.Rate != "25/1" || p.Frames != 120 {
		t.Errorf("ffprobe: %+v, want h264 yuv420p 320×240 at 25/1, 120 frames", p)
	}
	for _, s := range []string{`"seed":5`, `"first_step":1`, `"backend":"gpu"`, `"renderer":"`, `"-title","demo"`} {
		if !strings.Contains(p.Comment, s) {
			t.Errorf("MP4 comment lacks %s: %s", s, p.Comment)
		}
	}
	b, err := os.ReadFile(path + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var side struct {
		Frames    int   `json:"frames"`
		FirstStep int64 `json:"first_step"`
		LastStep  int64 `json:"last_step"`
	}
	if err := json.Unmarshal(b, &side); err != nil || side.Frames != 120 || side.FirstStep != 1 || side.LastStep != 120 {
		t.Errorf("sidecar: %+v, %v: %s", side, err, b)
	}
}

func TestRecordGIF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.gif")
	runRecorded(t, recordArgs(path)...)
	g := recordtest.DecodeGIF(t, path)
	if len(g.Image) != 120 || g.Config.Width != 320 || g.Config.Height != 240 {
		t.Errorf("GIF: %d frames of %d×%d, want 120 of 320×240", len(g.Image), g.Config.Width, g.Config.Height)
	}
	if fi, err := os.Stat(path); err == nil {
		t.Logf("120 frames of 320×240: %d bytes", fi.Size())
	}
}

// TestRecordPNGsIdentical: the same seed and flags give the same PNG
// sequence, byte for byte, with successive frames of a step-locked run
// -steps_per_frame steps apart.
func TestRecordPNGsIdentical(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "frames") + "/"
	var seqs [2][]string
	for i := range seqs {
		// The same flags, output path included: it is in the provenance.
		runRecorded(t, recordArgs(out, "-seed", "3", "-steps", "240", "-steps_per_frame", "2")...)
		kept := filepath.Join(dir, []string{"a", "b"}[i])
		if err := os.Rename(out, kept); err != nil {
			t.Fatal(err)
		}
		seqs[i], _ = filepath.Glob(filepath.Join(kept, "frame_*.png"))
		if len(seqs[i]) != 120 {
			t.Fatalf("%s: %d PNGs, want 120", kept, len(seqs[i]))
		}
	}
	for k := range seqs[0] {
		a, _ := os.ReadFile(seqs[0][k])
		b, _ := os.ReadFile(seqs[1][k])
		if !bytes.Equal(a, b) {
			t.Fatalf("frame %d differs between two identical runs", k)
		}
	}
	a, _ := os.ReadFile(seqs[0][7])
	if !bytes.Contains(a, []byte("tEXtspikecast:step\x0016")) || !bytes.Contains(a, []byte(`"seed":3`)) {
		t.Error("frame 7 lacks its step (16) or the seed in its text chunks")
	}
}

func TestRecordBadInputExit2(t *testing.T) {
	dir := t.TempDir()
	noFFmpeg := t.TempDir() // a PATH with nothing on it
	cases := []struct {
		args []string
		path string // PATH for the run; "" keeps it
		want string
	}{
		{recordArgs(filepath.Join(dir, "talk.avi")), "", `invalid -record "` + dir + `/talk.avi": unknown extension ".avi"`},
		{recordArgs(filepath.Join(dir, "no", "such", "talk.mp4")), "", "does not exist"},
		{recordArgs("/proc/talk.gif"), "", `invalid -record "/proc/talk.gif": cannot write in /proc`},
		{recordArgs(filepath.Join(dir, "talk.mp4")), noFFmpeg, "ffmpeg is not on PATH"},
		{recordArgs(filepath.Join(dir, "x.gif"), "-fps", "0"), "", "invalid -fps 0"},
		{recordArgs(filepath.Join(dir, "x.gif"), "-fps", "500"), "", "invalid -fps 500"},
		{[]string{"-headless", "-title", "x"}, "", "invalid -title"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			if c.path != "" {
				t.Setenv("PATH", c.path)
			}
			start := time.Now()
			code, stdout, stderr := runCmd(t, c.args...)
			if code != exitUsage || stdout != "" {
				t.Errorf("%v: exit %d, stdout %q; want exit 2 and nothing on stdout", c.args, code, stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "spikecast: ") || !strings.Contains(stderr, c.want) {
				t.Errorf("%v: stderr %q, want one line saying %q", c.args, stderr, c.want)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("%v: took %v: the check ran after the simulation started", c.args, d)
			}
		})
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("bad input left files: %v", left)
	}
}

// TestRecordInterruptFinalises: SIGINT in the middle of a recording ends
// the run with exit 130 and a video ffprobe reads without complaint.
func TestRecordInterruptFinalises(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "talk.mp4")
	go func() {
		// The temporary file appears after run has taken over SIGINT.
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if m, _ := filepath.Glob(filepath.Join(dir, ".talk.mp4.*.tmp")); len(m) > 0 {
				time.Sleep(300 * time.Millisecond)
				syscall.Kill(os.Getpid(), syscall.SIGINT)
				return
			}
		}
	}()
	code, stdout, stderr := runCmd(t, recordArgs(path, "-steps", "1000000")...)
	if code != exitInterrupt {
		t.Fatalf("exit %d, want %d: %s", code, exitInterrupt, stderr)
	}
	s := summary(t, stdout)
	p := recordtest.Probe(t, path)
	if p.Codec != "h264" || p.Frames == 0 || p.Frames != int(s.Frames) {
		t.Errorf("after SIGINT: ffprobe %+v, summary %d frames", p, s.Frames)
	}
	t.Logf("interrupted after %d frames", s.Frames)
}

// TestRecordWindow records from the live window (on a virtual screen):
// -record starts at the first frame and -steps ends the run, which
// finalises the file.
func TestRecordWindow(t *testing.T) {
	d, err := gpu.EnsureDisplay()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	path := filepath.Join(t.TempDir(), "live.gif")
	code, stdout, stderr := runCmd(t, "-n", "24", "-steps", "60", "-steps_per_frame", "2", "-width", "320", "-height", "240",
		"-vsync=false", "-record", path, "-title", "live")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	summary(t, stdout)
	if !strings.Contains(stderr, "recorded "+path) {
		t.Errorf("stderr does not name the recording: %q", stderr)
	}
	g := recordtest.DecodeGIF(t, path)
	// Frames at steps 2, 4, …, 60.
	if len(g.Image) != 30 {
		t.Errorf("live GIF has %d frames, want 30", len(g.Image))
	}
	if _, err := os.Stat(record.SidecarPath(path)); err != nil {
		t.Error(err)
	}
}
