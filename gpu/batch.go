package gpu

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/cpuref"
)

// A Batch is many independent networks of one shape in one simulation:
// every storage buffer holds all of them, one network's part after
// another, and one dispatch a pass covers them all (the dispatch's z is
// the network), so small networks fill a large GPU. The passes are the
// same shaders as one network's, compiled with BATCH = 1 and NETS = the
// batch's size (see common.glsl). What may differ between the networks:
// every parameter passed as a uniform (read from a uniform block of every
// network's parameters instead), the seed, the stimulus, and the horizon
// unless the frames come from a source. What must be the same, because it
// sizes the buffers or is compiled in, is what BatchKey returns. Each network computes exactly the bits it computes
// alone: its cells read only its own part of every buffer, its noise is
// counted by its own cell index, and its measures have their own counts.
//
// Its methods must run on the context's thread, as Sim's.
type Batch struct {
	sim *Sim
	// ring is the whole batch's ring as read after ringT steps: every
	// network's measures and state read it, once a step count.
	ring  []uint32
	ringT int64
}

// batchNets is what a Sim holds for a batch: each network's parameters
// and stimulus, and the buffers of the parameters and the step's inputs.
// It is the batch's stepInput.
type batchNets struct {
	nets       []batchNet
	netsBuf    uint32  // uniform block: NETS × len(batchParams()) floats
	stepBuf    uint32  // the step's inputs, see common.glsl
	rectOffset int     // bytes: where stepBuf's rectangles start
	data       []int32 // stepBuf's contents, rewritten each step
	// With -frames: each network's frames t and t+k as plain bit sets,
	// uploaded to the Sim's framesBuf each step.
	frameBits []uint32
}

type batchNet struct {
	params cpuref.Params
	stim   cpuref.Stimulus
	src    cpuref.FrameSource // with -frames: stim
	lit    []cpuref.Rect
}

// batchShared are the uniform parameters every network of a batch has in
// common, because they size the buffers: they stay uniforms.
var batchShared = map[string]bool{"N": true}

// batchParams are the uniform parameters a batch holds per network, in
// the order of their floats in the parameter buffer.
func batchParams() []cpuref.ParamSpec {
	var out []cpuref.ParamSpec
	for _, s := range cpuref.ParamSpecs() {
		if s.GLSL == "uniform" && !batchShared[s.Field] {
			out = append(out, s)
		}
	}
	return out
}

// batchParamDeclarations declares a batch's parameters for GLSL in place
// of cpuref.GLSLUniforms: the shared ones as uniforms, the others as
// variables of the same names that loadParams sets from the network's
// entry of the parameter buffer (common.glsl's loadNetwork calls it once
// an invocation: a software renderer pays for every storage read). It
// reads only the parameters src, the pass's code, names.
func batchParamDeclarations(src string) string {
	var b strings.Builder
	specs := batchParams()
	code := lineComment.ReplaceAllString(src, "")
	fmt.Fprintf(&b, "layout(std140, binding = B_NETS) uniform NetsBlock { vec4 netsV[(NETS * %d + 3) / 4]; };\n", len(specs))
	for _, s := range cpuref.ParamSpecs() {
		if s.GLSL == "uniform" {
			typ := "float"
			if s.Integer() {
				typ = "int"
			}
			qual := ""
			if batchShared[s.Field] {
				qual = "uniform "
			}
			fmt.Fprintf(&b, "%s%s %s; // -%s: %s\n", qual, typ, s.UniformName(), s.Flag, s.Doc)
		}
	}
	fmt.Fprintf(&b, "void loadParams() {\n    int base = int(gl_WorkGroupID.z) * %d;\n", len(specs))
	for i, s := range specs {
		if !regexp.MustCompile(`\b` + s.UniformName() + `\b`).MatchString(code) {
			continue
		}
		read := fmt.Sprintf("netsV[(base + %d) >> 2][(base + %d) & 3]", i, i)
		if s.Integer() {
			read = "floatBitsToInt(" + read + ")"
		}
		fmt.Fprintf(&b, "    %s = %s;\n", s.UniformName(), read)
	}
	b.WriteString("}\n")
	return b.String()
}

// lineComment matches a GLSL line comment, which names no parameter a
// pass reads.
var lineComment = regexp.MustCompile(`//[^\n]*`)

// BatchKey is what the networks of a batch must share: the grid side and
// the parameters compiled into the passes (#defines), and with -frames the
// source, the horizon and -loop. Networks with different keys run in
// different batches.
func BatchKey(p cpuref.Params) string {
	key := fmt.Sprintf("n=%d %v", p.N, configDefines(p))
	if p.Frames != "" {
		// Networks that step together end together, at the end of the
		// source: the same source, horizon and looping.
		key += fmt.Sprintf(" frames=%q horizon=%d loop=%v", p.Frames, p.Horizon, p.Loop)
	}
	return key
}

// BatchCapacity returns how many networks with parameters p one Batch can
// hold on this GL, and the limit that sets it (see capacityOf). Run it on
// the GL thread.
func BatchCapacity(p cpuref.Params) (int, string) {
	var l glLimits
	l.maxBlock, l.align = storageLimits()
	var maxZ, maxUniform int32
	gl.GetIntegerv(gl.MAX_UNIFORM_BLOCK_SIZE, &maxUniform)
	gl.GetIntegeri_v(gl.MAX_COMPUTE_WORK_GROUP_COUNT, 2, &maxZ)
	l.maxUniform, l.maxZ = int64(maxUniform), int64(maxZ)
	l.free = freeMemory()
	return capacityOf(p, l)
}

// glLimits are the GL's limits a batch's size depends on.
type glLimits struct {
	maxBlock, align int64 // GL_MAX_SHADER_STORAGE_BLOCK_SIZE, its offset alignment
	maxUniform      int64 // GL_MAX_UNIFORM_BLOCK_SIZE
	maxZ            int64 // GL_MAX_COMPUTE_WORK_GROUP_COUNT's z
	free            int64 // the device's free memory in bytes; 0: unknown
}

// capacityOf returns how many networks with parameters p one Batch can
// hold under l, and the limit that sets it: every buffer of the batch
// must fit one storage block and a shader's 32-bit index, the parameters
// and step headers a uniform block (862 networks at 64 KiB), the networks
// the dispatch's z, and all their buffers nine tenths of the device's free
// memory where the driver reports it. It is 0 when one network's weights
// alone need bands of rows (see bandRowsFor), which a batch does not do.
func capacityOf(p cpuref.Params, l glLimits) (int, string) {
	cell := int64(p.N) * int64(p.N) * 4
	if (l.maxBlock > 0 && cell > l.maxBlock) || bandRowsFor(p, l.maxBlock, l.align) != p.N {
		return 0, "GL_MAX_SHADER_STORAGE_BLOCK_SIZE"
	}
	limit, why := int64(math.MaxInt32), ""
	lower := func(n int64, name string) {
		if n < limit {
			limit, why = n, name
		}
	}
	for _, b := range buffers() {
		if bytes := b.bytes(p); bytes > 0 {
			lower((int64(1)<<31-1)/(bytes/4), "a shader's 32-bit index")
			if l.maxBlock > 0 {
				lower(l.maxBlock/bytes, "GL_MAX_SHADER_STORAGE_BLOCK_SIZE")
			}
		}
	}
	// The uniform blocks: the parameters, and two headers a network.
	lower(l.maxUniform/int64(4*max(len(batchParams()), 8)), "GL_MAX_UNIFORM_BLOCK_SIZE")
	lower(l.maxZ, "GL_MAX_COMPUTE_WORK_GROUP_COUNT")
	if l.free > 0 {
		lower(l.free/10*9/BytesFor(p), "the GPU's free memory")
	}
	return int(max(limit, 0)), why
}

// freeMemory returns the device memory the driver reports free, in bytes:
// NVIDIA's GL_NVX_gpu_memory_info or AMD's GL_ATI_meminfo; 0 where neither
// is offered (Mesa's software renderer, whose memory is the host's).
func freeMemory() int64 {
	const (
		nvxAvailable  = 0x9049 // GPU_MEMORY_INFO_CURRENT_AVAILABLE_VIDMEM_NVX, KiB
		atiTextureMem = 0x87FC // TEXTURE_FREE_MEMORY_ATI, KiB in [0]
	)
	var n int32
	gl.GetIntegerv(gl.NUM_EXTENSIONS, &n)
	for i := range uint32(n) {
		switch gl.GoStr(gl.GetStringi(gl.EXTENSIONS, i)) {
		case "GL_NVX_gpu_memory_info":
			var kib int32
			gl.GetIntegerv(nvxAvailable, &kib)
			return int64(kib) << 10
		case "GL_ATI_meminfo":
			var kib [4]int32
			gl.GetIntegerv(atiTextureMem, &kib[0])
			return int64(kib[0]) << 10
		}
	}
	return 0
}

// NewBatch uploads one initial state per network (each a state for its
// parameters, all at the same step) and compiles the passes for the
// batch. The parameters must share BatchKey and have no frame source.
func NewBatch(ps []cpuref.Params, inits []*cpuref.State, stims []cpuref.Stimulus) (*Batch, error) {
	if len(ps) == 0 || len(inits) != len(ps) || len(stims) != len(ps) {
		return nil, fmt.Errorf("gpu: batch of %d parameter sets, %d states and %d stimuli", len(ps), len(inits), len(stims))
	}
	key := BatchKey(ps[0])
	nets := make([]batchNet, len(ps))
	for z, p := range ps {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("gpu: network %d of the batch: %w", z, err)
		}
		switch {
		case BatchKey(p) != key:
			return nil, fmt.Errorf("gpu: network %d of the batch differs from the first in its size or compiled parameters (%s, not %s)", z, BatchKey(p), key)
		case inits[z].N != p.N || inits[z].T != inits[0].T:
			return nil, fmt.Errorf("gpu: network %d of the batch: its state is for n=%d at step %d, want n=%d at step %d", z, inits[z].N, inits[z].T, p.N, inits[0].T)
		}
		nets[z] = batchNet{params: p, stim: stims[z]}
		if src, ok := stims[z].(cpuref.FrameSource); ok != (p.Frames != "") {
			return nil, fmt.Errorf("gpu: network %d of the batch: -frames %q with a stimulus %T", z, p.Frames, stims[z])
		} else if ok {
			nets[z].src = src
		}
	}
	if c, why := BatchCapacity(ps[0]); len(ps) > c {
		return nil, fmt.Errorf("gpu: a batch of %d networks at n=%d: this GL holds at most %d (%s)", len(ps), ps[0].N, c, why)
	}
	bn := &batchNets{nets: nets}
	s := &Sim{Params: ps[0], Learn: true, T: inits[0].T, bandRows: ps[0].N, batch: bn, input: bn}
	defs := configDefines(ps[0])
	maps.Copy(defs, Defines{"BATCH": 1, "NETS": len(ps)})
	if err := s.build(defs, batchUploads(inits)); err != nil {
		return nil, err
	}
	if ps[0].Frames != "" {
		// Each network's frames t and t+k, uploaded each step.
		bn.frameBits = make([]uint32, 2*len(ps)*cpuref.PlainWords(ps[0].N))
		gl.CreateBuffers(1, &s.framesBuf)
	}
	// The per-network parameters, each as its float's bits.
	specs := batchParams()
	params := make([]uint32, 0, len(ps)*len(specs))
	for _, p := range ps {
		for _, sp := range specs {
			switch v := cpuref.UniformValues(p)[sp.UniformName()].(type) {
			case float32:
				params = append(params, math.Float32bits(v))
			case int32:
				params = append(params, uint32(v))
			}
		}
	}
	// A uniform block is read in whole vec4s.
	params = append(params, make([]uint32, (4-len(params)%4)%4)...)
	gl.CreateBuffers(1, &bn.netsBuf)
	gl.NamedBufferData(bn.netsBuf, 4*max(len(params), 4), unsafe.Pointer(unsafe.SliceData(params)), gl.STATIC_DRAW)
	// The step's buffer gets its storage each step; its rectangles start
	// after the headers, at an offset a storage buffer can be bound at.
	gl.CreateBuffers(1, &bn.stepBuf)
	_, align := storageLimits()
	bn.rectOffset = int((int64(32*len(ps)) + align - 1) / align * align)
	for _, pr := range s.programs() {
		for _, sp := range cpuref.ParamSpecs() {
			if sp.GLSL == "uniform" && batchShared[sp.Field] {
				pr.setParam(sp.UniformName(), cpuref.UniformValues(ps[0])[sp.UniformName()])
			}
		}
	}
	return &Batch{sim: s, ringT: -1}, nil
}

func (bn *batchNets) bind() {
	if bn != nil {
		gl.BindBufferBase(gl.UNIFORM_BUFFER, uint32(bindNets), bn.netsBuf)
	}
}

func (bn *batchNets) release() {
	if bn == nil {
		return
	}
	for _, id := range []*uint32{&bn.netsBuf, &bn.stepBuf} {
		if *id != 0 {
			gl.DeleteBuffers(1, id)
			*id = 0
		}
	}
}

// load is a batch's stepInput: every network's noise keys and rectangles
// in one upload (the layout common.glsl reads), and with -frames every
// network's frames as bit sets in another.
func (bn *batchNets) load(s *Sim) error {
	nets := len(bn.nets)
	// The headers, up to the rectangles' aligned offset; then the
	// rectangles, appended; then one spare, so their range is never empty.
	rect0 := bn.rectOffset / 4
	data := slices.Grow(bn.data[:0], rect0)[:rect0]
	rects := 0
	words := cpuref.PlainWords(s.Params.N)
	for z := range bn.nets {
		nt := &bn.nets[z]
		var now, next []cpuref.Rect
		var err error
		if nt.src != nil {
			// The frames first: a bad one leaves the state as it was.
			pair := bn.frameBits[2*z*words:][:2*words]
			if err = nt.src.FrameBits(s.T, pair[:words]); err == nil {
				err = nt.src.FrameBits(s.T+int64(nt.params.Horizon), pair[words:])
			}
		} else {
			nt.lit, now, next, err = frameRects(nt.stim, s.T, nt.params.Horizon, s.Params.N, nt.lit)
		}
		if errors.Is(err, cpuref.ErrEndOfSource) {
			return err // the end of the run, as a lone network's
		} else if err != nil {
			return fmt.Errorf("network %d of the batch: %w", z, err)
		}
		seed := nt.params.Seed
		h := data[8*z:][:8]
		h[0] = int32(cpuref.NoiseKey(seed, cpuref.StreamNoise, uint32(s.T)))
		h[1] = int32(cpuref.NoiseKey(seed, cpuref.StreamNoise2, uint32(s.T)))
		h[2], h[3], h[4] = int32(len(now)), int32(len(next)), int32(rects)
		h[5] = int32(math.Float32bits(nt.params.EtaThetaAt(s.T)))
		for _, r := range nt.lit {
			data = append(data, r.R0, r.C0, r.R1, r.C1)
		}
		rects += len(nt.lit)
	}
	data = append(data, 0, 0, 0, 0)
	bn.data = data
	// New storage each step (the driver orphans the last step's, which its
	// dispatches may still read): an update in place would wait for them.
	gl.NamedBufferData(bn.stepBuf, 4*len(data), unsafe.Pointer(&data[0]), gl.STREAM_DRAW)
	gl.BindBufferRange(gl.UNIFORM_BUFFER, uint32(bindStep), bn.stepBuf, 0, 32*nets)
	gl.BindBufferRange(gl.SHADER_STORAGE_BUFFER, uint32(bindStep), bn.stepBuf, bn.rectOffset, 4*len(data)-bn.rectOffset)
	if s.framesBuf != 0 {
		gl.NamedBufferData(s.framesBuf, 4*len(bn.frameBits), unsafe.Pointer(&bn.frameBits[0]), gl.STREAM_DRAW)
		gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(BindFrames), s.framesBuf)
	}
	return nil
}

// batchUploads gives the buffers of a batch, one at a time as build
// allocates them: each network's part one after another, except the
// ring, whose slots hold every network's counts side by side.
func batchUploads(inits []*cpuref.State) func(Buffer) any {
	per := make([]func(Buffer) any, len(inits))
	for z, st := range inits {
		per[z] = uploads(st)
	}
	return func(b Buffer) any {
		parts := make([]any, len(per))
		for z := range per {
			parts[z] = per[z](b)
		}
		switch parts[0].(type) {
		case []float32:
			return concat[float32](parts)
		case []int32:
			return concat[int32](parts)
		}
		if b == BufRing {
			return interleaveRing(parts)
		}
		return concat[uint32](parts)
	}
}

func concat[T any](parts []any) []T {
	var out []T
	for _, p := range parts {
		out = append(out, p.([]T)...)
	}
	return out
}

// interleaveRing lays the networks' rings (each slot by slot) out as a
// batch's: slot by slot, each slot's networks side by side.
func interleaveRing(parts []any) []uint32 {
	f := cpuref.RingFields
	out := make([]uint32, len(parts)*cpuref.Window*f)
	for z, p := range parts {
		ring := p.([]uint32)
		for slot := range cpuref.Window {
			copy(out[(slot*len(parts)+z)*f:][:f], ring[slot*f:])
		}
	}
	return out
}

// ringOf takes network z's ring out of a batch's.
func ringOf(all []uint32, z, nets int) []uint32 {
	f := cpuref.RingFields
	ring := make([]uint32, cpuref.Window*f)
	for slot := range cpuref.Window {
		copy(ring[slot*f:][:f], all[(slot*nets+z)*f:])
	}
	return ring
}

// Len is the number of networks.
func (b *Batch) Len() int { return len(b.sim.batch.nets) }

// T is the step count every network has reached.
func (b *Batch) T() int64 { return b.sim.T }

// Params returns network z's parameters.
func (b *Batch) Params(z int) cpuref.Params { return b.sim.batch.nets[z].params }

// SetLearn turns plasticity on or off for every network.
func (b *Batch) SetLearn(on bool) { b.sim.Learn = on }

// Run takes k steps of every network.
func (b *Batch) Run(k int) error { return b.sim.Run(k) }

// Measures reads the rings and returns every network's rolling
// measures. It waits for the GPU to finish the steps queued.
func (b *Batch) Measures() ([]cpuref.Measures, error) {
	nets := b.Len()
	all, err := b.readRing()
	if err != nil {
		return nil, err
	}
	out := make([]cpuref.Measures, nets)
	for z := range out {
		out[z] = cpuref.MeasuresOf(ringOf(all, z, nets), b.sim.T, b.sim.Params.Cells())
	}
	return out, nil
}

// readRing returns the whole batch's ring after the steps taken, read
// back once a step count.
func (b *Batch) readRing() ([]uint32, error) {
	if b.ringT == b.sim.T {
		return b.ring, nil
	}
	b.ring = slices.Grow(b.ring[:0], b.Len()*cpuref.Window*cpuref.RingFields)[:b.Len()*cpuref.Window*cpuref.RingFields]
	if err := b.sim.read(BufRing, b.ring); err != nil {
		b.ringT = -1
		return nil, err
	}
	b.ringT = b.sim.T
	return b.ring, nil
}

// ReadState reads network z's whole state back.
func (b *Batch) ReadState(z int) (*cpuref.State, error) {
	s := b.sim
	st := cpuref.NewStateShape(b.Params(z))
	st.T = s.T
	nets := b.Len()
	err := s.unpackInto(st, true, func(buf Buffer, dst any) error {
		if buf == BufRing {
			all, err := b.readRing()
			if err != nil {
				return err
			}
			copy(dst.([]uint32), ringOf(all, z, nets))
			return nil
		}
		ptr, n := bytesOf(dst)
		return s.readAt(buf, z*n, n, ptr)
	})
	return st, err
}

// Release deletes the programs and buffers. It is safe to call twice.
func (b *Batch) Release() { b.sim.Release() }

// Profile runs steps steps with the GPU drained after every pass and
// returns the mean wall time per step of each pass, as Sim.Profile.
func (b *Batch) Profile(steps int) (map[string]time.Duration, error) { return b.sim.Profile(steps) }
