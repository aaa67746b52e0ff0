package gpu

import (
	"math/bits"
	"time"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/cpuref"
)

// NumSpikeLayers is how many binary layers a SpikeReader can follow, in
// this order: input X, hidden s, output ŷ, second hidden layer s₂ (the
// layer codes of backend.SpikeLayerNames).
const NumSpikeLayers = 4

// SpikeReader reads every step's spike bit sets back without stalling
// the GPU, as recording reads frames: after each step Capture queues
// GPU-side copies of the bit sets (X, s, ŷ and s₂: ⌈n/32⌉ or ⌈n/16⌉
// words a row each, 32 KB a step at n = 256, against 14 MB for the whole
// state) into one of two staging buffers, a chunk of steps each. When a
// chunk is full a fence follows it, and the other chunk, queued a whole
// chunk of steps earlier and so long finished, is read and handed over.
// Its methods run on the GL thread.
type SpikeReader struct {
	n         int
	layers    []spikeLayer
	stepWords int // words a step takes in a staging buffer
	chunk     int // steps a staging buffer holds

	staging [2]uint32
	fence   [2]Fence
	first   [2]int64 // the step of each buffer's first record
	filled  [2]int   // records in each buffer
	cur     int      // the buffer Capture fills

	words []uint32                 // a chunk read back
	cells [NumSpikeLayers][]uint32 // one step's spiking cells, by layer
}

type spikeLayer struct {
	code   int
	buf    Buffer
	plain  bool // plain bit set (X, ŷ), else the overlapping spike bit set
	off    int  // word offset in a step's record
	words  int  // words of all its planes
	planes int  // n×n bit sets, one after the other: the cells a pixel
}

// spikeChunkBytes is about what one staging buffer holds: large enough
// that a chunk's copies have long finished when it is read, small
// enough to cost nothing in GPU memory.
const spikeChunkBytes = 1 << 20

// NewSpikeReader makes the staging buffers for the layers asked for (by
// code; the second hidden layer only where s has one). Run on the GL
// thread.
func NewSpikeReader(s *Sim, want [NumSpikeLayers]bool) *SpikeReader {
	n := s.Params.N
	r := &SpikeReader{n: n}
	for code, buf := range []Buffer{BufX, BufBits, BufYHat, BufBits2} {
		if !want[code] || (buf == BufBits2 && s.Params.Layer2() == 0) {
			continue
		}
		plain := buf == BufX || buf == BufYHat
		w := bitWords(n)
		if plain {
			w = cpuref.PlainWords(n)
		}
		// A layer of several cells a pixel holds one bit set a plane,
		// as its buffer's size in the buffer table says.
		planes := max(cpuref.Buffers()[buffers()[buf].field].PerCell(s.Params), 1)
		r.layers = append(r.layers, spikeLayer{code: code, buf: buf, plain: plain, off: r.stepWords, words: planes * w, planes: planes})
		r.stepWords += w
	}
	r.chunk = min(max(spikeChunkBytes/(4*max(r.stepWords, 1)), 4), 1024)
	r.words = make([]uint32, r.chunk*r.stepWords)
	gl.CreateBuffers(2, &r.staging[0])
	for _, b := range r.staging {
		gl.NamedBufferData(b, max(4*len(r.words), 4), nil, gl.STREAM_READ)
	}
	return r
}

// Deliver receives one step's spikes: the step t (the one that read
// frame X_t) and, by layer code, the cells that spiked, ascending (nil
// for a layer not followed). A cell is its index in the layer's State
// buffer: c·n² + row·n + column for cell c of a pixel of a layer of
// several cells a pixel. The slices are reused after it returns.
type Deliver func(t int64, cells *[NumSpikeLayers][]uint32) error

// Capture queues the copies of the last step's bit sets, and delivers
// the steps of the chunk before when this one is full. Call it after
// every step (s.T is then the step count after it).
func (r *SpikeReader) Capture(s *Sim, deliver Deliver) error {
	i := r.cur
	k := r.filled[i]
	if k == 0 {
		r.first[i] = s.T - 1
	}
	// The step's last dispatch ended with a BUFFER_UPDATE barrier, so
	// these copies see its writes.
	for _, l := range r.layers {
		gl.CopyNamedBufferSubData(s.buf[l.buf], r.staging[i], 0, (k*r.stepWords+l.off)*4, l.words*4)
	}
	r.filled[i]++
	if r.filled[i] < r.chunk {
		return nil
	}
	r.fence[i].Set()
	r.cur = 1 - i
	return r.collect(r.cur, deliver)
}

// Flush delivers every step captured and not yet delivered, waiting for
// their copies.
func (r *SpikeReader) Flush(deliver Deliver) error {
	i := r.cur
	if r.filled[i] > 0 {
		r.fence[i].Set()
	}
	// The other buffer holds the older chunk.
	if err := r.collect(1-i, deliver); err != nil {
		return err
	}
	return r.collect(i, deliver)
}

// collect waits for buffer i's copies, reads them and delivers each
// step; it empties the buffer.
func (r *SpikeReader) collect(i int, deliver Deliver) error {
	k := r.filled[i]
	if k == 0 {
		return nil
	}
	r.filled[i] = 0
	if err := r.fence[i].Wait("gpu: read back spikes", 30*time.Second); err != nil {
		return err
	}
	words := r.words[:k*r.stepWords]
	if len(words) > 0 {
		gl.GetNamedBufferSubData(r.staging[i], 0, 4*len(words), gl.Ptr(&words[0]))
	}
	for j := range k {
		rec := words[j*r.stepWords : (j+1)*r.stepWords]
		for _, l := range r.layers {
			dst := r.cells[l.code][:0]
			per := l.words / l.planes
			for c := range l.planes {
				dst = decodeBits(rec[l.off+c*per:l.off+(c+1)*per], r.n, c*r.n*r.n, l.plain, dst)
			}
			r.cells[l.code] = dst
		}
		if err := deliver(r.first[i]+int64(j), &r.cells); err != nil {
			return err
		}
	}
	return nil
}

// decodeBits appends the cells set in an n×n bit set to dst, ascending,
// each plus base (the plane's first cell):
// a plain set (⌈n/32⌉ words a row, cell col at bit col%32), or the
// overlapping spike set of common.glsl (⌈n/16⌉ words a row, each owning
// columns 16w … 16w+15 at bits 8–23). Zero words, most of them, cost a
// compare.
func decodeBits(words []uint32, n, base int, plain bool, dst []uint32) []uint32 {
	per, shift, mask := 32, 0, uint32(0xFFFFFFFF)
	if !plain {
		per, shift, mask = 16, 8, 0xFFFF
	}
	wpr := (n + per - 1) / per
	for row := range n {
		for w, word := range words[row*wpr : (row+1)*wpr] {
			word = word >> shift & mask
			for word != 0 {
				b := bits.TrailingZeros32(word)
				word &= word - 1
				if col := w*per + b; col < n {
					dst = append(dst, uint32(base+row*n+col))
				}
			}
		}
	}
	return dst
}

// Release deletes the staging buffers and any fence. Safe to call twice.
func (r *SpikeReader) Release() {
	for i := range r.fence {
		r.fence[i].Release()
	}
	if r.staging[0] != 0 {
		gl.DeleteBuffers(2, &r.staging[0])
		r.staging = [2]uint32{}
	}
}
