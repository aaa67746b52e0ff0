package gpu_test

import (
	"strings"
	"testing"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/gpu/gputest"
)

// TestCompileErrorNamesFileLineAndSource: a compute pass with an error on
// its 5th line fails with the file's name, the line as the file numbers
// it (not as the header and common code shift it), and the source around
// it with "> " on the offending line; an error in the common code names
// common.glsl and its line.
func TestCompileErrorNamesFileLineAndSource(t *testing.T) {
	src := strings.Join([]string{
		"// uses: V",
		"layout(local_size_x = WG_X) in;",
		"void main() {",
		"    float a = 1.0;",
		"    float b = a + undeclared_thing;",
		"    a = b;",
		"}",
	}, "\n")
	common := "// common code\nfloat helper(float x) { return x; }\n"
	for _, c := range []struct {
		name         string
		prefix, file string
		wantIn       string // the file the context lines are from
		wantLine     string // the marked line
		wantAt       string // the first message's location
	}{
		{"in the pass", common, src, "in broken.comp:", ">    5 |     float b = a + undeclared_thing;", "broken.comp:5"},
		// Mesa keeps #line's source number for a syntax error only.
		{"syntax error", common, "layout(local_size_x = 1) in;\nvoid main() {\n    float b = ;\n}\n",
			"in broken.comp:", ">    3 |     float b = ;", "broken.comp:3"},
		// An error in the common code is shown from common.glsl.
		{"in common code", "// common code\nfloat helper(float x) { return y; }\n", "layout(local_size_x = 1) in;\nvoid main() {}\n",
			"in common.glsl:", ">    2 | float helper(float x) { return y; }", "common.glsl:2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			gputest.Do(t, func() error {
				err = gpu.CompileForTest("broken.comp", gl.COMPUTE_SHADER, c.prefix, c.file)
				return nil
			})
			if err == nil {
				t.Fatal("a broken shader compiled")
			}
			msg := err.Error()
			t.Logf("%s", msg)
			for _, want := range []string{"gpu: compile broken.comp: " + c.wantAt, c.wantIn, c.wantLine} {
				if !strings.Contains(msg, want) {
					t.Errorf("error does not say %q", want)
				}
			}
			if strings.Count(msg, "> ") != 1 {
				t.Errorf("want exactly one marked line")
			}
		})
	}
}

// TestLinkErrorNamesProgram: stages that compile but do not link (a
// fragment shader reading an input no vertex shader writes; a compute
// shader without main) fail with the program's name and the linker's log.
func TestLinkErrorNamesProgram(t *testing.T) {
	cases := []struct {
		name    string
		sources map[string]string
		files   []string
	}{
		{"no main", map[string]string{"nomain.comp": "layout(local_size_x = 1) in;\nvoid helper() {}\n"}, []string{"nomain.comp"}},
		{"unmatched varying", map[string]string{
			"a.vert": "void main() { gl_Position = vec4(0.0); }\n",
			"b.frag": "in vec3 vColour;\nout vec4 frag;\nvoid main() { frag = vec4(vColour, 1.0); }\n",
		}, []string{"a.vert", "b.frag"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			gputest.Do(t, func() error {
				err = gpu.BuildForTest(c.name, c.sources, c.files...)
				return nil
			})
			if err == nil {
				t.Fatal("linked")
			}
			t.Logf("%v", err)
			if want := "gpu: link " + c.name + ": "; !strings.HasPrefix(err.Error(), want) || len(err.Error()) <= len(want) {
				t.Errorf("error %q does not start with %q and the linker's log", err, want)
			}
		})
	}
}
