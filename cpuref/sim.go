package cpuref

import (
	"runtime"
	"sync"
)

// Sim is the reference simulator: the model of docs/MODEL.md in plain Go.
// Every pass is a loop over cells whose result depends only on the state
// before the pass, so rows may be split across goroutines in any way
// without changing a bit of the result.
type Sim struct {
	Params Params
	State  *State
	Stim   Stimulus

	// Learn turns plasticity (steps 6–7) on; homeostasis always runs.
	Learn bool

	workers int
	sNext   []uint32 // spikes being written while State.S is read
	litNow  []Rect
	litNext []Rect
	// With a FrameSource, frames t and t+k as plain bit sets (bitwise is
	// set): integrate reads pixels from them instead of rectangles.
	bitwise           bool
	bitsNow, bitsNext []uint32
	spiking           []int32 // indices of this step's spikes, ascending (dense output)
	etaTheta          float32 // η_θ(t) of the step being taken (Params.EtaThetaAt)
	counts            [][RingFields]uint32
}

// New validates p and returns a simulator in the initial state, driven by
// the border walk, using every CPU.
func New(p Params) (*Sim, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return NewFrom(p, NewState(p), NewStimulus(p)), nil
}

// NewFrom returns a simulator that continues from st, which it owns.
func NewFrom(p Params, st *State, stim Stimulus) *Sim {
	s := &Sim{Params: p, State: st, Stim: stim, Learn: true}
	if _, ok := stim.(FrameSource); ok {
		s.bitwise = true
		s.bitsNow, s.bitsNext = make([]uint32, PlainWords(p.N)), make([]uint32, PlainWords(p.N))
	}
	s.SetWorkers(runtime.GOMAXPROCS(0))
	s.sNext = make([]uint32, p.Cells())
	return s
}

// SetWorkers sets how many goroutines a pass is split across (at least 1).
// The result does not depend on it.
func (s *Sim) SetWorkers(w int) {
	if w < 1 {
		w = 1
	}
	if w > s.Params.N {
		w = s.Params.N
	}
	s.workers = w
	s.counts = make([][RingFields]uint32, w)
}

// Frame returns the rectangles lit in the last step's input frame X_t.
func (s *Sim) Frame() []Rect { return s.litNow }

// Target returns the rectangles lit in the last step's target frame.
func (s *Sim) Target() []Rect { return s.litNext }

// Measures returns the rolling measures after the steps taken so far.
func (s *Sim) Measures() Measures {
	return MeasuresOf(s.State.Ring, s.State.T, s.Params.Cells())
}

// Step advances the network from t to t+1: the passes of docs/MODEL.md
// §7, each the function of the same name as the compute shader that
// does it on the GPU, in the order the GPU dispatches them. A frame
// source that cannot give the step's frames (it has ended, or failed)
// leaves the state as it was; Run reports why.
func (s *Sim) Step() { s.Run(1) }

// Run takes k steps, or fewer when the stimulus is a FrameSource that
// cannot give a step's frames: then it returns the source's error (one
// wrapping ErrEndOfSource at its end) and the state is that of the steps
// taken.
func (s *Sim) Run(k int) error {
	for range k {
		if err := s.step(); err != nil {
			return err
		}
	}
	return nil
}

// step is one step, t → t+1: the table of docs/MODEL.md §7, pass by
// pass, each in the file of its name.
func (s *Sim) step() error {
	// Before the first pass: frames t and t+k (taken first: a missing one
	// leaves the state as it was), and this step's ring slot cleared.
	if err := s.takeFrames(); err != nil {
		return err
	}
	ring := s.clearSlot()
	s.etaTheta = s.Params.EtaThetaAt(s.State.T)
	layer2 := s.Params.Layer2() == 1

	// 1. integrate (integrate.go): the input pixel, steps 1–3 and 8.
	s.forRows(s.integrate)
	s.addCounts(ring)
	// 1b. integrate2 (integrate2.go): the second hidden layer.
	if layer2 {
		s.forRows(s.integrate2)
	}
	// 2. output (output.go): steps 4–6.
	s.listSpiking()
	s.forRows(s.output)
	s.addCounts(ring)
	if s.Learn {
		// 3. learnInput (learnInput.go): step 7.
		s.forRows(s.learnInput)
		// 3b. learnHidden2 (learnHidden2.go): step 7 for W12.
		if layer2 {
			s.forRows(s.learnHidden2)
		}
	}

	// s(t) becomes the next step's s(t−1).
	s.State.S, s.sNext = s.sNext, s.State.S
	s.State.T++
	return nil
}

// takeFrames takes frames t and t+k from the stimulus as the GPU receives
// them: rectangles, or bit sets from a frame source.
func (s *Sim) takeFrames() error {
	t := s.State.T
	if s.bitwise {
		src := s.Stim.(FrameSource)
		if err := src.FrameBits(t, s.bitsNow); err != nil {
			return err
		}
		return src.FrameBits(t+int64(s.Params.Horizon), s.bitsNext)
	}
	s.litNow = s.Stim.Frame(t, s.litNow[:0])
	s.litNext = s.Stim.Frame(t+int64(s.Params.Horizon), s.litNext[:0])
	return nil
}

// clearSlot zeroes this step's ring slot and returns it.
func (s *Sim) clearSlot() []uint32 {
	slot := int(s.State.T % Window)
	ring := s.State.Ring[slot*RingFields : (slot+1)*RingFields]
	for f := range ring {
		ring[f] = 0
	}
	return ring
}

// forRows runs pass over the rows split into s.workers contiguous bands.
func (s *Sim) forRows(pass func(w, r0, r1 int)) {
	n, k := s.Params.N, s.workers
	if k == 1 {
		pass(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < k; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			pass(w, w*n/k, (w+1)*n/k)
		}(w)
	}
	wg.Wait()
}

// addCounts adds the workers' counts of the last pass to a ring slot.
func (s *Sim) addCounts(ring []uint32) {
	for w := range s.counts {
		for f := range ring {
			ring[f] += s.counts[w][f]
		}
		s.counts[w] = [RingFields]uint32{}
	}
}
