package frames

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spikecast/spikecast/npy"
)

// stdGIF composes a GIF's frames the way a viewer shows them from
// image/gif's DecodeAll: each frame drawn over an RGBA canvas, disposed
// as it says, read by color.GrayModel. The streaming decoder must give
// the same brightness.
func stdGIF(data []byte) ([]grey, error) {
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	canvas := image.NewRGBA(image.Rect(0, 0, g.Config.Width, g.Config.Height))
	var out []grey
	for i, img := range g.Image {
		var prev *image.RGBA
		if g.Disposal[i] == gif.DisposalPrevious {
			prev = image.NewRGBA(canvas.Bounds())
			copy(prev.Pix, canvas.Pix)
		}
		draw.Draw(canvas, img.Bounds(), img, img.Bounds().Min, draw.Over)
		out = append(out, greyOf(canvas))
		switch g.Disposal[i] {
		case gif.DisposalBackground:
			draw.Draw(canvas, img.Bounds(), image.Transparent, image.Point{}, draw.Src)
		case gif.DisposalPrevious:
			copy(canvas.Pix, prev.Pix)
		}
	}
	return out, nil
}

// streamGIF decodes every frame of data with the streaming decoder.
func streamGIF(data []byte) ([]grey, error) {
	d, err := newGIF(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var out []grey
	for {
		g, err := d.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, g)
	}
}

// testGIF is a GIF of count frames of w×h: moving blocks over a
// changing background, with every disposal, transparency, local colour
// tables and interlacing among its frames.
func testGIF(w, h, count int) *gif.GIF {
	g := &gif.GIF{Config: image.Config{Width: w, Height: h}}
	pal := color.Palette{color.Black, color.White, color.Gray{Y: 100}, color.RGBA{200, 40, 40, 255}, color.Transparent}
	for f := range count {
		r := image.Rect(f%w/2, f%h/3, f%w/2+w/2, f%h/3+h/2).Intersect(image.Rect(0, 0, w, h))
		if f%5 == 0 {
			r = image.Rect(0, 0, w, h)
		}
		p := pal
		if f%3 == 1 {
			p = color.Palette{color.Gray{Y: 30}, color.Gray{Y: 220}, color.Transparent}
		}
		img := image.NewPaletted(r, p)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				img.SetColorIndex(x, y, uint8((x/3+y/2+f)%len(p)))
			}
		}
		g.Image = append(g.Image, img)
		g.Delay = append(g.Delay, 2)
		g.Disposal = append(g.Disposal, []byte{gif.DisposalNone, gif.DisposalBackground, gif.DisposalPrevious, 0}[f%4])
	}
	return g
}

func encodeGIF(t testing.TB, g *gif.GIF) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGIFAsImageGIF: the streaming decoder gives the frames image/gif's
// DecodeAll composes, for every disposal, transparency, local colour
// tables and interlaced frames.
func TestGIFAsImageGIF(t *testing.T) {
	data := encodeGIF(t, testGIF(37, 23, 24))
	// Interlace the third frame by hand: image/gif writes none.
	data = interlaceFirst(t, data)
	want, err := stdGIF(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := streamGIF(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d frames, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].w != want[i].w || got[i].h != want[i].h || !slices.Equal(got[i].pix, want[i].pix) {
			t.Fatalf("frame %d differs from image/gif's", i)
		}
	}
	path := filepath.Join(t.TempDir(), "a.gif")
	os.WriteFile(path, data, 0o644)
	if n, err := countGIF(path); err != nil || n != int64(len(want)) {
		t.Errorf("countGIF: %d, %v; want %d", n, err, len(want))
	}
}

// interlaceFirst re-encodes the first frame of a GIF written by image/gif
// as interlaced: its rows reordered in the four passes, its flag set. It
// checks that image/gif reads the frame back as it was.
func interlaceFirst(t *testing.T, data []byte) []byte {
	t.Helper()
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	m := g.Image[0]
	orig := slices.Clone(m.Pix)
	b := m.Bounds()
	rows := make([]uint8, 0, len(m.Pix))
	for _, pass := range gifInterlace {
		for y := pass[0]; y < b.Dy(); y += pass[1] {
			rows = append(rows, m.Pix[y*m.Stride:y*m.Stride+b.Dx()]...)
		}
	}
	copy(m.Pix, rows)
	out := encodeGIF(t, g)
	// Walk the blocks to the first image descriptor: image/gif writes
	// no global table here, only extensions before it.
	i := 13
	for out[i] == gifExtension {
		i += 2
		for out[i] != 0 {
			i += int(out[i]) + 1
		}
		i++
	}
	if out[i] != gifImage {
		t.Fatalf("no image descriptor at %d", i)
	}
	out[i+9] |= 0x40
	back, err := gif.DecodeAll(bytes.NewReader(out))
	if err != nil || !slices.Equal(back.Image[0].Pix, orig) {
		t.Fatalf("the interlaced frame reads back otherwise (%v)", err)
	}
	return out
}

// TestGIFSizeLimit: a GIF whose header declares 60,000×60,000 pixels is
// refused from its header, at once, with the size and the limit.
func TestGIFSizeLimit(t *testing.T) {
	hostile := hostileGIF(60000, 60000)
	path := filepath.Join(t.TempDir(), "big.gif")
	os.WriteFile(path, hostile, 0o644)
	start := time.Now()
	_, err := Probe(path)
	if err == nil || !strings.Contains(err.Error(), "60000×60000") || !strings.Contains(err.Error(), "limit") || !strings.Contains(err.Error(), path) {
		t.Errorf("Probe: %v, want the size and the limit", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refused after %v", d)
	}
	var fe *Error
	if !errors.As(err, &fe) {
		t.Errorf("%T, want *Error", err)
	}
	// A frame larger than its screen is refused too.
	small := hostileGIF(4, 4)
	small[13+6+4], small[13+6+5] = 0x60, 0xea // frame width 60,000
	os.WriteFile(path, small, 0o644)
	if _, err := Probe(path); err == nil || !strings.Contains(err.Error(), "outside the 4×4 screen") {
		t.Errorf("a frame larger than its screen: %v", err)
	}
}

// hostileGIF is a GIF of about 200 bytes whose screen and one frame
// declare w×h pixels.
func hostileGIF(w, h int) []byte {
	b := []byte("GIF89a")
	b = append(b, byte(w), byte(w>>8), byte(h), byte(h>>8), 0x80, 0, 0) // a 2-colour table
	b = append(b, 0, 0, 0, 255, 255, 255)
	b = append(b, gifImage, 0, 0, 0, 0, byte(w), byte(w>>8), byte(h), byte(h>>8), 0)
	b = append(b, 2) // LZW code size
	for range 16 {
		b = append(b, 10, 0x84, 0x8f, 0xa9, 0xcb, 0xed, 0x0f, 0xa3, 0x9c, 0xb4, 0xda)
	}
	return append(b, 0, gifTrailer)
}

// TestGIFMemoryDoesNotGrow: decoding a long GIF holds one frame's
// buffers, not the frames read so far: the heap after 400 frames is
// what it was after 20.
func TestGIFMemoryDoesNotGrow(t *testing.T) {
	const w, h, count = 160, 160, 400
	data := encodeGIF(t, testGIF(w, h, count))
	d, err := newGIF(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var at20 uint64
	for i := range count {
		if _, err := d.next(); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if i == 20 {
			at20 = heap()
		}
	}
	if _, err := d.next(); err != io.EOF {
		t.Fatalf("after the last frame: %v", err)
	}
	// One frame as brightness is 100 KB; 400 of them would be 40 MB.
	if grown := int64(heap()) - int64(at20); grown > 4*w*h*4 {
		t.Errorf("the heap grew by %d bytes over %d frames", grown, count-20)
	}
}

// TestSizeLimits: a PNG frame and a .npy whose headers declare frames
// over the limit are refused from their headers, naming the size and the
// limit; so is a GIF frame larger than its screen.
func TestSizeLimits(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	png.Encode(&b, stripes(0, 8, 8))
	big := b.Bytes()
	// IHDR's width and height, and its CRC over the type and data.
	binary.BigEndian.PutUint32(big[16:], 60000)
	binary.BigEndian.PutUint32(big[20:], 40000)
	binary.BigEndian.PutUint32(big[29:], crc32.ChecksumIEEE(big[12:29]))
	os.Mkdir(filepath.Join(dir, "pngs"), 0o755)
	os.WriteFile(filepath.Join(dir, "pngs", "a.png"), big, 0o644)
	hdr, _ := npy.Header("'|u1'", []int64{1, 20000, 20000}, 0)
	npyPath := filepath.Join(dir, "big.npy")
	os.WriteFile(npyPath, append(hdr, 0), 0o644)
	for _, c := range []struct{ src, want string }{
		{filepath.Join(dir, "pngs"), "a.png: PNG of 60000×40000 pixels is over the limit"},
		{npyPath, ".npy of 20000×20000 pixels is over the limit"},
	} {
		if _, err := Probe(c.src); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Probe(%s): %v, want %q", c.src, err, c.want)
		}
	}
	if got := (&EndError{Source: "x.npy", Frames: 1}).Error(); !strings.Contains(got, "after 1 frame (") {
		t.Errorf("%q: want the singular", got)
	}
}
