package session

import (
	"io"
	"os"
	"time"

	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/changes"
)

// runHeadless runs -steps steps without drawing, in chunks between
// which it looks for a signal and writes the rows -metrics asks for; the
// changes of -changes apply before the steps they name, as in the window.
func runHeadless(c *Config, sigs <-chan os.Signal, stdout, stderr io.Writer) int {
	ob, release, err := c.observe(backend.Config{Warn: stderr}, stderr, true)
	if err != nil {
		return fail(stderr, err)
	}
	defer release()
	b, obs := ob.Backend, ob.o

	var got os.Signal
	start := time.Now()
	const stepsPerCheck = 50 // steps between checks for a signal
	end := c.maxSteps()
	pending, logChange := c.Changes, c.logChange(stderr)
	for b.T() < end && got == nil {
		if pending, err = changes.Step(ob, pending, int(min(stepsPerCheck, end-b.T())), logChange); err != nil {
			if sourceEnded(stderr, err) {
				break
			}
			return fail(stderr, err)
		}
		got = poll(sigs)
	}
	m, err := b.Measures() // waits for the last step to finish
	elapsed := time.Since(start)
	if err != nil {
		return fail(stderr, err)
	}
	code := exitFor(got)
	if err := obs.finish(); err != nil {
		fail(stderr, err)
		code = ExitFailure
	}
	done := b.T() - c.t0()
	sum := newSummary(c, m, done, float64(done)/elapsed.Seconds(), b.Renderer())
	if g, ok := b.(interface{ GL() string }); ok {
		sum.GL = g.GL() // a gpu backend's context; a CPU engine has none
	}
	printSummary(stdout, sum)
	return code
}
