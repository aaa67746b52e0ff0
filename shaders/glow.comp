// uses: X YHAT BITS
// glow: once a frame, fade every cell's afterglow in the three layers and
// append the visible ones to the point list the 3-D panel draws. A spike
// sets its glow to 1; otherwise glow ← glow·uDecay. The list's order is
// that of the atomic counter (unordered); the points are blended
// additively, so order barely matters.

layout(std430, binding = B_GLOW)   buffer GlowBuf   { float glow[]; };  // 3·n²: input, hidden, output
// The point list starts with the DrawArraysIndirectCommand that draws it,
// so the count needs no buffer of its own (GL guarantees only 16 storage
// blocks a shader, and common.glsl declares 14).
layout(std430, binding = B_POINTS) buffer PointBuf {
    uint count;
    uint instances;
    uint first;
    uint baseInstance;
    vec4 points[]; // (col, row, layer, glow)
};

uniform float uDecay;   // per-frame afterglow factor in [0, 1)
uniform uint uCapacity; // length of points[]

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    int i = c.y * uN + c.x;
    int nn = uN * uN;
    int plain = c.y * ((uN + 31) >> 5) + (c.x >> 5);
    uint bit = uint(c.x & 31);
    uint fired[3] = uint[3]((x[plain] >> bit) & 1u, curWindow(c.y, c.x, 0), (yhat[plain] >> bit) & 1u);
    for (int layer = 0; layer < 3; layer++) {
        int g = layer * nn + i;
        float old = glow[g];
        if (fired[layer] == 0u && old == 0.0) {
            continue; // dark and staying dark: the common case, no write
        }
        float v = fired[layer] != 0u ? 1.0 : old * uDecay;
        if (v < 0.02) {
            v = 0.0;
        }
        glow[g] = v;
        if (v > 0.0) {
            uint k = atomicAdd(count, 1u);
            if (k < uCapacity) {
                points[k] = vec4(float(c.x), float(c.y), float(layer), v);
            }
        }
    }
}
