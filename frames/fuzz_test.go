package frames

import (
	"bytes"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"
)

// fuzzPixels bounds the screens a fuzz input is decoded at: larger ones
// are only checked from their headers, so that an input costs little.
const fuzzPixels = 1 << 16

// FuzzGIF: any bytes are frames or a one-line error from the streaming
// GIF decoder, never a panic; where image/gif decodes them, the frames
// are the ones image/gif's composition gives.
func FuzzGIF(f *testing.F) {
	f.Add(encodeGIF(f, testGIF(9, 7, 6)))
	f.Add(hostileGIF(60000, 60000))
	f.Add(hostileGIF(3, 2))
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := newGIF(bytes.NewReader(data))
		if err != nil {
			oneLine(t, err)
			return
		}
		if d.w*d.h > fuzzPixels {
			return
		}
		got, err := streamGIF(data)
		if err != nil {
			oneLine(t, err)
		}
		want, stdErr := stdGIF(data)
		if stdErr != nil {
			return
		}
		if err != nil {
			t.Fatalf("image/gif decodes %d frames, the stream fails: %v", len(want), err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d frames, image/gif %d", len(got), len(want))
		}
		for i := range want {
			if !slices.Equal(got[i].pix, want[i].pix) {
				t.Fatalf("frame %d differs from image/gif's", i)
			}
		}
	})
}

// FuzzImage: a PNG or JPEG frame decodes within the size limits or is an
// error, never a panic.
func FuzzImage(f *testing.F) {
	var b bytes.Buffer
	png.Encode(&b, stripes(1, 8, 8))
	f.Add(b.Bytes())
	// A PNG whose header says 60,000×60,000.
	big := slices.Clone(b.Bytes())
	copy(big[16:24], []byte{0, 0, 0xea, 0x60, 0, 0, 0xea, 0x60})
	f.Add(big)
	f.Add([]byte("\xff\xd8\xff\xdb junk"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width*cfg.Height > fuzzPixels && cfg.Width <= maxSide && cfg.Height <= maxSide && cfg.Width*cfg.Height <= maxPixels {
			return // within the limits but costly to decode
		}
		img, err := readImage(bytes.NewReader(data))
		if err != nil {
			oneLine(t, err)
			return
		}
		if r := img.Bounds(); checkSize("image", r.Dx(), r.Dy()) != nil {
			t.Fatalf("decoded a %v image past the limits", r)
		}
	})
}

func oneLine(t *testing.T, err error) {
	t.Helper()
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error of several lines: %q", err)
	}
}
