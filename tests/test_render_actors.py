"""Actor mesh templates without GL: the unit box, normals and winding, wheels, lamps, riders, walking limbs,
the vertex shader's CPU twin (pose_template), silhouettes, and users' mesh files."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from scenariosim.errors import RenderError
from scenariosim.render.geometry import shared_vertices
from scenariosim.render.actors import (BODY, CLEARANCE, GLASS, HEADLIGHT, RIDER, RIM_COLOR, TAILLIGHT,
                                       TEMPLATE_ATTRIBUTES, TEMPLATE_FORMAT, TEMPLATE_VERTEX, TEMPLATES,
                                       TRIANGLE_BUDGET, TRIM, TYRE_COLOR, WORLD_VERTEX, expand, pose_template,
                                       template, template_from_mesh)
from scenariosim.spec.catalogue import ACTOR_KINDS

KINDS = sorted(ACTOR_KINDS)
ROAD_VEHICLES = sorted(CLEARANCE)                     # car, suv, van, truck, bus
AXLES = {"car": 2, "suv": 2, "van": 2, "truck": 3, "bus": 2}
EPS = 1e-6


def triangles(tpl: np.ndarray) -> np.ndarray:
    """(T, 3, 3) float64 corners of a triangle list."""
    return tpl["position"].astype(np.float64).reshape(-1, 3, 3)


def face_normals(tris: np.ndarray) -> np.ndarray:
    """(T, 3) unit face normals of triangles (T, 3, 3) wound counter-clockwise."""
    n = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    return n / np.linalg.norm(n, axis=1, keepdims=True)


def is_tyre(tpl: np.ndarray) -> np.ndarray:
    return np.all(np.isclose(tpl["color"], TYRE_COLOR), axis=1)


def is_wheel(tpl: np.ndarray) -> np.ndarray:
    return is_tyre(tpl) | np.all(np.isclose(tpl["color"], RIM_COLOR), axis=1)


def first_hit(tpl: np.ndarray, origin, direction) -> int:
    """Index of the first triangle a ray from origin along direction (unit box) meets (Möller–Trumbore),
    −1 for none."""
    tris = triangles(tpl)
    d = np.asarray(direction, dtype=np.float64)
    e1, e2 = tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]
    p = np.cross(d, e2)
    det = np.einsum("ij,ij->i", e1, p)
    ok = np.abs(det) > 1e-12
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    s = np.asarray(origin, dtype=np.float64) - tris[:, 0]
    u = np.einsum("ij,ij->i", s, p) * inv
    q = np.cross(s, e1)
    v = (q @ d) * inv
    t = np.einsum("ij,ij->i", e2, q) * inv
    hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 0)
    return int(np.argmin(np.where(hit, t, np.inf))) if hit.any() else -1


def part_of_hit(tpl, origin, direction) -> int | None:
    k = first_hit(tpl, origin, direction)
    return None if k < 0 else int(tpl["part"][3 * k])


def side_profile(tpl: np.ndarray, bins: int = 20) -> np.ndarray:
    """(bins,) highest z over each of ``bins`` equal x intervals of the unit box, from points sampled densely
    on every triangle (a side silhouette's top edge)."""
    tris = triangles(tpl)
    u, v = np.meshgrid(np.linspace(0, 1, 41), np.linspace(0, 1, 41))
    keep = u + v <= 1
    w = np.stack([1 - u[keep] - v[keep], u[keep], v[keep]], 1)            # (S, 3) barycentric
    pts = np.einsum("sk,tkd->tsd", w, tris).reshape(-1, 3)
    idx = np.clip(((pts[:, 0] + 0.5) * bins).astype(int), 0, bins - 1)
    out = np.zeros(bins)
    np.maximum.at(out, idx, pts[:, 2])
    return out


# ---------------------------------------------------------------------------------------------- layout, box

def test_every_kind_has_a_template_in_the_declared_layout():
    assert set(TEMPLATES) == set(ACTOR_KINDS)
    sizes = {"f": 4, "u": 4}
    declared = sum(int(tok[:-1] or 1) * sizes[tok[-1]] for tok in TEMPLATE_FORMAT.split())
    assert declared == TEMPLATE_VERTEX.itemsize == 48
    assert len(TEMPLATE_ATTRIBUTES) == len(TEMPLATE_VERTEX.names) == len(TEMPLATE_FORMAT.split())
    for kind in KINDS:
        tpl = template(kind)
        assert tpl is TEMPLATES[kind]
        assert tpl.dtype == TEMPLATE_VERTEX and len(tpl) % 3 == 0 and len(tpl) > 0
        assert not tpl.flags.writeable
        assert set(np.unique(tpl["part"])) <= {BODY, TRIM, GLASS, HEADLIGHT, TAILLIGHT, RIDER}
        assert np.all((tpl["color"] >= 0) & (tpl["color"] <= 1))


def test_unknown_kind_is_a_render_error_with_a_suggestion():
    with pytest.raises(RenderError, match="did you mean 'car'"):
        template("cars")


@pytest.mark.parametrize("kind", KINDS)
def test_template_fills_the_unit_box_exactly(kind):
    p = TEMPLATES[kind]["position"]
    lo, hi = p.min(axis=0), p.max(axis=0)
    np.testing.assert_allclose(lo[1:], [-0.5, 0.0], atol=EPS)
    np.testing.assert_allclose(hi[1:], [0.5, 1.0], atol=EPS)
    if kind == "pedestrian":                     # room in x for the walking swing (see test_walking_...)
        assert -0.5 < lo[0] < -0.15 and 0.15 < hi[0] < 0.5
    else:
        np.testing.assert_allclose([lo[0], hi[0]], [-0.5, 0.5], atol=EPS)


@pytest.mark.parametrize("kind", KINDS)
def test_triangle_count_within_budget(kind):
    assert len(TEMPLATES[kind]) // 3 <= TRIANGLE_BUDGET


# ---------------------------------------------------------------------------------------------- normals, winding

@pytest.mark.parametrize("kind", KINDS)
def test_normals_are_unit_and_winding_agrees_with_them(kind):
    tpl = TEMPLATES[kind]
    n = tpl["normal"].astype(np.float64)
    np.testing.assert_allclose(np.linalg.norm(n, axis=1), 1.0, atol=1e-5)
    tris = triangles(tpl)
    area = np.linalg.norm(np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]), axis=1)
    assert area.min() > 1e-10
    face = face_normals(tris)
    vn = n.reshape(-1, 3, 3)
    # every vertex normal on the outer side of its triangle's winding
    assert np.all(np.einsum("tkd,td->tk", vn, face) > 0.2)
    # flat triangles (three equal normals): the normal is the winding's face normal
    flat = np.all(np.abs(vn - vn[:, :1]) < 1e-6, axis=(1, 2))
    assert flat.mean() > 0.1
    assert np.all(np.einsum("td,td->t", vn[flat, 0], face[flat]) > 0.9999)


@pytest.mark.parametrize("kind", KINDS)
def test_triangles_on_the_box_faces_face_outwards(kind):
    """A triangle lying in a face of the unit box (the roof, a bumper's front, a cone's base) must face out
    of the box: catches inside-out primitives."""
    tris = triangles(TEMPLATES[kind])
    face = face_normals(tris)
    bounds = {0: (-0.5, 0.5), 1: (-0.5, 0.5), 2: (0.0, 1.0)}
    seen = 0
    for axis, (lo, hi) in bounds.items():
        for value, sign in ((lo, -1.0), (hi, 1.0)):
            on = np.all(np.abs(tris[:, :, axis] - value) < 1e-6, axis=1)
            seen += on.sum()
            assert np.all(face[on, axis] * sign > 0.999), (axis, value)
    assert seen > 0 or kind == "pedestrian"          # nothing of a person lies flat on its box


def test_cone_walls_face_away_from_its_axis():
    tpl = TEMPLATES["cone"]
    tris = triangles(tpl)
    centre = tris.mean(axis=1)
    n = tpl["normal"].astype(np.float64).reshape(-1, 3, 3).mean(axis=1)
    wall = (centre[:, 2] > 0.06) & (np.abs(n[:, 2]) < 0.9)                # above the base, not the tip's cap
    assert wall.sum() >= 5 * 24
    radial = centre[wall, :2] / np.linalg.norm(centre[wall, :2], axis=1, keepdims=True)
    assert np.all(np.einsum("td,td->t", n[wall, :2], radial) > 0.5)


# ---------------------------------------------------------------------------------------------- vehicles

@pytest.mark.parametrize("kind", ROAD_VEHICLES)
def test_wheels_stand_on_the_ground_and_the_body_clears_it(kind):
    tpl = TEMPLATES[kind]
    H = ACTOR_KINDS[kind].size[2]
    tyre, wheel = is_tyre(tpl), is_wheel(tpl)
    z = tpl["position"][:, 2]
    assert z[tyre].min() == pytest.approx(0.0, abs=EPS)
    clearance = CLEARANCE[kind] / H
    assert z[~wheel].min() >= clearance - EPS
    assert z[~wheel].min() == pytest.approx(clearance, abs=0.02 / H)       # the body is that low, too
    # axles: clusters of tyre x, each with a tyre on both sides touching the ground
    x, y = tpl["position"][tyre, 0], tpl["position"][tyre, 1]
    centres = np.unique(np.round((x[z[tyre] < EPS]), 4))
    assert len(centres) == AXLES[kind]
    for cx in centres:
        near = np.abs(x - cx) < 0.2
        assert (y[near] > 0.2).any() and (y[near] < -0.2).any()


@pytest.mark.parametrize("kind", ROAD_VEHICLES)
def test_the_wheels_show_through_the_arches(kind):
    """A ray from the side at a wheel's centre, a little below it, meets the tyre or rim first."""
    tpl = TEMPLATES[kind]
    tyre = is_tyre(tpl)
    low = tyre & (tpl["position"][:, 2] < EPS)
    for cx in np.unique(np.round(tpl["position"][low, 0], 4)):
        r = tpl["position"][tyre & (np.abs(tpl["position"][:, 0] - cx) < 0.2), 2].max() / 2
        for side in (1.0, -1.0):
            k = first_hit(tpl, (cx + 0.002, side * 2.0, 0.7 * r), (0.0, -side, 0.0))
            assert k >= 0 and is_wheel(tpl)[3 * k]


@pytest.mark.parametrize("kind", ROAD_VEHICLES + ["motorcycle"])
def test_headlights_at_the_front_tail_lights_at_the_rear_and_visible(kind):
    tpl = TEMPLATES[kind]
    for part, sign in ((HEADLIGHT, 1.0), (TAILLIGHT, -1.0)):
        lamp = tpl["part"] == part
        assert lamp.any()
        assert np.all(sign * tpl["position"][lamp, 0] > 0.35)
        if kind != "motorcycle":
            assert (tpl["position"][lamp, 1] > 0.1).any() and (tpl["position"][lamp, 1] < -0.1).any()
        # seen from outside along the axis, the lamp's centre is the first thing a ray meets
        for half in (tpl["position"][:, 1] > 0, tpl["position"][:, 1] < 0) if kind != "motorcycle" else (lamp,):
            pts = tpl["position"][lamp & half].astype(np.float64)
            target = (pts.min(axis=0) + pts.max(axis=0)) / 2
            assert part_of_hit(tpl, (sign * 2.0, target[1], target[2]), (-sign, 0.0, 0.0)) == part


def test_bicycle_lamp_at_the_front_and_reflector_at_the_rear():
    tpl = TEMPLATES["bicycle"]
    assert np.all(tpl["position"][tpl["part"] == HEADLIGHT, 0] > 0)
    assert np.all(tpl["position"][tpl["part"] == TAILLIGHT, 0] < 0)


@pytest.mark.parametrize("kind", ["car", "suv", "van", "bus", "truck"])
def test_windscreen_and_side_windows_are_glass_seen_from_outside(kind):
    tpl = TEMPLATES[kind]
    glass = tpl["part"] == GLASS
    top = tpl["position"][:, 2].max()
    # from the front, slightly above the highest headlight, looking down the windscreen's height
    z = np.linspace(0.5, 0.95, 10) * top
    assert any(part_of_hit(tpl, (2.0, 0.0, zz), (-1.0, 0.0, 0.0)) == GLASS for zz in z)
    # from the left: somewhere along the cabin a ray meets a side window
    gx, gz = tpl["position"][glass, 0], tpl["position"][glass, 2]
    xs, zs = np.linspace(gx.min(), gx.max(), 15), np.linspace(gz.min(), gz.max(), 6)
    assert any(part_of_hit(tpl, (x, 2.0, z), (0.0, -1.0, 0.0)) == GLASS for x in xs for z in zs)


def test_two_wheelers_stand_on_two_wheels():
    for kind in ("motorcycle", "bicycle"):
        tpl = TEMPLATES[kind]
        tyre = is_tyre(tpl)
        z, x = tpl["position"][:, 2], tpl["position"][:, 0]
        assert z[tyre].min() == pytest.approx(0.0, abs=EPS)
        ground = tyre & (z < EPS)
        assert (x[ground] > 0.2).any() and (x[ground] < -0.2).any()
        assert z[~tyre].min() > 0.05                      # nothing else touches the road


def test_riders_on_two_wheelers_reach_the_box_top_and_nowhere_else():
    for kind in KINDS:
        tpl = TEMPLATES[kind]
        rider = tpl["part"] == RIDER
        if kind in ("motorcycle", "bicycle"):
            assert rider.mean() > 0.2
            assert tpl["position"][rider, 2].max() == pytest.approx(1.0, abs=EPS)
            assert tpl["position"][~rider, 2].max() < 0.75          # the vehicle alone is well below
        else:
            assert not rider.any(), kind


def test_bicycle_frame_and_pedestrian_clothes_take_the_actor_colour():
    for kind in ("bicycle", "pedestrian", "car", "truck", "motorcycle"):
        assert (TEMPLATES[kind]["part"] == BODY).mean() > 0.03, kind
    for kind in ("cone", "barrier"):
        assert not (TEMPLATES[kind]["part"] == BODY).any()


# ---------------------------------------------------------------------------------------------- silhouettes

def test_side_silhouettes_tell_car_suv_and_van_apart():
    car, suv, van = (side_profile(TEMPLATES[k]) for k in ("car", "suv", "van"))
    # bins run rear (0) to front (19); index 15 covers x ∈ [0.25, 0.3)
    assert car.max() == pytest.approx(1.0, abs=1e-3)
    assert car[17:].max() < 0.7 and car[:2].max() < 0.7       # a low hood and a low trunk: three boxes
    assert car[8:11].min() > 0.98                             # under the roof
    assert suv[1] > 0.9 > car[1]                              # a tall tailgate: two boxes
    assert van[15] > 0.75 > car[15]                           # the van's front is tall
    assert (van > 0.95).mean() >= 0.6 > (car > 0.95).mean()   # its roof runs most of its length
    for a, b in ((car, suv), (car, van), (suv, van)):
        assert np.abs(a - b).mean() > 0.04


def test_truck_cab_is_lower_than_its_cargo_box_and_bus_roof_is_flat():
    truck, bus = side_profile(TEMPLATES["truck"]), side_profile(TEMPLATES["bus"])
    assert truck[:14].min() > 0.98 and truck[-2:].max() < 0.98
    assert bus[1:-1].min() > 0.9


def test_side_and_front_views_differ_for_vehicles():
    """Vehicles are not boxes: their front view's silhouette is narrower at the top than at the bottom."""
    for kind in ROAD_VEHICLES:
        p = TEMPLATES[kind]["position"]
        top = p[p[:, 2] > 0.97]
        if kind == "truck":
            continue                                   # a box truck's cargo box is a box
        assert np.abs(top[:, 1]).max() < 0.49, kind


# ---------------------------------------------------------------------------------------------- walking

def leg_and_arm_masks(tpl):
    amp, pivot = tpl["swing"][:, 0], tpl["swing"][:, 1]
    moving = amp != 0
    hip = pivot[moving].min()
    legs, arms = moving & np.isclose(pivot, hip), moving & (pivot > hip + 0.1)
    left = tpl["position"][:, 1] > 0
    return legs, arms, left


def test_only_pedestrians_swing():
    for kind in KINDS:
        moving = np.any(TEMPLATES[kind]["swing"] != 0, axis=1)
        assert moving.any() == (kind == "pedestrian"), kind


def test_pedestrian_limbs_swing_against_each_other():
    tpl = TEMPLATES["pedestrian"]
    legs, arms, left = leg_and_arm_masks(tpl)
    amp = tpl["swing"][:, 0]
    assert legs.any() and arms.any()
    for mask in (legs, arms):                          # one amplitude per limb, left against right
        assert len(np.unique(amp[mask & left])) == 1 and len(np.unique(amp[mask & ~left])) == 1
        assert amp[mask & left][0] == -amp[mask & ~left][0]
    assert np.sign(amp[legs & left][0]) == -np.sign(amp[arms & left][0])
    assert 0.05 < abs(amp[legs][0]) <= 0.45 and 0.05 < abs(amp[arms][0]) <= 0.35
    # the hip pivot is at the top of the legs, the shoulder's at the top of the arms
    pivot, z = tpl["swing"][:, 1], tpl["position"][:, 2]
    assert z[legs].max() == pytest.approx(pivot[legs][0], abs=0.05)
    assert z[arms].max() == pytest.approx(pivot[arms][0], abs=0.05)


def test_walking_pedestrian_stays_in_its_box_and_moves_its_feet():
    tpl = TEMPLATES["pedestrian"]
    legs, arms, left = leg_and_arm_masks(tpl)
    for size in (np.array(ACTOR_KINDS["pedestrian"].size), np.array([0.4, 0.45, 1.2])):    # adult, child
        span = []
        for phase in np.linspace(0.0, 1.0, 50):
            pos, _ = pose_template(tpl, size, 0.0, (0.0, 0.0, 0.0), phase)
            unit = pos / size
            assert unit[:, :2].min() >= -0.5 - EPS and unit[:, :2].max() <= 0.5 + EPS
            assert unit[:, 2].min() >= -EPS and unit[:, 2].max() <= 1 + EPS
            span.append(np.ptp(unit[:, 0]))
        assert max(span) > min(span) + 0.1             # the stride shows
    size = np.array(ACTOR_KINDS["pedestrian"].size)
    # a quarter period on: θ > 0 turns +z towards +x, so the left leg (θ > 0) swings back
    rest, _ = pose_template(tpl, size, 0.0, (0.0, 0.0, 0.0), 0.0)
    quarter, _ = pose_template(tpl, size, 0.0, (0.0, 0.0, 0.0), 0.25)
    feet = tpl["position"][:, 2] < 0.1
    assert quarter[feet & left, 0].mean() < rest[feet & left, 0].mean() - 0.03
    assert quarter[feet & ~left, 0].mean() > rest[feet & ~left, 0].mean() + 0.03
    hands = arms & (tpl["position"][:, 2] < 0.5)
    assert quarter[hands & left, 0].mean() > rest[hands & left, 0].mean() + 0.03


def test_a_swinging_leg_turns_rigidly_in_metres():
    """The swing turns limbs in the world's metres, not in the squeezed unit box: distances within a leg
    stay as they are, at any box size."""
    tpl = TEMPLATES["pedestrian"]
    legs, _, left = leg_and_arm_masks(tpl)
    leg = legs & left
    for size in (ACTOR_KINDS["pedestrian"].size, (0.4, 0.45, 1.2)):
        rest, _ = pose_template(tpl, size, 0.7, (3.0, -2.0, 0.5), 0.0)
        moved, _ = pose_template(tpl, size, 0.7, (3.0, -2.0, 0.5), 0.2)
        d0 = np.linalg.norm(rest[leg][:, None] - rest[leg][None], axis=-1)
        d1 = np.linalg.norm(moved[leg][:, None] - moved[leg][None], axis=-1)
        np.testing.assert_allclose(d1, d0, atol=1e-5)
        assert np.abs(moved[leg] - rest[leg]).max() > 0.05


# ---------------------------------------------------------------------------------------------- posing

@pytest.mark.parametrize("heading", [0.0, 0.5, -2.0, np.pi])
def test_pose_at_phase_zero_is_scale_turn_and_move(heading):
    size, base = np.array([4.0, 2.2, 1.3]), np.array([10.0, -5.0, 0.4])
    c, s = np.cos(heading), np.sin(heading)
    turn = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    for kind in ("car", "pedestrian", "bicycle"):
        tpl = TEMPLATES[kind]
        pos, nrm = pose_template(tpl, size, heading, base, 0.0)
        expected = (tpl["position"].astype(np.float64) * size) @ turn.T + base
        np.testing.assert_allclose(pos, expected, atol=1e-9)
        np.testing.assert_allclose(np.linalg.norm(nrm, axis=1), 1.0, atol=1e-9)


@pytest.mark.parametrize("heading", [0.0, 1.0, 2.5])
@pytest.mark.parametrize("phase", [0.0, 0.3])
def test_posed_normals_are_the_posed_faces_normals(heading, phase):
    """World normals follow the inverse-transpose rule: with a non-uniform size they still agree with the
    normals of the posed triangles (a plain rotation of the stored normals would not)."""
    for kind, size in (("car", (5.5, 1.6, 2.0)), ("pedestrian", (0.7, 0.5, 1.9)), ("debris", (3.0, 0.4, 1.0))):
        tpl = TEMPLATES[kind]
        pos, nrm = pose_template(tpl, size, heading, (1.0, 2.0, 0.0), phase)
        face = face_normals(pos.reshape(-1, 3, 3))
        vn = nrm.reshape(-1, 3, 3)
        flat = np.all(np.abs(tpl["normal"].reshape(-1, 3, 3) - tpl["normal"].reshape(-1, 3, 3)[:, :1]) < 1e-6,
                      axis=(1, 2))
        assert np.all(np.einsum("td,td->t", vn[flat, 0], face[flat]) > 0.9999)
        assert np.all(np.einsum("tkd,td->tk", vn, face) > 0)
    # the check has teeth: merely turning the stored normals (no inverse transpose) misses a stretched car
    tpl = TEMPLATES["car"]
    c, s = np.cos(heading), np.sin(heading)
    naive = tpl["normal"][::3].astype(np.float64) @ np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]).T
    pos, _ = pose_template(tpl, (5.5, 1.6, 2.0), heading, (1.0, 2.0, 0.0), phase)
    assert np.einsum("td,td->t", naive, face_normals(pos.reshape(-1, 3, 3))).min() < 0.99


def test_expand_matches_posing_each_actor():
    kinds = np.array(["car", "pedestrian", "car"])
    x, y, z = np.array([0.0, 5.0, -7.0]), np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.1, 0.0])
    heading = np.array([0.1, 2.0, -1.0])
    length, width, height = np.array([4.0, 0.5, 5.0]), np.array([1.8, 0.6, 2.0]), np.array([1.4, 1.7, 1.6])
    phase = np.array([0.0, 0.3, 0.9])
    out = expand(TEMPLATES, kinds, x, y, z, heading, length, width, height, phase)
    assert out.dtype == WORLD_VERTEX
    assert len(out) == 2 * len(TEMPLATES["car"]) + len(TEMPLATES["pedestrian"])
    start = 0
    for i, kind in enumerate(kinds):
        tpl = TEMPLATES[kind]
        rows = out[start:start + len(tpl)]
        pos, nrm = pose_template(tpl, (length[i], width[i], height[i]), heading[i], (x[i], y[i], z[i]), phase[i])
        np.testing.assert_allclose(rows["position"], pos, atol=1e-4)
        np.testing.assert_allclose(rows["normal"], nrm, atol=1e-5)
        assert np.all(rows["actor"] == i) and np.array_equal(rows["part"], tpl["part"])
        np.testing.assert_array_equal(rows["color"], tpl["color"])
        start += len(tpl)
    assert len(expand(TEMPLATES, np.array([], dtype=str), *([np.zeros(0)] * 8))) == 0


# ---------------------------------------------------------------------------------------------- users' meshes

def cube(lo=(0, 0, 0), hi=(1, 1, 1)):
    """A closed box: vertices (8, 3), faces (12, 3) counter-clockwise from outside."""
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    v = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    f = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                  [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]])
    return v, f


def test_template_from_mesh_fills_the_unit_box_with_outward_normals():
    v, f = cube((2, -1, 5), (6, 3, 6))
    f = np.vstack([f, [[0, 0, 1]]])                        # a degenerate face is dropped
    tpl = template_from_mesh(v, f)
    assert len(tpl) == 36 and tpl.dtype == TEMPLATE_VERTEX
    np.testing.assert_allclose(tpl["position"].min(axis=0), [-0.5, -0.5, 0.0])
    np.testing.assert_allclose(tpl["position"].max(axis=0), [0.5, 0.5, 1.0])
    centre = triangles(tpl).mean(axis=1) - [0.0, 0.0, 0.5]
    assert np.all(np.einsum("td,td->t", tpl["normal"][::3], centre) > 0)
    assert np.all(tpl["part"] == BODY)
    coloured = template_from_mesh(v, f[:12], colors=np.tile([0.2, 0.4, 0.6], (12, 1)))
    assert np.all(coloured["part"] == TRIM)
    np.testing.assert_allclose(coloured["color"], np.tile([0.2, 0.4, 0.6], (36, 1)), atol=1e-6)
    with pytest.raises(ValueError, match="flat"):
        template_from_mesh([[0, 0, 0], [1, 0, 0], [0, 1, 0]], [[0, 1, 2]])
    with pytest.raises(ValueError, match="no triangles"):
        template_from_mesh(v, np.zeros((0, 3), dtype=int))


@pytest.fixture()
def gltf_mesh():
    """A trimesh body (a box, blue) with a red nose towards glTF's forward (+Z) and taller than it is wide
    (glTF's up is +Y): 2 m long, 1 m wide, 1.5 m tall in the actor frame."""
    trimesh = pytest.importorskip("trimesh")
    body = trimesh.creation.box(extents=(1.0, 1.5, 1.6))             # x (left), y (up), z (forward)
    body.apply_translation((0.0, 0.75, 0.0))
    nose = trimesh.creation.box(extents=(0.4, 0.3, 0.4))
    nose.apply_translation((0.0, 0.15, 1.0))                          # forward, at the bottom
    mesh = trimesh.util.concatenate([body, nose])
    colours = np.tile([0, 0, 255, 255], (len(mesh.vertices), 1))
    colours[len(body.vertices):] = [255, 0, 0, 255]
    mesh.visual.vertex_colors = colours
    return mesh


@pytest.mark.parametrize("suffix", [".glb", ".obj"])
def test_load_mesh_turns_gltf_axes_into_the_actor_frame(tmp_path, gltf_mesh, suffix):
    from scenariosim.render.mesh_files import load_mesh
    path = tmp_path / f"thing{suffix}"
    gltf_mesh.export(str(path))
    tpl = load_mesh(str(path))
    assert tpl.dtype == TEMPLATE_VERTEX and len(tpl) == 3 * len(gltf_mesh.faces)
    np.testing.assert_allclose(tpl["position"].min(axis=0), [-0.5, -0.5, 0.0], atol=1e-6)
    np.testing.assert_allclose(tpl["position"].max(axis=0), [0.5, 0.5, 1.0], atol=1e-6)
    red = tpl["color"][:, 0] > 0.5
    # the nose lies forward (+x), low (z < 0.2 of 1.5 m), centred across
    assert red.any() and tpl["position"][red, 0].min() > 0.25 and tpl["position"][red, 2].max() < 0.25
    assert np.all(tpl["part"] == TRIM)
    np.testing.assert_allclose(tpl["color"][red], np.tile([1.0, 0.0, 0.0], (red.sum(), 1)), atol=1e-6)
    centre = triangles(tpl).mean(axis=1)
    body = ~red[::3]
    out = centre[body] - [-0.1, 0.0, 0.5]
    assert np.all(np.einsum("td,td->t", tpl["normal"][::3][body], out) > 0)   # still outward


def test_load_mesh_without_colours_is_body(tmp_path):
    trimesh = pytest.importorskip("trimesh")
    from scenariosim.render.mesh_files import load_mesh
    path = tmp_path / "plain.obj"
    trimesh.creation.box(extents=(1.0, 2.0, 3.0)).export(str(path))
    tpl = load_mesh(str(path))
    assert np.all(tpl["part"] == BODY) and len(tpl) == 36


def test_load_mesh_errors_name_the_file(tmp_path, monkeypatch):
    pytest.importorskip("trimesh")
    from scenariosim.render.mesh_files import load_mesh
    missing = tmp_path / "missing.glb"
    with pytest.raises(RenderError, match=r"missing\.glb.*no such file"):
        load_mesh(str(missing))
    with pytest.raises(RenderError, match=r"thing\.stl.*not a \.glb, \.gltf or \.obj file"):
        load_mesh(str(tmp_path / "thing.stl"))
    garbage = tmp_path / "garbage.glb"
    garbage.write_bytes(b"not a mesh at all")
    with pytest.raises(RenderError, match=r"garbage\.glb.*cannot read") as err:
        load_mesh(str(garbage))
    assert "\n" not in str(err.value)
    points = tmp_path / "points.obj"
    points.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\n")
    with pytest.raises(RenderError, match=r"points\.obj.*no triangles"):
        load_mesh(str(points))
    monkeypatch.setitem(sys.modules, "trimesh", None)              # as if it were not installed
    with pytest.raises(RenderError, match=r"pip install 'scenariosim\[meshes\]'"):
        load_mesh(str(points))


@pytest.mark.parametrize("fields", [TEMPLATE_VERTEX.names, ("position", "swing")])
@pytest.mark.parametrize("kind", ACTOR_KINDS)
def test_shared_vertices_draw_the_same_triangles_with_each_vertex_once(kind, fields):
    mesh = template(kind)
    unique, indices = shared_vertices(mesh, fields)
    assert indices.dtype == np.uint32 and len(indices) == len(mesh)
    for name in fields:                                   # every corner as it was, bit for bit
        assert unique[indices][name].tobytes() == mesh[name].tobytes()
    keys = {unique[list(fields)][k].tobytes() for k in range(len(unique))}
    assert len(keys) == len(unique) < len(mesh)           # no vertex twice, and some shared
    first_use = np.unique(indices, return_index=True)[1]
    assert np.all(np.diff(first_use) > 0)                 # numbered in order of first use
