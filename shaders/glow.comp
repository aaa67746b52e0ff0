// uses: YHAT BITS X
// glow: once a frame, fade every cell's afterglow in the three layers and
// append the visible ones to the point list the 3-D panel draws. A spike
// sets its glow to 1; otherwise glow ← glow·uDecay. The list's order is
// that of the atomic counter (unordered); the points are blended
// additively, so order barely matters.

layout(std430, binding = B_GLOW) buffer GlowBuf { vec4 glow[]; }; // per cell: input, hidden, output, unused
// The point list starts with the DrawArraysIndirectCommand that draws it,
// so the count needs no buffer of its own.
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
    // X_t from its rectangles (from its bit set X with a frame source,
    // FRAMES); s(t) and ŷ from their bit sets.
    uint yh = (yhat[plainWord(c)] >> plainBit(c)) & 1u;
#if FRAMES
    bool xin = ((x[plainWord(c)] >> plainBit(c)) & 1u) != 0u;
#else
    bool xin = litIn(c, uNumNow, false);
#endif
    bvec3 fired = bvec3(xin, curWindow(c.y, c.x, 0) != 0u, yh != 0u);
    vec3 old = glow[i].xyz;
    if (!any(fired) && old == vec3(0.0)) {
        return; // dark and staying dark: the common case, no write
    }
    vec3 v = mix(old * uDecay, vec3(1.0), fired);
    v *= step(0.02, v); // below 0.02 a glow goes out
    glow[i] = vec4(v, 0.0);
    for (int layer = 0; layer < 3; layer++) {
        if (v[layer] > 0.0) {
            uint k = atomicAdd(count, 1u);
            if (k < uCapacity) {
                points[k] = vec4(float(c.x), float(c.y), float(layer), v[layer]);
            }
        }
    }
}
