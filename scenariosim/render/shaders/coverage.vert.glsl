#version 430
// Coverage pass: the actors again, alone (no static scene, no depth test), projected by the coverage
// camera — the draw camera with a margin of pixels around its image — so coverage.frag.glsl can count
// the pixels each would cover if nothing hid it, inside the image and beyond its borders.

uniform mat4 u_proj_rot;        // the coverage camera's projection · world→eye rotation
uniform int u_slot_base;        // slot of this draw's first instance

//#include actor_pose.glsl

flat out int v_slot;
flat out uint v_instance;

void main() {
    vec3 normal;
    gl_Position = u_proj_rot * vec4(pose(normal), 1.0);
    v_slot = u_slot_base + gl_InstanceID;
    v_instance = i_ids.y;
}
