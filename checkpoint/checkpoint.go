// Package checkpoint saves and restores the whole state of a network: its
// parameters, its step count and every buffer of cpuref.State, in a
// versioned, checksummed binary file.
//
// A checkpoint holds everything a run depends on. All randomness is
// counter-based on (seed, stream, step, index), so the step count T is
// also the generator's position: a run resumed from a checkpoint taken at
// step t continues bit for bit as if it had never stopped, on either
// backend. Nothing in the file depends on the time, the host or the
// backend, so the same state always gives the same bytes.
//
// # Format (version 3)
//
// Every integer is little-endian; a string is a uint8 length and that
// many bytes.
//
//	magic    8 bytes   "SPKCKPT\n"
//	version  uint32    3
//	size     uint64    bytes in the whole file, checksum included
//	params   uint32    count, then per parameter of cpuref.Params, in
//	                   declaration order: its flag (string; version 1:
//	                   its Go field), kind (uint8: 'i'
//	                   int as int64, 'u' uint32, 'f' float32 as its bits,
//	                   's' string, 'b' bool as one byte), value. A
//	                   parameter the file lacks (one added to
//	                   Params after it was written) takes its
//	                   declared default, which is what the build
//	                   that wrote it did
//	env      string    the stimulus (Params.Env again, so that a reader
//	                   that knows nothing of Params still finds it)
//	T        int64     steps taken
//	buffers  uint32    count, then per buffer of State.Fields() that is
//	                   not empty for the parameters, in order: name
//	                   (string), type (uint8: 1 float32, 2 uint32,
//	                   3 int32), length (uint64, elements), the elements
//	sections           optional, to the end of the contents: per
//	                   section a name (string), a length (uint64,
//	                   bytes) and that many bytes. A reader skips a
//	                   section it does not know. "history" is the
//	                   run's learning curve (see History): stride
//	                   (int64), count (uint32, at most MaxHistory),
//	                   then per sample its step (int64), rolling F1
//	                   and hidden rate (float32 bits each)
//	crc      uint32    CRC-32C (Castagnoli) of every byte before it
//
// Versions 1 and 2 also stored the buffers that are empty for the
// parameters. A reader matches the file's buffers to State's by name, in
// order: a buffer of State the file lacks must be empty for the file's
// parameters (a buffer added to State after the file was written, whose
// parameters take defaults that leave it empty), and is empty.
//
// Read checks the magic, the version, the size against the file's, and
// the checksum before it parses anything; then it checks every length
// against the one the parameters imply, and against the bytes left,
// before it allocates.
package checkpoint

import (
	"fmt"
	"hash/crc32"
	"reflect"

	"github.com/spikecast/spikecast/cpuref"
)

// Magic opens every checkpoint file. The newline catches a file that went
// through a text-mode transfer, as PNG's signature does.
const Magic = "SPKCKPT\n"

// Version is the format version this build writes. It also reads
// version 2, which stored empty buffers too, and version 1, which also
// named its parameters by their Go fields (see v1Names) rather than by
// their flags.
const Version = 3

// Element types of a buffer.
const (
	typeF32 = 1
	typeU32 = 2
	typeI32 = 3
)

const (
	headerSize  = len(Magic) + 4 + 8 // magic, version, size
	trailerSize = 4                  // CRC-32C
	maxParams   = 256                // a sanity bound on the field count
	chunk       = 1 << 16            // bytes decoded at a time
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// paramField is one field of cpuref.Params as the file stores it.
type paramField struct {
	name string
	kind uint8
	v    reflect.Value
}

func (f paramField) size() int {
	switch f.kind {
	case 'i':
		return 8
	case 'u', 'f':
		return 4
	case 's':
		return 1 + f.v.Len()
	}
	return 1
}

// paramFields lists p's parameters in declaration order, named by their
// flags: every parameter is stored, so one added to Params is saved
// without a change here.
func paramFields(p cpuref.Params) ([]paramField, error) {
	v := reflect.ValueOf(p)
	var out []paramField
	for _, spec := range cpuref.ParamSpecs() {
		fv := v.FieldByName(spec.Field)
		k := kindOf(fv.Kind())
		if k == 0 {
			return nil, fmt.Errorf("parameter %s: cannot store a %s", spec.Flag, fv.Type())
		}
		if k == 's' && fv.Len() > 255 {
			return nil, fmt.Errorf("parameter %s: string longer than 255 bytes", spec.Flag)
		}
		out = append(out, paramField{spec.Flag, k, fv})
	}
	return out, nil
}

// v1Names maps the Go field names of version 1 files that have since
// been renamed to their flags.
var v1Names = map[string]string{"WOut": "wout"}

func kindOf(k reflect.Kind) uint8 {
	switch k {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return 'i'
	case reflect.Uint32:
		return 'u'
	case reflect.Float32:
		return 'f'
	case reflect.String:
		return 's'
	case reflect.Bool:
		return 'b'
	}
	return 0
}

func fieldType(f cpuref.Field) uint8 {
	switch {
	case f.F32 != nil:
		return typeF32
	case f.U32 != nil:
		return typeU32
	case f.I32 != nil:
		return typeI32
	}
	return 0
}

func fieldLen(f cpuref.Field) int {
	switch {
	case f.F32 != nil:
		return len(*f.F32)
	case f.U32 != nil:
		return len(*f.U32)
	case f.I32 != nil:
		return len(*f.I32)
	}
	return 0
}
