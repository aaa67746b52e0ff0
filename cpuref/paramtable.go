package cpuref

import (
	"flag"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ParamSpec is one parameter as its tags on Params declare it. Everything
// that names a parameter outside the model's equations (flags, help,
// defaults, validation, checkpoints, GLSL, the docs' tables) is derived
// from these.
type ParamSpec struct {
	Field   string // Go field of Params
	Flag    string // command-line name
	Symbol  string // symbol of docs/MODEL.md, "" if none
	Default string // default, as the flag parses it
	Min     string // lower bound: a number, a constant or another flag ("" if none)
	Max     string // upper bound, likewise
	Enum    []string
	Unit    string
	Doc     string
	Note    string // a constraint beyond the range
	GLSL    string // "", "uniform" or "define"

	index int          // field index in Params
	kind  reflect.Kind // Int, Uint32, Float32, Bool or String
}

// limits are the constants a range tag may name.
var limits = map[string]float64{"MaxN": MaxN, "MaxR": MaxR, "MaxHorizon": MaxHorizon, "MaxRects": MaxRects, "MaxK": MaxK}

var specsOnce = sync.OnceValue(func() []ParamSpec {
	t := reflect.TypeFor[Params]()
	var out []ParamSpec
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag
		s := ParamSpec{
			Field: f.Name, Flag: tag.Get("flag"), Symbol: tag.Get("sym"), Default: tag.Get("default"),
			Min: tag.Get("min"), Max: tag.Get("max"), Unit: tag.Get("unit"), Doc: tag.Get("doc"),
			Note: tag.Get("note"), GLSL: tag.Get("glsl"), index: i, kind: f.Type.Kind(),
		}
		if e := tag.Get("enum"); e != "" {
			s.Enum = strings.Split(e, ",")
		}
		if s.Flag == "" || s.Doc == "" {
			panic(fmt.Sprintf("cpuref: Params.%s has no flag or doc tag", f.Name))
		}
		out = append(out, s)
	}
	return out
})

// paramSpecs returns the parameters in declaration order.
func paramSpecs() []ParamSpec { return specsOnce() }

// ParamSpecs returns every parameter's declaration, in the order of
// Params' fields.
func ParamSpecs() []ParamSpec { return append([]ParamSpec(nil), paramSpecs()...) }

// ParamByFlag returns the parameter whose flag is name.
func ParamByFlag(name string) (ParamSpec, bool) {
	for _, s := range paramSpecs() {
		if s.Flag == name {
			return s, true
		}
	}
	return ParamSpec{}, false
}

// Value returns the parameter's value in p.
func (s ParamSpec) Value(p Params) any { return reflect.ValueOf(p).Field(s.index).Interface() }

// Format returns the parameter's value in p as its flag would take it.
func (s ParamSpec) Format(p Params) string {
	v := reflect.ValueOf(p).Field(s.index)
	switch s.kind {
	case reflect.Float32:
		return strconv.FormatFloat(v.Float(), 'g', -1, 32)
	case reflect.Int:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint32:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	}
	return v.String()
}

// set parses str into the parameter's field of p, as its flag does.
func (s ParamSpec) set(p *Params, str string) error {
	v := reflect.ValueOf(p).Elem().Field(s.index)
	str = strings.TrimSpace(str)
	switch s.kind {
	case reflect.Float32:
		f, err := strconv.ParseFloat(str, 32)
		if err != nil {
			if errorsIsRange(err) {
				return fmt.Errorf("out of float32 range")
			}
			return fmt.Errorf("not a number")
		}
		// Adding +0 turns −0 into +0: Go's max(−0, +0) and GLSL's differ,
		// and a −0 parameter would be the only way to tell them apart.
		v.SetFloat(float64(float32(f) + 0))
	case reflect.Int:
		i, err := strconv.ParseInt(str, 0, 64)
		if err != nil || i != int64(int(i)) {
			return fmt.Errorf("not an integer")
		}
		v.SetInt(i)
	case reflect.Uint32:
		u, err := strconv.ParseUint(str, 10, 32)
		if err != nil {
			return fmt.Errorf("want an integer in [%s, %s]", s.Min, s.Max)
		}
		v.SetUint(u)
	case reflect.Bool:
		b, err := strconv.ParseBool(str)
		if err != nil {
			return fmt.Errorf("not a boolean")
		}
		v.SetBool(b)
	case reflect.String:
		v.SetString(str)
	}
	return nil
}

func errorsIsRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// bound resolves a range tag against p: a number, a named constant or
// another parameter's flag. named is "flag=value" when it names one.
func (s ParamSpec) bound(tag string, p Params) (v float64, named string) {
	if c, ok := limits[tag]; ok {
		return c, ""
	}
	if o, ok := ParamByFlag(tag); ok {
		return reflect.ValueOf(p).Field(o.index).Convert(reflect.TypeFor[float64]()).Float(), tag + "=" + o.Format(p)
	}
	f, err := strconv.ParseFloat(tag, 64)
	if err != nil {
		panic(fmt.Sprintf("cpuref: Params.%s: bad range tag %q", s.Field, tag)) // caught by every test
	}
	return f, ""
}

// RangeText is the valid range as the docs write it: "[0, 1]",
// "[theta_min, 1000]", `"stdp", "hebbian" or "rstdp"`; "" for a bool.
func (s ParamSpec) RangeText() string {
	if s.Enum != nil {
		q := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			q[i] = "`" + e + "`"
		}
		return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
	}
	if s.Min == "" && s.Max == "" {
		return ""
	}
	show := func(tag string) string {
		if c, ok := limits[tag]; ok {
			return strconv.FormatFloat(c, 'g', -1, 64)
		}
		if strings.HasPrefix(tag, "-") {
			return "−" + tag[1:]
		}
		return tag
	}
	r := "[" + show(s.Min) + ", " + show(s.Max) + "]"
	if s.kind == reflect.Int || s.kind == reflect.Uint32 {
		r = "integer " + r
	}
	return r
}

// relative reports whether a bound of the parameter names another
// parameter, whose own range is then checked first.
func (s ParamSpec) relative() bool {
	_, lo := ParamByFlag(s.Min)
	_, hi := ParamByFlag(s.Max)
	return lo || hi
}

// check returns a *RangeError when p's value of the parameter is outside
// its declared range.
func (s ParamSpec) check(p Params) error {
	v := reflect.ValueOf(p).Field(s.index)
	if s.Enum != nil {
		for _, e := range s.Enum {
			if v.String() == e {
				return nil
			}
		}
		q := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			q[i] = strconv.Quote(e)
		}
		return &RangeError{s.Flag, strconv.Quote(v.String()), "one of " + strings.Join(q, ", ")}
	}
	if s.Min == "" || s.kind == reflect.Bool || s.kind == reflect.Uint32 {
		return nil
	}
	lo, loName := s.bound(s.Min, p)
	hi, hiName := s.bound(s.Max, p)
	bound := func(v float64, named string) string {
		if named != "" {
			return named
		}
		return fmt.Sprintf("%g", v)
	}
	if s.kind == reflect.Int {
		if i := float64(v.Int()); i < lo || i > hi {
			return &RangeError{s.Flag, fmt.Sprint(v.Int()), fmt.Sprintf("an integer in [%s, %s]", bound(lo, loName), bound(hi, hiName))}
		}
		return nil
	}
	f := float32(v.Float())
	if !inRange(f, float32(lo), float32(hi)) {
		return &RangeError{s.Flag, fmtFloat(f), fmt.Sprintf("a number in [%s, %s]", bound(lo, loName), bound(hi, hiName))}
	}
	return nil
}

// Usage is the flag's help line: meaning, symbol and unit, range, note.
func (s ParamSpec) Usage() string {
	u := s.Doc
	var su []string
	for _, x := range []string{s.Symbol, s.Unit} {
		if x != "" {
			su = append(su, x)
		}
	}
	if len(su) > 0 {
		u += " (" + strings.Join(su, ", ") + ")"
	}
	if r := s.RangeText(); r != "" {
		u += ": " + strings.ReplaceAll(r, "`", "")
	}
	if s.Note != "" {
		u += "; " + s.Note
	}
	return u
}

// paramValue is the flag.Value of one parameter.
type paramValue struct {
	s ParamSpec
	p *Params
}

func (v paramValue) String() string {
	if v.p == nil {
		return ""
	}
	return v.s.Format(*v.p)
}
func (v paramValue) Set(str string) error { return v.s.set(v.p, str) }
func (v paramValue) IsBoolFlag() bool     { return v.s.kind == reflect.Bool }

// AddFlags declares one flag for every parameter on fs, writing into p,
// and sets p to the defaults.
func AddFlags(fs *flag.FlagSet, p *Params) {
	*p = Defaults()
	for _, s := range paramSpecs() {
		fs.Var(paramValue{s, p}, s.Flag, s.Usage())
	}
}

// ParamTable returns the Markdown table of every parameter that README.md
// and docs/MODEL.md carry between their "params" markers.
func ParamTable() string {
	var b strings.Builder
	b.WriteString("| flag | symbol | default | valid range | unit | meaning |\n|---|---|---|---|---|---|\n")
	dash := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	for _, s := range paramSpecs() {
		r := s.RangeText()
		if s.Note != "" {
			r = strings.TrimSpace(r + " (" + s.Note + ")")
		}
		def := s.Default
		if s.kind == reflect.String && def != "" {
			def = "`" + def + "`"
		}
		def = dash(def)
		fmt.Fprintf(&b, "| `-%s` | %s | %s | %s | %s | %s |\n", s.Flag, dash(s.Symbol), def, dash(r), dash(s.Unit), s.Doc)
	}
	return b.String()
}

// UniformName is the GLSL uniform of a "uniform" parameter: u<Field>.
func (s ParamSpec) UniformName() string { return "u" + s.Field }

// DefineName is the GLSL #define of a "define" parameter: its flag in
// upper case.
func (s ParamSpec) DefineName() string { return strings.ToUpper(s.Flag) }

// GLSLUniforms returns the uniform declarations of every "uniform"
// parameter, which every compute pass is compiled with; a pass that does
// not use one leaves it inactive.
func GLSLUniforms() string {
	var b strings.Builder
	for _, s := range paramSpecs() {
		if s.GLSL != "uniform" {
			continue
		}
		typ := "float"
		if s.kind == reflect.Int {
			typ = "int"
		}
		fmt.Fprintf(&b, "uniform %s %s; // -%s: %s\n", typ, s.UniformName(), s.Flag, s.Doc)
	}
	return b.String()
}

// GLSLDefines returns the #define values of p's "define" parameters: an
// integer as itself, a bool as 0 or 1, an enum as the index of its value,
// with <FLAG>_<VALUE> naming each index.
func GLSLDefines(p Params) map[string]int {
	d := map[string]int{}
	for _, s := range paramSpecs() {
		if s.GLSL != "define" {
			continue
		}
		v := reflect.ValueOf(p).Field(s.index)
		switch s.kind {
		case reflect.Int:
			d[s.DefineName()] = int(v.Int())
		case reflect.Bool:
			d[s.DefineName()] = boolInt(v.Bool())
		case reflect.String:
			for i, e := range s.Enum {
				d[s.DefineName()+"_"+strings.ToUpper(e)] = i
				if v.String() == e {
					d[s.DefineName()] = i
				}
			}
		}
	}
	return d
}

// UniformValues returns p's "uniform" parameters by uniform name: float32
// or int32 values.
func UniformValues(p Params) map[string]any {
	u := map[string]any{}
	for _, s := range paramSpecs() {
		if s.GLSL != "uniform" {
			continue
		}
		v := reflect.ValueOf(p).Field(s.index)
		if s.kind == reflect.Int {
			u[s.UniformName()] = int32(v.Int())
		} else {
			u[s.UniformName()] = float32(v.Float())
		}
	}
	return u
}

// UniformNames lists the uniform names of UniformValues, sorted.
func UniformNames() []string {
	var out []string
	for _, s := range paramSpecs() {
		if s.GLSL == "uniform" {
			out = append(out, s.UniformName())
		}
	}
	sort.Strings(out)
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func inRange(v, lo, hi float32) bool {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return false
	}
	return v >= lo && v <= hi
}

func fmtFloat(v float32) string {
	return fmt.Sprint(v)
}

// Set parses str into the parameter's field of p, as its flag does (a
// sweep's values go through it); Check then tests the range.
func (s ParamSpec) Set(p *Params, str string) error { return s.set(p, str) }

// Check returns a *RangeError when p's value of the parameter is outside
// its declared range (a bound naming another parameter reads p's).
func (s ParamSpec) Check(p Params) error { return s.check(p) }

// Integer reports whether the parameter takes whole numbers.
func (s ParamSpec) Integer() bool { return s.kind == reflect.Int || s.kind == reflect.Uint32 }
