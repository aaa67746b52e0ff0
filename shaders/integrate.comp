// uses: X Y P SCUR V THETA WIN WREC RING BITSPREV BITS
// integrate: cpuref's stimulus and integrate passes in one dispatch.
// First the cell's own pixel: X_t and its target X_{t+k} from the frames'
// lit rectangles, and the pre-synaptic trace p ← λ_pre·p + x. Then steps
// 1–3 for its hidden cell: current from the 3×3 input patch and the
// recurrent window (last step's spikes), plus bias and noise; leak and
// integrate; spike and reset. The patch's pixels are tested against the
// rectangles directly (they may not be written yet: other work groups
// write them), so the fusion needs no barrier. Terms whose input is 0 are
// skipped, as in cpuref: it leaves the float sum unchanged.

uniform float uLambdaPre;
uniform uint uNoiseKey; // cpuref.NoiseKey(seed, noise stream, step)
uniform float uRho;
uniform float uBias;
uniform float uSigma;
uniform int uRRec;

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    int i = c.y * uN + c.x;
    uint xi = litIn(c, uNumNow, false) ? 1u : 0u;
    x[i] = xi;
    y[i] = litIn(c, uNumNext, true) ? 1u : 0u;
    precise float decayed = uLambdaPre * p[i];
    precise float pi = decayed + float(xi);
    p[i] = pi;

    // Input: the patch's lit slots in ascending order, as cpuref.
    uint lit = patchMask(c);
    precise float inp = 0.0;
    for (uint rest = lit; rest != 0u; rest &= rest - 1u) {
        inp = inp + wIn[i * WIN_SLOTS + findLSB(rest)];
    }
    // Recurrence: last step's spikes in the window, a row of bits at a
    // time, slots ascending (row-major, as cpuref's numbering); the
    // centre is no synapse.
    int side = 2 * uRRec + 1;
    int base = i * side * side;
    precise float rec = 0.0;
    for (int dy = -uRRec; dy <= uRRec; dy++, base += side) {
        uint row = prevWindow(c.y + dy, c.x, uRRec);
        if (dy == 0) {
            row &= ~(1u << uint(uRRec));
        }
        for (; row != 0u; row &= row - 1u) {
            rec = rec + wRec[base + findLSB(row)];
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
        // Spikes are rare: the bit set (cleared by Sim.step) and the
        // ring's count are written only by the cells that fire.
        setSpike(c);
        atomicAdd(ring[uSlot * RING_FIELDS + RING_SPIKES], 1u);
    }
    v[i] = vi;
    sCur[i] = s;
}
