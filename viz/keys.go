package viz

import (
	"fmt"
	"slices"
	"strings"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/spikecast/spikecast/cpuref"
)

// binding is one row of the key table: what the help overlay (and the
// README) lists, and what the window does.
type binding struct {
	label, help string
	// keys are bound by their place on the keyboard; chars by the
	// character typed, for + − ? and the digits, which sit on different
	// keys (and need shift or not) across layouts, and which the keypad
	// sends too.
	keys  []glfw.Key
	chars []rune
	// repeat: a held key repeats the action (a character always does).
	repeat bool
	// do carries it out: r is the character typed (0 for a key), mods
	// the modifiers held. Nil for a row the mouse callbacks handle, or
	// one that only continues the row above.
	do func(a *app, r rune, mods glfw.ModifierKey)
	// only, when set, says which networks the row applies to: the help
	// overlay lists it for those alone (the key stays bound).
	only func(p cpuref.Params) bool
}

// keyTable is every key the window answers to, in the help overlay's
// order. install binds these and nothing else; drawHelp lists them.
var keyTable = []binding{
	{label: "space", help: "pause / resume", keys: []glfw.Key{glfw.KeySpace},
		do: func(a *app, _ rune, _ glfw.ModifierKey) { a.paused = !a.paused }},
	{label: "→", help: "one step while paused", keys: []glfw.Key{glfw.KeyRight}, repeat: true,
		do: func(a *app, _ rune, _ glfw.ModifierKey) { a.stepOnce = a.stepOnce || a.paused }},
	{label: "+ / −", help: "more / fewer steps per frame", chars: []rune{'+', '=', '-', '_'},
		do: func(a *app, r rune, _ glfw.ModifierKey) {
			if r == '+' || r == '=' {
				a.faster()
			} else {
				a.slower()
			}
		}},
	{label: "L", help: "learning on / off", keys: []glfw.Key{glfw.KeyL},
		do: func(a *app, _ rune, _ glfw.ModifierKey) {
			a.learn = !a.learn
			a.learnReq = true
			a.flash(map[bool]string{true: "learning on", false: "learning off"}[a.learn])
		}},
	{label: "R", help: "re-initialise the network", keys: []glfw.Key{glfw.KeyR},
		do: func(a *app, _ rune, _ glfw.ModifierKey) { a.reset = true }},
	{label: "C", help: "reset the camera", keys: []glfw.Key{glfw.KeyC}, repeat: true,
		do: func(a *app, _ rune, _ glfw.ModifierKey) { a.v.Camera = DefaultCamera() }},
	{label: "drag", help: "3-D: orbit · 2-D panels: pan (all together)"},
	{label: "scroll", help: "3-D: zoom · 2-D panels: zoom about the pointer"},
	{label: "click", help: "pin / unpin the inspector on a cell (any 2-D panel)"},
	{label: "Backspace", help: "unpin the inspector", keys: []glfw.Key{glfw.KeyBackspace, glfw.KeyDelete}, repeat: true,
		do: func(a *app, _ rune, _ glfw.ModifierKey) { a.v.SetPick(0, 0, false) }},
	{label: "Tab / Shift+Tab", help: "next / previous view in the panel under the pointer", keys: []glfw.Key{glfw.KeyTab}, repeat: true,
		do: func(a *app, _ rune, mods glfw.ModifierKey) {
			dir := 1
			if mods&glfw.ModShift != 0 {
				dir = -1
			}
			k := a.hoveredSlot()
			w := a.v.CycleView(k, dir)
			a.flash(fmt.Sprintf("panel %d: %s", k+1, viewSpecs[w].title))
		}},
	{help: strings.Join(ViewNames(), " ")},
	{label: "K / Shift+K", help: "hidden cell shown: 0 … K−1, all (next / previous)", keys: []glfw.Key{glfw.KeyK}, repeat: true,
		only: func(p cpuref.Params) bool { return cellsOf(p) > 1 },
		do: func(a *app, _ rune, mods glfw.ModifierKey) {
			dir := 1
			if mods&glfw.ModShift != 0 {
				dir = -1
			}
			a.flash(a.v.CycleCell(dir))
		}},
	{label: "Y", help: "raster layer: input, hidden, output (hidden 2)", keys: []glfw.Key{glfw.KeyY},
		do: func(a *app, _ rune, _ glfw.ModifierKey) { a.flash("raster: " + a.v.CycleRasterLayer()) }},
	{label: "Z", help: "zoom out to the whole grid", keys: []glfw.Key{glfw.KeyZ}, repeat: true,
		do: func(a *app, _ rune, _ glfw.ModifierKey) { a.v.Zoom = FullZoom(a.v.sim.Params.N) }},
	{label: "F", help: "follow the dot while zoomed", keys: []glfw.Key{glfw.KeyF},
		do: func(a *app, _ rune, _ glfw.ModifierKey) {
			a.v.Follow = !a.v.Follow
			a.flash(map[bool]string{true: "following the dot (when zoomed)", false: "follow off"}[a.v.Follow])
		}},
	{label: "T", help: "layout: four / talk", keys: []glfw.Key{glfw.KeyT},
		do: func(a *app, _ rune, _ glfw.ModifierKey) {
			if a.v.LayoutKind == "talk" {
				a.v.LayoutKind = "four"
			} else {
				a.v.LayoutKind = "talk"
			}
			a.flash("layout " + a.v.LayoutKind)
		}},
	{label: "1 2 / 3 4", help: "η down / up  ·  η_out down / up (×1.25)", chars: []rune{'1', '2', '3', '4'}, do: nudgeKey},
	{label: "5 6 / 7 8", help: "σ down / up  ·  target rate down / up", chars: []rune{'5', '6', '7', '8'}, do: nudgeKey},
	{label: "V", help: "start / stop recording (-record, or a new .mp4)", keys: []glfw.Key{glfw.KeyV},
		do: func(a *app, _ rune, _ glfw.ModifierKey) { a.recToggle = true }},
	{label: "P or F12", help: "save a PNG screenshot", keys: []glfw.Key{glfw.KeyP, glfw.KeyF12},
		do: func(a *app, _ rune, _ glfw.ModifierKey) { a.shot = true }},
	{label: "S", help: "save a checkpoint (-save, or a new .ckpt)", keys: []glfw.Key{glfw.KeyS},
		do: func(a *app, _ rune, _ glfw.ModifierKey) { a.saveReq = true }},
	{label: "H or ?", help: "this help", keys: []glfw.Key{glfw.KeyH}, chars: []rune{'?'},
		do: func(a *app, _ rune, _ glfw.ModifierKey) { a.v.ShowHelp = !a.v.ShowHelp }},
	{label: "Esc or Q", help: "quit", keys: []glfw.Key{glfw.KeyEscape, glfw.KeyQ}, repeat: true,
		do: func(a *app, _ rune, _ glfw.ModifierKey) { a.quit = true }},
}

// nudgeKey is the digits 1–8: odd ones lower LiveKeys[(r−1)/2] by a
// factor of 1.25, even ones raise it.
func nudgeKey(a *app, r rune, _ glfw.ModifierKey) {
	i := int(r - '1')
	f := 1.25
	if i%2 == 0 {
		f = 1 / 1.25
	}
	a.nudge(i/2, f)
}

// onKey carries out the binding of a key event; a release does nothing,
// a repeat only what repeats.
func (a *app) onKey(key glfw.Key, action glfw.Action, mods glfw.ModifierKey) {
	if action == glfw.Release {
		return
	}
	for _, b := range keyTable {
		if b.do != nil && slices.Contains(b.keys, key) && (action == glfw.Press || b.repeat) {
			b.do(a, 0, mods)
			return
		}
	}
}

// onChar carries out the binding of a typed character.
func (a *app) onChar(r rune) {
	for _, b := range keyTable {
		if b.do != nil && slices.Contains(b.chars, r) {
			b.do(a, r, 0)
			return
		}
	}
}
