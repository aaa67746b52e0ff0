package frames

import (
	"fmt"
)

// The largest frame a source may have, checked from its header before
// anything of its size is allocated: a frame is held whole while it is
// scaled (4 bytes a pixel as brightness, a GIF's canvas and indices 1
// each, a PNG's pixels up to 8), so these bound a source's memory at
// about 13 bytes a pixel, some 450 MB, whatever a file says. 8K video
// (7680×4320) fits; a larger source wants scaling down first (ffmpeg
// -vf scale=…).
const (
	maxSide   = 16384   // pixels a side
	maxPixels = 1 << 25 // pixels a frame (33,554,432)
)

// checkSize refuses a frame of w×h pixels larger than the limits, or
// empty; what names the kind of file.
func checkSize(what string, w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%s of %d×%d pixels: empty frames", what, w, h)
	}
	if w > maxSide || h > maxSide || w*h > maxPixels {
		return sizeError(what, int64(w), int64(h))
	}
	return nil
}

// sizeError says that a frame of w×h pixels is over the limits.
func sizeError(what string, w, h int64) error {
	return fmt.Errorf("%s of %d×%d pixels is over the limit of %d pixels a side and %s pixels a frame (scale it down first, e.g. ffmpeg -vf scale=1024:-1)",
		what, w, h, maxSide, commas(maxPixels))
}

// commas writes n with thousands separators.
func commas(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
