package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// MaxHeaderLen is the longest header dict ReadHeader accepts: NumPy's own
// are a few hundred bytes, so a longer one is a corrupt or hostile file,
// refused before it is read into memory.
const MaxHeaderLen = 1 << 16

// Info is what a .npy header says: the dtype as NumPy names it ("|u1",
// "<f4", …), the order, the shape, and where the data starts.
type Info struct {
	Descr   string
	Fortran bool
	Shape   []int64
	Data    int64 // offset of the first element from the start of the file
}

var (
	descrRE   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	fortranRE = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	shapeRE   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// ReadHeader reads a .npy header (format versions 1, 2 and 3) from r:
// the magic, the version, the dict's length and the dict, and leaves r
// at the first element. It reads at most 12+MaxHeaderLen bytes, whatever
// the file says, and takes a plain dtype string only (not a structured
// one, which spikecast reads nowhere).
func ReadHeader(r io.Reader) (Info, error) {
	var h Info
	pre := make([]byte, 8)
	if _, err := io.ReadFull(r, pre); err != nil || string(pre[:6]) != magic {
		return h, errors.New("npy: not a .npy file (no \\x93NUMPY magic)")
	}
	var hlen int64
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return h, errors.New("npy: truncated header")
		}
		hlen, h.Data = int64(binary.LittleEndian.Uint16(b[:])), 10
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return h, errors.New("npy: truncated header")
		}
		hlen, h.Data = int64(binary.LittleEndian.Uint32(b[:])), 12
	default:
		return h, fmt.Errorf("npy: format version %d.%d: want 1, 2 or 3", pre[6], pre[7])
	}
	if hlen > MaxHeaderLen {
		return h, fmt.Errorf("npy: header of %d bytes, over the limit of %d: corrupt", hlen, MaxHeaderLen)
	}
	dict := make([]byte, hlen)
	if _, err := io.ReadFull(r, dict); err != nil {
		return h, errors.New("npy: truncated header")
	}
	h.Data += hlen
	d := descrRE.FindSubmatch(dict)
	f := fortranRE.FindSubmatch(dict)
	s := shapeRE.FindSubmatch(dict)
	if d == nil || f == nil || s == nil {
		return h, fmt.Errorf("npy: header %q: no descr, fortran_order or shape", clip(strings.TrimSpace(string(dict)), 120))
	}
	h.Descr = string(d[1])
	h.Fortran = string(f[1]) == "True"
	parts := strings.Split(string(s[1]), ",")
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" && i == len(parts)-1 && i > 0 {
			continue // the trailing comma of a 1-tuple, or of any tuple
		}
		if part == "" && len(parts) == 1 {
			continue // ()
		}
		v, err := strconv.ParseInt(strings.TrimSuffix(part, "L"), 10, 64)
		if err != nil || v < 0 {
			return h, fmt.Errorf("npy: shape (%s): not a shape", clip(string(s[1]), 120))
		}
		h.Shape = append(h.Shape, v)
	}
	return h, nil
}

// clip shortens s to at most n bytes for an error message, and makes it
// one line.
func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
