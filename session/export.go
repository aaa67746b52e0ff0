package session

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/spikecast/spikecast/atomicfile"
	"github.com/spikecast/spikecast/backend"
	"github.com/spikecast/spikecast/cpuref"
	"github.com/spikecast/spikecast/gpu"
	"github.com/spikecast/spikecast/npy"
	"github.com/spikecast/spikecast/sweep"
	"github.com/spikecast/spikecast/version"
)

// SpikeFields are the fields of a -spikes record: the step t (the one
// that read frame X_t), the layer's code (backend.LayerInput …), the
// cell's pixel, row·n + column, and c, the cell's index within its pixel
// (0 but in a hidden layer of several cells a pixel, -k > 1). Packed, 10
// bytes a record. c comes last, so that a reader of the fields by name
// written before it existed reads the same step, layer and cell.
var SpikeFields = []npy.Field{{Name: "step", Descr: "<u4"}, {Name: "layer", Descr: "|u1"}, {Name: "cell", Descr: "<u4"}, {Name: "c", Descr: "|u1"}}

const spikeRecordSize = 10

// spikeWriter appends every spike of a run to a .npy of records as the
// run goes, under a temporary name renamed into place at the end (Ctrl-C
// included): memory stays bounded whatever the run's length.
type spikeWriter struct {
	f      *atomicfile.File
	w      *npy.RecordWriter
	pixels uint32 // n²: a layer's cell c·n² + i is cell i, c
	buf    []byte
}

func newSpikeWriter(path string, n int) (*spikeWriter, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	w, err := npy.NewRecordWriter(f, SpikeFields, spikeRecordSize)
	if err != nil {
		f.Discard()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &spikeWriter{f: f, w: w, pixels: uint32(n * n)}, nil
}

// sink is the backend's SpikeSink: one step's records, layer by layer,
// each layer's in the order of its cells' indices (c·n² + i: c, then i).
func (s *spikeWriter) sink(t int64, cells *[gpu.NumSpikeLayers][]uint32) error {
	b := s.buf[:0]
	for code, layer := range cells {
		for _, ci := range layer {
			b = binary.LittleEndian.AppendUint32(b, uint32(t))
			b = append(b, byte(code))
			b = binary.LittleEndian.AppendUint32(b, ci%s.pixels)
			b = append(b, byte(ci/s.pixels))
		}
	}
	s.buf = b
	_, err := s.w.Write(b)
	return err
}

// commit writes the final count into the header and renames the file
// into place.
func (s *spikeWriter) commit() error {
	if err := s.w.Close(); err != nil {
		s.f.Discard()
		return err
	}
	return s.f.Commit()
}

func (s *spikeWriter) abort() { s.f.Discard() }

// paramsJSON is p as a JSON object keyed by flag name, in the order of
// cpuref.Params' fields: what the summary, the sidecar and -state's
// metadata carry, and what -config reads back.
func paramsJSON(p cpuref.Params) json.RawMessage { return sweep.Settings(p) }

// ArrayName is the name a State buffer has in a -state .npz: its field
// in lower case (v, theta, p, q, x, y, s, yhat, err, ring, …), a weight
// array W<Name> as W_<name> (W_in, W_rec, W_out, W_12).
func ArrayName(field string) string {
	if len(field) > 1 && field[0] == 'W' && (unicode.IsUpper(rune(field[1])) || unicode.IsDigit(rune(field[1]))) {
		return "W_" + strings.ToLower(field[1:])
	}
	return strings.ToLower(field)
}

// arrayShape is a buffer's natural shape: (n, n) for one value a cell,
// (n, n, w, w) for a window of side w a cell (W_in, W_rec, local W_out,
// eligibility, W12), (n², n²) for dense W_out (output, hidden), (Window,
// RingFields) for the ring of measures, (0,) for a buffer this network
// does not have.
func arrayShape(b cpuref.BufferSpec, p cpuref.Params, length int) []int64 {
	n := int64(p.N)
	per := b.PerCell(p)
	switch {
	case length == 0:
		return []int64{0}
	case b.Size == "ring":
		return []int64{cpuref.Window, cpuref.RingFields}
	case b.Size == "out" && p.OutLayout == cpuref.Dense:
		return []int64{n * n, n * n}
	case per == 1:
		return []int64{n, n}
	}
	side := int64(1)
	for side*side < int64(per) {
		side++
	}
	if side*side == int64(per) {
		return []int64{n, n, side, side}
	}
	return []int64{n, n, int64(per)}
}

// stateMeta is -state's "meta" array: what the state is of.
type stateMeta struct {
	Step     int64           `json:"step"`
	N        int             `json:"n"`
	Params   json.RawMessage `json:"params"`
	Version  string          `json:"version"`
	Backend  string          `json:"backend"`
	Renderer string          `json:"renderer"`
	Layers   []string        `json:"spike_layers"` // by code, for reading -spikes beside it
}

// writeStateNPZ writes st, of a run of b, as an .npz of named arrays
// (every buffer of cpuref.State, by ArrayName, in its natural shape and
// its own dtype), plus "step" (0-d int64) and "meta" (a 0-d unicode
// array holding stateMeta as JSON), atomically.
func writeStateNPZ(path string, b backend.Backend, st *cpuref.State) error {
	p := b.Params()
	meta, _ := json.Marshal(stateMeta{Step: st.T, N: p.N, Params: paramsJSON(p), Version: version.String(),
		Backend: b.Name(), Renderer: b.Renderer(), Layers: backend.SpikeLayerNames[:]})
	arrays := []npy.Array{{Name: "step", Shape: nil, Data: []int64{st.T}}, {Name: "meta", Data: string(meta)}}
	for _, f := range st.Fields() {
		var data any
		switch {
		case f.F32 != nil:
			data = *f.F32
		case f.U32 != nil:
			data = *f.U32
		default:
			data = *f.I32
		}
		arrays = append(arrays, npy.Array{Name: ArrayName(f.Name), Shape: arrayShape(f.BufferSpec, p, f.Len()), Data: data})
	}
	return atomicfile.Write(path, func(w io.Writer) error { return npy.WriteNPZ(w, arrays) })
}

// statePathAt is where -state_every writes the state after t steps:
// FILE with the step before its extension, state.npz → state-000500.npz.
func statePathAt(path string, t int64) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%06d%s", strings.TrimSuffix(path, ext), t, ext)
}
