// uses: X Y P RING TILES
// stimulus: write X_t and its target X_{t+1}, and advance the
// pre-synaptic trace p ← λ_pre·p + x. The frames arrive as lists of lit
// rectangles, so no n×n upload is needed.

uniform ivec4 uNow[MAX_RECTS];  // lit rectangles of X_t: (row0, col0, row1, col1), half-open
uniform int uNumNow;
uniform ivec4 uNext[MAX_RECTS]; // and of X_{t+1}
uniform int uNumNext;

bool inRect(ivec2 c, ivec4 r) {
    return c.y >= r.x && c.x >= r.y && c.y < r.z && c.x < r.w;
}
uniform float uLambdaPre;

void main() {
    if (gl_LocalInvocationIndex == 0u) {
        // This step's tile counts start at zero; integrate adds to them.
        int t = tileIndex(ivec2(gl_WorkGroupID.xy));
        tiles[uParity * tileCount() + t] = 0u;
        tiles[2 * tileCount() + t] = 0u;
    }
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    int j = c.y * uN + c.x;
    if (j == 0) {
        // This step's ring slot starts empty; later passes add to it.
        for (int f = 0; f < RING_FIELDS; f++) {
            ring[uSlot * RING_FIELDS + f] = 0u;
        }
    }
    uint xj = 0u;
    for (int k = 0; k < uNumNow; k++) {
        if (inRect(c, uNow[k])) {
            xj = 1u;
        }
    }
    uint yj = 0u;
    for (int k = 0; k < uNumNext; k++) {
        if (inRect(c, uNext[k])) {
            yj = 1u;
        }
    }
    x[j] = xj;
    y[j] = yj;
    precise float decayed = uLambdaPre * p[j];
    precise float pj = decayed + float(xj);
    p[j] = pj;
}
