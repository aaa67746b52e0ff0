package gpu_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/gpu/gputest"
)

// errorRecorder is a testing.TB that keeps what Errorf says instead of
// failing, to check that gputest fails a test on a GL fault.
type errorRecorder struct {
	testing.TB
	errs []string
}

func (r *errorRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestGLFaultIsCaught: a deliberate GL error (glBindBufferBase with a
// target that does not exist) reaches the debug callback inside the call
// that made it, and gputest.Do reports it as a test failure.
func TestGLFaultIsCaught(t *testing.T) {
	ctx := gputest.Context(t)
	gputest.CheckGL(t) // start clean

	var glErr uint32
	if err := ctx.Do(func() error {
		gl.BindBufferBase(0xDEAD, 0, 0)
		glErr = gl.GetError()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if glErr != gl.INVALID_ENUM {
		t.Errorf("glGetError after glBindBufferBase(0xDEAD) = 0x%x, want GL_INVALID_ENUM", glErr)
	}
	faults := ctx.Faults()
	if len(faults) != 1 || faults[0].Type != gl.DEBUG_TYPE_ERROR {
		t.Fatalf("debug callback recorded %v, want one GL error", faults)
	}
	t.Logf("caught: %v", faults[0])
	if got := ctx.Faults(); got != nil {
		t.Errorf("Faults did not forget what it returned: %v", got)
	}

	// Through gputest.Do the same error fails the test that made it.
	rec := &errorRecorder{TB: t}
	gputest.Do(rec, func() error {
		gl.BindBufferBase(0xDEAD, 0, 0)
		gl.GetError()
		return nil
	})
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "GL error") {
		t.Errorf("gputest.Do after a GL error reported %q, want one \"GL error\"", rec.errs)
	}
	// And a clean call reports nothing.
	rec.errs = nil
	gputest.Do(rec, func() error { gl.Finish(); return nil })
	if len(rec.errs) != 0 {
		t.Errorf("gputest.Do after a clean call reported %q", rec.errs)
	}
}
