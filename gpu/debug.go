package gpu

import (
	"fmt"
	"unsafe"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// Fault is a KHR_debug message that reports a fault: one of type ERROR or
// of severity HIGH, from any source but the shader compiler. A context
// made with Options.Debug records every one.
type Fault struct {
	Source, Type, ID, Severity uint32
	Message                    string
}

func (f Fault) String() string {
	return fmt.Sprintf("GL %s (%s, %s severity, id %d): %s",
		debugTypeName(f.Type), debugSourceName(f.Source), debugSeverityName(f.Severity), f.ID, f.Message)
}

// Faults returns the faults recorded since the last call and forgets
// them. It may be called from any goroutine. Without Options.Debug it
// returns nil.
func (c *Context) Faults() []Fault {
	c.faultsMu.Lock()
	defer c.faultsMu.Unlock()
	f := c.faults
	c.faults = nil
	return f
}

// installDebug turns on KHR_debug output into c's fault list. Output is
// synchronous, so a message arrives inside the GL call that caused it, on
// the context's thread, and a test can tell which call that was.
func (c *Context) installDebug() error {
	var flags int32
	gl.GetIntegerv(gl.CONTEXT_FLAGS, &flags)
	if flags&gl.CONTEXT_FLAG_DEBUG_BIT == 0 {
		return fmt.Errorf("gpu: asked for a debug context, got one without GL_CONTEXT_FLAG_DEBUG_BIT (%s)", c.Renderer)
	}
	gl.Enable(gl.DEBUG_OUTPUT)
	gl.Enable(gl.DEBUG_OUTPUT_SYNCHRONOUS)
	// go-gl keeps one callback per process; only one Context exists at a
	// time (it owns GLFW), so this one is it.
	gl.DebugMessageCallback(func(source, typ, id, severity uint32, _ int32, msg string, _ unsafe.Pointer) {
		// The compiler's messages come back from compile and link as
		// errors with the source around them; Mesa also sends its warnings
		// at severity HIGH.
		if source == gl.DEBUG_SOURCE_SHADER_COMPILER || typ != gl.DEBUG_TYPE_ERROR && severity != gl.DEBUG_SEVERITY_HIGH {
			return
		}
		c.faultsMu.Lock()
		c.faults = append(c.faults, Fault{Source: source, Type: typ, ID: id, Severity: severity, Message: msg})
		c.faultsMu.Unlock()
	}, nil)
	return nil
}

func debugTypeName(t uint32) string {
	switch t {
	case gl.DEBUG_TYPE_ERROR:
		return "error"
	case gl.DEBUG_TYPE_DEPRECATED_BEHAVIOR:
		return "deprecated behaviour"
	case gl.DEBUG_TYPE_UNDEFINED_BEHAVIOR:
		return "undefined behaviour"
	case gl.DEBUG_TYPE_PORTABILITY:
		return "portability"
	case gl.DEBUG_TYPE_PERFORMANCE:
		return "performance"
	}
	return fmt.Sprintf("message type 0x%x", t)
}

func debugSourceName(s uint32) string {
	switch s {
	case gl.DEBUG_SOURCE_API:
		return "api"
	case gl.DEBUG_SOURCE_WINDOW_SYSTEM:
		return "window system"
	case gl.DEBUG_SOURCE_SHADER_COMPILER:
		return "shader compiler"
	case gl.DEBUG_SOURCE_THIRD_PARTY:
		return "third party"
	case gl.DEBUG_SOURCE_APPLICATION:
		return "application"
	}
	return fmt.Sprintf("source 0x%x", s)
}

func debugSeverityName(s uint32) string {
	switch s {
	case gl.DEBUG_SEVERITY_HIGH:
		return "high"
	case gl.DEBUG_SEVERITY_MEDIUM:
		return "medium"
	case gl.DEBUG_SEVERITY_LOW:
		return "low"
	case gl.DEBUG_SEVERITY_NOTIFICATION:
		return "notification"
	}
	return fmt.Sprintf("0x%x", s)
}
