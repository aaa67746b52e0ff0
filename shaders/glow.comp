// uses: YHAT BITS X
// glow: once a frame, fade every cell's afterglow in the three layers and
// append the visible ones to the point list the 3-D panel draws. A spike
// sets its glow to 1; otherwise glow ← glow·uDecay. The list's order is
// that of the atomic counter (unordered); the points are blended
// additively, so order barely matters. With uCells > 1 hidden cells a
// pixel each cell has its own glow and points (its spikes in plane c of
// the bit set, the planes one after another).

// Per pixel uCells + 2 glows: input, output, then each hidden cell's.
layout(std430, binding = B_GLOW) buffer GlowBuf { float glow[]; };
// The point list starts with the DrawArraysIndirectCommand that draws it,
// so the count needs no buffer of its own.
layout(std430, binding = B_POINTS) buffer PointBuf {
    uint count;
    uint instances;
    uint first;
    uint baseInstance;
    vec4 points[]; // (col, row, layer + 4·cell, glow): layer 0 input, 1 hidden, 2 output
};

uniform float uDecay;   // per-frame afterglow factor in [0, 1)
uniform uint uCapacity; // length of points[]
uniform int uCells;     // hidden cells a pixel

// fade updates glow g of cell c, lit by fired, and lists it as a point
// of layer code layer while it shows.
void fade(int g, bool fired, ivec2 c, int layer) {
    float old = glow[g];
    if (!fired && old == 0.0) {
        return; // dark and staying dark: the common case, no write
    }
    float v = fired ? 1.0 : old * uDecay;
    v *= step(0.02, v); // below 0.02 a glow goes out
    glow[g] = v;
    if (v > 0.0) {
        uint k = atomicAdd(count, 1u);
        if (k < uCapacity) {
            points[k] = vec4(float(c.x), float(c.y), float(layer), v);
        }
    }
}

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    int g = (c.y * uN + c.x) * (uCells + 2);
    // X_t from its rectangles (from its bit set X with a frame source,
    // FRAMES); s(t) and ŷ from their bit sets.
    uint yh = (yhat[plainWord(c)] >> plainBit(c)) & 1u;
#if FRAMES
    bool xin = ((x[plainWord(c)] >> plainBit(c)) & 1u) != 0u;
#else
    bool xin = litIn(c, uNumNow, false);
#endif
    fade(g, xin, c, 0);
    for (int k = 0; k < uCells; k++) {
        uint w = bits[(k * uN + c.y) * wordsPerRow() + (c.x >> 4)];
        fade(g + 2 + k, ((w >> uint(c.x - ((c.x >> 4) << 4) + 8)) & 1u) != 0u, c, 1 + 4 * k);
    }
    fade(g + 1, yh != 0u, c, 2);
}
