package main

import (
	"path/filepath"
	"testing"

	"github.com/spikecast/spikecast/checkpoint"
)

// TestSaveLoadKeepsHistory: -save stores the run's learning curve, and
// a run resumed with -load continues it, so that a loaded network shows
// the history it learned in; the network itself ends as an uninterrupted
// run's.
func TestSaveLoadKeepsHistory(t *testing.T) {
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	common := []string{"-headless", "-quiet", "-backend", "cpu", "-n", "16"}
	runOK(t, append(common, "-steps", "300", "-save", f("a"))...)
	runOK(t, "-headless", "-quiet", "-backend", "cpu", "-load", f("a"), "-steps", "200", "-save", f("b"))
	runOK(t, append(common, "-steps", "500", "-save", f("whole"))...)
	_, _, ha, err := checkpoint.ReadWith(f("a"))
	if err != nil || ha == nil {
		t.Fatalf("first run's history: %v, %v", ha, err)
	}
	_, stb, hb, err := checkpoint.ReadWith(f("b"))
	if err != nil || hb == nil {
		t.Fatalf("resumed run's history: %v, %v", hb, err)
	}
	_, stw, hw, err := checkpoint.ReadWith(f("whole"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ha.Steps) != 300/checkpoint.HistoryEvery || len(hb.Steps) != 500/checkpoint.HistoryEvery {
		t.Fatalf("samples %v then %v", ha.Steps, hb.Steps)
	}
	for i := range hb.Steps {
		if hb.Steps[i] != hw.Steps[i] || hb.F1[i] != hw.F1[i] || hb.Rate[i] != hw.Rate[i] {
			t.Fatalf("sample %d: resumed (%d, %g, %g), whole run (%d, %g, %g)", i,
				hb.Steps[i], hb.F1[i], hb.Rate[i], hw.Steps[i], hw.F1[i], hw.Rate[i])
		}
	}
	if stb.T != stw.T {
		t.Fatalf("resumed at step %d, whole run %d", stb.T, stw.T)
	}
}
