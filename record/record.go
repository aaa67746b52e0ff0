// Package record writes the frames of a run to a file a talk can use: an
// H.264 MP4 (encoded by an ffmpeg child process), an animated GIF
// (encoded in Go), or a numbered PNG sequence. Every output carries the
// run's provenance: in the MP4's metadata, in the PNGs' text chunks, and
// in a sidecar JSON file written when the recording closes.
//
// The package is pure Go and knows nothing of GL: callers read the
// frames back and hand over *image.RGBA values.
package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/spikecast/spikecast/atomicfile"
)

// Recorder takes the frames of one recording, in order.
type Recorder interface {
	// WriteFrame appends one frame. The recorder may keep img; the caller
	// must not change it afterwards.
	WriteFrame(img *image.RGBA) error
	// Close finishes the file (and its sidecar) and makes it appear under
	// its name. It is safe to call twice; a recording is finalised even
	// when it holds no frame.
	Close() error
}

// Kind is the format of a recording, chosen by its path.
type Kind int

const (
	MP4    Kind = iota + 1 // H.264 in MP4, by ffmpeg
	GIF                    // animated GIF
	Frames                 // a directory of numbered PNGs
)

func (k Kind) String() string {
	switch k {
	case MP4:
		return "mp4"
	case GIF:
		return "gif"
	case Frames:
		return "png frames"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Provenance says where the frames came from. It goes into every output,
// so a clip shown in a talk can be reproduced.
type Provenance struct {
	Program       string   `json:"program"`              // "spikecast"
	Version       string   `json:"version,omitempty"`    // the program's build (package version)
	Args          []string `json:"args,omitempty"`       // the command line
	Params        any      `json:"params,omitempty"`     // the model's parameters, by flag name
	Run           any      `json:"run,omitempty"`        // the run flags that change the result
	Seed          uint32   `json:"seed"`                 // also in Params; here for grep
	Backend       string   `json:"backend"`              // cpu or gpu
	Renderer      string   `json:"renderer"`             // GL_RENDERER
	GLVersion     string   `json:"gl_version,omitempty"` // GL_VERSION
	FirstStep     int64    `json:"first_step"`           // the step of the first frame
	StepsPerFrame int      `json:"steps_per_frame"`
	Title         string   `json:"title,omitempty"`
	// Live is set for a recording of the live window: the encoder then
	// favours speed over file size (it shares the machine with the
	// frames it records), where an offline recording takes its time.
	Live bool `json:"live,omitempty"`
	// Changes are the parameter changes made in the run, as lines of a
	// changes file ("step flag value", for -changes). The run appends to
	// it while recording; the sidecar, written when the recording is
	// closed, has them all.
	Changes *[]string `json:"changes,omitempty"`
}

// summary is the provenance plus what is known once the recording ends.
type summary struct {
	Provenance
	Format   string  `json:"format"`
	Width    int     `json:"width"`
	Height   int     `json:"height"`
	FPS      float64 `json:"fps"`
	Frames   int     `json:"frames"`
	LastStep int64   `json:"last_step"` // the step of the last frame
	Created  string  `json:"created"`
}

// KindOf returns the format path names: .mp4 or .gif by extension, or
// Frames for a path that ends in a separator or names a directory.
func KindOf(path string) (Kind, error) {
	if path == "" {
		return 0, errors.New("record: empty path")
	}
	if strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) {
		return Frames, nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return Frames, nil
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".mp4":
		return MP4, nil
	case ".gif":
		return GIF, nil
	case "":
		return 0, fmt.Errorf("record: no extension: want .mp4, .gif, or a directory ending in /")
	default:
		return 0, fmt.Errorf("record: unknown extension %q: want .mp4, .gif, or a directory ending in /", ext)
	}
}

// Check says, before any frame exists, whether New(path, ...) can
// succeed: a known format, a directory that can be written, ffmpeg on
// PATH for MP4, and no earlier PNG sequence in a frames directory (whose
// files would be mixed with the new ones). It creates nothing.
func Check(path string) error {
	kind, err := KindOf(path)
	if err != nil {
		return err
	}
	switch kind {
	case MP4:
		if _, err := exec.LookPath("ffmpeg"); err != nil {
			return errors.New("record: ffmpeg is not on PATH (apt-get install ffmpeg), and .mp4 needs it; .gif or a frames directory/ do not")
		}
		return checkWritable(filepath.Dir(path))
	case GIF:
		return checkWritable(filepath.Dir(path))
	}
	dir := filepath.Clean(path)
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("record: %s is a file, not a directory", dir)
	case err == nil:
		if old, _ := filepath.Glob(filepath.Join(dir, "frame_*.png")); len(old) > 0 {
			return fmt.Errorf("record: %s already holds %d frame_*.png files: remove them or name another directory", dir, len(old))
		}
		return checkWritable(dir)
	case errors.Is(err, os.ErrNotExist):
		// New makes it; its nearest existing ancestor must be writable.
		parent := filepath.Dir(dir)
		for {
			if _, err := os.Stat(parent); err == nil || parent == filepath.Dir(parent) {
				break
			}
			parent = filepath.Dir(parent)
		}
		return checkWritable(parent)
	default:
		return fmt.Errorf("record: %w", err)
	}
}

// checkWritable creates and removes a file in dir.
func checkWritable(dir string) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("record: directory %s does not exist", dir)
	}
	f, err := os.CreateTemp(dir, ".spikecast-check-*")
	if err != nil {
		return fmt.Errorf("record: cannot write in %s", dir)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// New starts a recording of w×h frames played at fps, in the format
// path names (see KindOf). Nothing appears under path until Close.
func New(path string, w, h int, fps float64, meta Provenance) (Recorder, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("record: frame size %d×%d", w, h)
	}
	if !(fps > 0 && fps <= 1000) {
		return nil, fmt.Errorf("record: frame rate %v", fps)
	}
	kind, err := KindOf(path)
	if err != nil {
		return nil, err
	}
	if meta.Program == "" {
		meta.Program = "spikecast"
	}
	s := &summary{Provenance: meta, Format: kind.String(), Width: w, Height: h, FPS: fps}
	switch kind {
	case MP4:
		return newMP4(path, s)
	case GIF:
		return newGIF(path, s), nil
	}
	return newPNGs(path, s)
}

// SidecarKeys lists the top-level keys of a sidecar's JSON, for readers
// that take what they need from it and refuse what no sidecar holds.
func SidecarKeys() []string {
	var keys []string
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous {
				add(f.Type)
				continue
			}
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				keys = append(keys, name)
			}
		}
	}
	add(reflect.TypeFor[summary]())
	return keys
}

// SidecarPath is where the provenance JSON of a recording at path goes:
// beside a file (talk.mp4 → talk.mp4.json), inside a frames directory.
func SidecarPath(path string) string {
	if k, _ := KindOf(path); k == Frames {
		return filepath.Join(filepath.Clean(path), "spikecast.json")
	}
	return path + ".json"
}

// finish completes the summary after frames frames.
func (s *summary) finish(frames int) {
	s.Frames = frames
	s.LastStep = s.FirstStep
	if frames > 0 {
		s.LastStep += int64(frames-1) * int64(s.StepsPerFrame)
	}
	s.Created = time.Now().UTC().Format(time.RFC3339)
}

// writeSidecar writes the summary as indented JSON, atomically.
func (s *summary) writeSidecar(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("record: provenance: %w", err)
	}
	return writeAtomic(SidecarPath(path), append(b, '\n'))
}

// asciiJSON is the provenance as one line of JSON with every non-ASCII
// rune escaped: PNG tEXt chunks are Latin-1, and an ffmpeg argument is
// safest in ASCII.
func asciiJSON(v any) string {
	b, _ := json.Marshal(v)
	var out strings.Builder
	for _, r := range string(b) {
		switch {
		case r < 0x80:
			out.WriteRune(r)
		case r > 0xffff:
			r1, r2 := (r-0x10000)>>10+0xd800, (r-0x10000)&0x3ff+0xdc00
			fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
	}
	return out.String()
}

// writeAtomic writes data to path whole or not at all.
func writeAtomic(path string, data []byte) error {
	return createAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// createAtomic runs write on a temporary file beside path and renames it
// into place when write succeeds (package atomicfile).
func createAtomic(path string, write func(w io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// checkSize reports a frame whose size is not the recording's.
func checkSize(img *image.RGBA, w, h int) error {
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		return fmt.Errorf("record: frame is %d×%d, recording is %d×%d", b.Dx(), b.Dy(), w, h)
	}
	return nil
}

// tail is the last few lines of a child's stderr, for an error message.
func tail(b *bytes.Buffer) string {
	s := strings.TrimSpace(b.String())
	lines := strings.Split(s, "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, " / ")
}
