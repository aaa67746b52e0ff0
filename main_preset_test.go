package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/sweep"
)

// presetParams is the defaults with every parameter of preset name set
// from cpuref.Presets, one by one, then the flags of extra.
func presetParams(t *testing.T, name string, extra map[string]string) cpuref.Params {
	t.Helper()
	p := cpuref.Defaults()
	preset := map[string]string{}
	for _, v := range cpuref.Presets[name] {
		preset[v.Flag] = v.Value
	}
	for _, m := range []map[string]string{preset, extra} {
		for k, v := range m {
			s, ok := cpuref.ParamByFlag(k)
			if !ok {
				t.Fatalf("preset %s: no parameter -%s", name, k)
			}
			if err := s.Set(&p, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	return p
}

// TestPresetFlagsOverrideIt: -preset's parameters come first, and a
// flag given with it overrides it, before or after it on the line.
func TestPresetFlagsOverrideIt(t *testing.T) {
	if _, ok := cpuref.Presets["rich"]; !ok {
		t.Fatal(`no preset "rich"`)
	}
	want := presetParams(t, "rich", map[string]string{"rho": "0.5", "n": "12"})
	for _, args := range [][]string{
		{"-rho", "0.5", "-n", "12", "-preset", "rich"},
		{"-preset", "rich", "-rho", "0.5", "-n", "12"},
		{"-n", "12", "-preset", "rich", "-rho", "0.5", "-preset", "rich"},
	} {
		c, err := parse(args, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if c.Params != want {
			t.Errorf("%v: parameters\n%+v, want\n%+v", args, c.Params, want)
		}
		if c.Preset != "rich" {
			t.Errorf("%v: preset %q", args, c.Preset)
		}
	}
	// Without -preset nothing changes.
	c, err := parse([]string{"-n", "12"}, io.Discard)
	if err != nil || c.Params != presetParams(t, "", map[string]string{"n": "12"}) || c.Preset != "" {
		t.Errorf("no -preset: %+v, %v", c, err)
	}
}

// TestPresetUnknownExit2 names the valid presets in one line.
func TestPresetUnknownExit2(t *testing.T) {
	code, _, stderr := runCmd(t, "-headless", "-preset", "poor")
	if code != exitUsage || stderr != `spikecast: invalid -preset "poor": want one of "rich"`+"\n" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.json")
	os.WriteFile(cfg, []byte(`{"preset": "poor"}`), 0o644)
	if code, _, stderr := runCmd(t, "-headless", "-config", cfg); code != exitUsage || !strings.Contains(stderr, `invalid -preset "poor"`) {
		t.Errorf("-config naming an unknown preset: exit %d, stderr %q", code, stderr)
	}
}

// TestPresetInConfigAndSummary: a -config file may name a preset, which
// its own keys and the command line override; the summary records the
// preset by name and the parameters resolved, and the checkpoint the
// same parameters; the summary, read back with -config, repeats the run.
func TestPresetInConfigAndSummary(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.json")
	os.WriteFile(cfg, []byte(`{"preset": "rich", "rho": 0.25, "n": 10, "eta": 0.02}`), 0o644)
	c, err := parse([]string{"-config", cfg, "-eta", "0.03"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := presetParams(t, "rich", map[string]string{"rho": "0.25", "n": "10", "eta": "0.03"}); c.Params != want {
		t.Errorf("parameters\n%+v, want\n%+v", c.Params, want)
	}

	a, b := filepath.Join(dir, "a.ckpt"), filepath.Join(dir, "b.ckpt")
	code, stdout, stderr := runCmd(t, "-headless", "-quiet", "-backend", "ref", "-n", "10", "-steps", "30", "-preset", "rich", "-seed", "3", "-save", a)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s := summary(t, stdout)
	want := presetParams(t, "rich", map[string]string{"n": "10", "seed": "3"})
	if s.Run.Preset != "rich" || !strings.Contains(stdout, `"preset":"rich"`) {
		t.Errorf("summary's run %+v", s.Run)
	}
	if string(s.Params) != string(sweep.Settings(want)) {
		t.Errorf("summary's params %s, want %s", s.Params, sweep.Settings(want))
	}
	p, _, err := checkpoint.Read(a)
	if err != nil || p != want {
		t.Errorf("checkpoint's parameters %+v (%v), want %+v", p, err, want)
	}
	sum := filepath.Join(dir, "summary.json")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	os.WriteFile(sum, []byte(lines[len(lines)-1]), 0o644)
	s2 := runOK(t, "-config", sum, "-quiet", "-save", b)
	s.StepsPerS, s2.StepsPerS = 0, 0
	if s != s2 {
		t.Errorf("summaries differ:\n%+v\n%+v", s, s2)
	}
	if !bytes.Equal(readFile(t, a), readFile(t, b)) {
		t.Error("the checkpoints differ")
	}
	// A resumed run may repeat the preset it was made with.
	runOK(t, "-headless", "-quiet", "-backend", "ref", "-load", a, "-steps", "5", "-preset", "rich")
}

// TestSweepOverRichParameters: a sweep over K and the direct path, on
// top of -preset, runs each network as a lone run of the same
// parameters does, and -sweep refuses preset as an axis.
func TestSweepOverRichParameters(t *testing.T) {
	code, stdout, stderr := runCmd(t, "-backend", "ref", "-n", "8", "-steps", "40", "-preset", "rich", "-sweep", "k=1,2 direct=0,2", "-batch", "2")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines: %s", len(lines), stdout)
	}
	for _, line := range lines[:4] {
		var r sweep.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		var set map[string]any
		json.Unmarshal(r.Settings, &set)
		k, direct := fmt.Sprint(set["k"]), fmt.Sprint(set["direct"])
		s := runOK(t, "-headless", "-quiet", "-backend", "ref", "-n", "8", "-steps", "40", "-preset", "rich", "-k", k, "-direct", direct)
		if r.F1 != s.F1 || r.HiddenRate != s.HiddenRate || string(r.Settings) != string(s.Params) {
			t.Errorf("k=%s direct=%s: the sweep's f1 %g, hidden rate %g; a lone run's %g, %g", k, direct, r.F1, r.HiddenRate, s.F1, s.HiddenRate)
		}
	}
	if code, _, stderr := runCmd(t, "-sweep", "preset=rich"); code != exitUsage || !strings.Contains(stderr, "-preset is not a parameter") {
		t.Errorf("-sweep preset=rich: exit %d: %s", code, stderr)
	}
}
