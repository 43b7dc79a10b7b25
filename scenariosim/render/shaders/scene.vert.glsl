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

out Vertex {                    // to plane.geom.glsl, which hands them on as v_rel, v_normal, …
    vec3 rel;                   // [m] point − camera centre
    vec3 normal;
    vec3 color;
    flat uint class_id;
    flat uint instance;
    flat uint material;
    flat vec3 emit;             // light the surface emits (linear RGB)
} vertex;

const uint LAMP = 4u;

void main() {
    vertex.rel = in_position - u_cam_pos;
    gl_Position = u_proj_rot * vec4(vertex.rel, 1.0);
    vertex.normal = in_normal;
    vertex.color = in_color;
    vertex.class_id = in_class;
    vertex.instance = in_instance;
    vertex.material = in_material;
    vertex.emit = in_material == LAMP ? u_lamp_glow : vec3(0.0);
}
