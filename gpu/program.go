package gpu

import (
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/shaders"
)

// program is a linked GL program with its uniform locations cached.
type program struct {
	id       uint32
	name     string
	uniforms map[string]int32
	// declared are the uniforms its sources declare: setting any other
	// name is a typo, which GL would ignore (location −1) and which the
	// setters refuse instead.
	declared map[string]bool
}

// Defines are #define lines injected before a shader's source.
type Defines map[string]int

func (d Defines) header() string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("#version 430 core\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "#define %s %d\n", k, d[k])
	}
	return b.String()
}

// stage is one shader of a program: its file and GL type.
type stage struct {
	file string
	typ  uint32
}

// newComputeProgram builds the compute pass in file, with common.glsl and
// the defines before it.
func newComputeProgram(file string, defs Defines) (*program, error) {
	common, err := shaders.Source("common.glsl")
	if err != nil {
		return nil, fmt.Errorf("gpu: %w", err)
	}
	src, err := shaders.Source(file)
	if err != nil {
		return nil, fmt.Errorf("gpu: %w", err)
	}
	uses, err := bufferUses(file, src)
	if err != nil {
		return nil, err
	}
	d := Defines{}
	maps.Copy(d, defs)
	for _, u := range uses {
		d["USE_"+u] = 1
	}
	var gen string
	if d["BATCH"] != 0 {
		gen = generatedGLSL(batchParamDeclarations(common + src))
	} else {
		gen = generatedGLSL(cpuref.GLSLUniforms())
	}
	return newProgramFrom(shaders.Source, file, d.header()+gen, common, stage{file, gl.COMPUTE_SHADER})
}

// generatedGLSL is what every compute pass is compiled with before
// common.glsl: the declarations derived from cpuref's tables, the
// parameters' (uniforms, or a batch's parameter buffer) and the state's
// storage buffers.
func generatedGLSL(params string) string {
	return "// Generated from cpuref.Params and cpuref.State.\n" + params + bufferDeclarations()
}

// bufferUses reads the "// uses: A B C" line of a compute pass: the
// storage buffers common.glsl declares for it.
func bufferUses(file, src string) ([]string, error) {
	for _, line := range strings.Split(src, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "// uses:"); ok {
			return strings.Fields(rest), nil
		}
	}
	return nil, fmt.Errorf("gpu: %s has no \"// uses:\" line naming its buffers", file)
}

// NewGraphicsProgram builds a vertex and fragment shader pair from files
// in package shaders; prefix (may be "") goes after the defines.
func NewGraphicsProgram(vert, frag string, defs Defines, prefix string) (uint32, error) {
	p, err := newProgramFrom(shaders.Source, vert+"+"+frag, defs.header(), prefix, stage{vert, gl.VERTEX_SHADER}, stage{frag, gl.FRAGMENT_SHADER})
	if err != nil {
		return 0, err
	}
	return p.id, nil
}

// newProgramFrom compiles and links the stages, each as header, prefix
// and its file, read by source (tests give it broken ones).
func newProgramFrom(source func(file string) (string, error), name string, header, prefix string, stages ...stage) (_ *program, err error) {
	id := gl.CreateProgram()
	var attached []uint32
	// Shaders are detached before the program is deleted: detaching from
	// a deleted program is GL_INVALID_VALUE.
	defer func() {
		for _, sh := range attached {
			gl.DetachShader(id, sh)
			gl.DeleteShader(sh)
		}
		if err != nil {
			gl.DeleteProgram(id)
		}
	}()
	declared := map[string]bool{}
	for _, st := range stages {
		src, err := source(st.file)
		if err != nil {
			return nil, fmt.Errorf("gpu: %w", err)
		}
		for _, text := range []string{header, prefix, src} {
			for _, m := range uniformDecl.FindAllStringSubmatch(text, -1) {
				declared[m[1]] = true
			}
		}
		sh, err := compile(st.file, st.typ, header, prefix, src)
		if err != nil {
			return nil, err
		}
		gl.AttachShader(id, sh)
		attached = append(attached, sh)
	}
	gl.LinkProgram(id)
	var ok int32
	gl.GetProgramiv(id, gl.LINK_STATUS, &ok)
	if ok == gl.FALSE {
		return nil, fmt.Errorf("gpu: link %s: %s", name, strings.TrimSpace(programLog(id)))
	}
	return &program{id: id, name: name, uniforms: map[string]int32{}, declared: declared}, nil
}

// uniformDecl matches a uniform declaration and captures its name.
var uniformDecl = regexp.MustCompile(`(?m)^\s*uniform\s+\w+\s+(\w+)`)

// prefixBase numbers the prefix's lines from prefixBase+1 and the file's
// from 1, so a compiler message names its source by its line alone: Mesa
// drops the source-string number of #line from errors found after parsing
// (an undeclared name is "0:5", a syntax error on the same line "1:5").
const prefixBase = 100000

// prefixName is what error messages call the prefix: the only one in use
// is the compute passes' common code.
const prefixName = "common.glsl"

// compile compiles one shader. Its source is header, prefix (common code)
// and the file; #line directives number the file's lines from 1 and the
// prefix's from prefixBase+1, and the error names file or common.glsl,
// the line, and shows the lines around the first one the log names.
func compile(file string, typ uint32, header, prefix, src string) (uint32, error) {
	full := header + fmt.Sprintf("#line %d 0\n", prefixBase+1) + prefix + "\n#line 1 1\n" + src + "\x00"
	sh := gl.CreateShader(typ)
	csrc, free := gl.Strs(full)
	gl.ShaderSource(sh, 1, csrc, nil)
	free()
	gl.CompileShader(sh)
	var ok int32
	gl.GetShaderiv(sh, gl.COMPILE_STATUS, &ok)
	if ok == gl.FALSE {
		var n int32
		gl.GetShaderiv(sh, gl.INFO_LOG_LENGTH, &n)
		log := strings.Repeat("\x00", int(n+1))
		gl.GetShaderInfoLog(sh, n, nil, gl.Str(log))
		gl.DeleteShader(sh)
		log = strings.TrimSpace(strings.TrimRight(log, "\x00"))
		return 0, fmt.Errorf("gpu: compile %s: %s%s", file, relocate(log, file), context(log, file, prefix, src))
	}
	return sh, nil
}

// logLine matches the source string and line of a compiler message in the
// forms of Mesa ("1:42(5): error") and NVIDIA ("1(42) : error").
var logLine = regexp.MustCompile(`(?m)^(ERROR: )?(\d+)([:(])(\d+)(\)?)`)

// where maps a line number of the compiled source to a file and its line.
func where(line int, file string) (string, int) {
	if line > prefixBase {
		return prefixName, line - prefixBase
	}
	return file, line
}

// relocate rewrites the log's "0:42" locations as "file:42".
func relocate(log, file string) string {
	return logLine.ReplaceAllStringFunc(log, func(loc string) string {
		m := logLine.FindStringSubmatch(loc)
		line, _ := strconv.Atoi(m[4])
		name, l := where(line, file)
		return fmt.Sprintf("%s%s:%d", m[1], name, l)
	})
}

// context returns the source lines around the first line a compile log
// names, for the error message, with "> " on that line.
func context(log, file, prefix, src string) string {
	m := logLine.FindStringSubmatch(log)
	if m == nil {
		return ""
	}
	n, _ := strconv.Atoi(m[4])
	name, line := where(n, file)
	text := src
	if name == prefixName && line != n {
		text = prefix
	}
	lines := strings.Split(text, "\n")
	var b strings.Builder
	fmt.Fprintf(&b, "\n  in %s:", name)
	for l := max(1, line-2); l <= min(len(lines), line+2); l++ {
		mark := "  "
		if l == line {
			mark = "> "
		}
		fmt.Fprintf(&b, "\n  %s%4d | %s", mark, l, lines[l-1])
	}
	return b.String()
}

func programLog(id uint32) string {
	var n int32
	gl.GetProgramiv(id, gl.INFO_LOG_LENGTH, &n)
	log := strings.Repeat("\x00", int(n+1))
	gl.GetProgramInfoLog(id, n, nil, gl.Str(log))
	return strings.TrimRight(log, "\x00")
}

func (p *program) loc(name string) int32 {
	if l, ok := p.uniforms[name]; ok {
		return l
	}
	if !p.declared[name] {
		// A misspelt name: GL would ignore it in silence.
		panic(fmt.Sprintf("gpu: %s declares no uniform %s", p.name, name))
	}
	l := gl.GetUniformLocation(p.id, gl.Str(name+"\x00"))
	p.uniforms[name] = l
	return l
}

// Uniform setters. A uniform the compiler removed (a pass that does not
// use it) has location −1, which GL ignores; a name no source declares
// panics in loc.
func (p *program) setInt(name string, v int32)     { gl.ProgramUniform1i(p.id, p.loc(name), v) }
func (p *program) setUint(name string, v uint32)   { gl.ProgramUniform1ui(p.id, p.loc(name), v) }
func (p *program) setFloat(name string, v float32) { gl.ProgramUniform1f(p.id, p.loc(name), v) }
func (p *program) setBool(name string, v bool) {
	var i int32
	if v {
		i = 1
	}
	gl.ProgramUniform1i(p.id, p.loc(name), i)
}

// setParam sets a parameter's uniform to v, a float32 or an int32 (see
// cpuref.UniformValues). Every pass declares every parameter.
func (p *program) setParam(name string, v any) {
	switch v := v.(type) {
	case float32:
		p.setFloat(name, v)
	case int32:
		p.setInt(name, v)
	}
}

func (p *program) setRects(name string, r []cpuref.Rect) {
	if len(r) > 0 {
		// cpuref.Rect is four int32s, the layout of an ivec4.
		gl.ProgramUniform4iv(p.id, p.loc(name), int32(len(r)), &r[0].R0)
	}
}

func (p *program) release() {
	if p != nil && p.id != 0 {
		gl.DeleteProgram(p.id)
		p.id = 0
	}
}

// activeUniforms returns the names of the uniforms GL reports active in
// the program (array uniforms without their "[0]").
func (p *program) activeUniforms() []string {
	var n, maxLen int32
	gl.GetProgramiv(p.id, gl.ACTIVE_UNIFORMS, &n)
	gl.GetProgramiv(p.id, gl.ACTIVE_UNIFORM_MAX_LENGTH, &maxLen)
	buf := make([]byte, maxLen+1)
	var out []string
	for i := range uint32(n) {
		var length, size int32
		var typ uint32
		gl.GetActiveUniform(p.id, i, int32(len(buf)), &length, &size, &typ, &buf[0])
		out = append(out, strings.TrimSuffix(string(buf[:length]), "[0]"))
	}
	sort.Strings(out)
	return out
}
