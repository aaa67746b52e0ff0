// Package shaders holds the GLSL sources of spikecast, embedded into the
// binary. A compute pass named X lives in X.comp and computes the same
// bits as cpuref's function of the same name (in cpuref/X.go), operation
// for operation, and as cpufast's pass of the same name, which may order
// its work differently for speed where its file says so
// (docs/CPUFAST.md). common.glsl is prepended to every compute pass and
// holds what passes share, the cell update of both hidden layers
// (updateCell) among it; constants shared with Go are injected as
// #defines by package gpu, so they are written once.
package shaders

import (
	"embed"
	"fmt"
)

//go:embed *.glsl *.comp *.vert *.frag
var files embed.FS

// Source returns the text of the named shader file.
func Source(name string) (string, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("shaders: no shader %q", name)
	}
	return string(b), nil
}
