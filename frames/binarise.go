package frames

import (
	"math"

	"github.com/spikecast/spikecast/cpuref"
)

// mathFloat32 is math.Float32frombits (a name for the .npy reader).
func mathFloat32(b uint32) float32 { return math.Float32frombits(b) }

// axis maps n output cells onto src source pixels by area: cell j covers
// the source interval [off + j·src/n, off + (j+1)·src/n), and each source
// pixel it meets weighs by the length of their overlap.
type axis struct {
	first []int       // first source pixel of cell j
	w     [][]float64 // overlap of cell j with each of its pixels
}

func newAxis(n, src, off int) axis {
	a := axis{first: make([]int, n), w: make([][]float64, n)}
	scale := float64(src) / float64(n)
	for j := range n {
		lo, hi := float64(j)*scale, float64(j+1)*scale
		p0 := int(math.Floor(lo))
		a.first[j] = p0 + off
		for p := p0; float64(p) < hi && p < src; p++ {
			ov := min(hi, float64(p+1)) - max(lo, float64(p))
			a.w[j] = append(a.w[j], ov)
		}
	}
	return a
}

// scaler scales frames of one size to n×n by area averaging, after a
// centre crop to square when crop is set.
type scaler struct {
	n, w, h int
	crop    bool
	cols    axis
	rows    axis
	area    float64
	tmp     []float64
}

func (s *scaler) scale(g grey) []float64 {
	if s.cols.first == nil || g.w != s.w || g.h != s.h {
		s.w, s.h = g.w, g.h
		cw, ch, ox, oy := g.w, g.h, 0, 0
		if s.crop {
			side := min(g.w, g.h)
			cw, ch, ox, oy = side, side, (g.w-side)/2, (g.h-side)/2
		}
		s.cols, s.rows = newAxis(s.n, cw, ox), newAxis(s.n, ch, oy)
		s.area = float64(cw) / float64(s.n) * float64(ch) / float64(s.n)
		s.tmp = make([]float64, g.h*s.n)
	}
	n := s.n
	// Columns first: each source row to n cells.
	for y := 0; y < g.h; y++ {
		row := g.pix[y*g.w : (y+1)*g.w]
		for j := range n {
			var sum float64
			for k, w := range s.cols.w[j] {
				sum += w * float64(row[s.cols.first[j]+k])
			}
			s.tmp[y*n+j] = sum
		}
	}
	out := make([]float64, n*n)
	for i := range n {
		for k, w := range s.rows.w[i] {
			y := s.rows.first[i] + k
			for j := range n {
				out[i*n+j] += w * s.tmp[y*n+j]
			}
		}
		for j := range n {
			out[i*n+j] /= s.area
		}
	}
	return out
}

// logFloor is the darkest brightness the event rule takes the log of: a
// black pixel counts as 1/255 of full scale.
const logFloor = 1.0 / 255

// binariser makes scaled frames binary: brightness above the threshold,
// or the event rule, which keeps per pixel the log brightness at its
// last event.
type binariser struct {
	set   Settings
	sc    scaler
	ref   []float64 // log brightness at each pixel's last event
	first bool      // the next frame starts a lap: it sets ref, no events
}

func newBinariser(set Settings) *binariser {
	return &binariser{set: set, sc: scaler{n: set.N, crop: set.Crop}, first: true}
}

func (b *binariser) events() bool { return b.set.Events > 0 }

// reset starts the event rule afresh (a new lap of the source).
func (b *binariser) reset() { b.first = true }

// frame returns g as a plain bit set of n×n cells.
func (b *binariser) frame(g grey) []uint32 {
	return b.bits(b.sc.scale(g))
}

// bits binarises n×n brightness values in [0, 1].
func (b *binariser) bits(v []float64) []uint32 {
	n := b.set.N
	out := make([]uint32, cpuref.PlainWords(n))
	wpr := cpuref.PlainWords(n) / n // words a row
	set := func(i int) { out[i/n*wpr+i%n/32] |= 1 << (i % n % 32) }
	if !b.events() {
		t := float64(b.set.Threshold)
		for i, x := range v {
			if x > t {
				set(i)
			}
		}
		return out
	}
	c := float64(b.set.Events)
	if b.first || len(b.ref) != len(v) {
		b.ref = make([]float64, len(v))
		for i, x := range v {
			b.ref[i] = math.Log(max(x, logFloor))
		}
		b.first = false
		return out // no event without a past
	}
	for i, x := range v {
		l := math.Log(max(x, logFloor))
		d := l - b.ref[i]
		on, off := d > c, d < -c
		if !on && !off {
			continue
		}
		// The camera fires either way and takes the new level as its
		// reference; -polarity says which events light the pixel.
		b.ref[i] = l
		if on && b.set.Polarity != cpuref.PolarityOff || off && b.set.Polarity != cpuref.PolarityOn {
			set(i)
		}
	}
	return out
}
