// uses: V2 THETA2 S2 W12 BITS BITS2
// integrate2: the second hidden layer (-horizon > 1), cascaded after the
// first. Current from the 3×3 patch of the first layer's spikes of this
// step through W12, plus bias and its own noise stream; leak with its own,
// slower ρ₂; spike and reset. As cpuref's integrate2.

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    loadNetwork();
    int i = cellIndex(c);
    precise float inp = 0.0;
    for (int dy = -1, m = wrow(i) * PATCH_SLOTS; dy <= 1; dy++, m += 3) {
        for (uint b = curWindow(c.y + dy, c.x, 1); b != 0u; b &= b - 1u) {
            inp = inp + w12[m + findLSB(b)];
        }
    }
    precise float noise = uSigmaNoise * normalKeyed(noiseKey(1), uint(localIndex(c)));
    precise float current = (inp + uBias) + noise;
    precise float leaked = uRho2 * v2[i];
    precise float vi = leaked + current;
    float th = theta2[i];
    uint s = 0u;
    if (vi >= th) {
        s = 1u;
        vi = 0.0;
        setSpike2(c);
    }
    v2[i] = vi;
    // Homeostasis of θ₂, as integrate's.
    precise float dt = uEtaTheta * (float(s) - uTargetRate);
    precise float adapted = th + dt;
    theta2[i] = max(adapted, uThetaMin);
    s2[i] = s;
}
