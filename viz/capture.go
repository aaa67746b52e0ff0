package viz

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// ReadPixels reads the bound read framebuffer's w×h pixels into an image,
// top row first (GL's rows run bottom-up). It waits for the GPU: for a
// screenshot or a test, not for every frame.
func ReadPixels(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	gl.PixelStorei(gl.PACK_ALIGNMENT, 1)
	gl.ReadPixels(0, 0, int32(w), int32(h), gl.RGBA, gl.UNSIGNED_BYTE, gl.Ptr(img.Pix))
	row := 4 * w
	tmp := make([]byte, row)
	for y := 0; y < h/2; y++ {
		a := img.Pix[y*row : (y+1)*row]
		b := img.Pix[(h-1-y)*row : (h-y)*row]
		copy(tmp, a)
		copy(a, b)
		copy(b, tmp)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255 // the window is opaque whatever alpha the blend left
	}
	return img
}

// WritePNG writes img to path whole or not at all: it encodes into a
// temporary file beside path and renames it into place.
func WritePNG(path string, img image.Image) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("viz: write %s: %w", path, err)
	}
	tmp := f.Name()
	if err := png.Encode(f, img); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("viz: encode %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("viz: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("viz: write %s: %w", path, err)
	}
	return nil
}
