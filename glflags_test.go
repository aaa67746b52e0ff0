package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestGLFlagsRefuseBadValues: a bad -gl or -gpu exits 2 with one line
// naming the flag and what it takes.
func TestGLFlagsRefuseBadValues(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"-headless", "-gl", "vulkan"}, []string{`invalid value "vulkan" for flag -gl`, "auto, egl, glx, xvfb"}},
		{[]string{"-headless", "-gpu", "-2"}, []string{"flag -gpu", "-list_gpus"}},
		{[]string{"-headless", "-gpu", "first"}, []string{"flag -gpu"}},
		{[]string{"-headless", "-gl", "xvfb", "-gpu", "0"}, []string{"invalid -gpu 0 with -gl xvfb", "-gl egl"}},
		{[]string{"-headless", "-backend", "cpu", "-gpu", "0"}, []string{"invalid -gpu 0 with -backend cpu"}},
		{[]string{"-headless", "-backend", "ref", "-gpu", "1"}, []string{"invalid -gpu 1 with -backend ref"}},
		{[]string{"-gpu", "0"}, []string{"invalid -gpu 0 without -headless"}},
		// Checked when the run starts: EGL lists no device 99 here.
		{[]string{"-headless", "-gpu", "99", "-n", "8", "-steps", "10"}, []string{"-gpu 99: no such EGL device", "-list_gpus"}},
		{[]string{"-headless", "-backend", "gpu", "-gpu", "99", "-n", "8", "-steps", "10"}, []string{"-gpu 99: no such EGL device"}},
	}
	for _, c := range cases {
		code, stdout, stderr := runCmd(t, c.args...)
		if code != exitUsage || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q; want exit %d and nothing", c.args, code, stdout, exitUsage)
		}
		oneLine(t, stderr, c.want...)
	}
}

// TestListGPUs: -list_gpus prints one line per EGL device and exits 0.
func TestListGPUs(t *testing.T) {
	code, stdout, stderr := runCmd(t, "-list_gpus")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	for i, l := range lines {
		t.Log(l)
		if !strings.HasPrefix(l, "gpu "+strconv.Itoa(i)+": ") {
			t.Errorf("line %d is %q, want \"gpu %d: ...\"", i, l, i)
		}
	}
}

// TestHeadlessWithoutX: with no DISPLAY, a headless run and a headless
// recording run on EGL (no Xvfb is started: that would say "xvfb"), and
// -gl xvfb still takes the private Xvfb. The summary says which.
func TestHeadlessWithoutX(t *testing.T) {
	env := envWithout([]string{"DISPLAY", "WAYLAND_DISPLAY"})
	dir := t.TempDir() + "/"
	for _, c := range []struct {
		args []string
		want string // prefix of the summary's gl
	}{
		{[]string{"-headless", "-backend", "gpu", "-n", "16", "-steps", "50", "-quiet"}, "egl"},
		{[]string{"-headless", "-backend", "gpu", "-n", "16", "-steps", "50", "-quiet", "-gl", "egl"}, "egl"},
		{[]string{"-headless", "-backend", "gpu", "-n", "16", "-steps", "20", "-steps_per_frame", "10", "-quiet", "-width", "320", "-height", "240", "-record", filepath.Join(dir, "frames") + "/"}, "egl"},
		{[]string{"-headless", "-backend", "gpu", "-n", "16", "-steps", "50", "-quiet", "-gl", "xvfb"}, "xvfb"},
	} {
		code, stdout, stderr := runBinary(t, env, c.args...)
		if code != exitOK {
			t.Errorf("%v: exit %d: %s", c.args, code, stderr)
			continue
		}
		s := summary(t, stdout)
		if !strings.HasPrefix(s.GL, c.want) {
			t.Errorf("%v: summary says gl %q, want %s…", c.args, s.GL, c.want)
		}
	}
	code, _, stderr := runBinary(t, env, "-headless", "-backend", "gpu", "-steps", "10", "-gl", "glx")
	if code != exitFailure {
		t.Errorf("-gl glx without DISPLAY: exit %d, want %d", code, exitFailure)
	}
	oneLine(t, stderr, "-gl glx", "DISPLAY is not set", "-gl egl")
}
