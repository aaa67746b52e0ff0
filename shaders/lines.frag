uniform vec4 uColour;
out vec4 colour;

void main() {
    colour = uColour;
}
