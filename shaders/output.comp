// uses: Y SCUR YHAT ERR WOUT RING TILES
// output: steps 4–6 for each output cell k. Prediction ŷ = [u > τ_out]
// from this step's spikes, error e = y − ŷ, and the delta rule on row k of
// W_out, which only this invocation touches. Dense W_out sums over every
// hidden cell in index order, the order cpuref uses.

uniform float uTauOut;
uniform float uEtaOut;
uniform float uWoutMax;
uniform int uROut;
uniform bool uDense;
uniform bool uLearn;
uniform bool uLayer2; // the second hidden layer is bound as sCur; tiles count the first

void main() {

    // No spike within reach: u = 0 and no weight can change.
    bool busy = uLayer2 || (uDense ? ring[uSlot * RING_FIELDS + RING_SPIKES] != 0u : spikesNear(uParity));
    ivec2 c = cell();
    if (inGrid(c)) {
        int k = c.y * uN + c.x;
        int nn = uN * uN;
        int width = uDense ? nn : (2 * uROut + 1) * (2 * uROut + 1);
        int base = k * width;
        precise float u = 0.0;
        if (!busy) {
            // u stays 0
        } else if (uDense) {
            for (int j = 0; j < nn; j++) {
                if (sCur[j] != 0u) {
                    u = u + wOut[base + j];
                }
            }
        } else {
            int m = 0;
            for (int dy = -uROut; dy <= uROut; dy++) {
                for (int dx = -uROut; dx <= uROut; dx++, m++) {
                    ivec2 o = c + ivec2(dx, dy);
                    if (inGrid(o) && sCur[o.y * uN + o.x] != 0u) {
                        u = u + wOut[base + m];
                    }
                }
            }
        }
        uint yh = u > uTauOut ? 1u : 0u;
        int e = int(y[k]) - int(yh);
        yhat[k] = yh;
        err[k] = e;
        // Global atomics: predictions and targets are rare (see integrate).
        int b = uSlot * RING_FIELDS;
        if (yh == 1u && e == 0) {
            atomicAdd(ring[b + RING_TP], 1u);
        } else if (e < 0) {
            atomicAdd(ring[b + RING_FP], 1u);
        } else if (e > 0) {
            atomicAdd(ring[b + RING_FN], 1u);
        }
        if (e != 0 && uLearn && busy) {
            precise float d = uEtaOut * float(e);
            if (uDense) {
                for (int j = 0; j < nn; j++) {
                    if (sCur[j] != 0u) {
                        precise float w = wOut[base + j] + d;
                        wOut[base + j] = clamp(w, -uWoutMax, uWoutMax);
                    }
                }
            } else {
                int m = 0;
                for (int dy = -uROut; dy <= uROut; dy++) {
                    for (int dx = -uROut; dx <= uROut; dx++, m++) {
                        ivec2 o = c + ivec2(dx, dy);
                        if (inGrid(o) && sCur[o.y * uN + o.x] != 0u) {
                            precise float w = wOut[base + m] + d;
                            wOut[base + m] = clamp(w, -uWoutMax, uWoutMax);
                        }
                    }
                }
            }
        }
    }
}
