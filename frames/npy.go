package frames

import (
	"fmt"
	"io"
	"strings"
)

// WriteNPY writes a .npy (format 1.0) of shape (T, H, W) in C order: data
// holds the elements' bytes (little-endian), descr the dtype as NumPy
// names it: "|u1" (uint8), "|b1" (bool) or "<f4" (float32). Tests and
// users make sources with it; Probe reads any .npy NumPy writes.
func WriteNPY(w io.Writer, descr string, t, h, wd int, data []byte) error {
	if item := npyItem(descr); item == 0 || len(data) != t*h*wd*item {
		return fmt.Errorf("frames: WriteNPY: %d bytes of %s for shape (%d, %d, %d)", len(data), descr, t, h, wd)
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d, %d), }", descr, t, h, wd)
	// The header (magic, version, length, dict, newline) pads to 64 bytes.
	pad := 64 - (10+len(dict)+1)%64
	dict += strings.Repeat(" ", pad%64) + "\n"
	hdr := []byte("\x93NUMPY\x01\x00")
	hdr = append(hdr, byte(len(dict)), byte(len(dict)>>8))
	hdr = append(hdr, dict...)
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}
