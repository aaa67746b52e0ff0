package record

import (
	"bytes"
	"fmt"
	"image"
	"io"
	"os/exec"
	"strconv"
	"sync"

	"github.com/spikecast/spikecast/atomicfile"
)

// mp4 pipes raw RGBA frames into an ffmpeg child that encodes H.264 into
// a temporary file beside the target, renamed into place on Close.
type mp4 struct {
	path      string
	out       *atomicfile.File // the file ffmpeg writes, by name
	s         *summary
	cmd       *exec.Cmd
	stdin     io.WriteCloser
	stderr    bytes.Buffer
	frames    int
	closeOnce sync.Once
	closeErr  error
	writeErr  error
}

func newMP4(path string, s *summary) (*mp4, error) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, fmt.Errorf("record: ffmpeg is not on PATH (apt-get install ffmpeg): %w", err)
	}
	// ffmpeg writes the temporary file by name; committing it renames
	// it into place.
	out, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	tmp := out.Name()
	m := &mp4{path: path, out: out, s: s}
	args := []string{
		"-hide_banner", "-loglevel", "error", "-y",
		"-f", "rawvideo", "-pix_fmt", "rgba",
		"-s", fmt.Sprintf("%dx%d", s.Width, s.Height),
		"-framerate", strconv.FormatFloat(s.FPS, 'g', -1, 64),
		"-i", "pipe:0",
		// yuv420p halves chroma in both directions: an odd side is
		// cropped by one pixel rather than refused.
		"-vf", "crop=trunc(iw/2)*2:trunc(ih/2)*2",
		"-c:v", "libx264", "-preset", preset(s.Live), "-crf", "18",
		"-pix_fmt", "yuv420p", "-movflags", "+faststart",
		"-metadata", "comment=" + asciiJSON(s.Provenance),
	}
	if s.Title != "" {
		args = append(args, "-metadata", "title="+s.Title)
	}
	args = append(args, "-f", "mp4", tmp)
	m.cmd = exec.Command(ffmpeg, args...)
	m.cmd.Stderr = &m.stderr
	// Its own process group: Ctrl-C in the terminal reaches spikecast,
	// which then ends the input; ffmpeg killed mid-file would leave a
	// file without its index.
	m.cmd.SysProcAttr = ownProcessGroup()
	if m.stdin, err = m.cmd.StdinPipe(); err != nil {
		out.Discard()
		return nil, fmt.Errorf("record: ffmpeg: %w", err)
	}
	if err := m.cmd.Start(); err != nil {
		out.Discard()
		return nil, fmt.Errorf("record: start ffmpeg: %w", err)
	}
	return m, nil
}

func (m *mp4) WriteFrame(img *image.RGBA) error {
	if m.writeErr != nil {
		return m.writeErr
	}
	if err := checkSize(img, m.s.Width, m.s.Height); err != nil {
		return err
	}
	row := 4 * m.s.Width
	var err error
	if img.Stride == row {
		_, err = m.stdin.Write(img.Pix[:row*m.s.Height])
	} else {
		for y := 0; y < m.s.Height && err == nil; y++ {
			_, err = m.stdin.Write(img.Pix[y*img.Stride : y*img.Stride+row])
		}
	}
	if err != nil {
		m.writeErr = fmt.Errorf("record: ffmpeg stopped taking frames: %v (%s)", err, tail(&m.stderr))
		return m.writeErr
	}
	m.frames++
	return nil
}

func (m *mp4) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.close() })
	return m.closeErr
}

func (m *mp4) close() error {
	m.stdin.Close() // end of input: ffmpeg writes the trailer and exits
	if err := m.cmd.Wait(); err != nil {
		m.out.Discard()
		return fmt.Errorf("record: ffmpeg: %v: %s", err, tail(&m.stderr))
	}
	if m.writeErr != nil {
		m.out.Discard()
		return m.writeErr
	}
	if m.frames == 0 {
		// ffmpeg writes no usable file from no input.
		m.out.Discard()
		return fmt.Errorf("record: %s: no frame was recorded", m.path)
	}
	if err := m.out.Commit(); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	m.s.finish(m.frames)
	return m.s.writeSidecar(m.path)
}

// preset is x264's speed/size trade-off: "medium" offline; "ultrafast" live,
// where encoding competes with rendering for the CPU (at n=256, 1280×720,
// on two cores with llvmpipe: the window keeps 74% of its frame rate, against
// 60% with "medium"; the file is about four times larger).
func preset(live bool) string {
	if live {
		return "ultrafast"
	}
	return "medium"
}
