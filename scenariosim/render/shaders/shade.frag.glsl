#version 330
// Pass 2 of 2 (deferred shading): lights every pixel once from what pass 1 (surface.frag.glsl) wrote.
// Light (render/lighting.py): sky ambient, sunlight through the shadow map, up to MAX_LAMPS street
// lamps and headlights, emission; wet surfaces darken and mirror the sky, snow whitens what faces up;
// fog, rain and snow attenuate by Koschmieder's law towards the air light; glare towards the sun;
// exposure, then sRGB. The renderer compiles a variant per set of features in use (#define SHADOWS,
// LAMPS, WET, SNOW, HAZE, GLARE, EXPOSURE): a software rasteriser would otherwise pay for every branch.

const int MAX_LAMPS = 16;
const float S_MATTE = 0.0, S_ASPHALT = 1.0, S_GROUND = 2.0, S_GLASS = 3.0, S_EMIT = 4.0, S_SKY = 5.0;

uniform sampler2D u_surface;    // pass 1: albedo or emitted light (rgb), surface kind (a)
uniform sampler2D u_depth;      // pass 1: [m] along the optical axis; inf for sky
uniform sampler2D u_normal;     // pass 1: unit normal in OpenCV camera axes
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
uniform mat4 u_shadow;          // camera-relative position → shadow clip space
uniform sampler2DShadow u_shadow_map;        // the static shadow casters (kept between frames)
uniform sampler2DShadow u_actor_shadow_map;  // the actors (drawn every frame), same projection
uniform float u_shadow_texel;   // [m] size of one shadow-map texel on the ground
uniform int u_lamp_count;
uniform vec3 u_lamp_pos[MAX_LAMPS];    // [m] camera-relative
uniform vec3 u_lamp_dir[MAX_LAMPS];    // unit spot axis
uniform vec2 u_lamp_cone[MAX_LAMPS];   // cosines to the axis where the light fades out and in
uniform vec3 u_lamp_color[MAX_LAMPS];  // intensity at 1 m (linear RGB)
uniform float u_wetness;        // road wetness 0..1
uniform float u_snow;           // snow cover of up-facing surfaces 0..1
uniform float u_exposure;       // [EV] exposure compensation

in vec3 v_ray;
layout(location = 0) out vec4 o_color;

vec3 sky_color(vec3 dir) {
    float g = max(dot(dir, u_sun), 0.0);
    float g8 = g * g; g8 *= g8; g8 *= g8;
    float halo = g8 * g8; halo *= halo; halo *= halo;           // g⁶⁴
    float disc = smoothstep(0.99985, 0.99995, g);
    return mix(u_horizon, u_zenith, sqrt(max(dir.z, 0.0))) + u_sun_glow * halo + 12.0 * u_sun_light * disc;
}

float sunlit(vec3 rel, vec3 n) {
    vec4 c = u_shadow * vec4(rel + n * (1.5 * u_shadow_texel), 1.0);
    vec3 p = c.xyz * 0.5 + 0.5;
    if (any(lessThan(p, vec3(0.0))) || any(greaterThan(p, vec3(1.0)))) return 1.0;
    return min(texture(u_shadow_map, p), texture(u_actor_shadow_map, p));
}

vec3 lamps(vec3 rel, vec3 n) {
    vec3 sum = vec3(0.0);
    for (int i = 0; i < u_lamp_count; ++i) {
        vec3 d = u_lamp_pos[i] - rel;
        float r2 = max(dot(d, d), 1.0);
        vec3 l = d * inversesqrt(r2);
        float spot = smoothstep(u_lamp_cone[i].x, u_lamp_cone[i].y, dot(-l, u_lamp_dir[i]));
        sum += u_lamp_color[i] * (max(dot(n, l), 0.0) * spot / r2);
    }
    return sum;
}

void main() {
    ivec2 px = ivec2(gl_FragCoord.xy);
    vec4 surface = texelFetch(u_surface, px, 0);
    float depth = texelFetch(u_depth, px, 0).r;
    float kind = surface.a;
    vec3 view = normalize(v_ray);
    vec3 col;
    float path;
    if (kind == S_SKY) {
        col = sky_color(view);
        path = min(u_sky_distance, u_haze_height / max(view.z, 1e-4));
    } else {
        vec3 rel = depth * v_ray;                                   // [m] point − camera centre
        path = length(rel);
        if (kind == S_EMIT) {
            col = surface.rgb;
        } else {
            vec3 n = transpose(u_world_to_cam) * texelFetch(u_normal, px, 0).xyz;
            vec3 albedo = surface.rgb;
            bool asphalt = kind == S_ASPHALT;
            float wet = 0.0, snow = 0.0;
#ifdef WET
            wet = (asphalt || kind == S_GROUND) ? u_wetness : 0.0;
            albedo *= 1.0 - (asphalt ? 0.5 : 0.3) * wet;
#endif
#ifdef SNOW
            snow = u_snow * smoothstep(0.6, 0.9, n.z) * (asphalt ? 0.55 : 1.0);
            albedo = mix(albedo, vec3(0.8, 0.82, 0.86), snow);
#endif
            float sun = max(dot(n, u_sun), 0.0);
#ifdef SHADOWS
            if (sun > 0.0) sun *= sunlit(rel, n);
#endif
            vec3 light = u_ambient * (0.6 + 0.4 * n.z) + u_sun_light * sun;
#ifdef LAMPS
            light += lamps(rel, n);
#endif
            col = albedo * light;
            if (kind == S_GLASS || wet > 0.0) {
                float c = 1.0 - max(dot(-view, n), 0.0);
                float c2 = c * c;
                float fresnel = 0.02 + 0.98 * c2 * c2 * c;
                vec3 mirrored = sky_color(reflect(view, n));
                if (kind == S_GLASS) col += (0.04 + fresnel) * mirrored;
                else if (asphalt) col = mix(col, mirrored, 0.6 * wet * fresnel * (1.0 - snow));
            }
        }
    }
#ifdef HAZE
    col = mix(u_air_light, col, exp(-u_beta * path));
#endif
#ifdef GLARE
    float g = max(dot(view, u_sun), 0.0);
    g *= g; g *= g;
    col += 0.25 * u_sun_glow * (g * g);                             // veiling glare, ∝ cos⁸
#endif
#ifdef EXPOSURE
    col *= exp2(u_exposure);
#endif
    o_color = vec4(pow(clamp(col, 0.0, 1.0), vec3(1.0 / 2.2)), 1.0);
}
