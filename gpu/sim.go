package gpu

import (
	"fmt"
	"maps"
	"time"
	"unsafe"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/cpuref"
)

// Work-group size of every cell pass: 16×16 tiles of the grid, so a
// dispatch is (⌈n/16⌉, ⌈n/16⌉) groups and stays under GL's 65,535 limit per
// dimension up to n = 1,048,560.
const (
	WGX = 16
	WGY = 16
	// MaxRects is the most rectangles a stimulus frame may have.
	MaxRects = cpuref.MaxRects
)

// computeDefines are the constants shared by Go and every compute
// shader: work-group size, ring layout, noise stream and the binding
// point of every storage buffer.
func computeDefines() Defines {
	d := Defines{
		"WG_X":         WGX,
		"WG_Y":         WGY,
		"MAX_RECTS":    MaxRects,
		"PATCH_SLOTS":  cpuref.Slots(cpuref.PatchR),
		"RING_FIELDS":  cpuref.RingFields,
		"RING_TP":      cpuref.RingTP,
		"RING_FP":      cpuref.RingFP,
		"RING_FN":      cpuref.RingFN,
		"RING_SPIKES":  cpuref.RingSpikes,
		"STREAM_NOISE": int(cpuref.StreamNoise),
		"B_FRAMES":     BindFrames,
		"FRAMES":       0,
		"B_NETS":       bindNets,
		"B_STEP":       bindStep,
		"BATCH":        0,
		"NETS":         1,
	}
	for i, b := range buffers() {
		d["B_"+b.macro()] = i
	}
	return d
}

// configDefines adds to computeDefines what the passes are specialised
// for: the parameters declared glsl:"define" (the rule, the W_out layout
// and window radii, -learn_rec, the cells a pixel, the competition, the
// direct path), the second layer and whether the outputs have a bias. They are #defines
// rather than uniforms because a software renderer executes both sides of
// every branch (see learnInput.comp).
func configDefines(p cpuref.Params) Defines {
	d := computeDefines()
	maps.Copy(d, cpuref.GLSLDefines(p))
	d["LAYER2"] = p.Layer2()
	d["OUT_BIAS"] = boolDefine(p.HasBias())
	d["FRAMES"] = boolDefine(p.Frames != "")
	return d
}

func boolDefine(b bool) int {
	if b {
		return 1
	}
	return 0
}

// BindFrames is the binding point of the frame source's buffer (frames t
// and t+k as plain bit sets, with -frames), after the State's buffers;
// a batch's parameters and step inputs (see batch.go) come after it (the
// parameters a uniform block, the step's inputs both a uniform block and
// a storage buffer).
var (
	BindFrames = numBuffers()
	bindNets   = numBuffers() + 1
	bindStep   = numBuffers() + 2
)

// Sim is the network on the GPU. Its methods must run on the context's
// thread (inside Context.Do).
type Sim struct {
	Params cpuref.Params
	Stim   cpuref.Stimulus
	Learn  bool // plasticity on (homeostasis always runs)
	T      int64

	integrate, output, learnInput *program
	integrate2, learnHidden2      *program // -horizon > 1 only

	buf  []uint32 // GL names, by Buffer
	size []int    // bytes, by Buffer

	// bandRows is the grid rows a dispatch covers: n, unless the weights
	// are larger than a storage block (see bandRowsFor).
	bandRows int

	// input is how a step's frames reach the passes (see stepInput).
	input stepInput
	// framesBuf holds a step's frames as plain bit sets (binding
	// BindFrames), with a frame source; 0 without.
	framesBuf     uint32
	frame, target []cpuref.Rect // the last step's input and target frames (copies), for renderers

	// profile, when set, receives the wall time of each pass (with a
	// glFinish after each: for measuring, not for running).
	profile map[string]time.Duration

	// batch is set when the Sim holds a batch of networks (NewBatch):
	// every buffer holds them all, and a dispatch covers them all.
	batch *batchNets
}

// New uploads init (which must be a state for p) and compiles the passes.
func New(p cpuref.Params, init *cpuref.State, stim cpuref.Stimulus) (*Sim, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("gpu: %w", err)
	}
	if init.N != p.N {
		return nil, fmt.Errorf("gpu: state is for n=%d, parameters for n=%d", init.N, p.N)
	}
	s := &Sim{Params: p, Stim: stim, Learn: true, T: init.T}
	if err := s.checkLimits(); err != nil {
		return nil, err
	}
	if err := s.build(configDefines(p), uploads(init)); err != nil {
		return nil, err
	}
	s.input = &rectInput{}
	if src, ok := stim.(cpuref.FrameSource); ok {
		in := &bitsInput{src: src, bits: make([]uint32, 2*cpuref.PlainWords(p.N))}
		gl.CreateBuffers(1, &s.framesBuf)
		gl.NamedBufferData(s.framesBuf, 4*len(in.bits), unsafe.Pointer(&in.bits[0]), gl.DYNAMIC_DRAW)
		s.input = in
	}
	s.setUniforms()
	s.framesOf(init.T)
	maxBlock, align := storageLimits()
	s.bandRows = bandRowsFor(p, maxBlock, align)
	return s, nil
}

// build compiles the passes with defs and allocates the storage buffers,
// each holding data(b), made as it is allocated. It releases what it made
// on failure.
func (s *Sim) build(defs Defines, data func(Buffer) any) error {
	var err error
	for _, pp := range []struct {
		dst  **program
		file string
	}{
		{&s.integrate, "integrate.comp"},
		{&s.output, "output.comp"},
		{&s.learnInput, "learnInput.comp"},
		{&s.integrate2, "integrate2.comp"},
		{&s.learnHidden2, "learnHidden2.comp"},
	} {
		if *pp.dst, err = newComputeProgram(pp.file, defs); err != nil {
			s.Release()
			return err
		}
	}
	s.buf, s.size = make([]uint32, numBuffers()), make([]int, numBuffers())
	gl.CreateBuffers(int32(len(s.buf)), &s.buf[0])
	for b := range Buffer(numBuffers()) {
		if err := s.alloc(b, data(b)); err != nil {
			s.Release()
			return err
		}
	}
	return nil
}

// checkLimits refuses buffers larger than GL allows for one storage block.
func (s *Sim) checkLimits() error { return CheckLimits(s.Params) }

// storageLimits returns GL_MAX_SHADER_STORAGE_BLOCK_SIZE and
// GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT.
func storageLimits() (maxBlock, align int64) {
	gl.GetInteger64v(gl.MAX_SHADER_STORAGE_BLOCK_SIZE, &maxBlock)
	var a int32
	gl.GetIntegerv(gl.SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT, &a)
	return maxBlock, int64(max(a, 1))
}

// bandRowsFor returns how many grid rows one dispatch covers: all n when
// every weight buffer fits one storage block; otherwise the most rows, a
// multiple of the work-group height, whose weights fit a block at offsets
// GL can bind. Every band's weights must also stay within a shader's
// 32-bit index. It returns 0 when not even one work-group row fits.
func bandRowsFor(p cpuref.Params, maxBlock, align int64) int {
	n := int64(p.N)
	slots := weightSlots(p)
	fits := func(rows int64) bool {
		for _, k := range slots {
			b := rows * n * int64(k) * 4
			if (maxBlock > 0 && b > maxBlock) || b/4 > 1<<31-1 {
				return false
			}
		}
		return true
	}
	if fits(n) {
		return p.N
	}
	// The smallest band whose every weight offset is aligned.
	step := int64(WGY)
	for ; step <= 64*WGY; step += WGY {
		aligned := true
		for _, k := range slots {
			aligned = aligned && (step*n*int64(k)*4)%align == 0
		}
		if aligned {
			break
		}
	}
	if step > 64*WGY || !fits(step) {
		return 0
	}
	rows := step
	for rows+step < n && fits(rows+step) {
		rows += step
	}
	return int(rows)
}

// CheckLimits reports whether this GL can hold the buffers of a network
// with parameters p, before anything is allocated: a per-cell buffer must
// fit GL_MAX_SHADER_STORAGE_BLOCK_SIZE, and the weights of at least one
// work-group row of cells too (larger weight buffers are bound and
// dispatched a band of rows at a time). Run it on the GL thread.
func CheckLimits(p cpuref.Params) error {
	maxBlock, align := storageLimits()
	cell := int64(p.N) * int64(p.N) * 4
	if maxBlock > 0 && cell > maxBlock {
		return fmt.Errorf("gpu: n=%d needs %s storage buffers (one float a cell), over this GL's limit of %s (GL_MAX_SHADER_STORAGE_BLOCK_SIZE)",
			p.N, cpuref.HumanBytes(cell), cpuref.HumanBytes(maxBlock))
	}
	// The other buffers are bound whole: with several cells a pixel, the
	// hidden layer's and the weights indexed by hidden cell (weightSlots).
	banded := weightSlots(p)
	for i, b := range buffers() {
		if _, ok := banded[Buffer(i)]; !ok && maxBlock > 0 && b.bytes(p) > maxBlock {
			return fmt.Errorf("gpu: n=%d -k %d needs %s for %s, which is bound whole, over this GL's limit of %s (GL_MAX_SHADER_STORAGE_BLOCK_SIZE)",
				p.N, p.K, cpuref.HumanBytes(b.bytes(p)), Buffer(i), cpuref.HumanBytes(maxBlock))
		}
	}
	if bandRowsFor(p, maxBlock, align) == 0 {
		w := int64(WGY) * int64(p.N) * int64(max(p.OutWidth(), cpuref.Slots(p.RRec))) * 4
		return fmt.Errorf("gpu: n=%d needs %s of weights for %d rows of cells, over this GL's storage block limit of %s (GL_MAX_SHADER_STORAGE_BLOCK_SIZE)",
			p.N, cpuref.HumanBytes(w), WGY, cpuref.HumanBytes(maxBlock))
	}
	return nil
}

// SetBandRows makes every pass dispatch bands of rows rows, binding only
// the band's part of each weight buffer, as a GL with a small storage
// block limit forces: for tests. rows must be a multiple of the
// work-group height at offsets this GL can bind, or n.
func (s *Sim) SetBandRows(rows int) error {
	_, align := storageLimits()
	if rows != s.Params.N {
		if rows <= 0 || rows%WGY != 0 || rows > s.Params.N {
			return fmt.Errorf("gpu: band of %d rows: want a multiple of %d up to n=%d", rows, WGY, s.Params.N)
		}
		for b, k := range weightSlots(s.Params) {
			if off := int64(rows) * int64(s.Params.N) * int64(k) * 4; off%align != 0 {
				return fmt.Errorf("gpu: band of %d rows: %s offset %d is not a multiple of %d", rows, b, off, align)
			}
		}
	}
	s.bandRows = rows
	s.Bind()
	return nil
}

// Bands returns the grid rows each band of weights covers (n when the
// weights are bound whole) and, for buffer b, the bytes a grid row of it
// takes: a renderer that reads a weight buffer larger than a storage
// block binds it a band at a time, as the passes do. The per-cell
// buffers are always bound whole (0 bytes).
func (s *Sim) Bands(b Buffer) (rows int, rowBytes int) {
	if k, ok := weightSlots(s.Params)[b]; ok {
		return s.bandRows, s.Params.N * k * 4
	}
	return s.Params.N, 0
}

// bindBand binds the part of each weight buffer that holds the cells of
// rows [r0, r0+rows).
func (s *Sim) bindBand(r0, rows int) {
	n := int64(s.Params.N)
	for b, k := range weightSlots(s.Params) {
		if k == 0 {
			continue
		}
		bytes := n * int64(k) * 4
		gl.BindBufferRange(gl.SHADER_STORAGE_BUFFER, uint32(b), s.buf[b], int(int64(r0)*bytes), int(int64(rows)*bytes))
	}
}

// plainBitsOf packs binary cells (0/1, row-major, n² of them or none)
// into a plain bit set: bit col%32 of word row·⌈n/32⌉ + col/32.
func plainBitsOf(cells []uint32, n int) []uint32 {
	wpr := cpuref.PlainStride(n)
	out := make([]uint32, len(cells)/(n*n)*cpuref.PlainWords(n))
	for i, v := range cells {
		if v != 0 {
			out[i/n*wpr+i%n/32] |= 1 << (i % n % 32)
		}
	}
	return out
}

// unpackPlain is the inverse of plainBitsOf, into cells.
func unpackPlain(words []uint32, n int, cells []uint32) {
	wpr := cpuref.PlainStride(n)
	for i := range cells {
		cells[i] = words[i/n*wpr+i%n/32] >> (i % n % 32) & 1
	}
}

// unpackBits is the inverse of bitsOf, into cells: cell (row, col) of
// plane c is bit col%16+8 of word (c·n + row)·⌈n/16⌉ + col/16.
func unpackBits(words []uint32, n int, cells []uint32) {
	wpr := (n + 15) / 16
	for i := range cells {
		col := i % n
		cells[i] = words[i/n*wpr+col/16] >> (col%16 + 8) & 1
	}
}

// bitWords is the length in words of a bit set of one n×n plane: ⌈n/16⌉
// overlapping words a row (see common.glsl).
func bitWords(n int) int { return n * ((n + 15) / 16) }

// bitsOf packs binary cells (0/1, row-major, plane after plane: n² a
// plane) into the bit-set layout of common.glsl: word w of a row holds
// columns 16w−8 … 16w+23 as bits 0–31, a plane's n rows after the plane
// before.
func bitsOf(cells []uint32, n int) []uint32 {
	wpr := (n + 15) / 16
	out := make([]uint32, len(cells)/n*wpr)
	for i, v := range cells {
		if v == 0 {
			continue
		}
		row, col := i/n, i%n
		for w := max(0, (col-23+15)/16); w < wpr && 16*w-8 <= col; w++ {
			if col <= 16*w+23 {
				out[row*wpr+w] |= 1 << (col - 16*w + 8)
			}
		}
	}
	return out
}

func bytesOf(data any) (unsafe.Pointer, int) {
	switch d := data.(type) {
	case []float32:
		return unsafe.Pointer(unsafe.SliceData(d)), 4 * len(d)
	case []uint32:
		return unsafe.Pointer(unsafe.SliceData(d)), 4 * len(d)
	case []int32:
		return unsafe.Pointer(unsafe.SliceData(d)), 4 * len(d)
	}
	panic(fmt.Sprintf("gpu: bytesOf %T", data))
}

func (s *Sim) alloc(b Buffer, data any) error {
	ptr, n := bytesOf(data)
	// An empty buffer (e.g. W_rec at rrec=0) still needs storage to bind.
	size := max(n, 4)
	if n == 0 {
		ptr = nil
	}
	gl.GetError() // clear
	gl.NamedBufferData(s.buf[b], size, ptr, gl.DYNAMIC_COPY)
	if e := gl.GetError(); e != gl.NO_ERROR {
		return fmt.Errorf("gpu: allocate %s (%s): GL error 0x%x", b, cpuref.HumanBytes(int64(size)), e)
	}
	s.size[b] = size
	return nil
}

func (s *Sim) setUniforms() {
	for _, pr := range s.programs() {
		for name, v := range cpuref.UniformValues(s.Params) {
			pr.setParam(name, v)
		}
	}
}

// Bind binds every buffer to its binding point. Step does it; a renderer
// that rebinds points calls it before handing the buffers back.
func (s *Sim) Bind() {
	for b := range s.buf {
		gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(b), s.buf[b])
	}
	if s.bandRows < s.Params.N {
		s.bindBand(0, s.bandRows)
	}
	if s.framesBuf != 0 {
		gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(BindFrames), s.framesBuf)
	}
	s.batch.bind()
}

// BufferID returns the GL name of a buffer, for renderers that draw from
// it. BufBits always holds the last step's spikes.
func (s *Sim) BufferID(b Buffer) uint32 { return s.buf[b] }

// Measures reads the small ring of per-step counts and returns the
// rolling measures. It waits for the GPU to finish the steps queued.
func (s *Sim) Measures() (cpuref.Measures, error) {
	ring := make([]uint32, cpuref.Window*cpuref.RingFields)
	if err := s.read(BufRing, ring); err != nil {
		return cpuref.Measures{}, err
	}
	return cpuref.MeasuresOf(ring, s.T, s.Params.Cells()), nil
}

// nets is how many networks the buffers hold: 1, or a batch's.
func (s *Sim) nets() int {
	if s.batch == nil {
		return 1
	}
	return len(s.batch.nets)
}

// ReadState reads every buffer back into a cpuref.State, for tests and
// checkpoints.
func (s *Sim) ReadState() (*cpuref.State, error) {
	st := cpuref.NewStateShape(s.Params)
	return st, s.ReadInto(st, true)
}

// ReadInto reads the GPU state into st, which must have the shape of
// s.Params; with weights false it skips the weight arrays (the bulk of the
// bytes), for tests that compare the per-cell buffers every step.
func (s *Sim) ReadInto(st *cpuref.State, weights bool) error {
	st.T = s.T
	return s.readInto(st, weights)
}

func (s *Sim) read(b Buffer, dst any) error {
	ptr, n := bytesOf(dst)
	return s.readAt(b, 0, n, ptr)
}

// readAt reads n bytes of buffer b from offset into ptr.
func (s *Sim) readAt(b Buffer, offset, n int, ptr unsafe.Pointer) error {
	if n == 0 {
		return nil
	}
	gl.MemoryBarrier(gl.BUFFER_UPDATE_BARRIER_BIT)
	gl.GetError()
	gl.GetNamedBufferSubData(s.buf[b], offset, n, ptr)
	if e := gl.GetError(); e != gl.NO_ERROR {
		return fmt.Errorf("gpu: read %s: GL error 0x%x", b, e)
	}
	return nil
}

func (s *Sim) programs() []*program {
	return []*program{s.integrate, s.output, s.learnInput, s.integrate2, s.learnHidden2}
}

// Release deletes the programs and buffers. It is safe to call twice.
func (s *Sim) Release() {
	for _, p := range s.programs() {
		p.release()
	}
	if len(s.buf) > 0 && s.buf[0] != 0 {
		gl.DeleteBuffers(int32(len(s.buf)), &s.buf[0])
		clear(s.buf)
	}
	if s.framesBuf != 0 {
		gl.DeleteBuffers(1, &s.framesBuf)
		s.framesBuf = 0
	}
	s.batch.release()
}

// Load replaces the whole GPU state with st (same parameters), e.g. to
// resume from a checkpoint or to re-align with the reference.
func (s *Sim) Load(st *cpuref.State) error {
	if st.N != s.Params.N {
		return fmt.Errorf("gpu: state is for n=%d, simulation for n=%d", st.N, s.Params.N)
	}
	up := uploads(st)
	for b := range Buffer(numBuffers()) {
		ptr, n := bytesOf(up(b))
		if n != s.size[b] && !(n == 0 && s.size[b] == 4) {
			return fmt.Errorf("gpu: load %s: %d bytes, buffer holds %d", b, n, s.size[b])
		}
		if n > 0 {
			gl.NamedBufferSubData(s.buf[b], 0, n, ptr)
		}
	}
	s.T = st.T
	s.framesOf(st.T)
	return nil
}

// framesOf sets the frames renderers draw for a state after t steps: the
// input and target frames of step t−1, none at t = 0.
func (s *Sim) framesOf(t int64) {
	s.frame, s.target = s.frame[:0], s.target[:0]
	if _, rects := s.input.(*rectInput); t > 0 && rects { // a frame source's frames are X and Y
		s.frame = s.Stim.Frame(t-1, s.frame)
		s.target = s.Stim.Frame(t-1+int64(s.Params.Horizon), s.target)
	}
}

// ActiveUniforms returns, by shader file, the uniforms GL reports active
// in each compute pass: for tests that hold the parameter declarations
// and the shaders together.
func (s *Sim) ActiveUniforms() map[string][]string {
	out := map[string][]string{}
	for _, p := range s.programs() {
		out[p.name] = p.activeUniforms()
	}
	return out
}
