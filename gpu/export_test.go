package gpu

import (
	"fmt"
	"path"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// The program tests live in package gpu_test, since only it may import
// gputest (which imports gpu); these reach compile and the linker for them.

// CompileForTest compiles src as file with prefix (common code) before it,
// as every pass is compiled, and deletes the shader if it compiled.
func CompileForTest(file string, typ uint32, prefix, src string) error {
	sh, err := compile(file, typ, Defines{"WG_X": 16}.header(), prefix, src)
	if err == nil {
		gl.DeleteShader(sh)
	}
	return err
}

// BuildForTest builds and links a program from the named sources, each
// stage's type taken from its extension, and deletes it if it linked.
func BuildForTest(name string, sources map[string]string, files ...string) error {
	types := map[string]uint32{".comp": gl.COMPUTE_SHADER, ".vert": gl.VERTEX_SHADER, ".frag": gl.FRAGMENT_SHADER}
	var stages []stage
	for _, f := range files {
		stages = append(stages, stage{f, types[path.Ext(f)]})
	}
	source := func(f string) (string, error) {
		s, ok := sources[f]
		if !ok {
			return "", fmt.Errorf("no source %q", f)
		}
		return s, nil
	}
	p, err := newProgramFrom(source, name, Defines{}.header(), "", stages...)
	p.release()
	return err
}
