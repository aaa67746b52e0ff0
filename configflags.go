package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/spikecast/spikecast/record"
)

// addConfigFlags declares -config. The file is read before the command
// line is parsed (see withConfig), so its check has nothing left to do.
func addConfigFlags(fs *flag.FlagSet, c *config) check {
	fs.StringVar(&c.ConfigFile, "config", "", "read parameters and run flags from this JSON file: a run's summary, a recording's sidecar, or {\"flag\": value, …} by hand; flags on the command line override it")
	return func(*flag.FlagSet, []string) error { return nil }
}

// withConfig returns args with the settings of the -config file args
// name, if any, put before them as flags ("-rho=0.9"), so that the
// command line's own flags, coming later, override the file's, and
// every later check (-load's conflicts, ranges) sees both.
//
// The file is a JSON object. A spikecast output (it has "params" or
// "run": a summary or a sidecar) gives its settings in those two objects,
// keyed by flag name, and its other keys are its results, which are
// ignored; any other key is refused. A file written by hand has flags
// as keys, and may use "params" and "run" too. Unknown flags and values
// a flag refuses are errors naming the key.
func withConfig(args []string) ([]string, error) {
	path := configPath(args)
	if path == "" {
		return args, nil
	}
	bad := func(format string, a ...any) error {
		return usagef("invalid -config %q: %s", path, fmt.Sprintf(format, a...))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, bad("%v", err)
	}
	var top map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&top); err != nil {
		return nil, bad("not a JSON object: %v", err)
	}
	_, hasParams := top["params"]
	_, hasRun := top["run"]
	output := hasParams || hasRun
	results := outputKeys()

	var c2 config
	fs, _ := newFlagSet(&c2)
	fs.SetOutput(io.Discard)
	var flags []string
	add := func(where, key string, raw json.RawMessage) error {
		name := where + key
		if key == "config" || key == "version" || key == "h" || key == "help" {
			return bad("key %q: not a setting a config file may hold", name)
		}
		if fs.Lookup(key) == nil {
			return bad("unknown key %q (no flag -%s)", name, key)
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return bad("key %q: %v", name, err)
		}
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case json.Number:
			s = v.String()
		case bool:
			s = fmt.Sprint(v)
		default:
			return bad("key %q: want a string, number or boolean, not %s", name, strings.TrimSpace(string(raw)))
		}
		if err := fs.Set(key, s); err != nil {
			return bad("key %q: invalid value %q: %v", name, s, err)
		}
		flags = append(flags, "-"+key+"="+s)
		return nil
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Top-level flags first, then "params", then "run": later ones win.
	for _, k := range keys {
		if k == "params" || k == "run" {
			continue
		}
		if output {
			if !results[k] {
				return nil, bad("unknown key %q (not a key of a summary or a sidecar)", k)
			}
			continue
		}
		if err := add("", k, top[k]); err != nil {
			return nil, err
		}
	}
	for _, obj := range []string{"params", "run"} {
		raw, ok := top[obj]
		if !ok || string(raw) == "null" {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, bad("key %q: want an object of flags", obj)
		}
		sub := make([]string, 0, len(m))
		for k := range m {
			sub = append(sub, k)
		}
		sort.Strings(sub)
		for _, k := range sub {
			if err := add(obj+".", k, m[k]); err != nil {
				return nil, err
			}
		}
	}
	return append(flags, args...), nil
}

// configPath returns the -config value args set, or "".
func configPath(args []string) string { return flagIn(args, "config") }

// outputKeys are the top-level keys of a summary and of a sidecar.
func outputKeys() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeFor[Summary]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		keys[name] = true
	}
	for _, k := range record.SidecarKeys() {
		keys[k] = true
	}
	return keys
}
