package record

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// pngs writes frame_000000.png, frame_000001.png, … into a directory, each
// atomically, each with the provenance and its own step in text chunks.
type pngs struct {
	dir       string
	s         *summary
	frames    int
	closeOnce sync.Once
	closeErr  error
}

func newPNGs(path string, s *summary) (*pngs, error) {
	dir := filepath.Clean(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	return &pngs{dir: dir, s: s}, nil
}

// FrameName is the name of frame k in a PNG sequence.
func FrameName(k int) string { return fmt.Sprintf("frame_%06d.png", k) }

func (p *pngs) WriteFrame(img *image.RGBA) error {
	if err := checkSize(img, p.s.Width, p.s.Height); err != nil {
		return err
	}
	step := p.s.FirstStep + int64(p.frames)*int64(p.s.StepsPerFrame)
	text := ProvenanceText(p.s.Provenance)
	text = append(text, TextChunk{"spikecast:step", strconv.FormatInt(step, 10)},
		TextChunk{"spikecast:frame", strconv.Itoa(p.frames)})
	if err := WritePNG(filepath.Join(p.dir, FrameName(p.frames)), img, text); err != nil {
		return err
	}
	p.frames++
	return nil
}

func (p *pngs) Close() error {
	p.closeOnce.Do(func() {
		p.s.finish(p.frames)
		p.closeErr = p.s.writeSidecar(p.dir + "/")
	})
	return p.closeErr
}

// TextChunk is one PNG tEXt chunk: a Latin-1 keyword of 1 to 79 bytes
// and its text.
type TextChunk struct{ Key, Value string }

// ProvenanceText is the text chunks that say where a frame came from:
// Software, Title (when set), Source (backend and renderer) and Comment
// (the provenance as ASCII JSON).
func ProvenanceText(m Provenance) []TextChunk {
	if m.Program == "" {
		m.Program = "spikecast"
	}
	sw := m.Program
	if m.Version != "" {
		sw += " " + m.Version
	}
	t := []TextChunk{{"Software", latin1(sw)}}
	if m.Title != "" {
		t = append(t, TextChunk{"Title", latin1(m.Title)})
	}
	return append(t,
		TextChunk{"Source", latin1(m.Backend + " backend, " + m.Renderer)},
		TextChunk{"Comment", asciiJSON(m)})
}

// latin1 replaces what Latin-1 cannot hold with '?'.
func latin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// WritePNG writes img to path whole or not at all, with text chunks after
// the header. The encoding depends only on img and text: the same frame
// gives the same bytes.
func WritePNG(path string, img image.Image, text []TextChunk) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("record: encode %s: %w", path, err)
	}
	data, err := withText(buf.Bytes(), text)
	if err != nil {
		return fmt.Errorf("record: encode %s: %w", path, err)
	}
	return writeAtomic(path, data)
}

// withText inserts tEXt chunks after a PNG's IHDR chunk (signature 8
// bytes, then IHDR: length 4, type 4, data 13, CRC 4).
func withText(p []byte, text []TextChunk) ([]byte, error) {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4
	if len(p) < ihdrEnd || string(p[12:16]) != "IHDR" {
		return nil, fmt.Errorf("not a PNG from image/png")
	}
	out := make([]byte, 0, len(p)+256)
	out = append(out, p[:ihdrEnd]...)
	for _, t := range text {
		if len(t.Key) == 0 || len(t.Key) > 79 {
			return nil, fmt.Errorf("tEXt keyword %q: want 1 to 79 bytes", t.Key)
		}
		data := append(append([]byte(t.Key), 0), t.Value...)
		var hdr [8]byte
		binary.BigEndian.PutUint32(hdr[:4], uint32(len(data)))
		copy(hdr[4:], "tEXt")
		out = append(out, hdr[:]...)
		out = append(out, data...)
		crc := crc32.NewIEEE()
		crc.Write(hdr[4:])
		crc.Write(data)
		out = binary.BigEndian.AppendUint32(out, crc.Sum32())
	}
	return append(out, p[ihdrEnd:]...), nil
}
