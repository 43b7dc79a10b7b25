#version 330
// Actors into the sun's shadow map (depth only).

uniform mat4 u_shadow;          // camera-relative position → shadow clip space

//#include actor_pose.glsl

void main() {
    vec3 normal;
    gl_Position = u_shadow * vec4(pose(normal), 1.0);
}
