package session

import (
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/record"
	"github.com/spikecast/spikecast/version"
	"github.com/spikecast/spikecast/viz"
)

// provenance is what a recording says of the run that made it.
func (c *Config) provenance(ctx *gpu.Context, firstStep int64, stepsPerFrame int) record.Provenance {
	return record.Provenance{
		Program:       "spikecast",
		Version:       version.String(),
		Args:          c.Args,
		Params:        paramsJSON(c.Params),
		Run:           c.runFlags(),
		Seed:          c.Params.Seed,
		Backend:       c.Backend,
		Renderer:      ctx.Renderer,
		GLVersion:     ctx.Version,
		FirstStep:     firstStep,
		StepsPerFrame: stepsPerFrame,
		Title:         c.Title,
		Changes:       &c.changeLog,
	}
}

// runRecord runs -headless -record: the window's frame loop drawing into
// an offscreen -width×-height target, a frame every -steps_per_frame
// steps, ⌊-steps/-steps_per_frame⌋ frames, as fast as the machine allows.
// -load, -save, -metrics and the progress line work as in any headless
// run. A signal ends the run early with every file finalised.
func runRecord(c *Config, sigs <-chan os.Signal, stdout, stderr io.Writer) int {
	ctx, err := backend.NewHeadlessContext(c.GL, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	defer ctx.Release()
	ob, release, err := c.observe(backend.Config{Context: ctx}, stderr, true)
	if err != nil {
		return fail(stderr, err)
	}
	defer release()
	b, obs := ob.Backend, ob.o

	var got os.Signal
	start := time.Now()
	res, err := draw(ctx, b, c, func(v *viz.Viz, d backend.Display) (viz.Result, error) {
		return viz.Loop(ctx, v, ob, d, viz.LoopOptions{
			Width: c.Width, Height: c.Height, FPS: c.FPS,
			StepsPerFrame: c.StepsPerFrame,
			MaxSteps:      c.maxSteps(),
			Renderer:      ctx.Renderer,
			Caption:       c.Title,
			RecordAtStart: true,
			Changes:       c.Changes,
			OnChange:      c.logChange(stderr),
			StartRecording: func(w, h int, firstStep int64, k int) (viz.Recorder, string, error) {
				r, err := record.New(c.Record, w, h, c.FPS, c.provenance(ctx, firstStep, k))
				if err != nil {
					return nil, c.Record, err
				}
				return record.Async(r, 3), c.Record, nil
			},
			Interrupted: func() bool { got = poll(sigs); return got != nil },
		})
	})
	if err != nil && !sourceEnded(stderr, err) {
		return fail(stderr, err)
	}
	m, err := b.Measures()
	if err != nil {
		return fail(stderr, err)
	}
	elapsed := time.Since(start).Seconds()
	code := exitFor(got)
	if err := obs.finish(); err != nil {
		fail(stderr, err)
		code = ExitFailure
	}
	done := b.T() - c.t0()
	sum := newSummary(c, m, done, float64(done)/elapsed, ctx.Renderer)
	sum.FPS, sum.Frames, sum.Record, sum.GL = round(float64(res.Recorded)/elapsed, 1), res.Recorded, c.Record, ctx.GL
	printSummary(stdout, sum)
	return code
}

// liveRecorder starts the window's recordings: the first to -record, if
// given, later ones beside it numbered -2, -3, …; without -record, to a
// timestamped file in the working directory (MP4 where ffmpeg is
// installed, GIF otherwise).
type liveRecorder struct {
	c     *Config
	ctx   *gpu.Context
	count int
}

func (l *liveRecorder) start(w, h int, firstStep int64, stepsPerFrame int) (viz.Recorder, string, error) {
	l.count++
	path := l.c.Record
	switch {
	case path == "":
		ext := ".mp4"
		if _, err := exec.LookPath("ffmpeg"); err != nil {
			ext = ".gif"
		}
		path = freshName("spikecast-"+time.Now().Format("20060102-150405"), ext)
	case l.count > 1:
		path = numbered(path, l.count)
	}
	if err := record.Check(path); err != nil {
		return nil, path, err
	}
	prov := l.c.provenance(l.ctx, firstStep, stepsPerFrame)
	prov.Live = true
	r, err := record.New(path, w, h, l.c.FPS, prov)
	if err != nil {
		return nil, path, err
	}
	return record.Async(r, 4), path, nil
}

// numbered puts -k before a path's extension, or after a directory's
// name: talk.mp4 → talk-2.mp4, frames/ → frames-2/.
func numbered(path string, k int) string {
	if kind, _ := record.KindOf(path); kind == record.Frames {
		return filepath.Clean(path) + fmt.Sprintf("-%d/", k)
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + fmt.Sprintf("-%d", k) + ext
}

// snapshot writes a screenshot with the run's provenance in its text
// chunks, to spikecast-<step>.png in the working directory.
func (l *liveRecorder) snapshot(img *image.RGBA, step int64) (string, error) {
	path := fmt.Sprintf("spikecast-%d.png", step)
	return path, record.WritePNG(path, img, record.ProvenanceText(l.c.provenance(l.ctx, step, 0)))
}

// freshName returns base+ext, or base-2+ext, base-3+ext, … whichever does
// not exist yet, so two recordings started within a second keep both.
func freshName(base, ext string) string {
	name := base + ext
	for k := 2; ; k++ {
		if _, err := os.Stat(name); os.IsNotExist(err) {
			return name
		}
		name = fmt.Sprintf("%s-%d%s", base, k, ext)
	}
}
