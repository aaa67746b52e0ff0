// uses: BITS
// rate: once a drawn frame, fold the last step's hidden spikes into each
// cell's firing rate, an exponential moving average over frames
// (rate ← rate + α·(s − rate)), and note the step of its last spike. At one
// step a frame it is the rate over about the last 1/α steps; at k steps a
// frame it samples every k-th step. For the rate and inspector views.

layout(std430, binding = B_RATE) buffer RateBuf { float rate[]; };
layout(std430, binding = B_LASTSPIKE) buffer LastBuf { uint lastSpike[]; }; // step + 1; 0: never

uniform float uAlpha;
uniform uint uStep; // the step whose spikes s(t) are in bits

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    int i = c.y * uN + c.x;
    uint s = curWindow(c.y, c.x, 0);
    rate[i] = rate[i] + uAlpha * (float(s) - rate[i]);
    if (s != 0u) {
        lastSpike[i] = uStep + 1u;
    }
}
