package record

import (
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"
	"math"
	"sort"
	"sync"
)

// gifRec quantises each frame as it arrives and encodes the animation on
// Close. Each frame after the first holds only the rectangle that changed,
// and in it the unchanged pixels are transparent: long runs of one index,
// which LZW compresses to almost nothing, so a demo fits in a README.
type gifRec struct {
	path      string
	s         *summary
	pal       color.Palette // nil until the first frame
	lut       []int16       // 6-bit-per-channel colour → palette index, -1 unknown
	canvas    []uint8       // the indices the viewer shows after the last frame
	anim      gif.GIF
	closeOnce sync.Once
	closeErr  error
}

// transparent is the palette index of "unchanged since the last frame".
const transparent = 255

func newGIF(path string, s *summary) *gifRec {
	return &gifRec{path: path, s: s}
}

func (g *gifRec) WriteFrame(img *image.RGBA) error {
	w, h := g.s.Width, g.s.Height
	if err := checkSize(img, w, h); err != nil {
		return err
	}
	if g.pal == nil {
		g.pal = buildPalette(img)
		g.lut = make([]int16, 1<<18)
		for i := range g.lut {
			g.lut[i] = -1
		}
	}
	idx := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		p := img.Pix[y*img.Stride:]
		for x := 0; x < w; x++ {
			idx[y*w+x] = g.index(p[4*x], p[4*x+1], p[4*x+2])
		}
	}
	frame := g.delta(idx)
	k := len(g.anim.Image)
	delay := int(math.Round(100*float64(k+1)/g.s.FPS) - math.Round(100*float64(k)/g.s.FPS))
	g.anim.Image = append(g.anim.Image, frame)
	g.anim.Delay = append(g.anim.Delay, max(delay, 1))
	g.anim.Disposal = append(g.anim.Disposal, gif.DisposalNone)
	g.canvas = idx
	return nil
}

// delta returns the frame that turns the canvas into idx: the bounding
// box of the changed pixels, unchanged ones transparent.
func (g *gifRec) delta(idx []uint8) *image.Paletted {
	w, h := g.s.Width, g.s.Height
	if g.canvas == nil {
		return &image.Paletted{Pix: idx, Stride: w, Rect: image.Rect(0, 0, w, h), Palette: g.pal}
	}
	x0, y0, x1, y1 := w, h, -1, -1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if idx[y*w+x] != g.canvas[y*w+x] {
				x0, x1 = min(x0, x), max(x1, x)
				y0, y1 = min(y0, y), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		// Nothing changed; GIF still needs a (1×1, see-through) image.
		return &image.Paletted{Pix: []uint8{transparent}, Stride: 1, Rect: image.Rect(0, 0, 1, 1), Palette: g.pal}
	}
	r := image.Rect(x0, y0, x1+1, y1+1)
	f := image.NewPaletted(r, g.pal)
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			v := idx[y*w+x]
			if v == g.canvas[y*w+x] {
				v = transparent
			}
			f.Pix[(y-y0)*f.Stride+(x-x0)] = v
		}
	}
	return f
}

// index is the nearest palette entry to a colour, looked up per 6-bit
// cell and cached.
func (g *gifRec) index(r, gg, b uint8) uint8 {
	key := int(r>>2)<<12 | int(gg>>2)<<6 | int(b>>2)
	if v := g.lut[key]; v >= 0 {
		return uint8(v)
	}
	cr, cg, cb := int(r>>2)<<2|2, int(gg>>2)<<2|2, int(b>>2)<<2|2
	best, bestD := 0, math.MaxInt
	for i, c := range g.pal[:transparent] {
		rgba := c.(color.RGBA)
		dr, dg, db := cr-int(rgba.R), cg-int(rgba.G), cb-int(rgba.B)
		// Weighted towards green, as the eye is.
		if d := 2*dr*dr + 4*dg*dg + 3*db*db; d < bestD {
			best, bestD = i, d
		}
	}
	g.lut[key] = int16(best)
	return uint8(best)
}

func (g *gifRec) Close() error {
	g.closeOnce.Do(func() { g.closeErr = g.close() })
	return g.closeErr
}

func (g *gifRec) close() error {
	if len(g.anim.Image) == 0 {
		return fmt.Errorf("record: %s: no frame was recorded", g.path)
	}
	g.anim.Config = image.Config{ColorModel: g.pal, Width: g.s.Width, Height: g.s.Height}
	g.anim.LoopCount = 0 // for ever
	err := createAtomic(g.path, func(w io.Writer) error { return gif.EncodeAll(w, &g.anim) })
	if err != nil {
		return err
	}
	g.s.finish(len(g.anim.Image))
	return g.s.writeSidecar(g.path)
}

// The window's palette (viz/viz.go), as 8-bit values: what the frames are
// mostly made of. Text and lines are these blended over the panels'
// backgrounds, so the fixed part of the GIF palette is a ramp from the
// panel background to each of them.
var (
	gifPanelBg = color.RGBA{18, 20, 26, 255}
	gifInks    = []color.RGBA{
		{235, 237, 245, 255}, // titles
		{153, 161, 179, 255}, // dim text
		{115, 217, 255, 255}, // accent
		{255, 64, 51, 255},   // red: input, misses
		{64, 235, 115, 255},  // green: prediction, output, F1
		{77, 140, 255, 255},  // blue: hidden, false alarms
		{242, 242, 242, 255}, // white: the next frame
	}
)

const rampSteps = 12

// buildPalette returns 255 opaque colours and a transparent one: ramps
// from the panel background to each of the window's inks, then a median
// cut of the first frame's other colours. The first frame already shows
// every panel; ramps cover what appears later (spike trails, new text).
func buildPalette(img *image.RGBA) color.Palette {
	pal := make(color.Palette, 0, 256)
	seen := map[color.RGBA]bool{}
	add := func(c color.RGBA) {
		if !seen[c] && len(pal) < transparent {
			seen[c] = true
			pal = append(pal, c)
		}
	}
	add(color.RGBA{9, 10, 14, 255}) // window background
	add(gifPanelBg)
	for _, ink := range gifInks {
		for s := 1; s <= rampSteps; s++ {
			t := float64(s) / rampSteps
			mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + t*(float64(b)-float64(a)))) }
			add(color.RGBA{mix(gifPanelBg.R, ink.R), mix(gifPanelBg.G, ink.G), mix(gifPanelBg.B, ink.B), 255})
		}
	}
	for _, c := range medianCut(img, transparent-len(pal)) {
		add(c)
	}
	// Fill with greys, so every index is a distinct opaque colour.
	for v := 0; len(pal) < transparent; v++ {
		add(color.RGBA{uint8(v), uint8(v), uint8(v), 255})
	}
	return append(pal, color.RGBA{})
}

// bucket is a 5-bit-per-channel cell of the colour cube with the sum of
// the colours that fell in it.
type bucket struct {
	r, g, b, n int
}

// medianCut splits the colours of img into at most k boxes, each cut at
// the pixel-weighted median of its longest side, and returns each box's
// mean colour.
func medianCut(img *image.RGBA, k int) []color.RGBA {
	if k <= 0 {
		return nil
	}
	cells := map[int]*bucket{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		p := img.Pix[(y-b.Min.Y)*img.Stride:]
		for x := 0; x < b.Dx(); x++ {
			r, g, bb := int(p[4*x]), int(p[4*x+1]), int(p[4*x+2])
			key := r>>3<<10 | g>>3<<5 | bb>>3
			c := cells[key]
			if c == nil {
				c = &bucket{}
				cells[key] = c
			}
			c.r, c.g, c.b, c.n = c.r+r, c.g+g, c.b+bb, c.n+1
		}
	}
	all := make([]bucket, 0, len(cells))
	keys := make([]int, 0, len(cells))
	for key := range cells {
		keys = append(keys, key)
	}
	sort.Ints(keys) // a fixed order: the same frame gives the same palette
	for _, key := range keys {
		all = append(all, *cells[key])
	}
	boxes := [][]bucket{all}
	for len(boxes) < k {
		// Split the box with the most pixels that has more than one cell.
		bi, bn := -1, 0
		for i, box := range boxes {
			if len(box) < 2 {
				continue
			}
			n := 0
			for _, c := range box {
				n += c.n
			}
			if n > bn {
				bi, bn = i, n
			}
		}
		if bi < 0 {
			break
		}
		box := boxes[bi]
		ch := longestSide(box)
		sort.SliceStable(box, func(i, j int) bool { return mean(box[i], ch) < mean(box[j], ch) })
		half, acc, cut := bn/2, 0, 1
		for i, c := range box {
			acc += c.n
			if acc >= half {
				cut = min(max(i+1, 1), len(box)-1)
				break
			}
		}
		boxes[bi] = box[:cut]
		boxes = append(boxes, box[cut:])
	}
	out := make([]color.RGBA, 0, len(boxes))
	for _, box := range boxes {
		var r, g, bb, n int
		for _, c := range box {
			r, g, bb, n = r+c.r, g+c.g, bb+c.b, n+c.n
		}
		out = append(out, color.RGBA{uint8((r + n/2) / n), uint8((g + n/2) / n), uint8((bb + n/2) / n), 255})
	}
	return out
}

func mean(c bucket, ch int) int {
	switch ch {
	case 0:
		return c.r / c.n
	case 1:
		return c.g / c.n
	}
	return c.b / c.n
}

// longestSide returns the channel (0 r, 1 g, 2 b) along which box's
// colours spread most.
func longestSide(box []bucket) int {
	lo, hi := [3]int{255, 255, 255}, [3]int{}
	for _, c := range box {
		for ch := 0; ch < 3; ch++ {
			v := mean(c, ch)
			lo[ch], hi[ch] = min(lo[ch], v), max(hi[ch], v)
		}
	}
	best := 0
	for ch := 1; ch < 3; ch++ {
		if hi[ch]-lo[ch] > hi[best]-lo[best] {
			best = ch
		}
	}
	return best
}
