#version 330
// Actors, one instanced draw per template: per-instance pose, size, colour, ids, walk phase, lights.

uniform mat4 u_proj_rot;        // projection · world→eye rotation (no translation)
uniform uint u_rider_class;     // class of RIDER parts (a motorcyclist or cyclist)

//#include actor_pose.glsl

//#include surface_varyings.glsl

const uint BODY = 0u, GLASS_PART = 2u, HEADLIGHT = 3u, TAILLIGHT = 4u, RIDER = 5u;
const uint MATTE = 0u, GLASS = 3u;

void main() {
    vec3 normal;
    v_rel = pose(normal);
    gl_Position = u_proj_rot * vec4(v_rel, 1.0);
    v_normal = normal;
    v_color = in_part == BODY ? i_color : in_color;
    v_class = in_part == RIDER ? u_rider_class : i_ids.x;
    v_instance = i_ids.y;
    v_material = in_part == GLASS_PART ? GLASS : MATTE;
    int lights = int(i_state.y + 0.5);
    vec3 emit = vec3(0.0);
    if (in_part == HEADLIGHT && (lights & 1) != 0) emit = vec3(3.0, 2.9, 2.6);
    if (in_part == TAILLIGHT) {
        if ((lights & 2) != 0) emit = vec3(3.0, 0.08, 0.04);
        else if ((lights & 1) != 0) emit = vec3(0.9, 0.02, 0.01);
    }
    v_emit = emit;
}
