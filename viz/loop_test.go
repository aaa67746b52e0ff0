package viz

import (
	"bytes"
	"slices"
	"testing"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/backend/backendtest"
	"github.com/spikecast/spikecast/changes"
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
			want := backendtest.Checkpoint(t, b)
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
			if b.T() != 30 || d.Sim().T != 30 || !bytes.Equal(backendtest.Checkpoint(t, b), want) {
				t.Errorf("after R: backend at step %d, display at %d, state equal %v; want the loaded state at 30",
					b.T(), d.Sim().T, bytes.Equal(backendtest.Checkpoint(t, b), want))
			}
		})
	}
}

// TestChangesApplyAtTheirSteps: the loop applies -changes before the
// step each names, on every backend, so the run equals a reference run
// that sets the same parameters at the same steps.
func TestChangesApplyAtTheirSteps(t *testing.T) {
	ctx := gputest.Context(t)
	p := cpuref.Defaults()
	p.N = 16
	list, err := changes.Parse("# a comment\n10 eta 0.05\n\n23 -sigma_noise 0.02\n23 target_rate 0.2\n", p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := changes.Parse("5 rule hebbian\n", p); err == nil {
		t.Error("a change of -rule (compiled into the shaders) was taken")
	}
	if _, err := changes.Parse("9 eta 0.1\n5 eta 0.2\n", p); err == nil {
		t.Error("changes out of step order were taken")
	}
	// The reference, changed by hand.
	ref := cpuref.NewFrom(p, cpuref.NewState(p), cpuref.NewStimulus(p))
	for ref.State.T < 40 {
		switch ref.State.T {
		case 10:
			ref.Params.Eta = 0.05
		case 23:
			ref.Params.SigmaNoise, ref.Params.TargetRate = 0.02, 0.2
		}
		ref.Step()
	}
	for _, name := range backend.Names {
		t.Run(name, func(t *testing.T) {
			b, err := backend.New(backend.Config{Name: name, Params: p, Context: ctx})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			d, err := b.Display(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer gputest.Do(t, func() error { d.Release(); return nil })
			var v *Viz
			gputest.Do(t, func() (err error) { v, err = New(d.Sim(), Options{}); return err })
			defer gputest.Do(t, func() error { v.Release(); return nil })
			var seen []string
			_, err = Loop(ctx, v, b, d, LoopOptions{Width: 320, Height: 240, FPS: 10, StepsPerFrame: 4, MaxSteps: 40,
				Changes: list, OnChange: func(c Change) { seen = append(seen, c.String()) }})
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"10 eta 0.05", "23 sigma_noise 0.02", "23 target_rate 0.2"}; !slices.Equal(seen, want) {
				t.Errorf("changes made: %q, want %q", seen, want)
			}
			st, err := b.State()
			if err != nil {
				t.Fatal(err)
			}
			if st.T != 40 || b.Params().Eta != 0.05 || b.Params().TargetRate != 0.2 {
				t.Fatalf("at step %d with η %v, target rate %v", st.T, b.Params().Eta, b.Params().TargetRate)
			}
			for i := range st.V {
				if st.V[i] != ref.State.V[i] || st.Theta[i] != ref.State.Theta[i] {
					t.Fatalf("cell %d: v %v θ %v, reference %v %v", i, st.V[i], st.Theta[i], ref.State.V[i], ref.State.Theta[i])
				}
			}
			for i := range st.WIn {
				if st.WIn[i] != ref.State.WIn[i] {
					t.Fatalf("W_in[%d] = %v, reference %v", i, st.WIn[i], ref.State.WIn[i])
				}
			}
		})
	}
}
