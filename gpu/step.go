package gpu

import (
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/cpuref"
)

// Run takes k steps.
func (s *Sim) Run(k int) error {
	s.Bind()
	for range k {
		if err := s.step(); err != nil {
			return err
		}
	}
	return nil
}

// Step takes one step: the passes of docs/MODEL.md, each a dispatch over
// the grid, separated by storage barriers because each pass reads what
// the one before wrote.
func (s *Sim) Step() error { return s.Run(1) }

// step takes one step: this step's frames arrive, in the way the Sim's
// stepInput brings them, then the passes of docs/MODEL.md §7 run in its
// order, one dispatch each.
func (s *Sim) step() error {
	// The frames first: a bad one leaves the state as it was.
	if err := s.input.load(s); err != nil {
		return err
	}
	slot := int32(s.T % cpuref.Window)
	s.clearStep(slot)
	layer2 := s.Params.Layer2() == 1
	if s.batch == nil { // a batch's noise keys and η_θ(t) arrived with its frames
		eta := s.Params.EtaThetaAt(s.T)
		s.integrate.setUint("uNoiseKey", cpuref.NoiseKey(s.Params.Seed, cpuref.StreamNoise, uint32(s.T)))
		s.integrate.setFloat("uEtaThetaStep", eta)
		if layer2 {
			s.integrate2.setUint("uNoiseKey", cpuref.NoiseKey(s.Params.Seed, cpuref.StreamNoise2, uint32(s.T)))
			s.integrate2.setFloat("uEtaThetaStep", eta)
		}
	}
	s.integrate.setInt("uSlot", slot)
	s.output.setInt("uSlot", slot)
	s.output.setBool("uLearn", s.Learn)
	s.learnInput.setInt("uSlot", slot)

	// 1: integrate.
	s.dispatch(s.integrate)
	// 1b: integrate2 (k > 1). The output then reads the second layer's
	// spikes through the binding of the first's.
	if layer2 {
		s.clear(BufBits2, 0, s.size[BufBits2])
		s.dispatch(s.integrate2)
		gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(BufBits), s.buf[BufBits2])
	}
	// 2: output.
	s.dispatch(s.output)
	if layer2 {
		gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(BufBits), s.buf[BufBits])
	}
	// 3: learnInput, and 3b: learnHidden2 (k > 1), when learning.
	if s.Learn {
		s.dispatch(s.learnInput)
		if layer2 {
			s.dispatch(s.learnHidden2)
		}
	}
	s.T++
	return nil
}

// A stepInput is how a step's frames t and t+k reach the passes: as
// rectangles in uniforms (rectInput), as plain bit sets uploaded from a
// frame source (bitsInput), or, for a batch, every network's frames and
// noise keys in one upload (batchNets, in batch.go). load takes the
// frames from the stimulus, returning any error before it changes
// anything the passes read, and sets what they read.
type stepInput interface {
	load(s *Sim) error
}

// rectInput gives the passes a stimulus's frames as lit rectangles in
// uniforms: integrate reads both frames, learnInput frame t and output
// frame t+k.
type rectInput struct {
	lit []cpuref.Rect // both frames' rectangles, reused each step
}

func (in *rectInput) load(s *Sim) error {
	var now, next []cpuref.Rect
	var err error
	if in.lit, now, next, err = frameRects(s.Stim, s.T, s.Params.Horizon, s.Params.N, in.lit); err != nil {
		return err
	}
	s.frame = append(s.frame[:0], now...)
	s.target = append(s.target[:0], next...)
	setRects(s.integrate, "Now", now)
	setRects(s.integrate, "Next", next)
	setRects(s.learnInput, "Now", now)
	setRects(s.output, "Next", next)
	return nil
}

// setRects sets a pass's uniform array of rectangles uName and its count
// uNumName.
func setRects(p *program, name string, r []cpuref.Rect) {
	p.setRects("u"+name, r)
	p.setInt("uNum"+name, int32(len(r)))
}

// frameRects returns the lit rectangles of stim's frames t (now) and
// t+horizon (next), clipped to the n×n grid, in buf.
func frameRects(stim cpuref.Stimulus, t int64, horizon, n int, buf []cpuref.Rect) (_, now, next []cpuref.Rect, err error) {
	buf = stim.Frame(t, buf[:0])
	nNow := len(buf)
	buf = stim.Frame(t+int64(horizon), buf)
	if nNow > MaxRects || len(buf)-nNow > MaxRects {
		return buf, nil, nil, fmt.Errorf("gpu: stimulus frame has %d rectangles, more than %d", max(nNow, len(buf)-nNow), MaxRects)
	}
	// The shaders take a rectangle's pixels to be on the grid (cpuref
	// fills only those): clip.
	for i, r := range buf {
		buf[i] = cpuref.Rect{R0: max(r.R0, 0), C0: max(r.C0, 0), R1: min(r.R1, int32(n)), C1: min(r.C1, int32(n))}
	}
	return buf, buf[:nNow], buf[nNow:], nil
}

// bitsInput gives the passes a frame source's frames t and t+k as plain
// bit sets, one after the other in one upload to the Sim's frames buffer
// (binding BindFrames), which the passes compiled with FRAMES read
// instead of rectangles.
type bitsInput struct {
	src  cpuref.FrameSource
	bits []uint32 // frames t and t+k, cpuref.PlainWords(n) words each
}

func (in *bitsInput) load(s *Sim) error {
	w := cpuref.PlainWords(s.Params.N)
	if err := in.src.FrameBits(s.T, in.bits[:w]); err != nil {
		return err
	}
	if err := in.src.FrameBits(s.T+int64(s.Params.Horizon), in.bits[w:]); err != nil {
		return err
	}
	// GL orders the upload after the reads of the last step's dispatches.
	gl.NamedBufferSubData(s.framesBuf, 0, 4*len(in.bits), unsafe.Pointer(&in.bits[0]))
	// A frame source's frames are X and Y, which renderers draw.
	s.frame, s.target = s.frame[:0], s.target[:0]
	return nil
}

// clearStep swaps the spike bit sets (and with -direct 2 the input's)
// and clears what this step sets bit by bit, and its ring slot.
func (s *Sim) clearStep(slot int32) {
	// The last step's spikes become s(t−1); this step sets bits in the
	// other set, cleared first.
	s.swap(BufBitsPrev, BufBits)
	if s.Params.Direct == 2 {
		// X(t−1) ← X: the last step's frame, without a copy.
		s.swap(BufXPrev, BufX)
	}
	// This step's spikes, X, Y and ŷ are set bit by bit: clear them.
	for _, b := range []Buffer{BufBits, BufX, BufY, BufYHat} {
		s.clear(b, 0, s.size[b])
	}
	// This step's ring slot starts at zero; the passes add to it with
	// atomics. (A clear is a buffer update: the barrier after the last
	// dispatch that touched the buffers covers it.)
	// (A batch's ring holds the slot of every network side by side.)
	s.clear(BufRing, int(slot)*s.nets()*cpuref.RingFields*4, s.nets()*cpuref.RingFields*4)
}

// swap exchanges the storage of buffers a and b (of the same size) and
// binds each at its binding point.
func (s *Sim) swap(a, b Buffer) {
	s.buf[a], s.buf[b] = s.buf[b], s.buf[a]
	gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(a), s.buf[a])
	gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(b), s.buf[b])
}

func (s *Sim) clear(b Buffer, offset, size int) {
	gl.ClearNamedBufferSubData(s.buf[b], gl.R32UI, offset, size, gl.RED_INTEGER, gl.UNSIGNED_INT, nil)
}

// dispatch runs pass p over the grid (every network of a batch), a band
// of rows at a time where the weights need it, and ends with the barrier
// the next pass needs.
func (s *Sim) dispatch(p *program) {
	n := s.Params.N
	var t0 time.Time
	if s.profile != nil {
		gl.Finish()
		t0 = time.Now()
	}
	gl.UseProgram(p.id)
	gx := uint32((n + WGX - 1) / WGX)
	// Bands of rows write disjoint cells: no barrier between them.
	for r0 := 0; r0 < n; r0 += s.bandRows {
		rows := min(s.bandRows, n-r0)
		if s.bandRows < n {
			s.bindBand(r0, rows)
		}
		p.setInt("uRow0", int32(r0))
		gl.DispatchCompute(gx, uint32((rows+WGY-1)/WGY), uint32(s.nets()))
	}
	// The next pass reads what this one wrote; the next step clears the
	// counts it added to.
	gl.MemoryBarrier(gl.SHADER_STORAGE_BARRIER_BIT | gl.BUFFER_UPDATE_BARRIER_BIT)
	if s.profile != nil {
		gl.Finish()
		s.profile[strings.TrimSuffix(p.name, ".comp")] += time.Since(t0)
	}
}

// Profile runs steps steps with the GPU drained after every pass and
// returns the mean wall time per step of each pass, by pass name. The
// draining costs time of its own, so the sum exceeds a free-running step;
// the shares are what it is for.
func (s *Sim) Profile(steps int) (map[string]time.Duration, error) {
	s.profile = map[string]time.Duration{}
	defer func() { s.profile = nil }()
	if err := s.Run(steps); err != nil {
		return nil, err
	}
	out := map[string]time.Duration{}
	for k, v := range s.profile {
		out[k] = v / time.Duration(max(steps, 1))
	}
	return out, nil
}
