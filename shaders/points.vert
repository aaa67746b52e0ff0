// points: one spike of the 3-D panel. Layers are stacked planes, input at
// the bottom; the cell grid spans [-0.5, 0.5] in x and z.

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

out vec4 tint;

const vec3 layerColour[3] = vec3[3](
    vec3(1.00, 0.25, 0.20),  // input: red
    vec3(0.30, 0.55, 1.00),  // hidden: blue
    vec3(0.25, 0.95, 0.45)); // output: green

void main() {
    if (uint(gl_VertexID) >= uCapacity) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0); // clipped
        return;
    }
    vec4 p = points[gl_VertexID];
    float n = float(uN);
    vec3 world = vec3((p.x + 0.5) / n - 0.5, (p.z - 1.0) * uLayerGap, (p.y + 0.5) / n - 0.5);
    gl_Position = uMVP * vec4(world, 1.0);
    int layer = int(p.z);
    tint = vec4(layerColour[layer] * p.w, p.w);
    gl_PointSize = max(1.5, uPointSize * (0.5 + 0.5 * p.w) / gl_Position.w);
}
