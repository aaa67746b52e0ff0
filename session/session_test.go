package session

import (
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
	path, err := save(&Config{}, b)
	if err != nil || path != "spikecast-1234.ckpt" {
		t.Fatalf("saved to %q: %v", path, err)
	}
	if path, err = save(&Config{Save: "mine.ckpt"}, b); err != nil || path != "mine.ckpt" {
		t.Fatalf("saved to %q: %v", path, err)
	}
	for _, f := range []string{"spikecast-1234.ckpt", "mine.ckpt"} {
		if _, got, err := checkpoint.Read(f); err != nil || got.T != 1234 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
