#version 330
// Static geometry into the sun's shadow map (depth only). The sky triangle is not drawn here.

uniform mat4 u_shadow;          // camera-relative position → shadow clip space (render/shadows.py)
uniform vec3 u_cam_pos;         // [m]

in vec3 in_position;

void main() {
    gl_Position = u_shadow * vec4(in_position - u_cam_pos, 1.0);
}
