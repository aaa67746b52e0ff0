// uses: SCUR THETA
// homeostasis: step 8, θ ← max(θ + η_θ·(s − target_rate), θ_min).

uniform float uEtaTheta;
uniform float uTargetRate;
uniform float uThetaMin;

void main() {
    ivec2 c = cell();
    if (!inGrid(c)) {
        return;
    }
    int i = c.y * uN + c.x;
    precise float d = uEtaTheta * (float(sCur[i]) - uTargetRate);
    precise float t = theta[i] + d;
    theta[i] = max(t, uThetaMin);
}
