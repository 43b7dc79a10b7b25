#version 330
// Pass 2: one triangle covering the screen; v_ray is the world-frame view ray with unit optical depth.
uniform mat3 u_ndc_to_ray;      // (x_ndc, y_ndc, 1) → world ray direction with unit depth
in vec2 in_ndc;
out vec3 v_ray;
void main() {
    v_ray = u_ndc_to_ray * vec3(in_ndc, 1.0);
    gl_Position = vec4(in_ndc, 0.0, 1.0);
}
