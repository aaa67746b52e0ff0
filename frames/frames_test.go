package frames

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/npy"
)

// bitsOf unpacks a plain bit set of n×n cells into 0/1 rows.
func cellsOf(bits []uint32, n int) []int {
	out := make([]int, n*n)
	for i := range out {
		if bits[i/n*((n+31)/32)+i%n/32]>>(i%n%32)&1 != 0 {
			out[i] = 1
		}
	}
	return out
}

func params(src string, n int) cpuref.Params {
	p := cpuref.Defaults()
	p.N, p.Frames = n, src
	return p
}

// readAll reads frames [0, k) of src with p's settings.
func readAll(t *testing.T, p cpuref.Params, k int) [][]int {
	t.Helper()
	s, err := New(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out [][]int
	dst := make([]uint32, cpuref.PlainWords(p.N))
	for i := range k {
		if err := s.FrameBits(int64(i), dst); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		out = append(out, cellsOf(dst, p.N))
	}
	return out
}

func writeNPY(t *testing.T, dir, descr string, tt, h, w int, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, descr[1:]+".npy")
	var b bytes.Buffer
	a := npy.Array{Shape: []int64{int64(tt), int64(h), int64(w)}, Data: data}
	switch descr {
	case "|b1":
		bs := make([]bool, len(data))
		for i, v := range data {
			bs[i] = v != 0
		}
		a.Data = bs
	case "<f4":
		fs := make([]float32, len(data)/4)
		for i := range fs {
			fs[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		a.Data = fs
	}
	if err := npy.WriteNPY(&b, a); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestThresholdByHand: a 4×4 frame averaged to 2×2 by area, then > t.
func TestThresholdByHand(t *testing.T) {
	// Quadrant means: 255 (1.0), 127.5/255 = 0.5, 64/255 ≈ 0.251, 0.
	pix := []byte{
		255, 255, 255, 0,
		255, 255, 255, 0,
		64, 64, 0, 0,
		64, 64, 0, 0,
	}
	path := writeNPY(t, t.TempDir(), "|u1", 1, 4, 4, pix)
	for _, c := range []struct {
		thr  float32
		want []int
	}{
		{0.5, []int{1, 0, 0, 0}},   // 0.5 is not above 0.5
		{0.49, []int{1, 1, 0, 0}},  //
		{0.25, []int{1, 1, 1, 0}},  // 64/255 > 0.25
		{0, []int{1, 1, 1, 0}},     // 0 is not above 0
		{0.999, []int{1, 0, 0, 0}}, //
		{1, []int{0, 0, 0, 0}},     // nothing is above full scale
	} {
		p := params(path, 2)
		p.Threshold = c.thr
		got := readAll(t, p, 1)[0]
		if !equal(got, c.want) {
			t.Errorf("threshold %g: got %v, want %v", c.thr, got, c.want)
		}
	}
}

// TestAreaScaleByHand checks fractional overlaps: 3 pixels onto 2 cells.
func TestAreaScaleByHand(t *testing.T) {
	sc := scaler{n: 2}
	got := sc.scale(grey{w: 3, h: 1, pix: []float32{1, 0.5, 0}})
	// Cell 0 covers pixel 0 and half of pixel 1: (1 + 0.25)/1.5; cell 1:
	// half of pixel 1 and pixel 2: 0.25/1.5. Rows: one pixel to two cells.
	want := []float64{1.25 / 1.5, 0.25 / 1.5, 1.25 / 1.5, 0.25 / 1.5}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("cell %d: %v, want %v", i, got[i], want[i])
		}
	}
	// -crop takes the centre square: a 4×2 frame keeps columns 1 and 2.
	sc = scaler{n: 1, crop: true}
	got = sc.scale(grey{w: 4, h: 2, pix: []float32{1, 0, 0.5, 1, 1, 0, 0.5, 1}})
	if math.Abs(got[0]-0.25) > 1e-12 {
		t.Errorf("crop: %v, want 0.25", got[0])
	}
}

// TestEventsByHand follows one pixel's brightness through the event rule.
func TestEventsByHand(t *testing.T) {
	// 1×1 frames: brightness 0.5, 0.6, 0.8, 0.3, 0.28, 0.5.
	levels := []float32{0.5, 0.6, 0.8, 0.3, 0.28, 0.5}
	data := make([]byte, 4*len(levels))
	for i, v := range levels {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	}
	path := writeNPY(t, t.TempDir(), "<f4", len(levels), 1, 1, data)
	// c = 0.3: ln 0.6 − ln 0.5 = 0.18 (no); ln 0.8 − ln 0.5 = 0.47 (ON,
	// ref 0.8); ln 0.3 − ln 0.8 = −0.98 (OFF, ref 0.3); ln 0.28 − ln 0.3
	// = −0.07 (no); ln 0.5 − ln 0.3 = 0.51 (ON). Frame 0 has no past.
	for _, c := range []struct {
		pol  cpuref.Polarity
		want []int
	}{
		{cpuref.PolarityBoth, []int{0, 0, 1, 1, 0, 1}},
		{cpuref.PolarityOn, []int{0, 0, 1, 0, 0, 1}},
		{cpuref.PolarityOff, []int{0, 0, 0, 1, 0, 0}},
	} {
		p := params(path, 1)
		p.Events, p.Polarity = 0.3, c.pol
		var got []int
		for _, f := range readAll(t, p, len(levels)) {
			got = append(got, f[0])
		}
		if !equal(got, c.want) {
			t.Errorf("-polarity %s: got %v, want %v", c.pol, got, c.want)
		}
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// stripes is frame f of a test clip: a bright vertical band at column
// 2f mod w, of a w×h frame.
func stripes(f, w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if x/4 == (f*2)%w/4 {
				img.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	return img
}

// wantStripes is what stripes(f) is at n = w/4 with threshold 0.5: one
// lit column.
func wantStripes(f, w int) []int {
	n := w / 4
	out := make([]int, n*n)
	for r := range n {
		out[r*n+(f*2)%w/4] = 1
	}
	return out
}

// TestEverySourceKind decodes the same clip from every kind of source
// and checks the bits: .npy (uint8, bool, float32), GIF, a PNG directory,
// and ffmpeg's mp4 and webm made from that directory.
func TestEverySourceKind(t *testing.T) {
	const w, h, count = 32, 32, 6
	dir := t.TempDir()
	u8 := make([]byte, 0, count*w*h)
	b1 := make([]byte, 0, count*w*h)
	f4 := make([]byte, 0, 4*count*w*h)
	g := &gif.GIF{}
	pngs := filepath.Join(dir, "png")
	os.Mkdir(pngs, 0o755)
	for f := range count {
		img := stripes(f, w, h)
		for _, v := range img.Pix {
			u8 = append(u8, v)
			b1 = append(b1, v/255)
			f4 = binary.LittleEndian.AppendUint32(f4, math.Float32bits(float32(v)/255))
		}
		pal := image.NewPaletted(img.Bounds(), palette.Plan9)
		for i, v := range img.Pix {
			pal.Set(i%w, i/w, color.Gray{Y: v})
		}
		g.Image, g.Delay = append(g.Image, pal), append(g.Delay, 4)
		var b bytes.Buffer
		png.Encode(&b, img)
		// Names sort in frame order, not in the order written.
		os.WriteFile(filepath.Join(pngs, "f"+string(rune('a'+f))+".png"), b.Bytes(), 0o644)
	}
	sources := map[string]string{
		"npy uint8":   writeNPY(t, dir, "|u1", count, h, w, u8),
		"npy bool":    writeNPY(t, dir, "|b1", count, h, w, b1),
		"npy float32": writeNPY(t, dir, "<f4", count, h, w, f4),
		"png dir":     pngs,
	}
	var gb bytes.Buffer
	if err := gif.EncodeAll(&gb, g); err != nil {
		t.Fatal(err)
	}
	sources["gif"] = filepath.Join(dir, "clip.gif")
	os.WriteFile(sources["gif"], gb.Bytes(), 0o644)
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is not on PATH: the video sources cannot be tested (apt-get install ffmpeg)")
	}
	for _, ext := range []string{"mp4", "webm"} {
		out := filepath.Join(dir, "clip."+ext)
		args := []string{"-loglevel", "error", "-framerate", "10", "-pattern_type", "glob", "-i", filepath.Join(pngs, "*.png")}
		if ext == "mp4" {
			args = append(args, "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv444p")
		} else {
			args = append(args, "-c:v", "libvpx-vp9", "-lossless", "1")
		}
		if b, err := exec.Command("ffmpeg", append(args, out)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg makes %s: %v: %s", ext, err, b)
		}
		sources[ext] = out
	}
	for name, src := range sources {
		info, err := Probe(src)
		if err != nil {
			t.Errorf("%s: probe: %v", name, err)
			continue
		}
		if info.Width != w || info.Height != h {
			t.Errorf("%s: probe says %d×%d", name, info.Width, info.Height)
		}
		if k := info.Kind; (k == KindVideo) != (info.Frames < 0) || (k != KindVideo && info.Frames != count) {
			t.Errorf("%s: probe says %d frames", name, info.Frames)
		}
		p := params(src, w/4)
		for f, got := range readAll(t, p, count) {
			if want := wantStripes(f, w); !equal(got, want) {
				t.Errorf("%s: frame %d: got %v, want %v", name, f, got, want)
			}
		}
	}
}

// TestLoopAndEnd: without -loop the source ends after its last frame
// with an error that is cpuref.ErrEndOfSource; with it, frame t is frame
// t mod T, also when asked for from a later start (a resumed run) and
// after going back (a reset).
func TestLoopAndEnd(t *testing.T) {
	const w, count = 16, 5
	var data []byte
	for f := range count {
		data = append(data, stripes(f, w, w).Pix...)
	}
	path := writeNPY(t, t.TempDir(), "|u1", count, w, w, data)
	p := params(path, w/4)
	s, err := New(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]uint32, cpuref.PlainWords(p.N))
	for i := range count {
		if err := s.FrameBits(int64(i), dst); err != nil {
			t.Fatal(err)
		}
	}
	err = s.FrameBits(count, dst)
	var end *EndError
	if !errors.Is(err, cpuref.ErrEndOfSource) || !errors.As(err, &end) || end.Frames != count {
		t.Errorf("after the last frame: %v, want the end after %d frames", err, count)
	}
	if !strings.Contains(err.Error(), "ended after 5 frames") {
		t.Errorf("message %q", err)
	}
	s.Close()

	p.Loop = true
	for _, t0 := range []int64{0, 7, 23} {
		s, err := New(p, t0)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []int64{t0, t0 + 1, t0 + 9, t0 + 3} { // the last goes back
			if err := s.FrameBits(tt, dst); err != nil {
				t.Fatal(err)
			}
			if got, want := cellsOf(dst, p.N), wantStripes(int(tt%count), w); !equal(got, want) {
				t.Errorf("loop from %d: frame %d: got %v, want %v", t0, tt, got, want)
			}
		}
		s.Close()
	}
}

// TestBadSources: each is one error naming what is wrong.
func TestBadSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, b, 0o644)
		return path
	}
	var i4, rank2, empty bytes.Buffer
	npy.WriteNPY(&empty, npy.Array{Shape: []int64{0, 4, 4}, Data: []uint8{}})
	hdr := func(dict string) []byte {
		dict += strings.Repeat(" ", 64-(10+len(dict)+1)%64) + "\n"
		b := append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), 0)
		return append(b, dict...)
	}
	i4.Write(hdr("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2, 2), }"))
	i4.Write(make([]byte, 16))
	rank2.Write(hdr("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }"))
	rank2.Write(make([]byte, 4))
	os.Mkdir(filepath.Join(dir, "nopngs"), 0o755)
	for _, c := range []struct{ src, want string }{
		{filepath.Join(dir, "missing.mp4"), "no such file"},
		{write("x.txt", []byte("hi")), "unsupported format"},
		{write("i4.npy", i4.Bytes()), `dtype "<i4"`},
		{write("rank2.npy", rank2.Bytes()), "rank 2"},
		{write("empty.npy", empty.Bytes()), "no frames"},
		{write("junk.npy", []byte("junk")), "not a .npy"},
		{write("junk.gif", []byte("GIF89a junk")), "GIF"},
		{filepath.Join(dir, "nopngs"), "no frames"},
		{write("junk.mp4", []byte("not a video")), "ffmpeg:"},
		{"lavfi:nosuchsource", "ffmpeg:"},
	} {
		_, err := Probe(c.src)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Probe(%s): %v, want one line with %q", c.src, err, c.want)
		}
	}
	// No ffmpeg on PATH.
	t.Setenv("PATH", dir)
	if _, err := Probe(write("v.mp4", []byte("x"))); err == nil || !strings.Contains(err.Error(), "ffmpeg is not on PATH") {
		t.Errorf("without ffmpeg: %v", err)
	}
}
