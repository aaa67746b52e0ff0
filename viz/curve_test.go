package viz

import "testing"

// TestCurveSeed: a curve seeded with a loaded run's history starts from
// it, goes on after it, and R (Reset) returns to it.
func TestCurveSeed(t *testing.T) {
	c := &Curve{every: 1}
	c.Seed([]int64{64, 128, 192}, []float32{0.1, 0.4, 0.7}, []float32{0.01, 0.02, 0.03})
	c.Add(193, 0.8, 0.03)
	if len(c.Steps) != 4 || c.Steps[0] != 64 || c.F1[2] != 0.7 || c.Steps[3] != 193 {
		t.Fatalf("steps %v F1 %v", c.Steps, c.F1)
	}
	c.Reset()
	if len(c.Steps) != 3 || c.Steps[2] != 192 {
		t.Fatalf("after Reset: steps %v", c.Steps)
	}
}
