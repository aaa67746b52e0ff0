// integrate: steps 1–3 for each hidden cell. Current from the 3×3 input
// patch and the recurrent window (last step's spikes), plus bias and
// noise; leak and integrate; spike and reset. Terms whose input is 0 are
// skipped, as in cpuref: it leaves the float sum unchanged.

uniform uint uSeed;
uniform uint uStep;
uniform float uRho;
uniform float uBias;
uniform float uSigma;
uniform int uRRec;

shared uint groupSpikes;

void main() {
    if (gl_LocalInvocationIndex == 0u) {
        groupSpikes = 0u;
    }
    barrier();

    ivec2 c = cell();
    if (inGrid(c)) {
        int i = c.y * uN + c.x;
        precise float inp = 0.0;
        for (int m = 0; m < WIN_SLOTS; m++) {
            int j;
            if (neighbour(c, 1, m, j) && x[j] != 0u) {
                inp = inp + wIn[i * WIN_SLOTS + m];
            }
        }
        int nrec = (2 * uRRec + 1) * (2 * uRRec + 1);
        int centre = nrec / 2;
        precise float rec = 0.0;
        for (int m = 0; m < nrec; m++) {
            int j;
            if (neighbour(c, uRRec, m, j) && m != centre && sPrev[j] != 0u) {
                rec = rec + wRec[i * nrec + m];
            }
        }
        precise float noise = uSigma * normal4(uSeed, STREAM_NOISE, uStep, uint(i));
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
        if (s != 0u) {
            atomicAdd(groupSpikes, 1u);
        }
    }

    barrier();
    if (gl_LocalInvocationIndex == 0u && groupSpikes != 0u) {
        atomicAdd(ring[uSlot * RING_FIELDS + RING_SPIKES], groupSpikes);
    }
}
