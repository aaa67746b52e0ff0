// points: one spike of the 3-D panel. Layers are stacked planes, input at
// the bottom; the cell grid spans [-0.5, 0.5] in x and z. With uCells > 1
// hidden cells a pixel, hidden cell c sits on a sub-layer of its own
// about the hidden plane, coloured from blue (c = 0) to violet.

layout(std430, binding = B_POINTS) readonly buffer PointBuf {
    uint count;
    uint instances;
    uint first;
    uint baseInstance;
    vec4 points[];
};

uniform mat4 uMVP;
uniform int uN;
uniform uint uCapacity;
uniform float uPointSize; // pixels at unit distance
uniform float uLayerGap;
uniform int uCells;       // hidden cells a pixel
uniform float uSubGap;    // height of the hidden cells' sub-layers, all together

out vec4 tint;

const vec3 layerColour[3] = vec3[3](
    vec3(1.00, 0.25, 0.20),  // input: red
    vec3(0.30, 0.55, 1.00),  // hidden: blue
    vec3(0.25, 0.95, 0.45)); // output: green
const vec3 lastCellColour = vec3(0.85, 0.35, 1.00); // hidden cell K−1: violet

void main() {
    if (uint(gl_VertexID) >= uCapacity) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0); // clipped
        return;
    }
    vec4 p = points[gl_VertexID];
    float n = float(uN);
    int code = int(p.z);
    int layer = code & 3;
    int c = code >> 2; // the hidden cell
    // Sub-layer c of uCells, centred on the hidden plane (0 at one cell).
    float sub = layer == 1 ? uSubGap * ((float(c) + 0.5) / float(uCells) - 0.5) : 0.0;
    vec3 world = vec3((p.x + 0.5) / n - 0.5, (float(layer) - 1.0) * uLayerGap + sub, (p.y + 0.5) / n - 0.5);
    gl_Position = uMVP * vec4(world, 1.0);
    vec3 rgb = layerColour[layer];
    if (layer == 1 && uCells > 1) {
        rgb = mix(rgb, lastCellColour, float(c) / float(uCells - 1));
    }
    tint = vec4(rgb * p.w, p.w);
    gl_PointSize = max(1.5, uPointSize * (0.5 + 0.5 * p.w) / gl_Position.w);
}
