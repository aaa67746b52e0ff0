package viz

import (
	"image"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/record"
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

// WritePNG writes img to path whole or not at all (a temporary file
// beside path, then a rename), as the recorder writes its frames.
func WritePNG(path string, img image.Image) error {
	return record.WritePNG(path, img, nil)
}
