package backend

import (
	"bytes"
	"testing"

	"github.com/spikecast/spikecast/backend/backendtest"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu/gputest"
)

func TestMain(m *testing.M) { gputest.Main(m) }

// TestSuite runs one suite against every backend: stepping, measures,
// reading the state, loading a state back and turning learning off give
// the same bytes everywhere.
func TestSuite(t *testing.T) {
	p := cpuref.Defaults()
	p.N, p.Seed = 16, 5
	ctx := gputest.Context(t)
	var want [][]byte
	for i, name := range Names {
		t.Run(name, func(t *testing.T) {
			b, err := New(Config{Name: name, Params: p, Context: ctx, Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			if b.Name() != name || b.Renderer() == "" || b.T() != 0 {
				t.Errorf("fresh backend: name %q, renderer %q, T %d", b.Name(), b.Renderer(), b.T())
			}
			if err := b.Step(30); err != nil {
				t.Fatal(err)
			}
			at30 := backendtest.Checkpoint(t, b)
			saved, _ := b.State()
			saved = saved.Clone()
			if err := b.Step(20); err != nil {
				t.Fatal(err)
			}
			m, err := b.Measures()
			if err != nil || b.T() != 50 {
				t.Fatalf("after 50 steps: T %d, %v", b.T(), err)
			}
			at50 := backendtest.Checkpoint(t, b)
			// Back to step 30 and on again: the same 20 steps.
			if err := b.Load(saved); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(backendtest.Checkpoint(t, b), at30) {
				t.Error("Load did not restore the state")
			}
			b.Step(20)
			if !bytes.Equal(backendtest.Checkpoint(t, b), at50) {
				t.Error("steps after Load differ from the first time")
			}
			if m2, _ := b.Measures(); m2 != m {
				t.Errorf("measures %+v, then %+v", m, m2)
			}
			b.SetLearn(false)
			b.Step(10)
			got := [][]byte{at30, at50, backendtest.Checkpoint(t, b)}
			if i == 0 {
				want = got
				return
			}
			for k := range got {
				if !bytes.Equal(got[k], want[k]) {
					t.Errorf("checkpoint %d differs from the %s backend's", k, Names[0])
				}
			}
		})
	}
}

// TestDisplay: a display shows the backend's last step and its measures,
// and a Load shows the loaded state.
func TestDisplay(t *testing.T) {
	p := cpuref.Defaults()
	p.N = 16
	ctx := gputest.Context(t)
	for _, name := range Names {
		t.Run(name, func(t *testing.T) {
			b, err := New(Config{Name: name, Params: p, Context: ctx})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			d, err := b.Display(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer gputest.Do(t, func() error { d.Release(); return nil })
			b.Step(25)
			want, _ := b.Measures()
			gputest.Do(t, func() error {
				if err := d.Sync(); err != nil {
					return err
				}
				if d.Sim().T != 25 {
					t.Errorf("display at step %d, want 25", d.Sim().T)
				}
				d.RequestMeasures()
				return nil
			})
			gputest.Do(t, func() error {
				for range 1000 {
					if m, tt, ok := d.PollMeasures(); ok {
						if m != want || tt != 25 {
							t.Errorf("polled %+v at %d, want %+v at 25", m, tt, want)
						}
						return nil
					}
				}
				t.Error("measures never arrived")
				return nil
			})
			b.Load(cpuref.NewState(p))
			gputest.Do(t, func() error {
				d.Reset()
				if err := d.Sync(); err != nil {
					return err
				}
				if d.Sim().T != 0 {
					t.Errorf("display at step %d after loading the initial state", d.Sim().T)
				}
				return nil
			})
		})
	}
}
