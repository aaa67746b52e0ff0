package main

import (
	"flag"
	"io"

	"github.com/spikecast/spikecast/session"
)

// addPresetFlags declares -preset. Its parameters are put before the
// command line's flags when it is parsed (see withPreset), so its check
// has nothing left to do.
func addPresetFlags(fs *flag.FlagSet, c *config) check {
	fs.StringVar(&c.Preset, "preset", "", "start from a named set of parameters, which the flags given override whatever their order: "+session.PresetText())
	return func(*flag.FlagSet, []string) error { return nil }
}

// withPreset returns args with the parameters of the preset they name
// (the last -preset, which may come from a -config file), if any, put
// before them as flags, so that every flag args give overrides the
// preset's. An unknown preset is a usage error naming the valid ones.
func withPreset(args []string) ([]string, error) {
	name := flagIn(args, "preset")
	if name == "" {
		return args, nil
	}
	flags, err := session.PresetFlags(name)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	return append(flags, args...), nil
}

// flagIn returns the value args give the string flag name, or "" (also
// when args do not parse: the parse proper reports that).
func flagIn(args []string, name string) string {
	var c config
	fs, _ := newFlagSet(&c)
	fs.Bool("version", false, "")
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if fs.Parse(args) != nil {
		return ""
	}
	if f := fs.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}
