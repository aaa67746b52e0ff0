// Shared by every compute pass. The Go side prepends #version and the
// #defines (work-group size, binding points, sizes) before this file.
//
// Bit-identical results with package cpuref depend on three things here:
// every float expression that rounds is marked `precise`, so no multiply
// and add are fused into an FMA; sums run over window slots in the same
// ascending order as the reference; and random numbers come from the same
// counter-based hash.

layout(local_size_x = WG_X, local_size_y = WG_Y) in;

// Storage buffers. GL promises only 16 storage blocks a shader, so each
// pass names the buffers it uses in a "// uses:" line, and Go defines
// USE_<NAME> for each; only those are declared.
#ifdef USE_X
layout(std430, binding = B_X) buffer XBuf { uint x[]; };
#endif
#ifdef USE_Y
layout(std430, binding = B_Y) buffer YBuf { uint y[]; };
#endif
#ifdef USE_SPREV
layout(std430, binding = B_SPREV) buffer SPrevBuf { uint sPrev[]; };
#endif
#ifdef USE_SCUR
layout(std430, binding = B_SCUR) buffer SCurBuf { uint sCur[]; };
#endif
#ifdef USE_YHAT
layout(std430, binding = B_YHAT) buffer YHatBuf { uint yhat[]; };
#endif
#ifdef USE_ERR
layout(std430, binding = B_ERR) buffer ErrBuf { int err[]; };
#endif
#ifdef USE_RING
layout(std430, binding = B_RING) buffer RingBuf { uint ring[]; };
#endif
#ifdef USE_P
layout(std430, binding = B_P) buffer PBuf { float p[]; };
#endif
#ifdef USE_V
layout(std430, binding = B_V) buffer VBuf { float v[]; };
#endif
#ifdef USE_THETA
layout(std430, binding = B_THETA) buffer ThetaBuf { float theta[]; };
#endif
#ifdef USE_Q
layout(std430, binding = B_Q) buffer QBuf { float q[]; };
#endif
#ifdef USE_WIN
layout(std430, binding = B_WIN) buffer WInBuf { float wIn[]; };
#endif
#ifdef USE_WREC
layout(std430, binding = B_WREC) buffer WRecBuf { float wRec[]; };
#endif
#ifdef USE_WOUT
layout(std430, binding = B_WOUT) buffer WOutBuf { float wOut[]; };
#endif
#ifdef USE_ELIG
layout(std430, binding = B_ELIG) buffer EligBuf { float elig[]; };
#endif
// The second hidden layer (-horizon > 1).
#ifdef USE_V2
layout(std430, binding = B_V2) buffer V2Buf { float v2[]; };
#endif
#ifdef USE_THETA2
layout(std430, binding = B_THETA2) buffer Theta2Buf { float theta2[]; };
#endif
#ifdef USE_Q2
layout(std430, binding = B_Q2) buffer Q2Buf { float q2[]; };
#endif
#ifdef USE_S2
layout(std430, binding = B_S2) buffer S2Buf { uint s2[]; };
#endif
#ifdef USE_W12
layout(std430, binding = B_W12) buffer W12Buf { float w12[]; };
#endif
// Activity per 16×16 tile (work group), so a pass can skip sums that are
// certainly zero: tiles[par·T + t] counts the spikes of tile t at a step
// of parity par (two slots: this step's and the last), tiles[2T + t]
// counts the cells of tile t with a lit input pixel in their 3×3 patch.
// Skipping a sum whose terms are all zero leaves it +0, bit for bit.
#ifdef USE_TILES
layout(std430, binding = B_TILES) buffer TileBuf { uint tiles[]; };
#endif

uniform int uN;    // grid side
uniform int uSlot; // ring slot of this step: t % WINDOW
uniform int uParity; // t % 2: which tile slot holds this step's spikes

// cell returns this invocation's grid position (x = column, y = row).
ivec2 cell() {
    return ivec2(gl_GlobalInvocationID.xy);
}

bool inGrid(ivec2 c) {
    return c.x >= 0 && c.y >= 0 && c.x < uN && c.y < uN;
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

// normalKeyed is cpuref.NormalKeyed: four 16-bit uniforms from two
// hashes, summed left to right (exactly), centred and scaled.
float normalKeyed(uint key, uint index) {
    uint h0 = pcg(pcg(2u * index) + key);
    uint h1 = pcg(pcg(2u * index + 1u) + key);
    const float unit = 1.0 / 65536.0;
    precise float s = float(h0 & 0xffffu) * unit;
    s = s + float(h0 >> 16u) * unit;
    s = s + float(h1 & 0xffffu) * unit;
    s = s + float(h1 >> 16u) * unit;
    precise float z = (s - 2.0) * 1.7320508;
    return z;
}

#ifdef USE_TILES
int tileCount() {
    return int(gl_NumWorkGroups.x * gl_NumWorkGroups.y);
}

int tileIndex(ivec2 t) {
    return t.y * int(gl_NumWorkGroups.x) + t.x;
}

// spikesNear reports whether the tiles around this work group (its own
// and the eight beside it) had any spike at the step of the given parity.
// Windows reach at most 8 cells (MaxR), less than a tile, so no spike
// outside them can touch a cell of this group. The result is the same for
// every invocation of the group.
bool spikesNear(int parity) {
    ivec2 g = ivec2(gl_WorkGroupID.xy);
    ivec2 ng = ivec2(gl_NumWorkGroups.xy);
    int base = parity * tileCount();
    uint total = 0u;
    for (int dy = -1; dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++) {
            ivec2 t = g + ivec2(dx, dy);
            if (t.x >= 0 && t.y >= 0 && t.x < ng.x && t.y < ng.y) {
                total += tiles[base + tileIndex(t)];
            }
        }
    }
    return total != 0u;
}
#endif
