package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/frames"
	"github.com/spikecast/spikecast/session"
)

// TestApplyParamsKeeps: flags apply on top of the parameters given, not
// on the defaults (AddFlags resets its target), with the command's
// messages.
func TestApplyParamsKeeps(t *testing.T) {
	p := cpuref.Defaults()
	p.N, p.Eta = 20, 0.5
	if err := applyParams(&p, map[string]string{"rho": "0.8"}); err != nil {
		t.Fatal(err)
	}
	if p.N != 20 || p.Eta != 0.5 || p.Rho != 0.8 {
		t.Errorf("got n=%d eta=%g rho=%g, want 20, 0.5, 0.8", p.N, p.Eta, p.Rho)
	}
	err := applyParams(&p, map[string]string{"rho": "x"})
	if err == nil || err.Error() != `invalid value "x" for flag -rho: not a number` || kindOf(err) != kindValue {
		t.Errorf("rho=x: %v (kind %d)", err, kindOf(err))
	}
	if err := applyParams(&p, map[string]string{"nope": "1"}); err == nil || !strings.Contains(err.Error(), `unknown parameter "nope"`) {
		t.Errorf("nope=1: %v", err)
	}
}

// TestReadConfig: a summary's params and backend are taken, keywords
// override the file, its results are ignored, an unknown key is refused.
func TestReadConfig(t *testing.T) {
	dir := t.TempDir()
	sum := filepath.Join(dir, "run.json")
	os.WriteFile(sum, []byte(`{"steps":5,"f1":0.5,"params":{"n":12,"rho":0.8,"seed":1000000},"run":{"backend":"ref","steps":5,"headless":true}}`), 0o644)
	s := settings{Config: sum, Params: map[string]string{"rho": "0.7"}}
	if err := readConfig(&s); err != nil {
		t.Fatal(err)
	}
	if s.Backend != "ref" || s.Params["n"] != "12" || s.Params["rho"] != "0.7" || s.Params["seed"] != "1000000" {
		t.Errorf("got backend %q, params %v", s.Backend, s.Params)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"n": 8, "colour": "red"}`), 0o644)
	s = settings{Config: bad}
	if err := readConfig(&s); err == nil || !strings.Contains(err.Error(), `unknown key "colour"`) {
		t.Errorf("bad config: %v", err)
	}
}

// TestFeedNetwork: a network fed arrays refuses steps its frames do not
// reach, before anything changes, and steps those they do.
func TestFeedNetwork(t *testing.T) {
	nt, err := newNetwork(settings{Backend: "ref", Params: map[string]string{"n": "4", "frames": frames.FeedSource}})
	if err != nil {
		t.Fatal(err)
	}
	defer nt.release()
	frame := make([]byte, 3*4*4)
	if _, err := nt.feedFrames("|u1", []int64{3, 4, 4}, frame, 5); kindOf(err) != kindValue || nt.feed.End() != 0 {
		t.Errorf("5 steps on 3 frames: %v, %d frames kept", err, nt.feed.End())
	}
	k, err := nt.feedFrames("|u1", []int64{3, 4, 4}, frame, -1)
	if err != nil || k != 2 {
		t.Fatalf("as many steps as 3 frames allow: %d, %v; want 2", k, err)
	}
	if err := nt.step(int(k)); err != nil || nt.b.T() != 2 {
		t.Fatalf("step: %v at T=%d", err, nt.b.T())
	}
	if err := nt.step(1); kindOf(err) != kindValue {
		t.Errorf("a step past the frames: %v", err)
	}
	if kindOf(errors.Join(cpuref.ErrEndOfSource)) != kindEnd {
		t.Error("the end of a source is not kindEnd")
	}
}

// TestPreset: a network's parameters start from its preset, the
// keywords override it, a -config file may name one (the keyword's
// wins), and an unknown name is refused naming the valid ones.
func TestPreset(t *testing.T) {
	want := cpuref.Defaults()
	flags, err := session.PresetFlags("rich")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(flags, "-n=6", "-rho=0.5") {
		k, v, _ := strings.Cut(f[1:], "=")
		s, _ := cpuref.ParamByFlag(k)
		if err := s.Set(&want, v); err != nil {
			t.Fatal(err)
		}
	}
	nt, err := newNetwork(settings{Backend: "ref", Preset: "rich", Params: map[string]string{"n": "6", "rho": "0.5"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := nt.b.Params(); got != want {
		t.Errorf("parameters\n%+v, want\n%+v", got, want)
	}
	nt.release()

	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.json")
	os.WriteFile(cfg, []byte(`{"preset": "poor", "n": 6}`), 0o644)
	s := settings{Config: cfg, Preset: "rich"}
	if err := readConfig(&s); err != nil || s.Preset != "rich" {
		t.Errorf("keyword preset against the file's: %q, %v", s.Preset, err)
	}
	s = settings{Config: cfg}
	if err := readConfig(&s); err != nil || s.Preset != "poor" {
		t.Errorf("the file's preset: %q, %v", s.Preset, err)
	}
	if _, err := newNetwork(settings{Backend: "ref", Config: cfg}); err == nil || err.Error() != `invalid -preset "poor": want one of "rich"` || kindOf(err) != kindValue {
		t.Errorf("unknown preset: %v (kind %d)", err, kindOf(err))
	}
}
