package session

import (
	"archive/zip"
	"os"
	"sync"
	"testing"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/cpuref"
)

// TestSaveKeyPath: S in the window writes to -save, or without it to
// spikecast-<step>.ckpt in the working directory.
func TestSaveKeyPath(t *testing.T) {
	t.Chdir(t.TempDir())
	p := cpuref.Defaults()
	p.N = 4
	st := cpuref.NewState(p)
	st.T = 1234
	b, err := backend.New(backend.Config{Name: "cpu", Params: p, State: st})
	if err != nil {
		t.Fatal(err)
	}
	path, err := save(&Config{}, b, nil)
	if err != nil || path != "spikecast-1234.ckpt" {
		t.Fatalf("saved to %q: %v", path, err)
	}
	if path, err = save(&Config{Save: "mine.ckpt"}, b, nil); err != nil || path != "mine.ckpt" {
		t.Fatalf("saved to %q: %v", path, err)
	}
	for _, f := range []string{"spikecast-1234.ckpt", "mine.ckpt"} {
		if _, got, err := checkpoint.Read(f); err != nil || got.T != 1234 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestSaveLaterWritesBoth: S with -state writes the checkpoint and
// FILE-<step>.npz, off the caller, from the same state, on each backend.
func TestSaveLaterWritesBoth(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	p := cpuref.Defaults()
	p.N = 12
	for _, name := range backend.Names {
		b, err := backend.New(backend.Config{Name: name, Params: p})
		if err != nil {
			t.Fatal(err)
		}
		b.Step(37)
		var wg sync.WaitGroup
		c := &Config{Save: name + ".ckpt", StateFile: name + ".npz"}
		shown, err := saveLater(c, b, nil, &wg, os.Stderr)
		b.Step(5) // the loop goes on while the files are written
		wg.Wait()
		want := name + ".ckpt, " + name + "-000037.npz"
		if err != nil || shown != want {
			t.Fatalf("%s: S says %q (%v), want %q", name, shown, err, want)
		}
		_, st, err := checkpoint.Read(name + ".ckpt")
		if err != nil || st.T != 37 {
			t.Fatalf("%s: checkpoint: %v", name, err)
		}
		z, err := zip.OpenReader(name + "-000037.npz")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range z.File {
			names = append(names, f.Name)
		}
		z.Close()
		if len(names) != 2+len(cpuref.Buffers()) || names[0] != "step.npy" {
			t.Errorf("%s: npz holds %v", name, names)
		}
		b.Release()
	}
}
