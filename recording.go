package main

import (
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/record"
	"github.com/spikecast/spikecast/viz"
)

// checkRecord validates the recording flags before anything runs, so a
// run is never lost at its end to a typo, a read-only directory or a
// missing ffmpeg.
func (c *config) checkRecord() error {
	if !(c.fps >= 1 && c.fps <= 240) {
		return &usageError{fmt.Sprintf("invalid -fps %v: want a number in [1, 240]", c.fps)}
	}
	if c.record == "" {
		if c.title != "" && c.headless {
			return &usageError{"invalid -title with -headless and no -record: the caption is drawn on recorded frames"}
		}
		return nil
	}
	if c.bench {
		return &usageError{"invalid -record with -bench: a benchmark records nothing"}
	}
	if err := record.Check(c.record); err != nil {
		return &usageError{fmt.Sprintf("invalid -record %q: %s", c.record, strings.TrimPrefix(err.Error(), "record: "))}
	}
	if c.headless && c.steps > 0 && c.steps < c.stepsPerFrame {
		return &usageError{fmt.Sprintf("invalid -steps %d with -record and -steps_per_frame %d: no frame would be recorded (want -steps ≥ -steps_per_frame)", c.steps, c.stepsPerFrame)}
	}
	return nil
}

// provenance is what a recording says of the run that made it.
func (c *config) provenance(ctx *gpu.Context, firstStep int64, stepsPerFrame int) record.Provenance {
	return record.Provenance{
		Program:       "spikecast",
		Args:          c.args,
		Params:        c.params,
		Seed:          c.params.Seed,
		Backend:       c.backend,
		Renderer:      ctx.Renderer,
		GLVersion:     ctx.Version,
		FirstStep:     firstStep,
		StepsPerFrame: stepsPerFrame,
		Title:         c.title,
	}
}

// recordScale is the UI scale of an offscreen frame: 1 at the window's
// default 1280×800, larger for a bigger frame so that text stays legible
// in a full-HD or 4K video.
func recordScale(w, h int) float32 {
	return max(1, min(float32(w)/1280, float32(h)/800))
}

// runRecord runs -headless -record: every -steps_per_frame steps it draws
// a frame offscreen at -width×-height and hands it to the recorder,
// -steps/-steps_per_frame frames in all, as fast as the machine allows.
// A signal ends the run early with the file finalised.
func runRecord(c *config, sigs <-chan os.Signal, stdout, stderr io.Writer) int {
	ctx, err := newHeadless(&c.glFlags, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "spikecast: %v\n", err)
		return exitFailure
	}
	defer ctx.Release()

	var got os.Signal
	var frames int64
	var m cpuref.Measures
	var done int64
	start := time.Now()
	err = ctx.Do(func() error {
		p := c.params
		init := cpuref.NewState(p)
		// As in the window: the gpu.Sim holds the buffers the panels
		// draw; with -backend cpu it is only loaded from the reference.
		sim, err := gpu.New(p, init, cpuref.NewStimulus(p))
		if err != nil {
			return err
		}
		defer sim.Release()
		var ref *cpuref.Sim
		if c.backend == "cpu" {
			ref = cpuref.NewFrom(p, init, cpuref.NewStimulus(p))
			ref.SetWorkers(c.workers)
		}
		step := func(k int) error {
			if ref == nil {
				return sim.Run(k)
			}
			for range k {
				ref.Step()
			}
			return sim.LoadDisplay(ref.State, ref.Frame(), ref.Target())
		}
		// Measures are read every frame and waited for: the window reads
		// them asynchronously, which would make a frame depend on timing.
		measures := func() (cpuref.Measures, int64, error) {
			if ref != nil {
				return ref.Measures(), ref.State.T, nil
			}
			m, err := sim.Measures()
			return m, sim.T, err
		}

		v, err := viz.New(sim, viz.Options{Afterglow: float32(c.afterglow)})
		if err != nil {
			return err
		}
		defer v.Release()
		w, h, k := c.width, c.height, c.stepsPerFrame
		target, err := viz.NewTarget(w, h)
		if err != nil {
			return err
		}
		defer target.Release()
		rb := viz.NewReadback(w, h)
		defer rb.Release()
		r, err := record.New(c.record, w, h, c.fps, c.provenance(ctx, int64(k), k))
		if err != nil {
			return err
		}
		rec := record.Async(r, 3)
		defer rec.Close() // finalises what was recorded when a step fails

		// Steps per second and frames per second in the header are those
		// of the video, not of this machine: the frames are the same
		// wherever they are made.
		stats := viz.Stats{N: p.N, Backend: c.backend, Renderer: ctx.Renderer, Learn: true,
			StepsPerFrame: k, StepsPerS: float64(k) * c.fps, FPS: c.fps}
		scale := recordScale(w, h)
		for f := 0; f < c.steps/k && got == nil; f++ {
			if err := step(k); err != nil {
				return err
			}
			v.Update()
			var t int64
			if m, t, err = measures(); err != nil {
				return err
			}
			v.Curve.Add(t, m.F1, m.HiddenRate)
			if v.Camera.Auto {
				v.Camera.Yaw += 0.004 // the window's turn per frame
			}
			stats.Step, stats.F1, stats.Precision, stats.Recall, stats.HiddenRate = t, m.F1, m.Precision, m.Recall, m.HiddenRate
			target.Bind()
			if err := v.Draw(w, h, scale, stats); err != nil {
				return err
			}
			if err := v.DrawCaption(w, h, scale, c.title); err != nil {
				return err
			}
			img, err := rb.Push()
			if err != nil {
				return err
			}
			if img != nil {
				if err := rec.WriteFrame(img); err != nil {
					return err
				}
			}
			frames++
			select {
			case got = <-sigs:
			default:
			}
		}
		img, err := rb.Flush()
		if err != nil {
			return err
		}
		if img != nil {
			if err := rec.WriteFrame(img); err != nil {
				return err
			}
		}
		if err := rec.Close(); err != nil {
			return err
		}
		if rest := c.steps % k; got == nil && rest > 0 {
			if err := step(rest); err != nil {
				return err
			}
		}
		m, done, err = measures()
		return err
	})
	if err != nil {
		fmt.Fprintf(stderr, "spikecast: %v\n", err)
		return exitFailure
	}
	elapsed := time.Since(start).Seconds()
	sum := newSummary(c, m, done, float64(done)/elapsed, ctx.Renderer)
	sum.GL = ctx.GL
	sum.FPS, sum.Frames, sum.Record = round(float64(frames)/elapsed, 1), frames, c.record
	printSummary(stdout, sum)
	return exitFor(got)
}

// liveRecorder starts the window's recordings: the first to -record, if
// given, later ones beside it numbered -2, -3, …; without -record, to a
// timestamped file in the working directory (MP4 where ffmpeg is
// installed, GIF otherwise).
type liveRecorder struct {
	c     *config
	ctx   *gpu.Context
	count int
}

func (l *liveRecorder) start(w, h int, firstStep int64, stepsPerFrame int) (viz.Recorder, string, error) {
	l.count++
	path := l.c.record
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
	r, err := record.New(path, w, h, l.c.fps, prov)
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
