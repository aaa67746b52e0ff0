package cpuref

// Counter-based random numbers: every random value in a run is a pure
// function of (seed, stream, step, index), so the GPU can draw the noise of
// cell i at step t without any generator state, and both backends draw the
// same numbers. shaders/common.glsl holds the same functions in GLSL.

// Streams separate the uses of the generator.
const (
	StreamWIn    uint32 = 1 // initial input weights
	StreamWRec   uint32 = 2 // initial recurrent weights
	StreamNoise  uint32 = 3 // membrane noise ξ
	StreamEnv    uint32 = 4 // stimulus settings (bouncing dots' starts and velocities)
	StreamNoise2 uint32 = 5 // membrane noise of the second hidden layer
	StreamW12    uint32 = 6 // initial weights from the first hidden layer to the second
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

// Sqrt3 is √3 as the float32 1.7320508, which scales the centred sum of
// four uniforms (variance 4/12) to unit variance in NormalKeyed; an
// engine that draws the noise its own way must use this constant.
const Sqrt3 float32 = 1.7320508

// NoiseKey is the key of one step's draws from a stream: a hash of (seed,
// stream, step), computed once per step rather than once per cell.
func NoiseKey(seed, stream, step uint32) uint32 {
	return PCG(seed + PCG(stream+PCG(step)))
}

// Normal returns an approximately standard normal sample for cell index at
// the given step: the sum of four uniforms, centred and scaled. See
// NormalKeyed.
func Normal(seed, stream, step, index uint32) float32 {
	return NormalKeyed(NoiseKey(seed, stream, step), index)
}

// NormalKeyed is Normal with the step's key computed already. Two hashes
// give the four uniforms, 16 bits each: PCG(PCG(2i+h) + key) for h = 0, 1,
// the inner hash scattering the cell index so that two steps' keys never
// give the same sequence shifted. The uniforms are multiples of 2⁻¹⁶ below
// 1, so their float32 sum is exact; the only rounding is the final
// multiplication, which GLSL performs identically (log and cos, as in
// Box–Muller, are not bit-identical across GPUs).
func NormalKeyed(key, index uint32) float32 {
	h0 := PCG(PCG(2*index) + key)
	h1 := PCG(PCG(2*index+1) + key)
	const unit = 1.0 / 65536
	u0 := float32(h0&0xffff) * unit
	u1 := float32(h0>>16) * unit
	u2 := float32(h1&0xffff) * unit
	u3 := float32(h1>>16) * unit
	sum := float32(float32(float32(u0+u1)+u2) + u3)
	return float32(float32(sum-2) * Sqrt3)
}
