package viz

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/gpu/gputest"
)

// sample is the string the tests render: a title-like mix of letters,
// Greek, punctuation and digits.
const sample = "spikecast θ=1.0 F1 0.99"

var white = [4]float32{1, 1, 1, 1}

// withText makes a Text at pixelSize on the GL thread, runs f with it
// and releases it.
func withText(t *testing.T, pixelSize float64, f func(tx *Text) error) {
	t.Helper()
	gputest.Do(t, func() error {
		tx, err := NewText(pixelSize)
		if err != nil {
			return err
		}
		defer tx.Release()
		return f(tx)
	})
}

// render clears a w×h RGBA8 framebuffer to black, runs draw (which
// queues and flushes) into it, and reads it back top row first. It must
// run on the GL thread.
func render(w, h int, draw func()) *image.RGBA {
	var prevFB int32
	gl.GetIntegerv(gl.DRAW_FRAMEBUFFER_BINDING, &prevFB)
	var tex, fb uint32
	gl.GenTextures(1, &tex)
	gl.BindTexture(gl.TEXTURE_2D, tex)
	gl.TexImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, int32(w), int32(h), 0, gl.RGBA, gl.UNSIGNED_BYTE, nil)
	gl.BindTexture(gl.TEXTURE_2D, 0)
	gl.GenFramebuffers(1, &fb)
	gl.BindFramebuffer(gl.FRAMEBUFFER, fb)
	gl.FramebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0)
	defer func() {
		gl.BindFramebuffer(gl.FRAMEBUFFER, uint32(prevFB))
		gl.DeleteFramebuffers(1, &fb)
		gl.DeleteTextures(1, &tex)
	}()

	gl.Viewport(0, 0, int32(w), int32(h))
	gl.ClearColor(0, 0, 0, 1)
	gl.Clear(gl.COLOR_BUFFER_BIT)
	draw()
	gl.Finish()

	up := make([]byte, 4*w*h)
	gl.PixelStorei(gl.PACK_ALIGNMENT, 1)
	gl.ReadPixels(0, 0, int32(w), int32(h), gl.RGBA, gl.UNSIGNED_BYTE, gl.Ptr(up))
	// GL's rows run bottom-up; the image's top-down.
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		copy(img.Pix[y*img.Stride:(y+1)*img.Stride], up[(h-1-y)*4*w:(h-y)*4*w])
	}
	return img
}

// glError fails with any GL error raised so far.
func glError(t *testing.T, what string) {
	t.Helper()
	if e := gl.GetError(); e != gl.NO_ERROR {
		t.Errorf("%s: GL error 0x%x", what, e)
	}
}

// savePNG writes img to dir/name and returns the path.
func savePNG(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}

// inkBounds is the smallest rectangle holding every pixel whose red
// channel is above threshold, and the number of such pixels.
func inkBounds(img *image.RGBA, threshold uint8) (image.Rectangle, int) {
	var r image.Rectangle
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.RGBAAt(x, y).R > threshold {
				r = r.Union(image.Rect(x, y, x+1, y+1))
				n++
			}
		}
	}
	return r, n
}

func TestTextInkWithinMeasure(t *testing.T) {
	const w, h = 320, 64
	const x, y = 12, 9
	withText(t, 20, func(tx *Text) error {
		if !tx.Has(Regular, 'θ') {
			t.Errorf("regular face lacks θ")
		}
		for f := Regular; f < numFaces; f++ {
			if m := missing(tx, f); m != "" {
				t.Logf("%v face draws these as '?': %s", f, m)
			}
		}
		mw, mh := tx.Measure(Regular, sample)
		if mh != tx.LineHeight() {
			t.Errorf("Measure height %g, want one line, %g", mh, tx.LineHeight())
		}
		img := render(w, h, func() {
			tx.Add(Regular, sample, x, y, white)
			tx.Flush(w, h)
		})
		glError(t, "render")
		savePNG(t, t.TempDir(), "sample.png", img)

		box := image.Rect(x, y, x+int(mw+0.999), y+int(mh+0.999))
		ink, n := inkBounds(img, 0)
		t.Logf("Measure %g×%g, box %v, ink %v (%d pixels), line %g", mw, mh, box, ink, n, tx.LineHeight())
		if n < 100 {
			t.Fatalf("only %d inked pixels: nothing drawn?", n)
		}
		if !ink.In(box) {
			t.Errorf("ink %v outside the measured box %v", ink, box)
		}
		// The box should be tight horizontally: the last glyph's ink
		// reaches within a few pixels of its right edge.
		if box.Max.X-ink.Max.X > 4 || ink.Min.X-box.Min.X > 4 {
			t.Errorf("measured box %v loose around ink %v", box, ink)
		}
		// White on black: the stems are fully covered somewhere.
		var full bool
		for i := 0; i < len(img.Pix); i += 4 {
			if img.Pix[i] == 255 {
				full = true
				break
			}
		}
		if !full {
			t.Errorf("no pixel at full intensity: glyphs blurred?")
		}
		return nil
	})
}

func TestTextMeasureGrows(t *testing.T) {
	withText(t, 14, func(tx *Text) error {
		prev := float32(0)
		for i := range sample {
			s := sample[:i+len(string([]rune(sample[i:])[0]))]
			w, h := tx.Measure(Regular, s)
			if w <= prev {
				t.Errorf("Measure(%q) width %g, not more than %g for one rune fewer", s, w, prev)
			}
			if h != tx.LineHeight() {
				t.Errorf("Measure(%q) height %g, want %g", s, h, tx.LineHeight())
			}
			prev = w
		}
		w1, _ := tx.Measure(Regular, "ab")
		w2, h2 := tx.Measure(Regular, "ab\nabab\nab")
		w3, _ := tx.Measure(Regular, "abab")
		if w2 != w3 || w2 <= w1 {
			t.Errorf("three lines measure %g wide; want the widest line's %g", w2, w3)
		}
		if h2 != 3*tx.LineHeight() {
			t.Errorf("three lines measure %g high, want %g", h2, 3*tx.LineHeight())
		}
		if w, h := tx.Measure(Regular, ""); w != 0 || h != 0 {
			t.Errorf(`Measure("") = %g×%g, want 0×0`, w, h)
		}
		return nil
	})
}

func TestTextRect(t *testing.T) {
	const w, h = 64, 48
	colour := [4]float32{0.2, 0.6, 1, 1}
	want := color.RGBA{51, 153, 255, 255}
	withText(t, 16, func(tx *Text) error {
		rect := image.Rect(5, 7, 37, 23)
		img := render(w, h, func() {
			tx.Rect(float32(rect.Min.X), float32(rect.Min.Y), float32(rect.Dx()), float32(rect.Dy()), colour)
			tx.Flush(w, h)
		})
		glError(t, "render")
		bad := 0
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				got := img.RGBAAt(x, y)
				exp := color.RGBA{0, 0, 0, 255}
				if image.Pt(x, y).In(rect) {
					exp = want
				}
				if !near(got, exp, 1) {
					if bad < 5 {
						t.Errorf("pixel (%d,%d) = %v, want %v", x, y, got, exp)
					}
					bad++
				}
			}
		}
		if bad > 0 {
			t.Errorf("%d pixels wrong", bad)
		}

		// Rectangles go under the glyphs of the same flush, even when
		// queued after them: a panel's background may follow its text.
		alone := render(w, h, func() {
			tx.Add(Bold, "H", 8, 6, white)
			tx.Flush(w, h)
		})
		over := render(w, h, func() {
			tx.Add(Bold, "H", 8, 6, white)
			tx.Rect(0, 0, w, h, colour)
			tx.Flush(w, h)
		})
		stems := 0
		for i := 0; i < len(alone.Pix); i += 4 {
			if alone.Pix[i] == 255 {
				stems++
				if got := over.Pix[i : i+4]; got[0] != 255 || got[1] != 255 || got[2] != 255 {
					t.Fatalf("glyph pixel %d is %v over a rectangle; want white on top", i/4, got)
				}
			}
		}
		if stems == 0 {
			t.Fatalf("bold H has no fully covered pixel")
		}
		return nil
	})
}

func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= tol && int(y)-int(x) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

func TestTextMonoAdvance(t *testing.T) {
	const w, h = 320, 40
	withText(t, 18, func(tx *Text) error {
		one, _ := tx.Measure(Mono, "0")
		for _, s := range []string{"iiiiiiii", "WWWWWWWW", "m.m.m.m.", "F1 0.99;", "θ=1.0→  "} {
			if got, _ := tx.Measure(Mono, s); got != 8*one {
				t.Errorf("Measure(Mono, %q) = %g, want 8×%g", s, got, one)
			}
		}
		if r, _ := tx.Measure(Regular, "iiiiiiii"); r == 8*one {
			t.Logf("regular i as wide as mono 0?")
		}
		// On screen: the stems of "||||" in mono sit one advance apart.
		img := render(w, h, func() {
			tx.Add(Mono, "||||||||", 4, 4, white)
			tx.Flush(w, h)
		})
		glError(t, "render")
		var starts []int
		row := 4 + int(tx.Ascent()) - 4 // a row through the bars
		in := false
		for x := 0; x < w; x++ {
			on := img.RGBAAt(x, row).R > 128
			if on && !in {
				starts = append(starts, x)
			}
			in = on
		}
		if len(starts) != 8 {
			t.Fatalf("found %d bars in row %d, want 8: %v", len(starts), row, starts)
		}
		for i := 1; i < len(starts); i++ {
			if d := starts[i] - starts[i-1]; float32(d) != one {
				t.Errorf("bar %d starts %d px after bar %d; want the advance, %g", i, d, i-1, one)
			}
		}
		return nil
	})
}

func TestTextReleaseTwice(t *testing.T) {
	gputest.Do(t, func() error {
		tx, err := NewText(12)
		if err != nil {
			return err
		}
		tx.Release()
		tx.Release()
		tx.Add(Regular, "after release", 0, 0, white)
		tx.Flush(10, 10)
		return nil
	})
	gputest.Do(t, func() error {
		if _, err := NewText(0); err == nil {
			t.Errorf("NewText(0) succeeded")
		}
		return nil
	})
}

// TestTextPreview renders every face and the special symbols at a
// normal and a HiDPI size, and writes the result to
// $TMPDIR/text_preview.png for a person to look at.
func TestTextPreview(t *testing.T) {
	const w, h = 560, 250
	var img *image.RGBA
	gputest.Do(t, func() error {
		small, err := NewText(14)
		if err != nil {
			return err
		}
		defer small.Release()
		big, err := NewText(28)
		if err != nil {
			return err
		}
		defer big.Release()
		img = render(w, h, func() {
			panel := [4]float32{0.055, 0.063, 0.082, 1}
			small.Rect(4, 4, w-8, h-8, panel)
			y := float32(10)
			small.Add(Bold, "spikecast — live", 12, y, white)
			y += small.LineHeight()
			small.Add(Regular, sample+"  step 12 345 · 60.0 fps", 12, y, [4]float32{0.8, 0.85, 0.9, 1})
			y += small.LineHeight()
			small.Add(Mono, "θ ρ σ η τ λ ≥ ≤ × · … → ← ↑ ↓ ± – — ● ○ ■ ⏸", 12, y, white)
			y += small.LineHeight()
			legend := []struct {
				c    [4]float32
				name string
			}{
				{[4]float32{1, 0.23, 0.19, 1}, "input"},
				{[4]float32{0.2, 0.9, 0.4, 1}, "prediction"},
				{[4]float32{0.25, 0.55, 1, 1}, "alarm"},
			}
			x := float32(12)
			for _, l := range legend {
				sz := small.LineHeight() * 0.6
				small.Rect(x, y+(small.LineHeight()-sz)/2, sz, sz, l.c)
				small.Add(Regular, l.name, x+sz+4, y, l.c)
				lw, _ := small.Measure(Regular, l.name)
				x += sz + 4 + lw + 16
			}
			small.Flush(w, h)
			y += small.LineHeight() + 6
			big.Add(Bold, "HiDPI ×2: θ=1.0 F1 0.99", 12, y, white)
			y += big.LineHeight()
			big.Add(Regular, "ρ σ η τ λ ≥ ≤ ± → ● ○ ■", 12, y, [4]float32{1, 0.85, 0.4, 1})
			y += big.LineHeight()
			big.Add(Mono, "AVAWAY Tf To 0123456789", 12, y, white)
			big.Flush(w, h)
		})
		glError(t, "render")
		return nil
	})
	savePNG(t, t.TempDir(), "preview.png", img)
	path := savePNG(t, os.TempDir(), "text_preview.png", img)
	t.Logf("preview in %s", path)
}

// missing lists the runes of extraRunes that face f draws as '?'.
func missing(tx *Text, f Face) string {
	var b strings.Builder
	for _, r := range extraRunes {
		if !tx.Has(f, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
