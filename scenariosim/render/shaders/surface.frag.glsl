#version 330
// Pass 1 of 2 (deferred shading): every surface, static or actor, writes what it is — albedo and
// material, semantic class, instance, linear depth and the camera-frame normal — with no lighting, so
// the fragments hidden behind others cost little. Pass 2 (shade.frag.glsl) lights each pixel once.
// The depth test runs on a logarithmic depth written to gl_FragDepth, whose resolution is
// log2(far/near)·2⁻²⁴ ≈ 6e-7 of the distance at any range, so paint 1.5 cm above the road never
// z-fights with it. The sky is drawn last (sky.frag.glsl) where nothing else is. With PLANE_DEPTH (the
// static mesh) the linear depth is where the pixel's ray meets the triangle's plane (plane.geom.glsl),
// exact at the pixel centre; otherwise (the actors' small triangles) it is interpolated.

const uint MATTE = 0u, ASPHALT = 1u, GROUND = 2u, GLASS = 3u, SIGNAL = 16u;
// surface kinds written to o_surface.a (shade.frag.glsl reads them)
const float S_MATTE = 0.0, S_ASPHALT = 1.0, S_GROUND = 2.0, S_GLASS = 3.0, S_EMIT = 4.0;

uniform vec3 u_axis;            // optical axis (unit, world frame): depth = dot(u_axis, v_rel)
uniform vec2 u_log_depth;       // (1/near [1/m], 1/log2(far/near))
uniform mat3 u_world_to_cam;    // world → OpenCV camera axes (the camera's R)
const int MAX_SIGNAL_GROUPS = 256;
uniform int u_signal[MAX_SIGNAL_GROUPS];   // state of each signal group: 0 red, 1 amber, 2 green

in vec3 v_rel;
in vec3 v_normal;
in vec3 v_color;
flat in uint v_class;
flat in uint v_instance;
flat in uint v_material;
flat in vec3 v_emit;
#ifdef PLANE_DEPTH
uniform mat3 u_frag_to_ray;     // (gl_FragCoord.xy, 1) → the pixel's world-frame ray with unit depth
flat in vec4 v_plane;           // unit normal n, w [m]: the triangle is n·(point − camera) = w
#endif

layout(location = 0) out vec4 o_surface;   // albedo (linear RGB) or emitted light; surface kind
layout(location = 1) out uint o_class;
layout(location = 2) out uint o_instance;
layout(location = 3) out float o_depth;
layout(location = 4) out vec4 o_normal;

void main() {
    o_class = v_class;
    o_instance = v_instance;
    vec3 n = normalize(v_normal);
    if (dot(n, v_rel) > 0.0) n = -n;               // the side the camera sees
    o_normal = vec4(u_world_to_cam * n, 0.0);
    float kind = v_material == ASPHALT ? S_ASPHALT : v_material == GROUND ? S_GROUND
               : v_material == GLASS ? S_GLASS : S_MATTE;
    vec3 color = v_color;
    if (v_material >= SIGNAL) {                    // a signal lamp: lit when its group shows its colour
        int k = int(v_material - SIGNAL);
        int group = k / 3 - 1, lamp = k - 3 * (k / 3);
        bool lit = group < 0 || group >= MAX_SIGNAL_GROUPS ? lamp == 0 : u_signal[group] == lamp;
        color = lit ? 2.5 * v_color : 0.05 * v_color;
        kind = lit ? S_EMIT : S_MATTE;
    }
    if (any(greaterThan(v_emit, vec3(0.0)))) {     // a glowing lamp
        color = v_emit;
        kind = S_EMIT;
    }
    o_surface = vec4(color, kind);
    float depth = dot(u_axis, v_rel);                              // interpolated
#ifdef PLANE_DEPTH
    float facing = dot(v_plane.xyz, u_frag_to_ray * vec3(gl_FragCoord.xy, 1.0));
    if (facing != 0.0) {
        float exact = v_plane.w / facing;
        if (abs(exact - depth) <= 0.01 * depth) depth = exact;    // not for a plane seen edge-on
    }
#endif
    o_depth = depth;
    gl_FragDepth = clamp(log2(depth * u_log_depth.x) * u_log_depth.y, 0.0, 1.0);
}
