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

shared uint groupTP;
shared uint groupFP;
shared uint groupFN;

void main() {
    if (gl_LocalInvocationIndex == 0u) {
        groupTP = 0u;
        groupFP = 0u;
        groupFN = 0u;
    }
    barrier();

    ivec2 c = cell();
    if (inGrid(c)) {
        int k = c.y * uN + c.x;
        int nn = uN * uN;
        int width = uDense ? nn : (2 * uROut + 1) * (2 * uROut + 1);
        int base = k * width;
        precise float u = 0.0;
        if (uDense) {
            for (int j = 0; j < nn; j++) {
                if (sCur[j] != 0u) {
                    u = u + wOut[base + j];
                }
            }
        } else {
            for (int m = 0; m < width; m++) {
                int j;
                if (neighbour(c, uROut, m, j) && sCur[j] != 0u) {
                    u = u + wOut[base + m];
                }
            }
        }
        uint yh = u > uTauOut ? 1u : 0u;
        int e = int(y[k]) - int(yh);
        yhat[k] = yh;
        err[k] = e;
        if (yh == 1u && e == 0) {
            atomicAdd(groupTP, 1u);
        } else if (e < 0) {
            atomicAdd(groupFP, 1u);
        } else if (e > 0) {
            atomicAdd(groupFN, 1u);
        }
        if (e != 0 && uLearn) {
            precise float d = uEtaOut * float(e);
            if (uDense) {
                for (int j = 0; j < nn; j++) {
                    if (sCur[j] != 0u) {
                        precise float w = wOut[base + j] + d;
                        wOut[base + j] = clamp(w, -uWoutMax, uWoutMax);
                    }
                }
            } else {
                for (int m = 0; m < width; m++) {
                    int j;
                    if (neighbour(c, uROut, m, j) && sCur[j] != 0u) {
                        precise float w = wOut[base + m] + d;
                        wOut[base + m] = clamp(w, -uWoutMax, uWoutMax);
                    }
                }
            }
        }
    }

    barrier();
    if (gl_LocalInvocationIndex == 0u) {
        int b = uSlot * RING_FIELDS;
        if (groupTP != 0u) atomicAdd(ring[b + RING_TP], groupTP);
        if (groupFP != 0u) atomicAdd(ring[b + RING_FP], groupFP);
        if (groupFN != 0u) atomicAdd(ring[b + RING_FN], groupFN);
    }
}
