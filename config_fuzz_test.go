package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzConfig: any -config file is settings or a one-line usage error,
// never a panic; the settings it gives are flags that parse.
func FuzzConfig(f *testing.F) {
	f.Add([]byte(`{"n": 16, "rho": 0.8, "headless": true}`))
	f.Add([]byte(`{"steps": 100, "params": {"n": 32, "rule": "hebbian"}, "run": {"backend": "cpu", "steps": 50, "headless": true}, "f1": 0.5}`))
	f.Add([]byte(`{"params": null, "run": {"load": ""}}`))
	f.Add([]byte(`{"n": [1], "rho": {"x": 1}, "eta": 1e400}`))
	f.Add([]byte(`{"config": "x.json"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "c.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		flags, err := withConfig([]string{"-config", path})
		var ue *usageError
		if err != nil {
			if !errors.As(err, &ue) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%q: %T %q, want a usage error of one line", data, err, err)
			}
			return
		}
		var c config
		fs, _ := newFlagSet(&c)
		fs.SetOutput(io.Discard)
		if err := fs.Parse(flags); err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%q: settings %q do not parse: %v", data, flags, err)
		}
	})
}
