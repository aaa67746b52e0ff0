package viz

import (
	"bytes"
	"testing"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu/gputest"
)

// TestResetReturnsToInitial: R loads the loop's initial state (after
// -load, the checkpoint's), not a fresh network, on every backend, and
// the display shows it.
func TestResetReturnsToInitial(t *testing.T) {
	ctx := gputest.Context(t)
	p := cpuref.Defaults()
	p.N = 16
	encode := func(b backend.Backend) []byte {
		st, err := b.State()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		checkpoint.Encode(&buf, p, st)
		return buf.Bytes()
	}
	for _, name := range backend.Names {
		t.Run(name, func(t *testing.T) {
			b, err := backend.New(backend.Config{Name: name, Params: p, Context: ctx})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			b.Step(30)
			st, _ := b.State()
			loaded := st.Clone()
			want := encode(b)
			b.Step(20)
			d, err := b.Display(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer gputest.Do(t, func() error { d.Release(); return nil })
			var v *Viz
			gputest.Do(t, func() (err error) { v, err = New(d.Sim(), Options{}); return err })
			defer gputest.Do(t, func() error { v.Release(); return nil })
			a := &app{ctx: ctx, v: v, b: b, d: d, reset: true}
			if err := a.requests(&LoopOptions{Initial: loaded}); err != nil {
				t.Fatal(err)
			}
			if b.T() != 30 || d.Sim().T != 30 || !bytes.Equal(encode(b), want) {
				t.Errorf("after R: backend at step %d, display at %d, state equal %v; want the loaded state at 30",
					b.T(), d.Sim().T, bytes.Equal(encode(b), want))
			}
		})
	}
}
