// panel: a full-viewport quad; the fragment shader maps its position to a
// grid cell. No vertex buffer: the corners come from gl_VertexID.

out vec2 uv; // (0,0) top-left, (1,1) bottom-right of the panel

void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    uv = vec2(corner.x, 1.0 - corner.y);
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
