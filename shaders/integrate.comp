// uses: X Y P SPREV SCUR V THETA WIN WREC RING TILES
// integrate: cpuref's stimulus and integrate passes in one dispatch.
// First the cell's own pixel: X_t and its target X_{t+k} from the frames'
// lit rectangles, and the pre-synaptic trace p ← λ_pre·p + x. Then steps
// 1–3 for its hidden cell: current from the 3×3 input litPatch and the
// recurrent window (last step's spikes), plus bias and noise; leak and
// integrate; spike and reset. The litPatch's pixels are tested against the
// rectangles directly (they may not be written yet: other work groups
// write them), so the fusion needs no barrier. Terms whose input is 0 are
// skipped, as in cpuref: it leaves the float sum unchanged.

uniform ivec4 uNow[MAX_RECTS];  // lit rectangles of X_t: (row0, col0, row1, col1), half-open
uniform int uNumNow;
uniform ivec4 uNext[MAX_RECTS]; // and of the target frame
uniform int uNumNext;
uniform float uLambdaPre;

bool inRect(ivec2 c, ivec4 r) {
    return c.y >= r.x && c.x >= r.y && c.y < r.z && c.x < r.w;
}

// patchMask returns bit m set when slot m of the 3×3 litPatch around c is a
// lit pixel of X_t (on the grid: rectangles are clipped to it).
uint patchMask(ivec2 c) {
    uint mask = 0u;
    for (int k = 0; k < uNumNow; k++) {
        ivec4 r = uNow[k];
        // Skip rectangles that miss the litPatch altogether.
        if (r.z <= c.y - 1 || r.x > c.y + 1 || r.w <= c.x - 1 || r.y > c.x + 1) {
            continue;
        }
        int m = 0;
        for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++, m++) {
                ivec2 o = c + ivec2(dx, dy);
                if (inGrid(o) && inRect(o, r)) {
                    mask |= 1u << uint(m);
                }
            }
        }
    }
    return mask;
}

bool litIn(ivec2 c, int num, bool next) {
    for (int k = 0; k < num; k++) {
        if (inRect(c, next ? uNext[k] : uNow[k])) {
            return true;
        }
    }
    return false;
}

uniform uint uNoiseKey; // cpuref.NoiseKey(seed, noise stream, step)
uniform float uRho;
uniform float uBias;
uniform float uSigma;
uniform int uRRec;

void main() {
    bool recurrent = spikesNear(1 - uParity);

    ivec2 c = cell();
    if (inGrid(c)) {
        int i = c.y * uN + c.x;
        uint xi = litIn(c, uNumNow, false) ? 1u : 0u;
        x[i] = xi;
        y[i] = litIn(c, uNumNext, true) ? 1u : 0u;
        precise float decayed = uLambdaPre * p[i];
        precise float pi = decayed + float(xi);
        p[i] = pi;

        uint litPatch = patchMask(c);
        // Window slots in row-major order (dy outer, dx inner), as
        // cpuref's slot numbering; nested loops avoid an integer division
        // per slot, which SIMD units lack.
        precise float inp = 0.0;
        bool lit = litPatch != 0u;
        for (int m = 0; lit && m < WIN_SLOTS; m++) {
            if ((litPatch & (1u << uint(m))) != 0u) {
                inp = inp + wIn[i * WIN_SLOTS + m];
            }
        }
        int nrec = (2 * uRRec + 1) * (2 * uRRec + 1);
        precise float rec = 0.0;
        int m = 0;
        for (int dy = -uRRec; recurrent && dy <= uRRec; dy++) {
            for (int dx = -uRRec; dx <= uRRec; dx++, m++) {
                ivec2 o = c + ivec2(dx, dy);
                if ((dx != 0 || dy != 0) && inGrid(o) && sPrev[o.y * uN + o.x] != 0u) {
                    rec = rec + wRec[i * nrec + m];
                }
            }
        }
        precise float noise = uSigma * normalKeyed(uNoiseKey, uint(i));
        precise float current = ((inp + rec) + uBias) + noise;
        precise float leaked = uRho * v[i];
        precise float vi = leaked + current;
        uint s = 0u;
        if (vi >= theta[i]) {
            s = 1u;
            vi = 0.0;
        }
        v[i] = vi;
        sCur[i] = s;
        // Counts by global atomics: spikes and lit patches are rare, and
        // a work-group reduction would need barriers, which software
        // renderers pay for dearly. Sim.step zeroed these slots.
        int t = tileIndex(ivec2(gl_WorkGroupID.xy));
        if (s != 0u) {
            atomicAdd(tiles[uParity * tileCount() + t], 1u);
            atomicAdd(ring[uSlot * RING_FIELDS + RING_SPIKES], 1u);
        }
        if (lit) {
            atomicAdd(tiles[2 * tileCount() + t], 1u);
        }
    }
}
