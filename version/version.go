// Package version says which build of spikecast is running, from what the
// Go toolchain stamped into the binary: the main module's version and the
// VCS revision and state. The -version flag, the JSON summary and every
// recording's provenance all read it here.
package version

import (
	"runtime/debug"
	"strings"
)

// String is the build's version: "v1.2.3", "v0.0.0-2026…-abcdef (commit
// abc1234, modified)", "devel (commit abc1234)", or "devel" when the
// binary carries no build information (go run, some test binaries).
func String() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return fromBuildInfo(bi)
}

func fromBuildInfo(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if len(rev) > 7 {
		rev = rev[:7]
	}
	var extra []string
	if rev != "" {
		extra = append(extra, "commit "+rev)
	}
	if modified {
		extra = append(extra, "modified")
	}
	if len(extra) == 0 {
		return v
	}
	return v + " (" + strings.Join(extra, ", ") + ")"
}
