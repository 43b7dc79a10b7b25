#version 330
// The sky: one triangle covering the screen at the far plane (window depth 1, the cleared value), drawn
// after everything else with depth test LEQUAL, so it fills exactly the pixels nothing else covered.
// It writes no gl_FragDepth, so the rasteriser skips its fragments behind geometry before shading.
in vec2 in_ndc;
void main() {
    gl_Position = vec4(in_ndc, 1.0, 1.0);
}
