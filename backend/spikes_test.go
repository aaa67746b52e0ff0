package backend

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/backend/backendtest"
	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/gpu/gputest"
)

// TestSpikeTapsAgree taps every layer of each backend, at sizes that are
// and are not multiples of the bit sets' words, with a second layer, and
// across a chunk boundary of the gpu's read-back: every step is handed
// over once, in order, and holds exactly the state's binary cells after
// that step; the backends agree step for step.
func TestSpikeTapsAgree(t *testing.T) {
	ctx := gputest.Context(t)
	for _, n := range []int{5, 33} {
		p := cpuref.Defaults()
		p.N, p.Seed, p.Horizon, p.TargetRate = n, 3, 2, 0.2
		var logs []string
		for _, name := range Names {
			b, err := New(Config{Name: name, Params: p, Context: ctx, Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			var log strings.Builder
			next := int64(0)
			sink := func(step int64, cells *[gpu.NumSpikeLayers][]uint32) error {
				if step != next {
					return fmt.Errorf("step %d handed over, want %d", step, next)
				}
				next++
				fmt.Fprintf(&log, "%d:%v\n", step, *cells)
				return nil
			}
			if err := b.(SpikeTapper).TapSpikes([gpu.NumSpikeLayers]bool{true, true, true, true}, sink); err != nil {
				t.Fatal(err)
			}
			// The last step's cells, from the state, against the tap's.
			steps := 0
			for _, k := range []int{1, 7, 300, 2} {
				if err := b.Step(k); err != nil {
					t.Fatal(err)
				}
				steps += k
			}
			if err := b.(SpikeTapper).FlushSpikes(); err != nil {
				t.Fatal(err)
			}
			if next != int64(steps) {
				t.Fatalf("%s n=%d: %d steps handed over, want %d", name, n, next, steps)
			}
			st, _ := b.State()
			var last [gpu.NumSpikeLayers][]uint32
			for code, layer := range [][]uint32{st.X, st.S, st.YHat, st.S2} {
				for i, v := range layer {
					if v != 0 {
						last[code] = append(last[code], uint32(i))
					}
				}
			}
			lines := strings.Split(strings.TrimSpace(log.String()), "\n")
			if want := fmt.Sprintf("%d:%v", steps-1, last); lines[len(lines)-1] != want {
				t.Errorf("%s n=%d: last step handed over %s, the state holds %s", name, n, lines[len(lines)-1], want)
			}
			if !strings.Contains(log.String(), "[") || len(last[1]) == 0 && len(last[0]) == 0 {
				t.Errorf("%s n=%d: no spikes at all", name, n)
			}
			logs = append(logs, log.String())
			b.Release()
		}
		if logs[0] != logs[1] {
			a, c := strings.Split(logs[0], "\n"), strings.Split(logs[1], "\n")
			for i := range min(len(a), len(c)) {
				if a[i] != c[i] {
					t.Fatalf("n=%d: gpu and cpu taps differ first at\n gpu %s\n cpu %s", n, a[i], c[i])
				}
			}
			t.Fatalf("n=%d: gpu and cpu taps differ in length", n)
		}
	}
}

// TestStateLaterIsState: the state read later is the state read now, on
// every backend, though the backend steps on meanwhile.
func TestStateLaterIsState(t *testing.T) {
	ctx := gputest.Context(t)
	p := cpuref.Defaults()
	p.N, p.Horizon = 19, 3
	for _, name := range Names {
		b, err := New(Config{Name: name, Params: p, Context: ctx})
		if err != nil {
			t.Fatal(err)
		}
		b.Step(40)
		now := backendtest.Checkpoint(t, b)
		wait, err := b.(StateLater).StateLater()
		if err != nil {
			t.Fatal(err)
		}
		b.Step(3)
		st, err := wait()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		checkpoint.Encode(&buf, p, st)
		if !bytes.Equal(buf.Bytes(), now) {
			t.Errorf("%s: the state read later differs from the state at its step", name)
		}
		b.Release()
	}
}
