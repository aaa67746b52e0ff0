package frames

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // a directory of JPEG frames
	_ "image/png"  // a directory of PNG frames
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spikecast/spikecast/npy"
)

// grey is one decoded frame at the source's own size: brightness as a
// fraction of full scale, row-major.
type grey struct {
	w, h int
	pix  []float32
}

// decoder yields a source's frames in order. next returns io.EOF after the
// last. close may be called at any time, twice too.
type decoder interface {
	next() (grey, error)
	close()
}

// Kinds of source.
const (
	KindVideo  = "video"
	KindLavfi  = "lavfi"
	KindGIF    = "gif"
	KindImages = "images" // a directory of PNG/JPEG frames
	KindNPY    = "npy"
)

// videoExts are the files handed to ffmpeg.
var videoExts = []string{".mp4", ".webm", ".mkv", ".avi", ".mov", ".m4v", ".mpg", ".mpeg", ".ogv", ".flv", ".wmv", ".ts"}

// kindOf says what kind of source src is, from its name and (for a
// directory) the file system.
func kindOf(src string) (string, error) {
	if strings.HasPrefix(src, "lavfi:") {
		if strings.TrimPrefix(src, "lavfi:") == "" {
			return "", errors.New("lavfi: wants an expression, e.g. lavfi:testsrc=size=64x64:rate=25")
		}
		return KindLavfi, nil
	}
	fi, err := os.Stat(src)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", errors.New("no such file or directory")
		}
		return "", err
	}
	if fi.IsDir() {
		return KindImages, nil
	}
	ext := strings.ToLower(filepath.Ext(src))
	switch {
	case ext == ".npy":
		return KindNPY, nil
	case ext == ".gif":
		return KindGIF, nil
	case slices.Contains(videoExts, ext):
		return KindVideo, nil
	}
	return "", fmt.Errorf("unsupported format %q: want a video (%s), lavfi:EXPR, a .gif, a .npy or a directory of PNG/JPEG frames", ext, strings.Join(videoExts[:5], ", "))
}

// open starts decoding src from its first frame.
func open(src, kind string) (decoder, error) {
	switch kind {
	case KindNPY:
		return openNPY(src)
	case KindGIF:
		return openGIF(src)
	case KindImages:
		return openImages(src)
	}
	return openFFmpeg(src, kind == KindLavfi)
}

// ---- .npy ----

// npyItem is the size in bytes of a supported element type, 0 if it is
// not one.
func npyItem(descr string) int {
	switch descr {
	case "|u1", "u1", "<u1", "|b1", "b1":
		return 1
	case "<f4", "f4":
		return 4
	}
	return 0
}

type npyDecoder struct {
	f     *os.File
	r     *bufio.Reader
	descr string
	t     int64 // frames
	h, w  int
	i     int64
	raw   []byte
}

func openNPY(path string) (*npyDecoder, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	d, err := newNPY(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return d, nil
}

func newNPY(f *os.File) (*npyDecoder, error) {
	r := bufio.NewReaderSize(f, 1<<16)
	h, err := npy.ReadHeader(r)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "npy: "))
	}
	if h.Fortran {
		return nil, errors.New(".npy in Fortran order: want C order (numpy.ascontiguousarray)")
	}
	item := npyItem(h.Descr)
	if item == 0 {
		return nil, fmt.Errorf(".npy of dtype %q: want uint8 (|u1), bool (|b1) or float32 (<f4)", h.Descr)
	}
	if len(h.Shape) != 3 {
		return nil, fmt.Errorf(".npy of shape %v (rank %d): want (T, H, W), rank 3", h.Shape, len(h.Shape))
	}
	if h.Shape[1] > maxSide || h.Shape[2] > maxSide { // before int conversion
		return nil, sizeError(".npy", h.Shape[2], h.Shape[1])
	}
	if err := checkSize(".npy", int(h.Shape[2]), int(h.Shape[1])); err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	frame := h.Shape[1] * h.Shape[2] * int64(item)
	if h.Shape[0] > fi.Size()/frame {
		return nil, fmt.Errorf(".npy of shape %v is truncated: %d bytes for %d frames of %d", h.Shape, fi.Size(), h.Shape[0], frame)
	}
	if want := h.Data + h.Shape[0]*frame; fi.Size() < want {
		return nil, fmt.Errorf(".npy of shape %v is truncated: %d bytes, want %d", h.Shape, fi.Size(), want)
	}
	return &npyDecoder{f: f, r: r, descr: h.Descr, t: h.Shape[0], h: int(h.Shape[1]), w: int(h.Shape[2]), raw: make([]byte, frame)}, nil
}

func (d *npyDecoder) next() (grey, error) {
	if d.i >= d.t {
		return grey{}, io.EOF
	}
	if _, err := io.ReadFull(d.r, d.raw); err != nil {
		return grey{}, fmt.Errorf("frame %d: %w", d.i, err)
	}
	d.i++
	return greyOfNPY(d.descr, d.raw, d.w, d.h), nil
}

// greyOfNPY is one frame of a .npy's elements (raw, w×h of a supported
// descr) as brightness: uint8 over 255, bool as 0 or 1, float32 clamped
// to [0, 1]. A Feed converts NumPy's arrays with it too.
func greyOfNPY(descr string, raw []byte, w, h int) grey {
	g := grey{w: w, h: h, pix: make([]float32, w*h)}
	switch npyItem(descr) {
	case 1:
		scale := float32(1) / 255
		if strings.Contains(descr, "b") {
			scale = 1
		}
		for i, b := range raw[:len(g.pix)] {
			g.pix[i] = float32(b) * scale
		}
	case 4:
		for i := range g.pix {
			v := mathFloat32(binary.LittleEndian.Uint32(raw[4*i:]))
			g.pix[i] = min(max(v, 0), 1) // NaN becomes 0
		}
	}
	return g
}

func (d *npyDecoder) close() { d.f.Close() }

// ---- a GIF: gif.go ----

// greyOf converts an image to brightness in [0, 1] by Go's luma
// (color.GrayModel: 0.299 R + 0.587 G + 0.114 B); transparent is black.
func greyOf(img image.Image) grey {
	b := img.Bounds()
	g := grey{w: b.Dx(), h: b.Dy(), pix: make([]float32, b.Dx()*b.Dy())}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			v := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			g.pix[i] = float32(v) / 255
			i++
		}
	}
	return g
}

// ---- a directory of PNG/JPEG frames ----

type imagesDecoder struct {
	dir   string
	names []string
	i     int
}

func openImages(dir string) (*imagesDecoder, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	d := &imagesDecoder{dir: dir}
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".png", ".jpg", ".jpeg":
			if !e.IsDir() {
				d.names = append(d.names, e.Name())
			}
		}
	}
	slices.Sort(d.names) // name order (ReadDir's already; kept explicit)
	return d, nil
}

func (d *imagesDecoder) next() (grey, error) {
	if d.i >= len(d.names) {
		return grey{}, io.EOF
	}
	name := d.names[d.i]
	img, err := decodeImage(filepath.Join(d.dir, name))
	if err != nil {
		return grey{}, fmt.Errorf("%s: %w", name, err)
	}
	d.i++
	return greyOf(img), nil
}

// decodeImage decodes a PNG or JPEG file after checking, from its
// header, that its size is within the limits.
func decodeImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readImage(f)
}

// readImage decodes a PNG or JPEG from r, its size checked first.
func readImage(r io.ReadSeeker) (image.Image, error) {
	cfg, format, err := image.DecodeConfig(bufio.NewReader(r))
	if err != nil {
		return nil, err
	}
	if err := checkSize(strings.ToUpper(format), cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bufio.NewReader(r))
	return img, err
}

func (d *imagesDecoder) close() {}

// ---- ffmpeg: video files and lavfi ----

// ffmpegDecoder reads grey frames from an ffmpeg child, which decodes the
// source and writes each frame to a pipe as a binary PGM: a tiny header
// ("P5 W H 255") and W·H bytes, so the size needs no probe.
type ffmpegDecoder struct {
	cmd    *exec.Cmd
	out    io.ReadCloser
	r      *bufio.Reader
	stderr *bytes.Buffer
	raw    []byte
	done   bool
}

// ffmpegArgs are the arguments of the ffmpeg that decodes src.
func ffmpegArgs(src string, lavfi bool, extra ...string) []string {
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error"}
	if lavfi {
		args = append(args, "-f", "lavfi", "-i", strings.TrimPrefix(src, "lavfi:"))
	} else {
		args = append(args, "-i", src)
	}
	args = append(args, extra...)
	return append(args, "-an", "-f", "image2pipe", "-c:v", "pgm", "-pix_fmt", "gray", "-")
}

func openFFmpeg(src string, lavfi bool, extra ...string) (*ffmpegDecoder, error) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, errors.New("ffmpeg is not on PATH (apt-get install ffmpeg), and a video or lavfi source needs it; a .gif, a .npy or a directory of PNG/JPEG frames do not")
	}
	d := &ffmpegDecoder{stderr: &bytes.Buffer{}}
	d.cmd = exec.Command(ffmpeg, ffmpegArgs(src, lavfi, extra...)...)
	d.cmd.Stderr = &limitedWriter{b: d.stderr, max: 4096}
	// Its own process group: Ctrl-C reaches only spikecast, which ends
	// the child itself.
	d.cmd.SysProcAttr = ownProcessGroup()
	if d.out, err = d.cmd.StdoutPipe(); err != nil {
		return nil, err
	}
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start ffmpeg: %w", err)
	}
	d.r = bufio.NewReaderSize(d.out, 1<<16)
	return d, nil
}

// pgmToken reads one whitespace-separated header token.
func (d *ffmpegDecoder) pgmToken() (string, error) {
	var b []byte
	for {
		c, err := d.r.ReadByte()
		if err != nil {
			return "", err
		}
		if c == ' ' || c == '\n' || c == '\r' || c == '\t' {
			if len(b) > 0 {
				return string(b), nil
			}
			continue
		}
		b = append(b, c)
		if len(b) > 16 {
			return "", errors.New("bad PGM header from ffmpeg")
		}
	}
}

func (d *ffmpegDecoder) next() (grey, error) {
	if d.done {
		return grey{}, io.EOF
	}
	magic, err := d.pgmToken()
	if err == io.EOF {
		return grey{}, d.finish()
	}
	if err != nil {
		return grey{}, d.fail(err)
	}
	if magic != "P5" {
		return grey{}, d.fail(fmt.Errorf("ffmpeg wrote %q, not a PGM frame", magic))
	}
	var v [3]int
	for i := range v {
		tok, err := d.pgmToken()
		if err != nil {
			return grey{}, d.fail(err)
		}
		if v[i], err = strconv.Atoi(tok); err != nil || v[i] <= 0 || v[i] > 1<<16 {
			return grey{}, d.fail(fmt.Errorf("bad PGM header from ffmpeg (%q)", tok))
		}
	}
	if err := checkSize("video", v[0], v[1]); err != nil {
		return grey{}, d.fail(err)
	}
	if v[2] != 255 {
		return grey{}, d.fail(fmt.Errorf("PGM of depth %d from ffmpeg, want 255", v[2]))
	}
	w, h := v[0], v[1]
	if cap(d.raw) < w*h {
		d.raw = make([]byte, w*h)
	}
	raw := d.raw[:w*h]
	if _, err := io.ReadFull(d.r, raw); err != nil {
		return grey{}, d.fail(err)
	}
	g := grey{w: w, h: h, pix: make([]float32, w*h)}
	for i, b := range raw {
		g.pix[i] = float32(b) / 255
	}
	return g, nil
}

// finish waits for ffmpeg after its last frame: an exit status other
// than 0 is the source's error, with ffmpeg's last line.
func (d *ffmpegDecoder) finish() error {
	d.done = true
	if err := d.cmd.Wait(); err != nil {
		return d.ffmpegError(err)
	}
	return io.EOF
}

func (d *ffmpegDecoder) fail(err error) error {
	d.close()
	if msg := d.lastLine(); msg != "" {
		return fmt.Errorf("ffmpeg: %s", msg)
	}
	return fmt.Errorf("ffmpeg: %w", err)
}

func (d *ffmpegDecoder) ffmpegError(err error) error {
	if msg := d.lastLine(); msg != "" {
		return fmt.Errorf("ffmpeg: %s", msg)
	}
	return fmt.Errorf("ffmpeg: %w", err)
}

// lastLine is the last non-empty line ffmpeg wrote on stderr.
func (d *ffmpegDecoder) lastLine() string {
	lines := strings.Split(strings.TrimSpace(d.stderr.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func (d *ffmpegDecoder) close() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	if !d.done {
		d.done = true
		d.cmd.Process.Kill()
		d.out.Close()
		d.cmd.Wait()
	}
}

// limitedWriter keeps the last max bytes or so written to it.
type limitedWriter struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	l.b.Write(p)
	if l.b.Len() > 2*l.max {
		rest := append([]byte(nil), l.b.Bytes()[l.b.Len()-l.max:]...)
		l.b.Reset()
		l.b.Write(rest)
	}
	return len(p), nil
}
