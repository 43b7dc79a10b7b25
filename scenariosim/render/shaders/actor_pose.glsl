// Posing an actor template (render/actors.py; its CPU twin is actors.pose_template): a limb swings
// about the axis parallel to +y through (x = 0, z = pivot) of the unit box by
// amplitude · sin(2π · phase); the unit box is scaled to the actor's size, turned by its heading and
// moved to its camera-relative footprint centre. Normals use the inverse-transpose of the scaling.

in vec3 in_position;            // unit box: x ∈ [−½, ½] forward, y ∈ [−½, ½] left, z ∈ [0, 1] up
in vec3 in_normal;
in vec3 in_color;
in uint in_part;                // actors.BODY, TRIM, GLASS, HEADLIGHT, TAILLIGHT, RIDER
in vec2 in_swing;               // (amplitude [rad], pivot height in unit z)
in vec4 i_pose;                 // camera-relative footprint centre [m], heading [rad]
in vec3 i_size;                 // [m] length, width, height
in vec3 i_color;                // body colour (linear RGB)
in uvec2 i_ids;                 // semantic class, instance id
in vec2 i_state;                // walk phase [0, 1), lights: 0 off, 1 on, 2 braking, 3 on and braking

vec3 pose(out vec3 normal) {
    vec3 p = in_position;
    vec3 n = in_normal;
    if (in_swing.x != 0.0) {
        float a = in_swing.x * sin(6.283185307 * i_state.x);
        float c = cos(a), s = sin(a);
        p.z -= in_swing.y;
        p = vec3(c * p.x + s * p.z, p.y, -s * p.x + c * p.z);
        p.z += in_swing.y;
        n = vec3(c * n.x + s * n.z, n.y, -s * n.x + c * n.z);
    }
    vec3 local = p * i_size;
    n /= i_size;
    float ch = cos(i_pose.w), sh = sin(i_pose.w);
    normal = normalize(vec3(ch * n.x - sh * n.y, sh * n.x + ch * n.y, n.z));
    return vec3(ch * local.x - sh * local.y, sh * local.x + ch * local.y, local.z) + i_pose.xyz;
}
