package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/spikecast/spikecast/record/recordtest"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testFrame is frame k of a synthetic clip: the window's dark background
// with a red square walking right and a green bar growing, so successive
// frames differ in a small area, as the simulation's do.
func testFrame(k, w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 18, 20, 26, 255
	}
	x0 := (k * 3) % (w - 10)
	for y := 10; y < 20; y++ {
		for x := x0; x < x0+10; x++ {
			img.SetRGBA(x, y, color.RGBA{255, 64, 51, 255})
		}
	}
	for x := 0; x < k%w; x++ {
		img.SetRGBA(x, h-4, color.RGBA{64, 235, 115, 255})
	}
	return img
}

var testMeta = Provenance{Program: "spikecast", Args: []string{"-n", "24"}, Seed: 7, Backend: "gpu",
	Renderer: "llvmpipe (LLVM 19.1.7, 256 bits)", FirstStep: 2, StepsPerFrame: 2, Title: "θ test"}

func record(t *testing.T, path string, frames, w, h int, fps float64) {
	t.Helper()
	r, err := New(path, w, h, fps, testMeta)
	if err != nil {
		t.Fatal(err)
	}
	r = Async(r, 4)
	for k := 0; k < frames; k++ {
		if err := r.WriteFrame(testFrame(k, w, h)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// sidecar reads and checks the provenance JSON of a recording.
func sidecar(t *testing.T, path string, frames int) {
	t.Helper()
	b, err := os.ReadFile(SidecarPath(path))
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	want := testMeta.FirstStep + int64(frames-1)*int64(testMeta.StepsPerFrame)
	if s.Frames != frames || s.FirstStep != testMeta.FirstStep || s.LastStep != want || s.Seed != 7 || s.Renderer != testMeta.Renderer || s.Title != testMeta.Title {
		t.Errorf("sidecar %s: %+v", SidecarPath(path), s)
	}
}

func TestGIFReadsBack(t *testing.T) {
	const w, h, n = 160, 96, 120
	path := filepath.Join(t.TempDir(), "demo.gif")
	record(t, path, n, w, h, 30)
	g := recordtest.DecodeGIF(t, path)
	if len(g.Image) != n || g.Config.Width != w || g.Config.Height != h {
		t.Fatalf("decoded %d frames of %d×%d, want %d of %d×%d", len(g.Image), g.Config.Width, g.Config.Height, n, w, h)
	}
	// 30 fps in centiseconds alternates 3 and 4 so that the clip lasts 4 s.
	total := 0
	for _, d := range g.Delay {
		total += d
	}
	if total != 400 {
		t.Errorf("delays sum to %d cs, want 400", total)
	}
	// Composite the frames as a viewer does and compare the last one.
	canvas := image.NewRGBA(image.Rect(0, 0, w, h))
	for _, fr := range g.Image {
		for y := fr.Rect.Min.Y; y < fr.Rect.Max.Y; y++ {
			for x := fr.Rect.Min.X; x < fr.Rect.Max.X; x++ {
				if c := fr.Palette[fr.ColorIndexAt(x, y)].(color.RGBA); c.A != 0 {
					canvas.SetRGBA(x, y, c)
				}
			}
		}
	}
	want := testFrame(n-1, w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a, b := canvas.RGBAAt(x, y), want.RGBAAt(x, y)
			if d := max(absDiff(a.R, b.R), absDiff(a.G, b.G), absDiff(a.B, b.B)); d > 8 {
				t.Fatalf("last frame at (%d, %d) = %v, want %v", x, y, a, b)
			}
		}
	}
	fi, _ := os.Stat(path)
	t.Logf("%d frames of %d×%d: %d bytes", n, w, h, fi.Size())
	sidecar(t, path, n)
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestPNGSequence(t *testing.T) {
	const w, h, n = 64, 48, 120
	dir := filepath.Join(t.TempDir(), "frames") + "/"
	record(t, dir, n, w, h, 30)
	names, _ := filepath.Glob(filepath.Join(dir, "frame_*.png"))
	if len(names) != n {
		t.Fatalf("%d PNGs, want %d", len(names), n)
	}
	b, err := os.ReadFile(filepath.Join(dir, FrameName(5)))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := img.At(20, 15), testFrame(5, w, h).At(20, 15); got != want {
		t.Errorf("pixel %v, want %v", got, want)
	}
	for _, s := range []string{"tEXtSoftware\x00spikecast", `"seed":7`, "tEXtspikecast:step\x0012", `\u03b8 test`} {
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("frame 5 lacks %q", s)
		}
	}
	sidecar(t, dir, n)
	if err := Check(dir); err == nil || !strings.Contains(err.Error(), "already holds 120 frame_*.png") {
		t.Errorf("Check of a used frames directory: %v", err)
	}
}

func TestMP4Probe(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Fatal("ffprobe is not on PATH (apt-get install ffmpeg)")
	}
	const w, h, n = 160, 96, 120
	path := filepath.Join(t.TempDir(), "talk.mp4")
	record(t, path, n, w, h, 30)
	p := recordtest.Probe(t, path)
	if p.Codec != "h264" || p.Width != w || p.Height != h || p.Rate != "30/1" || p.Frames != n || p.PixFmt != "yuv420p" {
		t.Errorf("ffprobe: %+v", p)
	}
	if !strings.Contains(p.Comment, `"seed":7`) || p.Title != "θ test" {
		t.Errorf("metadata: comment %q, title %q", p.Comment, p.Title)
	}
	sidecar(t, path, n)
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		path string
		want string // "" for no error
	}{
		{filepath.Join(dir, "a.mp4"), ""},
		{filepath.Join(dir, "a.GIF"), ""},
		{filepath.Join(dir, "new", "frames") + "/", ""},
		{dir, ""}, // an existing directory
		{filepath.Join(dir, "a.avi"), `unknown extension ".avi"`},
		{filepath.Join(dir, "noext"), "no extension"},
		{filepath.Join(dir, "missing", "a.gif"), "does not exist"},
		{"/proc/a.gif", "cannot write in /proc"},
	}
	for _, c := range cases {
		err := Check(c.path)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("Check(%q) = %v, want nil", c.path, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("Check(%q) = %v, want an error saying %q", c.path, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Check created a directory")
	}
	t.Setenv("PATH", t.TempDir())
	if err := Check(filepath.Join(dir, "a.mp4")); err == nil || !strings.Contains(err.Error(), "ffmpeg is not on PATH") {
		t.Errorf("Check without ffmpeg = %v", err)
	}
}

func TestWrongFrameSize(t *testing.T) {
	r, err := New(filepath.Join(t.TempDir(), "x.gif"), 32, 32, 30, testMeta)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WriteFrame(testFrame(0, 40, 32)); err == nil {
		t.Error("a 40×32 frame in a 32×32 recording was accepted")
	}
}

// TestPNGDeterministic: the same frame and provenance give the same
// bytes, which is what makes a recorded sequence reproducible.
func TestPNGDeterministic(t *testing.T) {
	dir := t.TempDir()
	var got [2][]byte
	for i := range got {
		p := filepath.Join(dir, "a.png")
		if err := WritePNG(p, testFrame(3, 50, 40), ProvenanceText(testMeta)); err != nil {
			t.Fatal(err)
		}
		got[i], _ = os.ReadFile(p)
	}
	if !bytes.Equal(got[0], got[1]) {
		t.Error("two encodings of one frame differ")
	}
}
