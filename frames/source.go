// Package frames feeds the network your own frames (-frames): a video
// file or one of ffmpeg's synthetic sources (decoded by an ffmpeg child
// that streams grey frames to a pipe), an animated GIF, a directory of
// PNG/JPEG frames in name order, or a NumPy .npy array (T, H, W) of uint8,
// bool or float32. Each frame is scaled to n×n by area averaging (after a
// centre crop to square with -crop; else stretched), taken as brightness
// in [0, 1], and made binary by -threshold or by an event camera's rule
// (-events, -polarity); docs/MODEL.md §8 gives the rules.
//
// A Source is a cpuref.FrameSource: both backends read the same bit sets.
// Frames stream through a small ring, decoded ahead on a goroutine of
// their own, so memory does not grow with the source's length: every
// kind is decoded a frame at a time (a GIF too: gif.go), and a frame's
// size is checked from the file's header against the limits of limits.go
// before anything of that size is allocated.
package frames

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spikecast/spikecast/cpuref"
)

// hashFrames is how many of the first frames a fingerprint hashes.
const hashFrames = 4

// Info is what Probe learns of a source before a run.
type Info struct {
	Source        string
	Kind          string // KindVideo, KindLavfi, KindGIF, KindImages, KindNPY
	Width, Height int    // of the first frame
	Frames        int64  // -1 where unknown before the end (video, lavfi)
	Hash          string // SHA-256 (first 16 hex digits) of the first frames' brightness
}

// ID is the fingerprint a checkpoint keeps (Params.FramesID): the kind,
// size, frame count where known and the hash of the first frames.
func (i Info) ID() string {
	count := "?"
	if i.Frames >= 0 {
		count = fmt.Sprint(i.Frames)
	}
	return fmt.Sprintf("%s %dx%d frames=%s sha256=%s", i.Kind, i.Width, i.Height, count, i.Hash)
}

// Error is a source that cannot be used: it names the source and what is
// wrong, in one line.
type Error struct {
	Source string
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %v", e.Source, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Probe opens src and reads its header and first frames: what the flag
// check does before any step runs. It fails with an *Error when the
// source is missing, unreadable, of an unsupported format or has no
// frames, when a .npy has the wrong dtype or rank, when ffmpeg is missing
// or rejects it.
func Probe(src string) (Info, error) {
	info := Info{Source: src, Frames: -1}
	kind, err := kindOf(src)
	if err != nil {
		return info, &Error{src, err}
	}
	info.Kind = kind
	d, err := openLimited(src, kind)
	if err != nil {
		return info, &Error{src, err}
	}
	defer d.close()
	h := sha256.New()
	for i := 0; i < hashFrames; i++ {
		g, err := d.next()
		if err == io.EOF {
			if i == 0 {
				return info, &Error{src, errors.New("no frames")}
			}
			break
		}
		if err != nil {
			return info, &Error{src, err}
		}
		if i == 0 {
			info.Width, info.Height = g.w, g.h
		}
		fmt.Fprintf(h, "%dx%d;", g.w, g.h)
		for _, v := range g.pix {
			fmt.Fprintf(h, "%08x", math.Float32bits(v))
		}
	}
	info.Hash = hex.EncodeToString(h.Sum(nil))[:16]
	switch dd := d.(type) {
	case *npyDecoder:
		info.Frames = dd.t
	case *gifDecoder:
		if info.Frames, err = countGIF(src); err != nil {
			return info, &Error{src, err}
		}
	case *imagesDecoder:
		info.Frames = int64(len(dd.names))
	}
	return info, nil
}

// openLimited opens src for a probe: ffmpeg is asked for the first
// frames only, so an endless lavfi source ends.
func openLimited(src, kind string) (decoder, error) {
	if kind == KindVideo || kind == KindLavfi {
		d, err := openFFmpeg(src, kind == KindLavfi, "-frames:v", fmt.Sprint(hashFrames))
		if err != nil {
			return nil, err
		}
		return d, nil
	}
	return open(src, kind)
}

// Settings are the parameters of a source: cpuref.Params' -frames group.
type Settings struct {
	Source    string
	N         int
	Threshold float32
	Events    float32 // above 0: the event rule instead of the threshold
	Polarity  cpuref.Polarity
	Crop      bool
	Loop      bool
}

// SettingsOf takes a source's settings from p.
func SettingsOf(p cpuref.Params) Settings {
	return Settings{Source: p.Frames, N: p.N, Threshold: p.Threshold, Events: p.Events, Polarity: p.Polarity, Crop: p.Crop, Loop: p.Loop}
}

// Source is a cpuref.FrameSource: frame t of a run is frame t of the
// source (t mod its length with Loop). A goroutine decodes and binarises
// ahead into a channel of a few frames; FrameBits keeps the last
// horizon+1, the only ones a step can ask for again. Asking for an
// earlier frame restarts decoding there (a reset or a loaded state).
type Source struct {
	set     Settings
	kind    string
	horizon int64
	words   int

	mu     sync.Mutex
	prod   *producer
	win    []frame // frames [win[0].t, win[len-1].t], consecutive
	ended  error   // the end (or failure) the producer reported
	waited atomic.Int64
	length atomic.Int64 // frames in the source, once known (0: not yet)
}

// frame is one binary frame of the stream, or the error that ends it.
type frame struct {
	t    int64
	bits []uint32
	err  error
}

// ahead is how many decoded frames wait in the channel.
const ahead = 8

// New opens the source p.Frames for a network predicting p.Horizon steps
// ahead; p must be valid. The first frame it will be asked for is t0.
func New(p cpuref.Params, t0 int64) (*Source, error) {
	set := SettingsOf(p)
	kind, err := kindOf(set.Source)
	if err != nil {
		return nil, &Error{set.Source, err}
	}
	s := &Source{set: set, kind: kind, horizon: int64(p.Horizon), words: cpuref.PlainWords(p.N)}
	s.start(t0)
	return s, nil
}

// Frame implements cpuref.Stimulus: a frame source has no rectangles.
func (s *Source) Frame(t int64, dst []cpuref.Rect) []cpuref.Rect { return dst }

// Waited is the time FrameBits has spent waiting for the decoder: the
// source is the bottleneck when it grows as fast as the run's time.
func (s *Source) Waited() time.Duration { return time.Duration(s.waited.Load()) }

// Length is the number of frames in the source, 0 while unknown.
func (s *Source) Length() int64 { return s.length.Load() }

// FrameBits implements cpuref.FrameSource.
func (s *Source) FrameBits(t int64, dst []uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prod == nil || len(s.win) > 0 && t < s.win[0].t || len(s.win) == 0 && t < s.prod.t0 {
		s.start(t)
	}
	if len(s.win) > 0 && t <= s.win[len(s.win)-1].t {
		copy(dst, s.win[t-s.win[0].t].bits)
		return nil
	}
	if s.ended != nil {
		return s.ended
	}
	// Far ahead of the window: restart there rather than decode through.
	if len(s.win) > 0 && t > s.win[len(s.win)-1].t+s.horizon+ahead {
		s.start(t)
	}
	start := time.Now()
	defer func() { s.waited.Add(int64(time.Since(start))) }()
	for {
		f, ok := <-s.prod.out
		if !ok || f.err != nil {
			if f.err == nil {
				f.err = &Error{s.set.Source, errors.New("decoder stopped")}
			}
			s.ended = f.err
			return f.err
		}
		s.win = append(s.win, f)
		if over := len(s.win) - int(s.horizon) - 1; over > 0 {
			s.win = append(s.win[:0], s.win[over:]...)
		}
		if f.t == t {
			copy(dst, f.bits)
			return nil
		}
	}
}

// start (re)starts decoding so that the next frame out is frame t.
func (s *Source) start(t int64) {
	if s.prod != nil {
		s.prod.stop()
	}
	s.win, s.ended = s.win[:0], nil
	s.prod = newProducer(s, t)
}

// Close stops the decoder (and an ffmpeg child). Safe to call twice.
func (s *Source) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prod != nil {
		s.prod.stop()
		s.prod = nil
	}
}

// producer is the goroutine that decodes, scales and binarises frames
// t0, t0+1, … into out.
type producer struct {
	t0   int64
	out  chan frame
	quit chan struct{}
	done chan struct{}
}

func newProducer(s *Source, t0 int64) *producer {
	p := &producer{t0: t0, out: make(chan frame, ahead), quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer close(p.out)
		p.run(s)
	}()
	return p
}

func (p *producer) stop() {
	close(p.quit)
	<-p.done
}

// send hands f on, or reports that the producer was stopped.
func (p *producer) send(f frame) bool {
	select {
	case p.out <- f:
		return true
	case <-p.quit:
		return false
	}
}

// run decodes laps of the source. Frame t of the stream is frame t of the
// source, or t mod its length with Loop; frames before t0 are decoded
// (the event rule needs them) but not sent. Each lap starts the event
// rule afresh, so a frame's bits depend only on its index in the source.
func (p *producer) run(s *Source) {
	set := s.set
	bin := newBinariser(set)
	t := p.t0
	skip := t // source index of the first frame to send
	if l := s.length.Load(); set.Loop && l > 0 {
		skip = t % l
	}
	for {
		d, err := open(set.Source, s.kind)
		if err != nil {
			p.send(frame{err: &Error{set.Source, err}})
			return
		}
		bin.reset()
		var i int64
		for ; ; i++ {
			select {
			case <-p.quit:
				d.close()
				return
			default:
			}
			g, err := d.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				d.close()
				p.send(frame{err: &Error{set.Source, err}})
				return
			}
			if i < skip && !bin.events() {
				continue // the threshold needs no history: no scaling
			}
			bits := bin.frame(g)
			if i < skip {
				continue
			}
			if !p.send(frame{t: t, bits: bits}) {
				d.close()
				return
			}
			t++
		}
		d.close()
		if i == 0 {
			p.send(frame{err: &Error{set.Source, errors.New("no frames")}})
			return
		}
		s.length.Store(i)
		if !set.Loop {
			p.send(frame{err: &EndError{Source: set.Source, Frames: i}})
			return
		}
		skip = max(skip-i, 0) % i // a lap later; at most one lap skipped again
	}
}

// EndError is the end of a source without -loop: there is no frame t,
// and the run ends with the source.
type EndError struct {
	Source string
	Frames int64
}

func (e *EndError) Error() string {
	unit := "frames"
	if e.Frames == 1 {
		unit = "frame"
	}
	return fmt.Sprintf("-frames %s: the source ended after %d %s (-loop restarts it)", e.Source, e.Frames, unit)
}

// Unwrap makes an EndError a cpuref.ErrEndOfSource.
func (e *EndError) Unwrap() error { return cpuref.ErrEndOfSource }
