//go:build long

package main

import "testing"

// TestLongLearnsAtN256 is the n=256 claim: F1 ≥ 0.95 after 8,000 steps on
// the GPU. It takes about a minute on llvmpipe, so it is built only with
// the long tag: go test -tags long -run Long . (make long)
func TestLongLearnsAtN256(t *testing.T) {
	code, stdout, stderr := runCmd(t, "-headless", "-n", "256", "-steps", "8000")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s := summary(t, stdout)
	t.Logf("%+v", s)
	if s.F1 < 0.95 {
		t.Errorf("rolling F1 after 8000 steps at n=256 = %.4f, want ≥ 0.95", s.F1)
	}
}
