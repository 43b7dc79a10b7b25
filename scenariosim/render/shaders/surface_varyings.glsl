// What the surface pass's last stage before the fragments (actor.vert.glsl; plane.geom.glsl for the static
// mesh) hands to surface.frag.glsl, which declares the same as its inputs.
out vec3 v_rel;                 // [m] point − camera centre
out vec3 v_normal;
out vec3 v_color;
flat out uint v_class;
flat out uint v_instance;
flat out uint v_material;
flat out vec3 v_emit;           // light the surface emits (linear RGB)
