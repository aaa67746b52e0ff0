package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	set := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	cases := []struct {
		main     string
		settings []debug.BuildSetting
		want     string
	}{
		{"", nil, "devel"},
		{"(devel)", nil, "devel"},
		{"(devel)", set("vcs.revision", "abc1234def", "vcs.modified", "true"), "devel (commit abc1234, modified)"},
		{"v1.2.3", set("vcs.revision", "abc1234def", "vcs.modified", "false"), "v1.2.3 (commit abc1234)"},
		{"v0.0.0-20261202035000-abc1234def00", set("vcs.revision", "abc1234def00"), "v0.0.0-20261202035000-abc1234def00 (commit abc1234)"},
	}
	for _, c := range cases {
		bi := &debug.BuildInfo{Main: debug.Module{Version: c.main}, Settings: c.settings}
		if got := fromBuildInfo(bi); got != c.want {
			t.Errorf("%q %v: %q, want %q", c.main, c.settings, got, c.want)
		}
	}
	if String() == "" {
		t.Error("String is empty")
	}
}
