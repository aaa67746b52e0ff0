package cpuref

// Counter-based random numbers: every random value in a run is a pure
// function of (seed, stream, step, index), so the GPU can draw the noise of
// cell i at step t without any generator state, and both backends draw the
// same numbers. shaders/common.glsl holds the same functions in GLSL.

// Streams separate the uses of the generator.
const (
	StreamWIn   uint32 = 1 // initial input weights
	StreamWRec  uint32 = 2 // initial recurrent weights
	StreamNoise uint32 = 3 // membrane noise ξ
)

// PCG is the PCG-RXS-M-XS 32-bit hash (Jarzynski and Olano, "Hash
// Functions for GPU Rendering", JCGT 2020).
func PCG(v uint32) uint32 {
	state := v*747796405 + 2891336453
	word := ((state >> ((state >> 28) + 4)) ^ state) * 277803737
	return (word >> 22) ^ word
}

// Hash mixes the four counters into one 32-bit value.
func Hash(seed, stream, step, index uint32) uint32 {
	return PCG(seed + PCG(stream+PCG(step+PCG(index))))
}

// Uniform maps a hash to [0, 1) using its top 24 bits, so the result is a
// multiple of 2⁻²⁴ and exact in float32.
func Uniform(h uint32) float32 {
	return float32(h>>8) * (1.0 / 16777216.0)
}

// sqrt3 scales the centred sum of four uniforms (variance 4/12) to unit
// variance.
const sqrt3 float32 = 1.7320508

// Normal returns an approximately standard normal sample: the sum of four
// uniforms, centred and scaled. It uses only float32 additions and one
// multiplication, each rounded, so GLSL computes the same bits (log and cos
// would not be bit-identical across GPUs).
func Normal(seed, stream, step, index uint32) float32 {
	base := index * 4
	u0 := Uniform(Hash(seed, stream, step, base))
	u1 := Uniform(Hash(seed, stream, step, base+1))
	u2 := Uniform(Hash(seed, stream, step, base+2))
	u3 := Uniform(Hash(seed, stream, step, base+3))
	sum := float32(float32(float32(u0+u1)+u2) + u3)
	return float32(float32(sum-2) * sqrt3)
}
