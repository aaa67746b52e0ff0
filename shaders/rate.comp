// uses: BITS
// rate: once a drawn frame, fold the last step's hidden spikes into each
// cell's firing rate, an exponential moving average over frames
// (rate ← rate + α·(s − rate)), and note the step of its last spike. At one
// step a frame it is the rate over about the last 1/α steps; at k steps a
// frame it samples every k-th step. For the rate and inspector views.
// One invocation a pixel handles its uCells hidden cells, cell c at
// c·n² + i (its spikes in plane c of the bit set, the planes one after
// another).

layout(std430, binding = B_RATE) buffer RateBuf { float rate[]; };
layout(std430, binding = B_LASTSPIKE) buffer LastBuf { uint lastSpike[]; }; // step + 1; 0: never

uniform float uAlpha;
uniform uint uStep; // the step whose spikes s(t) are in bits
uniform int uCells; // hidden cells a pixel

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    for (int k = 0; k < uCells; k++) {
        int i = (k * uN + c.y) * uN + c.x;
        int w = (k * uN + c.y) * wordsPerRow() + (c.x >> 4);
        uint s = (bits[w] >> uint(c.x - ((c.x >> 4) << 4) + 8)) & 1u;
        rate[i] = rate[i] + uAlpha * (float(s) - rate[i]);
        if (s != 0u) {
            lastSpike[i] = uStep + 1u;
        }
    }
}
