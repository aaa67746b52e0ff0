package frames

import (
	"bufio"
	"compress/lzw"
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
)

// gifDecoder streams an animated GIF a frame at a time, as a viewer
// shows it: each frame is decoded from its LZW data into one buffer of
// palette indices and drawn onto one canvas, which keeps the brightness
// of the picture so far; the frame's disposal then clears its rectangle
// or puts back the canvas from before it. Memory is the canvas, at most
// one saved copy of it and one frame's indices, whatever the file's
// length: image/gif's DecodeAll would keep every frame.
//
// It composes what image/gif's frames composed with draw.Over onto a
// transparent RGBA canvas, read by color.GrayModel: a transparent pixel
// keeps the canvas, an opaque one sets it, an uncovered one is black.
type gifDecoder struct {
	f        *os.File // nil when reading from memory
	r        *bufio.Reader
	w, h     int
	global   *gifPalette // nil without a global colour table
	canvas   []uint8     // brightness 0–255 of each screen pixel
	prev     []uint8     // the canvas before a frame disposed to "previous"
	idx      []uint8     // the frame's palette indices
	disposal byte        // the disposal of the next frame
	trans    int         // the next frame's transparent index, -1: none
	i        int         // frames decoded
	done     bool
	tmp      [256]byte
}

// gifPalette is a colour table as brightness, with each entry's
// validity: entries past the table are invalid, except the transparent
// index, which may lie past it (as browsers and image/gif allow).
type gifPalette struct {
	n    int // entries in the file's table
	luma [256]uint8
}

// GIF block introducers and extension labels.
const (
	gifExtension = 0x21
	gifImage     = 0x2c
	gifTrailer   = 0x3b
	gifControl   = 0xf9
)

// Disposal methods (image/gif's DisposalBackground and DisposalPrevious).
const (
	gifDisposeBackground = 2
	gifDisposePrevious   = 3
)

func openGIF(path string) (*gifDecoder, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	d, err := newGIF(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	d.f = f
	return d, nil
}

// newGIF reads a GIF's header and logical screen, and checks its size
// against the limit before anything of that size is allocated.
func newGIF(r io.Reader) (*gifDecoder, error) {
	d := &gifDecoder{r: bufio.NewReaderSize(r, 1<<16), trans: -1}
	var hdr [13]byte
	if _, err := io.ReadFull(d.r, hdr[:]); err != nil {
		return nil, errors.New("not a GIF (the header is cut short)")
	}
	if v := string(hdr[:6]); v != "GIF87a" && v != "GIF89a" {
		return nil, fmt.Errorf("not a GIF (it starts %q, not GIF87a or GIF89a)", v)
	}
	d.w, d.h = int(hdr[6])|int(hdr[7])<<8, int(hdr[8])|int(hdr[9])<<8
	if err := checkSize("GIF", d.w, d.h); err != nil {
		return nil, err
	}
	if hdr[10]&0x80 != 0 {
		p, err := d.palette(hdr[10])
		if err != nil {
			return nil, err
		}
		d.global = p
	}
	return d, nil
}

// palette reads a colour table of the size fields gives.
func (d *gifDecoder) palette(fields byte) (*gifPalette, error) {
	n := 2 << (fields & 7)
	var rgb [3 * 256]byte
	if _, err := io.ReadFull(d.r, rgb[:3*n]); err != nil {
		return nil, errors.New("GIF: colour table cut short")
	}
	p := &gifPalette{n: n}
	for i := range n {
		c := color.RGBA{rgb[3*i], rgb[3*i+1], rgb[3*i+2], 0xff}
		p.luma[i] = color.GrayModel.Convert(c).(color.Gray).Y
	}
	return p, nil
}

// next decodes and composes the next frame. A file that ends at a block
// boundary without its trailer ends there, as browsers take it.
func (d *gifDecoder) next() (grey, error) {
	for !d.done {
		c, err := d.r.ReadByte()
		if err == io.EOF && d.i > 0 {
			d.done = true
			break
		}
		if err != nil {
			return grey{}, d.errorf("cut short")
		}
		switch c {
		case gifExtension:
			if err := d.extension(); err != nil {
				return grey{}, err
			}
		case gifImage:
			return d.frame()
		case gifTrailer:
			d.done = true
		default:
			return grey{}, d.errorf("unknown block 0x%02x", c)
		}
	}
	if d.i == 0 {
		return grey{}, errors.New("GIF: no frames")
	}
	return grey{}, io.EOF
}

// errorf is an error at the current frame.
func (d *gifDecoder) errorf(format string, a ...any) error {
	return fmt.Errorf("GIF frame %d: %s", d.i, fmt.Sprintf(format, a...))
}

// extension reads an extension block: a graphic control sets the next
// frame's disposal and transparent index; others are skipped.
func (d *gifDecoder) extension() error {
	label, err := d.r.ReadByte()
	if err != nil {
		return d.errorf("cut short")
	}
	if label == gifControl {
		n, err := d.r.ReadByte()
		if err != nil || n < 4 {
			return d.errorf("bad graphic control extension")
		}
		if _, err := io.ReadFull(d.r, d.tmp[:n]); err != nil {
			return d.errorf("cut short")
		}
		// As image/gif: the disposal holds until the next control block
		// changes it; the transparent index is for one frame only.
		d.disposal = d.tmp[0] >> 2 & 7
		if d.tmp[0]&1 != 0 {
			d.trans = int(d.tmp[3])
		}
	}
	if err := d.skipBlocks(); err != nil {
		return d.errorf("cut short")
	}
	return nil
}

// skipBlocks reads data sub-blocks up to their terminator.
func (d *gifDecoder) skipBlocks() error { return skipSubBlocks(d.r) }

// skipSubBlocks reads GIF data sub-blocks from r up to their terminator
// (a zero length), keeping none of them.
func skipSubBlocks(r *bufio.Reader) error {
	for {
		n, err := r.ReadByte()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := r.Discard(int(n)); err != nil {
			return err
		}
	}
}

// descriptor reads an image descriptor: the frame's rectangle, which
// must lie on the screen, and its fields.
func (d *gifDecoder) descriptor() (x0, y0, fw, fh int, fields byte, err error) {
	var b [9]byte
	if _, err := io.ReadFull(d.r, b[:]); err != nil {
		return 0, 0, 0, 0, 0, d.errorf("cut short")
	}
	x0, y0 = int(b[0])|int(b[1])<<8, int(b[2])|int(b[3])<<8
	fw, fh = int(b[4])|int(b[5])<<8, int(b[6])|int(b[7])<<8
	if x0+fw > d.w || y0+fh > d.h {
		return 0, 0, 0, 0, 0, d.errorf("%d×%d at (%d, %d) lies outside the %d×%d screen", fw, fh, x0, y0, d.w, d.h)
	}
	return x0, y0, fw, fh, b[8], nil
}

// frame reads one image (after its 0x2c), draws it and returns the
// picture, then disposes of it.
func (d *gifDecoder) frame() (grey, error) {
	x0, y0, fw, fh, fields, err := d.descriptor()
	if err != nil {
		return grey{}, err
	}
	pal := d.global
	if fields&0x80 != 0 {
		if pal, err = d.palette(fields); err != nil {
			return grey{}, err
		}
	}
	if pal == nil {
		return grey{}, d.errorf("no colour table")
	}
	if d.canvas == nil {
		d.canvas = make([]uint8, d.w*d.h)
	}
	if cap(d.idx) < fw*fh {
		d.idx = make([]uint8, fw*fh)
	}
	idx := d.idx[:fw*fh]
	if err := d.pixels(idx, fw, fields&0x40 != 0); err != nil {
		return grey{}, err
	}
	// Indices past the table are an error, but for the transparent one.
	valid := max(pal.n, d.trans+1)
	for _, v := range idx {
		if int(v) >= valid {
			return grey{}, d.errorf("pixel value %d outside its colour table of %d", v, pal.n)
		}
	}
	if d.disposal == gifDisposePrevious {
		if d.prev == nil {
			d.prev = make([]uint8, len(d.canvas))
		}
		copy(d.prev, d.canvas)
	}
	for y := range fh {
		row := d.canvas[(y0+y)*d.w+x0:][:fw]
		for x, v := range idx[y*fw : (y+1)*fw] {
			if int(v) != d.trans && int(v) < pal.n {
				row[x] = pal.luma[v]
			}
		}
	}
	g := grey{w: d.w, h: d.h, pix: make([]float32, len(d.canvas))}
	for i, v := range d.canvas {
		g.pix[i] = float32(v) / 255
	}
	switch d.disposal {
	case gifDisposeBackground:
		for y := range fh {
			clear(d.canvas[(y0+y)*d.w+x0:][:fw])
		}
	case gifDisposePrevious:
		copy(d.canvas, d.prev)
	}
	d.trans = -1
	d.i++
	return g, nil
}

// gifInterlace are the passes of an interlaced frame: every 8th row from
// row 0, every 8th from 4, every 4th from 2, every 2nd from 1.
var gifInterlace = [4][2]int{{0, 8}, {4, 8}, {2, 4}, {1, 2}}

// pixels decodes a frame's LZW data into idx (fw indices a row), rows
// in interlaced order when interlaced, and reads its sub-blocks to
// their terminator (data past the frame's pixels is ignored).
func (d *gifDecoder) pixels(idx []uint8, fw int, interlaced bool) error {
	lit, err := d.r.ReadByte()
	if err != nil {
		return d.errorf("cut short")
	}
	if lit < 2 || lit > 8 {
		return d.errorf("LZW code size %d: want 2 to 8", lit)
	}
	br := &gifBlocks{r: d.r}
	lz := lzw.NewReader(br, lzw.LSB, int(lit))
	defer lz.Close()
	fh := 0
	if fw > 0 {
		fh = len(idx) / fw
	}
	read := func(row []uint8) error {
		if _, err := io.ReadFull(lz, row); err != nil {
			if br.err != nil && br.err != io.EOF {
				return d.errorf("cut short")
			}
			return d.errorf("bad image data (%v)", err)
		}
		return nil
	}
	if !interlaced || fw == 0 {
		if err := read(idx); err != nil {
			return err
		}
	} else {
		for _, pass := range gifInterlace {
			for y := pass[0]; y < fh; y += pass[1] {
				if err := read(idx[y*fw : (y+1)*fw]); err != nil {
					return err
				}
			}
		}
	}
	if err := br.rest(); err != nil {
		return d.errorf("cut short")
	}
	return nil
}

// gifBlocks reads the bytes of a run of data sub-blocks, for the LZW
// decoder, and stops at the terminator.
type gifBlocks struct {
	r   *bufio.Reader
	n   int // bytes left in the current sub-block
	err error
}

func (b *gifBlocks) ReadByte() (byte, error) {
	for b.n == 0 {
		if b.err != nil {
			return 0, b.err
		}
		n, err := b.r.ReadByte()
		switch {
		case err != nil:
			b.err = io.ErrUnexpectedEOF
		case n == 0:
			b.err = io.EOF
		}
		b.n = int(n)
	}
	c, err := b.r.ReadByte()
	if err != nil {
		b.n, b.err = 0, io.ErrUnexpectedEOF
		return 0, b.err
	}
	b.n--
	return c, nil
}

func (b *gifBlocks) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c, err := b.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = c
	return 1, nil
}

// rest skips what is left of the sub-blocks, up to the terminator.
func (b *gifBlocks) rest() error {
	if b.err == io.EOF {
		return nil
	}
	if b.err != nil {
		return b.err
	}
	if _, err := b.r.Discard(b.n); err != nil {
		return err
	}
	b.n = 0
	return skipSubBlocks(b.r)
}

func (d *gifDecoder) close() {
	if d.f != nil {
		d.f.Close()
	}
}

// countGIF counts a GIF's frames without decoding them: it reads the
// blocks and skips each frame's data, so a probe knows the length of a
// long GIF at the cost of reading it once.
func countGIF(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	d, err := newGIF(f)
	if err != nil {
		return 0, err
	}
	for {
		c, err := d.r.ReadByte()
		if err == io.EOF && d.i > 0 || c == gifTrailer {
			return int64(d.i), nil
		}
		if err != nil {
			return 0, d.errorf("cut short")
		}
		switch c {
		case gifExtension:
			err = d.extension()
		case gifImage:
			var fields byte
			if _, _, _, _, fields, err = d.descriptor(); err == nil && fields&0x80 != 0 {
				_, err = d.palette(fields)
			}
			if err == nil {
				_, err = d.r.ReadByte() // the LZW code size
				if err == nil {
					err = d.skipBlocks()
				}
			}
			d.i++
		default:
			err = d.errorf("unknown block 0x%02x", c)
		}
		if err != nil {
			return 0, err
		}
	}
}
