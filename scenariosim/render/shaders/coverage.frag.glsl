#version 430
// Counts, per actor (slot), the pixels it would cover if nothing hid it: each pixel once, whatever the
// order fragments arrive in and however many of its faces overlap there — a per-pixel bit per slot,
// set atomically, says whether this actor already counted this pixel. Inside the image it also counts
// who hides it there: the visible instance of that pixel (from the surface pass), 0 for the static scene.

const int WORDS = 2;                        // 64 slots per pass: bits per pixel
layout(std430, binding = 0) coherent buffer Masks { uint masks[]; };   // per coverage pixel: WORDS words
layout(std430, binding = 1) buffer Counts { uint counts[]; };           // per slot: (inside the image, total)
layout(std430, binding = 2) buffer Pairs { uint pairs[]; };             // per slot × (slots + 1): hidden by
layout(std430, binding = 3) readonly buffer SlotOf { int slot_of[]; };  // instance id → slot (static: slots)

uniform usampler2D u_instance;  // the surface pass's instance target (the image's pixels)
uniform usampler2D u_footprint; // 1 where the camera's own image shows this drawn pixel (a lens), else 0
uniform ivec2 u_margin;         // [px] coverage pixel (x, y) is image pixel (x, y) − margin
uniform ivec2 u_image;          // [px] image width, height
uniform int u_width;            // [px] coverage image width
uniform int u_chunk;            // first slot of this pass
uniform int u_slots;            // slots in all

flat in int v_slot;
flat in uint v_instance;
layout(location = 0) out vec4 o_unused;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    int local = v_slot - u_chunk;
    uint bit = 1u << uint(local & 31);
    uint old = atomicOr(masks[(p.y * u_width + p.x) * WORDS + (local >> 5)], bit);
    if ((old & bit) != 0u) discard;                     // this actor counted this pixel already
    atomicAdd(counts[2 * v_slot + 1], 1u);
    ivec2 q = p - u_margin;
    if (all(greaterThanEqual(q, ivec2(0))) && all(lessThan(q, u_image)) && texelFetch(u_footprint, q, 0).r != 0u) {
        atomicAdd(counts[2 * v_slot], 1u);
        uint shown = texelFetch(u_instance, q, 0).r;
        if (shown != v_instance) {
            int by = shown == 0u ? u_slots : slot_of[shown];
            atomicAdd(pairs[v_slot * (u_slots + 1) + by], 1u);
        }
    }
    o_unused = vec4(0.0);
}
