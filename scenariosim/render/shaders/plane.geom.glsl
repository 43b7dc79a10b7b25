#version 330
// Between the surface pass's vertex shaders (scene.vert.glsl, actor.vert.glsl) and surface.frag.glsl:
// passes each triangle through unchanged and adds its plane, so that the fragment shader can intersect
// the pixel's exact ray with it. A depth interpolated across the triangle inherits the rasteriser's
// snapping of the vertices to its sub-pixel grid (1/256 px on common GPUs); near the horizon, where a
// road pixel's depth changes by hundreds of metres per pixel row, that alone moves it by 0.2–0.4 %.

layout(triangles) in;
layout(triangle_strip, max_vertices = 3) out;

in vec3 v_rel[];
in vec3 v_normal[];
in vec3 v_color[];
flat in uint v_class[];
flat in uint v_instance[];
flat in uint v_material[];
flat in vec3 v_emit[];

out vec3 f_rel;                 // [m] point − camera centre
out vec3 f_normal;
out vec3 f_color;
flat out uint f_class;
flat out uint f_instance;
flat out uint f_material;
flat out vec3 f_emit;
flat out vec4 f_plane;          // the triangle's plane n·x = w: unit normal n (world frame), w [m] (x camera-relative)

void main() {
    vec3 n = cross(v_rel[1] - v_rel[0], v_rel[2] - v_rel[0]);
    float area = length(n);
    // the vertex nearest the camera: w = n·x loses the least to float32 there
    int near = dot(v_rel[1], v_rel[1]) < dot(v_rel[0], v_rel[0]) ? 1 : 0;
    near = dot(v_rel[2], v_rel[2]) < dot(v_rel[near], v_rel[near]) ? 2 : near;
    vec4 plane = area > 0.0 ? vec4(n / area, dot(n / area, v_rel[near])) : vec4(0.0);
    for (int i = 0; i < 3; ++i) {
        gl_Position = gl_in[i].gl_Position;
        f_rel = v_rel[i];
        f_normal = v_normal[i];
        f_color = v_color[i];
        f_class = v_class[i];
        f_instance = v_instance[i];
        f_material = v_material[i];
        f_emit = v_emit[i];
        f_plane = plane;
        EmitVertex();
    }
    EndPrimitive();
}
