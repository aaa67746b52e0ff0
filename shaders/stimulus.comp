// stimulus: write X_t and its target X_{t+1}, and advance the
// pre-synaptic trace p ← λ_pre·p + x. The frames arrive as lists of lit
// pixel indices, so no n×n upload is needed.

uniform int uLitNow[MAX_LIT];
uniform int uNumNow;
uniform int uLitNext[MAX_LIT];
uniform int uNumNext;
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
        if (uLitNow[k] == j) {
            xj = 1u;
        }
    }
    uint yj = 0u;
    for (int k = 0; k < uNumNext; k++) {
        if (uLitNext[k] == j) {
            yj = 1u;
        }
    }
    x[j] = xj;
    y[j] = yj;
    precise float decayed = uLambdaPre * p[j];
    precise float pj = decayed + float(xj);
    p[j] = pj;
}
