#version 330
// Between scene.vert.glsl and surface.frag.glsl (the static mesh): passes each triangle through unchanged
// and adds its plane, so that the fragment shader (PLANE_DEPTH) can intersect the pixel's exact ray with
// it. A depth interpolated across a triangle inherits the rasteriser's snapping of the vertices to its
// sub-pixel grid (typically 1/256 px): near the horizon, where a road pixel's depth changes by
// hundreds of metres per pixel row, that alone moved it by 0.2 % on an H100. The actors' triangles are
// small and seen at no such glancing angle, so actor.vert.glsl feeds the fragment shader directly.

layout(triangles) in;
layout(triangle_strip, max_vertices = 3) out;

in Vertex {
    vec3 rel;
    vec3 normal;
    vec3 color;
    flat uint class_id;
    flat uint instance;
    flat uint material;
    flat vec3 emit;
} vertex[];

//#include surface_varyings.glsl
flat out vec4 v_plane;          // the triangle's plane n·x = w: unit normal n (world frame), w [m] (x camera-relative)

void main() {
    vec3 n = cross(vertex[1].rel - vertex[0].rel, vertex[2].rel - vertex[0].rel);
    float area = length(n);
    // w from the vertex nearest the camera: n·x loses the least to float32 there
    int near = dot(vertex[1].rel, vertex[1].rel) < dot(vertex[0].rel, vertex[0].rel) ? 1 : 0;
    near = dot(vertex[2].rel, vertex[2].rel) < dot(vertex[near].rel, vertex[near].rel) ? 2 : near;
    vec4 plane = area > 0.0 ? vec4(n / area, dot(n / area, vertex[near].rel)) : vec4(0.0);
    for (int i = 0; i < 3; ++i) {
        gl_Position = gl_in[i].gl_Position;
        v_rel = vertex[i].rel;
        v_normal = vertex[i].normal;
        v_color = vertex[i].color;
        v_class = vertex[i].class_id;
        v_instance = vertex[i].instance;
        v_material = vertex[i].material;
        v_emit = vertex[i].emit;
        v_plane = plane;
        EmitVertex();
    }
    EndPrimitive();
}
