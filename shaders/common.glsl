// Shared by every compute pass. The Go side prepends #version and the
// #defines (work-group size, binding points, sizes) before this file.
//
// Bit-identical results with package cpuref depend on three things here:
// every float expression that rounds is marked `precise`, so no multiply
// and add are fused into an FMA; sums run over window slots in the same
// ascending order as the reference; and random numbers come from the same
// counter-based hash.

layout(local_size_x = WG_X, local_size_y = WG_Y) in;

layout(std430, binding = B_X)      buffer XBuf      { uint x[]; };
layout(std430, binding = B_Y)      buffer YBuf      { uint y[]; };
layout(std430, binding = B_P)      buffer PBuf      { float p[]; };
layout(std430, binding = B_V)      buffer VBuf      { float v[]; };
layout(std430, binding = B_THETA)  buffer ThetaBuf  { float theta[]; };
layout(std430, binding = B_Q)      buffer QBuf      { float q[]; };
layout(std430, binding = B_SPREV)  buffer SPrevBuf  { uint sPrev[]; };
layout(std430, binding = B_SCUR)   buffer SCurBuf   { uint sCur[]; };
layout(std430, binding = B_YHAT)   buffer YHatBuf   { uint yhat[]; };
layout(std430, binding = B_ERR)    buffer ErrBuf    { int err[]; };
layout(std430, binding = B_WIN)    buffer WInBuf    { float wIn[]; };
layout(std430, binding = B_WREC)   buffer WRecBuf   { float wRec[]; };
layout(std430, binding = B_WOUT)   buffer WOutBuf   { float wOut[]; };
layout(std430, binding = B_RING)   buffer RingBuf   { uint ring[]; };

uniform int uN;    // grid side
uniform int uSlot; // ring slot of this step: t % WINDOW

// cell returns this invocation's grid position (x = column, y = row).
ivec2 cell() {
    return ivec2(gl_GlobalInvocationID.xy);
}

bool inGrid(ivec2 c) {
    return c.x >= 0 && c.y >= 0 && c.x < uN && c.y < uN;
}

// neighbour is cpuref.Neighbour: the cell at slot m of the radius-r
// window around c, numbered row-major from (−r, −r).
bool neighbour(ivec2 c, int r, int m, out int j) {
    int w = 2 * r + 1;
    ivec2 o = c + ivec2(m % w - r, m / w - r);
    j = o.y * uN + o.x;
    return inGrid(o);
}

// pcg is the PCG-RXS-M-XS hash, as cpuref.PCG.
uint pcg(uint v) {
    uint state = v * 747796405u + 2891336453u;
    uint word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

uint hash4(uint seed, uint stream, uint step, uint index) {
    return pcg(seed + pcg(stream + pcg(step + pcg(index))));
}

float uniform01(uint h) {
    return float(h >> 8u) * (1.0 / 16777216.0);
}

// normal4 is cpuref.Normal: four uniforms summed left to right, centred
// and scaled to unit variance.
float normal4(uint seed, uint stream, uint step, uint index) {
    uint base = index * 4u;
    precise float s = uniform01(hash4(seed, stream, step, base));
    s = s + uniform01(hash4(seed, stream, step, base + 1u));
    s = s + uniform01(hash4(seed, stream, step, base + 2u));
    s = s + uniform01(hash4(seed, stream, step, base + 3u));
    precise float z = (s - 2.0) * 1.7320508;
    return z;
}
