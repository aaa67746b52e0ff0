package gpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu/gputest"
)

// sameState fails t at the first buffer element where got and want
// differ bit for bit.
func sameState(t *testing.T, got, want *cpuref.State) {
	t.Helper()
	if got.N != want.N || got.T != want.T {
		t.Fatalf("got n=%d t=%d, want n=%d t=%d", got.N, got.T, want.N, want.T)
	}
	gf := got.Fields()
	for k, w := range want.Fields() {
		g := gf[k]
		switch {
		case w.F32 != nil:
			sameBits(t, w.Name, *g.F32, *w.F32, math.Float32bits)
		case w.U32 != nil:
			sameBits(t, w.Name, *g.U32, *w.U32, func(v uint32) uint32 { return v })
		default:
			sameBits(t, w.Name, *g.I32, *w.I32, func(v int32) uint32 { return uint32(v) })
		}
	}
}

// sameBits fails t at the first element whose bits differ.
func sameBits[T any](t *testing.T, name string, g, w []T, bits func(T) uint32) {
	t.Helper()
	if len(g) != len(w) {
		t.Fatalf("%s: %d values, want %d", name, len(g), len(w))
	}
	for i := range w {
		if bits(g[i]) != bits(w[i]) {
			t.Fatalf("%s[%d]: got %v, want %v", name, i, g[i], w[i])
		}
	}
}

// TestGPUInitialStateRoundTrip: the initial state uploaded by New reads
// back bit for bit, for both output layouts.
func TestGPUInitialStateRoundTrip(t *testing.T) {
	for _, layout := range []cpuref.WOutLayout{cpuref.Local, cpuref.Dense} {
		t.Run(string(layout), func(t *testing.T) {
			p := cpuref.Defaults()
			p.N, p.OutLayout = 23, layout
			init := cpuref.NewState(p)
			want := init.Clone()
			sim := gputest.Sim(t, p, init)
			var got *cpuref.State
			gputest.Do(t, func() (err error) {
				got, err = sim.ReadState()
				return err
			})
			sameState(t, got, want)
		})
	}
}

// TestGPULoadRoundTrip: a state with every buffer changed, loaded into a
// running simulation, reads back bit for bit, T included.
func TestGPULoadRoundTrip(t *testing.T) {
	p := cpuref.Defaults()
	p.N = 23
	sim := gputest.Sim(t, p, cpuref.NewState(p))
	gputest.Do(t, func() error { return sim.Run(3) }) // Load must overwrite a used state

	rng := rand.New(rand.NewPCG(3, 5))
	st := cpuref.NewState(p)
	st.T = 12345
	for i := range st.V {
		st.V[i] = rng.Float32()*2 - 1
		st.Theta[i] = p.ThetaMin + rng.Float32()
		st.P[i] = rng.Float32() * 3
		st.Q[i] = rng.Float32() * 3
		st.X[i], st.Y[i], st.S[i], st.YHat[i] = rng.Uint32N(2), rng.Uint32N(2), rng.Uint32N(2), rng.Uint32N(2)
		st.Err[i] = int32(st.Y[i]) - int32(st.YHat[i])
	}
	for _, w := range [][]float32{st.WIn, st.WRec, st.WOut} {
		for i := range w {
			w[i] = rng.Float32()*3 - 1.5
		}
	}
	st.V[0] = float32(math.Copysign(0, -1)) // −0 must survive too
	st.WOut[1] = math.Float32frombits(1)    // and a subnormal
	for i := range st.Ring {
		st.Ring[i] = rng.Uint32()
	}
	want := st.Clone()

	var got *cpuref.State
	gputest.Do(t, func() (err error) {
		if err := sim.Load(st); err != nil {
			return err
		}
		got, err = sim.ReadState()
		return err
	})
	sameState(t, got, want)
	if sim.T != want.T {
		t.Errorf("sim.T = %d after Load, want %d", sim.T, want.T)
	}

	// A state of another size is refused, not uploaded.
	q := p
	q.N = 22
	gputest.Do(t, func() error {
		if err := sim.Load(cpuref.NewState(q)); err == nil {
			return fmt.Errorf("Load of an n=22 state into an n=23 simulation succeeded")
		}
		return nil
	})
}

// TestGPUFramesForRenderers: the frames renderers draw are the last
// step's, also after Load and LoadDisplay, and none for a state at t = 0
// (the window's R with either backend).
func TestGPUFramesForRenderers(t *testing.T) {
	p := cpuref.Defaults()
	p.N = 23
	sim := gputest.Sim(t, p, cpuref.NewState(p))
	stim := cpuref.NewStimulus(p)
	frame := func(t int64) []cpuref.Rect { return stim.Frame(t, nil) }
	check := func(when string, wantFrame, wantTarget []cpuref.Rect) {
		t.Helper()
		if !slices.Equal(sim.Frame(), wantFrame) || !slices.Equal(sim.Target(), wantTarget) {
			t.Errorf("%s: frames %v, %v; want %v, %v", when, sim.Frame(), sim.Target(), wantFrame, wantTarget)
		}
	}
	check("new", nil, nil)
	gputest.Do(t, func() error { return sim.Run(5) })
	check("after 5 steps", frame(4), frame(5))

	ref := cpuref.NewFrom(p, cpuref.NewState(p), cpuref.NewStimulus(p))
	for range 9 {
		ref.Step()
	}
	gputest.Do(t, func() error { return sim.Load(ref.State) })
	check("after Load at t=9", frame(8), frame(9))
	gputest.Do(t, func() error { return sim.LoadDisplay(ref.State, ref.Frame(), ref.Target()) })
	check("after LoadDisplay at t=9", frame(8), frame(9))

	// A fresh reference state keeps the reference's last frames; a state
	// at t = 0 has none to show.
	ref.State = cpuref.NewState(p)
	gputest.Do(t, func() error { return sim.LoadDisplay(ref.State, ref.Frame(), ref.Target()) })
	check("after LoadDisplay at t=0", nil, nil)
	gputest.Do(t, func() error { return sim.Load(cpuref.NewState(p)) })
	check("after Load at t=0", nil, nil)
}
