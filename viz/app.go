package viz

import (
	"image"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/spikecast/spikecast/changes"
	"github.com/spikecast/spikecast/cpuref"
)

// LoopOptions configure the frame loop.
type LoopOptions struct {
	// Window, when set, is the surface: the loop handles its input and
	// swaps it. Without it, frames are drawn into an offscreen
	// Width×Height target, each exactly StepsPerFrame steps after the
	// last (step-locked), with measures waited for so a frame does not
	// depend on timing: a recording made headless.
	Window        *glfw.Window
	Width, Height int
	// FPS is an offscreen recording's playback rate: its header shows
	// the video's rates (StepsPerFrame·FPS steps/s, FPS frames/s), not
	// this machine's, so the frames are the same wherever they are made.
	FPS float64
	// Initial is the state R returns to (the loaded checkpoint's, or the
	// initial one).
	Initial *cpuref.State
	// Pointer, when set, is told the cell under the mouse whenever it
	// moves over the input panel (for -env mouse).
	Pointer       func(row, col int)
	StepsPerFrame int
	MaxSteps      int64       // stop at this step count; 0: until closed
	Interrupted   func() bool // polled every frame; true ends the loop
	Renderer      string
	// Screenshot, when set, is a PNG path the last frame is written to
	// when the loop ends (however it ends).
	Screenshot string
	// Save, when set, is called when S is pressed and returns the path
	// of the checkpoint it wrote; the window flashes the result.
	Save func() (string, error)
	// Caption is drawn along the bottom of every frame (-title).
	Caption string
	// StartRecording, when set, lets V record: it is called with the
	// framebuffer size, the step of the first frame and the steps per
	// frame, and returns the recorder and the path it writes.
	StartRecording func(w, h int, firstStep int64, stepsPerFrame int) (Recorder, string, error)
	// RecordAtStart starts a recording with the first frame (-record).
	RecordAtStart bool
	// Snapshot, when set, writes the screenshot P or F12 takes and returns
	// its path; without it, P writes spikecast-<step>.png.
	Snapshot func(img *image.RGBA, step int64) (string, error)
	// Changes are parameter changes to make at given steps (-changes),
	// in step order; the loop runs the steps up to each and applies it,
	// so a run with live changes can be repeated exactly.
	Changes []Change
	// OnChange, when set, is told of every change made (from Changes or
	// a key), after it has taken effect, with the step it applies from.
	OnChange func(Change)
}

// Change is a parameter change at a step (-changes, or a key).
type Change = changes.Change

// applyChange returns p with c's parameter set, validated.
func applyChange(p cpuref.Params, c Change) (cpuref.Params, error) { return changes.Apply(p, c) }

// Recorder takes recorded frames; record.Recorder is one.
type Recorder interface {
	WriteFrame(img *image.RGBA) error
	Close() error
}

// Result summarises a run of the loop.
type Result struct {
	Steps       int64 // the step count reached
	Frames      int64 // frames drawn
	Recorded    int64 // frames recorded, over all recordings
	Seconds     float64
	FPS         float64
	Measures    cpuref.Measures
	Interrupted bool
	// Recordings are the files recorded, each finalised; RecordErr is
	// the first recording error (the run goes on without recording).
	Recordings []string
	RecordErr  error
}
