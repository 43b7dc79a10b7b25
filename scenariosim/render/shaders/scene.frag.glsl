#version 330
// Shades static geometry and actors alike and writes every render target in one pass: colour, class,
// instance, linear depth and the camera-frame normal.
// The depth test runs on a logarithmic depth written to gl_FragDepth, whose resolution is
// log2(far/near)·2⁻²⁴ ≈ 6e-7 of the distance at any range, so paint 1.5 cm above the road never
// z-fights with it. Sky fragments get gl_FragDepth = 1, the cleared value (depth func LEQUAL).
// Light (render/lighting.py): sky ambient, sunlight through the shadow map, up to MAX_LAMPS street
// lamps and headlights, emission; wet surfaces darken and mirror the sky, snow whitens what faces up;
// fog, rain and snow attenuate by Koschmieder's law towards the air light; glare towards the sun.

const int MAX_LAMPS = 16;
const uint ASPHALT = 1u, GROUND = 2u, GLASS = 3u, SIGNAL = 16u;

uniform vec3 u_axis;            // optical axis (unit, world frame): depth = dot(u_axis, v_rel)
uniform vec2 u_log_depth;       // (1/near [1/m], 1/log2(far/near))
uniform mat3 u_world_to_cam;    // world → OpenCV camera axes (the camera's R)
uniform vec3 u_sun;             // unit vector towards the sun, world frame (z up)
uniform vec3 u_sun_light;       // direct sunlight (linear RGB) on a surface facing the sun
uniform vec3 u_ambient;         // sky light (linear RGB) on an up-facing surface
uniform vec3 u_zenith;          // sky colour straight up (linear RGB)
uniform vec3 u_horizon;         // sky colour at the horizon (linear RGB)
uniform vec3 u_sun_glow;        // halo around the sun and veiling glare towards it (linear RGB)
uniform vec3 u_air_light;       // colour of fog and precipitation haze (linear RGB)
uniform float u_beta;           // [1/m] extinction coefficient of fog, rain and snow; 0 = clear air
uniform float u_sky_distance;   // [m] path length through the haze for sky pixels at the horizon
uniform float u_haze_height;    // [m] thickness of the haze layer a sky ray crosses going up
uniform uint u_sky_class;
uniform bool u_shadows;         // sample the shadow map (the sun is up)
uniform mat4 u_shadow;          // camera-relative position → shadow clip space
uniform sampler2DShadow u_shadow_map;
uniform float u_shadow_texel;   // [m] size of one shadow-map texel on the ground
uniform int u_lamp_count;
uniform vec3 u_lamp_pos[MAX_LAMPS];    // [m] camera-relative
uniform vec3 u_lamp_dir[MAX_LAMPS];    // unit spot axis
uniform vec2 u_lamp_cone[MAX_LAMPS];   // cosines to the axis where the light fades out and in
uniform vec3 u_lamp_color[MAX_LAMPS];  // intensity at 1 m (linear RGB)
uniform float u_wetness;        // road wetness 0..1
uniform float u_snow;           // snow cover of up-facing surfaces 0..1
uniform float u_exposure;       // [EV] exposure compensation
uniform int u_signal[64];       // state of each signal group: 0 red, 1 amber, 2 green

in vec3 v_rel;
in vec3 v_normal;
in vec3 v_color;
flat in uint v_class;
flat in uint v_instance;
flat in uint v_material;
flat in vec3 v_emit;

layout(location = 0) out vec4 o_color;
layout(location = 1) out uint o_class;
layout(location = 2) out uint o_instance;
layout(location = 3) out float o_depth;
layout(location = 4) out vec4 o_normal;

vec3 sky_color(vec3 dir) {
    float g = max(dot(dir, u_sun), 0.0);
    float halo = pow(g, 64.0);
    float disc = smoothstep(0.99985, 0.99995, g);
    return mix(u_horizon, u_zenith, sqrt(max(dir.z, 0.0))) + u_sun_glow * halo + 12.0 * u_sun_light * disc;
}

float sunlit(vec3 n) {
    if (!u_shadows) return 1.0;
    vec4 c = u_shadow * vec4(v_rel + n * (1.5 * u_shadow_texel), 1.0);
    vec3 p = c.xyz * 0.5 + 0.5;
    if (any(lessThan(p, vec3(0.0))) || any(greaterThan(p, vec3(1.0)))) return 1.0;
    return texture(u_shadow_map, p);
}

vec3 lamps(vec3 n) {
    vec3 sum = vec3(0.0);
    for (int i = 0; i < u_lamp_count; ++i) {
        vec3 d = u_lamp_pos[i] - v_rel;
        float r2 = max(dot(d, d), 1.0);
        vec3 l = d * inversesqrt(r2);
        float spot = smoothstep(u_lamp_cone[i].x, u_lamp_cone[i].y, dot(-l, u_lamp_dir[i]));
        sum += u_lamp_color[i] * (max(dot(n, l), 0.0) * spot / r2);
    }
    return sum;
}

void main() {
    bool sky = v_class == u_sky_class;
    vec3 view = normalize(v_rel);
    vec3 col;
    vec3 n = vec3(0.0);
    if (sky) {
        col = sky_color(view);
    } else {
        n = normalize(v_normal);
        if (dot(n, v_rel) > 0.0) n = -n;                   // the side the camera sees
        vec3 albedo = v_color;
        bool ground = v_material == ASPHALT || v_material == GROUND;
        float wet = ground ? u_wetness : 0.0;
        albedo *= 1.0 - (v_material == ASPHALT ? 0.5 : 0.3) * wet;
        float snow = u_snow * smoothstep(0.6, 0.9, n.z) * (v_material == ASPHALT ? 0.55 : 1.0);
        albedo = mix(albedo, vec3(0.8, 0.82, 0.86), snow);
        vec3 light = u_ambient * (0.6 + 0.4 * n.z) + u_sun_light * (max(dot(n, u_sun), 0.0) * sunlit(n));
        if (u_lamp_count > 0) light += lamps(n);
        col = albedo * light + v_emit;
        float fresnel = 0.02 + 0.98 * pow(1.0 - max(dot(-view, n), 0.0), 5.0);
        if (v_material == GLASS) col += (0.04 + fresnel) * sky_color(reflect(view, n));
        if (v_material == ASPHALT && wet > 0.0)
            col = mix(col, sky_color(reflect(view, n)), 0.6 * wet * fresnel * (1.0 - snow));
        if (v_material >= SIGNAL) {
            int k = int(v_material - SIGNAL);
            int group = k / 3 - 1, lamp = k - 3 * (k / 3);
            bool lit = group < 0 ? lamp == 0 : u_signal[group] == lamp;
            col = lit ? 2.5 * v_color : 0.05 * v_color * light;
        }
    }
    float path = sky ? min(u_sky_distance, u_haze_height / max(view.z, 1e-4)) : length(v_rel);
    col = mix(u_air_light, col, exp(-u_beta * path));
    col += 0.25 * u_sun_glow * pow(max(dot(view, u_sun), 0.0), 8.0);   // veiling glare
    col *= exp2(u_exposure);
    o_color = vec4(pow(clamp(col, 0.0, 1.0), vec3(1.0 / 2.2)), 1.0);
    o_class = v_class;
    o_instance = v_instance;
    o_normal = vec4(u_world_to_cam * n, 0.0);
    if (sky) {
        o_depth = uintBitsToFloat(0x7f800000u);   // +inf
        gl_FragDepth = 1.0;
    } else {
        float depth = dot(u_axis, v_rel);
        o_depth = depth;
        gl_FragDepth = clamp(log2(depth * u_log_depth.x) * u_log_depth.y, 0.0, 1.0);
    }
}
