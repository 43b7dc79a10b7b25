#version 330
// Sky pixels of the surface targets (see surface.frag.glsl): surface kind sky, class sky, no instance,
// infinite depth, no normal.
const float S_SKY = 5.0;
uniform uint u_sky_class;
layout(location = 0) out vec4 o_surface;
layout(location = 1) out uint o_class;
layout(location = 2) out uint o_instance;
layout(location = 3) out float o_depth;
layout(location = 4) out vec4 o_normal;
void main() {
    o_surface = vec4(0.0, 0.0, 0.0, S_SKY);
    o_class = u_sky_class;
    o_instance = 0u;
    o_depth = uintBitsToFloat(0x7f800000u);   // +inf
    o_normal = vec4(0.0);
}
