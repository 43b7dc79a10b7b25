// Posing an actor template (render/actors.py; its CPU twin is actors.pose_template): the unit box is
// scaled to the actor's size (normals by the inverse-transpose of the scaling), a limb swings rigidly
// in metres about the axis parallel to +y through (x = 0, z = pivot · height) by
// amplitude · sin(2π · phase), +z turning towards +x; then it is turned by the heading and moved to
// the actor's camera-relative footprint centre.

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
    vec3 p = in_position * i_size;
    vec3 n = normalize(in_normal / i_size);
    if (in_swing.x != 0.0) {
        float a = in_swing.x * sin(6.283185307 * i_state.x);
        float c = cos(a), s = sin(a);
        float h = in_swing.y * i_size.z;
        p = vec3(c * p.x + s * (p.z - h), p.y, h - s * p.x + c * (p.z - h));
        n = vec3(c * n.x + s * n.z, n.y, -s * n.x + c * n.z);
    }
    float ch = cos(i_pose.w), sh = sin(i_pose.w);
    normal = vec3(ch * n.x - sh * n.y, sh * n.x + ch * n.y, n.z);
    return vec3(ch * p.x - sh * p.y, sh * p.x + ch * p.y, p.z) + i_pose.xyz;
}
