#version 330
// Static geometry (ground, road, furniture), uploaded once. World positions are made camera-relative
// here so float32 keeps millimetre precision far from the origin. (The static mesh's first triangle,
// the sky, is drawn by sky.vert.glsl instead.)

uniform mat4 u_proj_rot;        // projection · world→eye rotation (no translation)
uniform vec3 u_cam_pos;         // [m] camera centre, world frame
uniform vec3 u_lamp_glow;       // light a street lamp emits while the lights are on (else 0)

in vec3 in_position;
in vec3 in_normal;
in vec3 in_color;
in uint in_class;
in uint in_instance;
in uint in_material;

out vec3 v_rel;                 // [m] point − camera centre (sky: ray direction)
out vec3 v_normal;
out vec3 v_color;
flat out uint v_class;
flat out uint v_instance;
flat out uint v_material;
flat out vec3 v_emit;           // light the surface emits (linear RGB)

const uint LAMP = 4u;

void main() {
    v_rel = in_position - u_cam_pos;
    gl_Position = u_proj_rot * vec4(v_rel, 1.0);
    v_normal = in_normal;
    v_color = in_color;
    v_class = in_class;
    v_instance = in_instance;
    v_material = in_material;
    v_emit = in_material == LAMP ? u_lamp_glow : vec3(0.0);
}
