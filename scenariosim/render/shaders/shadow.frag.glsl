#version 330
// Depth only: the rasteriser writes the depth; no colour is written.
void main() {}
