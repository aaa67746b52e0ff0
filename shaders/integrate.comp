// uses: X SPREV SCUR V THETA WIN WREC RING TILES
// integrate: steps 1–3 for each hidden cell. Current from the 3×3 input
// patch and the recurrent window (last step's spikes), plus bias and
// noise; leak and integrate; spike and reset. Terms whose input is 0 are
// skipped, as in cpuref: it leaves the float sum unchanged.

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
        // Window slots in row-major order (dy outer, dx inner), as
        // cpuref's slot numbering; nested loops avoid an integer division
        // per slot, which SIMD units lack.
        precise float inp = 0.0;
        bool lit = false;
        int m = 0;
        for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++, m++) {
                ivec2 o = c + ivec2(dx, dy);
                if (inGrid(o) && x[o.y * uN + o.x] != 0u) {
                    inp = inp + wIn[i * WIN_SLOTS + m];
                    lit = true;
                }
            }
        }
        int nrec = (2 * uRRec + 1) * (2 * uRRec + 1);
        precise float rec = 0.0;
        m = 0;
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
        // renderers pay for dearly. The stimulus pass zeroed these slots.
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
