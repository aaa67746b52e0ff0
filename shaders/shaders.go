// Package shaders holds the GLSL sources of spikecast, embedded into the
// binary. A compute pass named X lives in X.comp and matches the function
// of the same name in package cpuref. common.glsl is prepended to every
// compute pass; constants shared with Go are injected as #defines by
// package gpu, so they are written once.
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
