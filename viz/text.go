package viz

import (
	"fmt"
	"image"
	"image/draw"
	"math"
	"sort"
	"unsafe"

	"github.com/go-gl/gl/v4.3-core/gl"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/spikecast/spikecast/gpu"
)

// Face picks one of the Go fonts.
type Face int

// The faces a Text can draw.
const (
	Regular Face = iota // Go Regular
	Mono                // Go Mono
	Bold                // Go Bold
	numFaces
)

func (f Face) String() string {
	switch f {
	case Regular:
		return "regular"
	case Mono:
		return "mono"
	case Bold:
		return "bold"
	}
	return fmt.Sprintf("Face(%d)", int(f))
}

// fontData is the TrueType source of each face.
var fontData = [numFaces][]byte{Regular: goregular.TTF, Mono: gomono.TTF, Bold: gobold.TTF}

// extraRunes are the runes beyond printable ASCII the atlas holds, where a
// face has them: the symbols of the live window's titles, legends and
// stats. A rune a face lacks is drawn as '?'.
const extraRunes = "θρσητλξαβγδεμπωΔΣ≥≤≠≈×·…→←↑↓±–—−●○■□▲▼⏸°²½√∞ŷŶ₊₋₀₁"

// fallbackRune stands in for any rune the atlas does not hold.
const fallbackRune = '?'

// Atlas layout. The white block is a few texels of full coverage at the
// atlas's corner; rectangles sample its middle, where linear filtering
// reads only white texels. Glyphs sit pad texels apart so that filtering
// at a glyph's edge never reads its neighbour.
const (
	whiteSize = 4
	pad       = 1
)

// glyph is one rasterised rune of one face.
type glyph struct {
	// The ink box in pixels, relative to the pen on the baseline, y down.
	// It is whole pixels, so a quad at a whole-pixel pen position maps
	// texels one to one onto pixels.
	x0, y0, x1, y1 float32
	u0, v0, u1, v1 float32       // the box in the atlas
	adv            fixed.Int26_6 // pen advance
	r              rune          // the rune drawn: the one asked for, or fallbackRune
	mask           *image.Alpha  // coverage, only until the atlas is packed
	at             image.Point   // top-left of mask in the atlas
}

// faceGlyphs is a face and the glyphs rasterised from it.
type faceGlyphs struct {
	face   font.Face
	glyphs map[rune]*glyph
}

// Text draws strings with the Go fonts (golang.org/x/image/font/gofont:
// goregular, gomono and gobold, via golang.org/x/image/font/opentype),
// rasterised once into an R8 glyph atlas texture.
//
// Add and Rect queue quads in framebuffer pixels, origin top-left; Flush
// draws the queue in one call. Glyphs are rasterised at the requested
// pixel size and placed on whole pixels, so each atlas texel lands on one
// framebuffer pixel: text stays sharp with no scaling. For HiDPI, create
// the Text at the em size times the window's content scale and lay out in
// framebuffer (not window) coordinates.
//
// A Text belongs to the GL thread; it is not safe for concurrent use.
type Text struct {
	faces  [numFaces]faceGlyphs
	ascent float32 // baseline below a line's top
	line   float32 // line height
	whiteU float32 // atlas coordinates of the white block's middle
	whiteV float32

	prog      uint32
	vao, vbo  uint32
	tex       uint32
	uViewport int32

	rects  []float32 // queued vertices of rectangles, drawn first
	glyphs []float32 // queued vertices of glyphs
}

// floatsPerVertex is x, y, u, v, r, g, b, a.
const floatsPerVertex = 8

// NewText rasterises the faces at pixelSize, the em size in framebuffer
// pixels, and uploads the atlas. It must run on the GL thread.
func NewText(pixelSize float64) (*Text, error) {
	if !(pixelSize >= 1 && pixelSize <= 512) {
		return nil, fmt.Errorf("viz: text pixel size %g outside [1, 512]", pixelSize)
	}
	t := &Text{}
	var ascent, descent, height int
	for f := Face(0); f < numFaces; f++ {
		fg, err := rasterise(f, pixelSize)
		if err != nil {
			t.closeFaces()
			return nil, err
		}
		t.faces[f] = fg
		m := fg.face.Metrics()
		ascent = max(ascent, m.Ascent.Ceil())
		descent = max(descent, m.Descent.Ceil())
		height = max(height, m.Height.Ceil())
		// A line must hold every glyph's ink, even one that reaches past
		// the font's ascent or descent, so that Measure bounds what Add
		// draws.
		for _, g := range fg.glyphs {
			ascent = max(ascent, int(-g.y0))
			descent = max(descent, int(g.y1))
		}
	}
	t.ascent = float32(ascent)
	t.line = float32(max(height, ascent+descent))

	atlas := t.pack()
	if err := t.upload(atlas); err != nil {
		t.Release()
		return nil, err
	}
	return t, nil
}

// rasterise draws every rune of the atlas's set in face f.
func rasterise(f Face, pixelSize float64) (faceGlyphs, error) {
	fnt, err := opentype.Parse(fontData[f])
	if err != nil {
		return faceGlyphs{}, fmt.Errorf("viz: parse %v font: %w", f, err)
	}
	// Full hinting rounds advances, kerning and metrics to whole pixels,
	// so a pen that starts on a pixel stays on pixels and no glyph is
	// resampled between texels.
	face, err := opentype.NewFace(fnt, &opentype.FaceOptions{Size: pixelSize, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return faceGlyphs{}, fmt.Errorf("viz: %v face at %g px: %w", f, pixelSize, err)
	}
	fg := faceGlyphs{face: face, glyphs: map[rune]*glyph{}}
	add := func(r rune) bool {
		dr, mask, maskp, adv, ok := face.Glyph(fixed.Point26_6{}, r)
		if !ok {
			return false
		}
		// The face reuses its mask between calls: copy it.
		m := image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))
		draw.Draw(m, m.Bounds(), mask, maskp, draw.Src)
		fg.glyphs[r] = &glyph{
			x0: float32(dr.Min.X), y0: float32(dr.Min.Y),
			x1: float32(dr.Max.X), y1: float32(dr.Max.Y),
			adv: adv, r: r, mask: m,
		}
		return true
	}
	if !add(fallbackRune) {
		return faceGlyphs{}, fmt.Errorf("viz: %v font has no %q", f, fallbackRune)
	}
	for r := rune(' '); r <= '~'; r++ {
		add(r)
	}
	for _, r := range extraRunes {
		add(r)
	}
	return fg, nil
}

// lookup returns the glyph that draws r in face f: r's own, or the
// fallback's.
func (t *Text) lookup(f Face, r rune) *glyph {
	fg := &t.faces[f]
	if g, ok := fg.glyphs[r]; ok {
		return g
	}
	return fg.glyphs[fallbackRune]
}

// Has reports whether face f draws r as itself rather than as '?'.
func (t *Text) Has(f Face, r rune) bool {
	if f < 0 || f >= numFaces {
		return false
	}
	_, ok := t.faces[f].glyphs[r]
	return ok
}

// pack places the white block and every glyph in one coverage image,
// shelf by shelf, tallest first, and sets the glyphs' atlas coordinates.
func (t *Text) pack() *image.Alpha {
	var all []*glyph
	area := (whiteSize + pad) * (whiteSize + pad)
	for f := range t.faces {
		for _, g := range t.faces[f].glyphs {
			all = append(all, g)
			b := g.mask.Bounds()
			area += (b.Dx() + pad) * (b.Dy() + pad)
		}
	}
	sort.Slice(all, func(i, j int) bool {
		hi, hj := all[i].mask.Bounds().Dy(), all[j].mask.Bounds().Dy()
		if hi != hj {
			return hi > hj
		}
		if all[i].r != all[j].r {
			return all[i].r < all[j].r
		}
		return all[i].x1-all[i].x0 > all[j].x1-all[j].x0
	})
	// A power-of-two width near the square root of the area; shelves
	// waste some, hence the margin.
	w := 64
	for w*w < area*3/2 {
		w *= 2
	}
	x, y, shelf := whiteSize+pad, 0, whiteSize+pad
	for _, g := range all {
		b := g.mask.Bounds()
		if x+b.Dx()+pad > w {
			x, y, shelf = 0, y+shelf, 0
		}
		g.at = image.Pt(x, y)
		x += b.Dx() + pad
		shelf = max(shelf, b.Dy()+pad)
	}
	h := (y + shelf + 3) &^ 3
	atlas := image.NewAlpha(image.Rect(0, 0, w, h))
	for i := 0; i < whiteSize; i++ {
		for j := 0; j < whiteSize; j++ {
			atlas.Pix[i*atlas.Stride+j] = 0xff
		}
	}
	fw, fh := float32(w), float32(h)
	for _, g := range all {
		b := g.mask.Bounds()
		for row := 0; row < b.Dy(); row++ {
			copy(atlas.Pix[(g.at.Y+row)*atlas.Stride+g.at.X:], g.mask.Pix[row*g.mask.Stride:row*g.mask.Stride+b.Dx()])
		}
		g.u0, g.v0 = float32(g.at.X)/fw, float32(g.at.Y)/fh
		g.u1, g.v1 = float32(g.at.X+b.Dx())/fw, float32(g.at.Y+b.Dy())/fh
		g.mask = nil
	}
	t.whiteU, t.whiteV = whiteSize/2/fw, whiteSize/2/fh
	return atlas
}

// upload makes the atlas texture, the program and the vertex buffer.
func (t *Text) upload(atlas *image.Alpha) error {
	w, h := atlas.Bounds().Dx(), atlas.Bounds().Dy()
	var maxSize int32
	gl.GetIntegerv(gl.MAX_TEXTURE_SIZE, &maxSize)
	if w > int(maxSize) || h > int(maxSize) {
		return fmt.Errorf("viz: glyph atlas %d×%d exceeds GL_MAX_TEXTURE_SIZE %d", w, h, maxSize)
	}

	prog, err := gpu.NewGraphicsProgram("text.vert", "text.frag", nil, "")
	if err != nil {
		return fmt.Errorf("viz: text: %w", err)
	}
	t.prog = prog
	t.uViewport = gl.GetUniformLocation(prog, gl.Str("uViewport\x00"))
	gl.ProgramUniform1i(prog, gl.GetUniformLocation(prog, gl.Str("uAtlas\x00")), 0)

	// Texture and buffer bindings are put back as found: NewText may run
	// in the middle of someone else's setup.
	var prevTex, prevActive, prevAlign, prevBuf, prevVAO int32
	gl.GetIntegerv(gl.ACTIVE_TEXTURE, &prevActive)
	gl.ActiveTexture(gl.TEXTURE0)
	gl.GetIntegerv(gl.TEXTURE_BINDING_2D, &prevTex)
	gl.GetIntegerv(gl.UNPACK_ALIGNMENT, &prevAlign)
	gl.GetIntegerv(gl.ARRAY_BUFFER_BINDING, &prevBuf)
	gl.GetIntegerv(gl.VERTEX_ARRAY_BINDING, &prevVAO)

	gl.GenTextures(1, &t.tex)
	gl.BindTexture(gl.TEXTURE_2D, t.tex)
	gl.PixelStorei(gl.UNPACK_ALIGNMENT, 1)
	gl.TexImage2D(gl.TEXTURE_2D, 0, gl.R8, int32(w), int32(h), 0, gl.RED, gl.UNSIGNED_BYTE, unsafe.Pointer(&atlas.Pix[0]))
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAX_LEVEL, 0)

	gl.GenVertexArrays(1, &t.vao)
	gl.GenBuffers(1, &t.vbo)
	gl.BindVertexArray(t.vao)
	gl.BindBuffer(gl.ARRAY_BUFFER, t.vbo)
	const stride = floatsPerVertex * 4
	gl.EnableVertexAttribArray(0)
	gl.VertexAttribPointerWithOffset(0, 2, gl.FLOAT, false, stride, 0)
	gl.EnableVertexAttribArray(1)
	gl.VertexAttribPointerWithOffset(1, 2, gl.FLOAT, false, stride, 2*4)
	gl.EnableVertexAttribArray(2)
	gl.VertexAttribPointerWithOffset(2, 4, gl.FLOAT, false, stride, 4*4)

	gl.BindVertexArray(uint32(prevVAO))
	gl.BindBuffer(gl.ARRAY_BUFFER, uint32(prevBuf))
	gl.PixelStorei(gl.UNPACK_ALIGNMENT, prevAlign)
	gl.BindTexture(gl.TEXTURE_2D, uint32(prevTex))
	gl.ActiveTexture(uint32(prevActive))
	if e := gl.GetError(); e != gl.NO_ERROR {
		return fmt.Errorf("viz: text: GL error 0x%x making the %d×%d glyph atlas", e, w, h)
	}
	return nil
}

// LineHeight is the distance in pixels between the tops of successive
// lines; every glyph's ink fits within one line.
func (t *Text) LineHeight() float32 { return t.line }

// Ascent is the distance in pixels from a line's top down to its baseline.
func (t *Text) Ascent() float32 { return t.ascent }

// layout walks s in face f, calling emit (when not nil) with each glyph
// and its pen position relative to the text's top-left, pen on the
// baseline. It returns the text's size: the widest line, counting both
// advances and ink, by the number of lines times the line height.
func (t *Text) layout(f Face, s string, emit func(g *glyph, x, y float32)) (w, h float32) {
	if s == "" {
		return 0, 0
	}
	if f < 0 || f >= numFaces {
		f = Regular
	}
	face := t.faces[f].face
	if face == nil { // released
		return 0, 0
	}
	var pen fixed.Int26_6
	var right float32
	baseline := t.ascent
	prev := rune(-1)
	for _, r := range s {
		switch r {
		case '\n':
			w = max(w, right, float32(pen.Ceil()))
			pen, right, prev = 0, 0, -1
			baseline += t.line
			continue
		case '\t':
			r = ' '
		case '\r':
			continue
		}
		g := t.lookup(f, r)
		if prev >= 0 {
			pen += face.Kern(prev, g.r)
		}
		x := float32(pen.Round())
		if g.x1 > g.x0 {
			right = max(right, x+g.x1)
			if emit != nil {
				emit(g, x, baseline)
			}
		}
		pen += g.adv
		prev = g.r
	}
	w = max(w, right, float32(pen.Ceil()))
	h = baseline - t.ascent + t.line
	return w, h
}

// Measure returns the size in pixels of s in face f as Add draws it:
// every pixel Add inks lies within w×h of its top-left. The height is the
// number of lines times LineHeight; "" measures 0×0.
func (t *Text) Measure(f Face, s string) (w, h float32) {
	return t.layout(f, s, nil)
}

// Add queues s in face f with its top-left at framebuffer pixel (x, y),
// origin top-left, y down; '\n' starts a new line. The position is
// rounded to whole pixels so that glyphs stay sharp. rgba is straight,
// not premultiplied, alpha. Runes the atlas lacks draw as '?'.
func (t *Text) Add(f Face, s string, x, y float32, rgba [4]float32) {
	ox, oy := float32(math.Round(float64(x))), float32(math.Round(float64(y)))
	t.layout(f, s, func(g *glyph, px, py float32) {
		x0, y0 := ox+px+g.x0, oy+py+g.y0
		x1, y1 := ox+px+g.x1, oy+py+g.y1
		t.glyphs = quad(t.glyphs, x0, y0, x1, y1, g.u0, g.v0, g.u1, g.v1, rgba)
	})
}

// Rect queues a solid rectangle with its top-left at (x, y) in
// framebuffer pixels. A flush draws every rectangle, in queue order,
// before any glyph, so a panel's background may be queued after its
// text. The pixels whose centres lie inside are filled; there is no
// anti-aliasing.
func (t *Text) Rect(x, y, w, h float32, rgba [4]float32) {
	if w <= 0 || h <= 0 {
		return
	}
	t.rects = quad(t.rects, x, y, x+w, y+h, t.whiteU, t.whiteV, t.whiteU, t.whiteV, rgba)
}

// quad appends the two triangles of a box to v.
func quad(v []float32, x0, y0, x1, y1, u0, v0, u1, v1 float32, c [4]float32) []float32 {
	return append(v,
		x0, y0, u0, v0, c[0], c[1], c[2], c[3],
		x1, y0, u1, v0, c[0], c[1], c[2], c[3],
		x0, y1, u0, v1, c[0], c[1], c[2], c[3],
		x1, y0, u1, v0, c[0], c[1], c[2], c[3],
		x1, y1, u1, v1, c[0], c[1], c[2], c[3],
		x0, y1, u0, v1, c[0], c[1], c[2], c[3],
	)
}

// Flush draws everything queued, rectangles first, in one draw call into
// the currently bound framebuffer, and clears the queue. fbWidth×fbHeight
// is that framebuffer's size in pixels; Flush sets the viewport to all of
// it.
//
// Flush blends with straight alpha (SRC_ALPHA, ONE_MINUS_SRC_ALPHA for
// colour; ONE, ONE_MINUS_SRC_ALPHA for alpha) with the depth test and face
// culling off. It puts back what it changes: the viewport, blending
// (enable, functions and equations), depth test, culling, the program,
// the vertex array, the array buffer, the active texture unit and unit
// 0's 2-D texture. The scissor test, if on, still clips.
func (t *Text) Flush(fbWidth, fbHeight int) {
	defer func() { t.rects, t.glyphs = t.rects[:0], t.glyphs[:0] }()
	n := len(t.rects) + len(t.glyphs)
	if n == 0 || t.prog == 0 || fbWidth <= 0 || fbHeight <= 0 {
		return
	}
	s := saveState()
	defer s.restore()

	verts := append(t.rects, t.glyphs...)
	t.rects = verts[:len(t.rects)] // keep the larger buffer for next time

	gl.Viewport(0, 0, int32(fbWidth), int32(fbHeight))
	gl.Enable(gl.BLEND)
	gl.BlendEquation(gl.FUNC_ADD)
	gl.BlendFuncSeparate(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA, gl.ONE, gl.ONE_MINUS_SRC_ALPHA)
	gl.Disable(gl.DEPTH_TEST)
	gl.Disable(gl.CULL_FACE)

	gl.UseProgram(t.prog)
	gl.Uniform2f(t.uViewport, float32(fbWidth), float32(fbHeight))
	gl.ActiveTexture(gl.TEXTURE0)
	gl.BindTexture(gl.TEXTURE_2D, t.tex)
	gl.BindVertexArray(t.vao)
	gl.BindBuffer(gl.ARRAY_BUFFER, t.vbo)
	// A fresh store each flush: the driver may hand back new memory
	// rather than wait for the last frame's draw to finish reading.
	gl.BufferData(gl.ARRAY_BUFFER, len(verts)*4, unsafe.Pointer(&verts[0]), gl.STREAM_DRAW)
	gl.DrawArrays(gl.TRIANGLES, 0, int32(len(verts)/floatsPerVertex))
}

// glState is the GL state Flush changes, saved to be put back.
type glState struct {
	viewport                           [4]int32
	blend, depth, cull                 bool
	srcRGB, dstRGB, srcAlpha, dstAlpha int32
	eqRGB, eqAlpha                     int32
	prog, vao, buf, active, tex        int32
}

func saveState() glState {
	var s glState
	gl.GetIntegerv(gl.VIEWPORT, &s.viewport[0])
	s.blend = gl.IsEnabled(gl.BLEND)
	s.depth = gl.IsEnabled(gl.DEPTH_TEST)
	s.cull = gl.IsEnabled(gl.CULL_FACE)
	gl.GetIntegerv(gl.BLEND_SRC_RGB, &s.srcRGB)
	gl.GetIntegerv(gl.BLEND_DST_RGB, &s.dstRGB)
	gl.GetIntegerv(gl.BLEND_SRC_ALPHA, &s.srcAlpha)
	gl.GetIntegerv(gl.BLEND_DST_ALPHA, &s.dstAlpha)
	gl.GetIntegerv(gl.BLEND_EQUATION_RGB, &s.eqRGB)
	gl.GetIntegerv(gl.BLEND_EQUATION_ALPHA, &s.eqAlpha)
	gl.GetIntegerv(gl.CURRENT_PROGRAM, &s.prog)
	gl.GetIntegerv(gl.VERTEX_ARRAY_BINDING, &s.vao)
	gl.GetIntegerv(gl.ARRAY_BUFFER_BINDING, &s.buf)
	gl.GetIntegerv(gl.ACTIVE_TEXTURE, &s.active)
	gl.ActiveTexture(gl.TEXTURE0)
	gl.GetIntegerv(gl.TEXTURE_BINDING_2D, &s.tex)
	return s
}

func (s glState) restore() {
	gl.Viewport(s.viewport[0], s.viewport[1], s.viewport[2], s.viewport[3])
	enable(gl.BLEND, s.blend)
	enable(gl.DEPTH_TEST, s.depth)
	enable(gl.CULL_FACE, s.cull)
	gl.BlendFuncSeparate(uint32(s.srcRGB), uint32(s.dstRGB), uint32(s.srcAlpha), uint32(s.dstAlpha))
	gl.BlendEquationSeparate(uint32(s.eqRGB), uint32(s.eqAlpha))
	// The program that was current may have been deleted meanwhile (GL
	// keeps it alive while current); restoring a deleted name is an error.
	if s.prog != 0 && gl.IsProgram(uint32(s.prog)) {
		gl.UseProgram(uint32(s.prog))
	} else {
		gl.UseProgram(0)
	}
	gl.BindVertexArray(uint32(s.vao))
	gl.BindBuffer(gl.ARRAY_BUFFER, uint32(s.buf))
	gl.ActiveTexture(gl.TEXTURE0)
	gl.BindTexture(gl.TEXTURE_2D, uint32(s.tex))
	gl.ActiveTexture(uint32(s.active))
}

func enable(cap uint32, on bool) {
	if on {
		gl.Enable(cap)
	} else {
		gl.Disable(cap)
	}
}

// Release frees the atlas, program and buffers. It must run on the GL
// thread, and is safe to call twice.
func (t *Text) Release() {
	if t.prog != 0 {
		gl.DeleteProgram(t.prog)
		t.prog = 0
	}
	if t.tex != 0 {
		gl.DeleteTextures(1, &t.tex)
		t.tex = 0
	}
	if t.vbo != 0 {
		gl.DeleteBuffers(1, &t.vbo)
		t.vbo = 0
	}
	if t.vao != 0 {
		gl.DeleteVertexArrays(1, &t.vao)
		t.vao = 0
	}
	t.closeFaces()
	t.rects, t.glyphs = nil, nil
}

func (t *Text) closeFaces() {
	for f := range t.faces {
		if t.faces[f].face != nil {
			t.faces[f].face.Close()
			t.faces[f].face = nil
		}
	}
}
