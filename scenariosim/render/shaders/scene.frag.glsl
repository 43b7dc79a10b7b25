#version 330
// Writes every render target in one pass: colour, class, instance, linear depth.
// The depth test runs on a logarithmic depth written to gl_FragDepth, whose resolution is
// log2(far/near)·2⁻²⁴ ≈ 6e-7 of the distance at any range, so paint 1.5 cm above the road never
// z-fights with it. Sky fragments get gl_FragDepth = 1, the cleared value (depth func LEQUAL).

uniform vec3 u_axis;            // optical axis (unit, world frame): depth = dot(u_axis, v_rel)
uniform vec2 u_log_depth;       // (1/near [1/m], 1/log2(far/near))
uniform vec3 u_sun;             // unit vector towards the sun, world frame (z up)
uniform vec3 u_sun_light;       // direct sunlight (linear RGB) on a surface facing the sun
uniform vec3 u_ambient;         // sky light (linear RGB) on any surface
uniform vec3 u_zenith;          // sky colour straight up (linear RGB)
uniform vec3 u_horizon;         // sky colour at the horizon (linear RGB); also the fog colour
uniform vec3 u_sun_glow;        // colour of the halo around the sun (linear RGB)
uniform float u_fog_beta;       // [1/m] extinction coefficient; 0 = clear air
uniform float u_sky_distance;   // [m] path length through fog assumed for sky pixels
uniform uint u_sky_class;

in vec3 v_rel;
in vec3 v_normal;
in vec3 v_color;
flat in uint v_class;
flat in uint v_instance;

layout(location = 0) out vec4 o_color;
layout(location = 1) out uint o_class;
layout(location = 2) out uint o_instance;
layout(location = 3) out float o_depth;

vec3 sky_color(vec3 dir) {
    float g = max(dot(dir, u_sun), 0.0);
    g *= g; g *= g; g *= g; g *= g; g *= g; g *= g;   // g⁶⁴: halo
    return mix(u_horizon, u_zenith, sqrt(max(dir.z, 0.0))) + u_sun_glow * g;
}

void main() {
    bool sky = v_class == u_sky_class;
    vec3 col;
    if (sky) {
        col = sky_color(normalize(v_rel));
    } else {
        col = v_color * (u_ambient + u_sun_light * max(dot(v_normal, u_sun), 0.0));
    }
    float transmittance = exp(-u_fog_beta * (sky ? u_sky_distance : length(v_rel)));
    o_color = vec4(pow(mix(u_horizon, col, transmittance), vec3(1.0 / 2.2)), 1.0);
    o_class = v_class;
    o_instance = v_instance;
    if (sky) {
        o_depth = uintBitsToFloat(0x7f800000u);   // +inf
        gl_FragDepth = 1.0;
    } else {
        float depth = dot(u_axis, v_rel);
        o_depth = depth;
        gl_FragDepth = clamp(log2(depth * u_log_depth.x) * u_log_depth.y, 0.0, 1.0);
    }
}
