// lines: plane outlines of the 3-D panel and the learning curve.

layout(location = 0) in vec3 position;

uniform mat4 uMVP;

void main() {
    gl_Position = uMVP * vec4(position, 1.0);
}
