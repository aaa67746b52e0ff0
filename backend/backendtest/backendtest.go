// Package backendtest holds what tests of several packages need from a
// backend: its state as checkpoint bytes, to compare whole states.
package backendtest

import (
	"bytes"
	"testing"

	"github.com/spikecast/spikecast/checkpoint"
	"github.com/spikecast/spikecast/cpuref"
)

// Network is what Checkpoint reads of a network; backend.Network has it.
// (Named here rather than imported, so backend's own tests can use it.)
type Network interface {
	State() (*cpuref.State, error)
	Params() cpuref.Params
}

// Checkpoint is n's state as checkpoint bytes: equal bytes, equal state.
func Checkpoint(tb testing.TB, n Network) []byte {
	tb.Helper()
	st, err := n.State()
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := checkpoint.Encode(&buf, n.Params(), st); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
