// uses: SCUR V2 THETA2 S2 W12
// integrate2: the second hidden layer (-horizon > 1), cascaded after the
// first. Current from the 3×3 patch of the first layer's spikes of this
// step through W12, plus bias and its own noise stream; leak with its own,
// slower ρ₂; spike and reset. As cpuref's integrate2.

uniform uint uNoiseKey; // cpuref.NoiseKey(seed, second-layer noise stream, step)
uniform float uRho2;
uniform float uBias;
uniform float uSigma;

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    int i = c.y * uN + c.x;
    precise float inp = 0.0;
    int m = 0;
    for (int dy = -1; dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++, m++) {
            ivec2 o = c + ivec2(dx, dy);
            if (inGrid(o) && sCur[o.y * uN + o.x] != 0u) {
                inp = inp + w12[i * WIN_SLOTS + m];
            }
        }
    }
    precise float noise = uSigma * normalKeyed(uNoiseKey, uint(i));
    precise float current = (inp + uBias) + noise;
    precise float leaked = uRho2 * v2[i];
    precise float vi = leaked + current;
    uint s = 0u;
    if (vi >= theta2[i]) {
        s = 1u;
        vi = 0.0;
    }
    v2[i] = vi;
    s2[i] = s;
}
