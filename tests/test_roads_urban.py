"""Urban generators: the street and the town grid against closed forms and invariants (lane offsets, kerbs,
sidewalks, zebras, furniture off the road, lane-graph reachability, exact joins, Frenet round trips)."""
from __future__ import annotations

import itertools
import math
from collections import deque

import numpy as np
import pytest
import shapely
from shapely import affinity

from scenariosim.dsl import loads
from scenariosim.errors import ScenarioValidationError
from scenariosim.roads.generators import build
from scenariosim.roads.generators.urban import (CROSSWALK_WIDTH, EDGE_INSET, KERB_RADIUS, ZEBRA_GAP, street,
                                                town)
from scenariosim.roads.geometry import point_at
from scenariosim.roads.network import PROP_KINDS, SOLID, URBAN_DASHED, Prop, RoadNetwork
from scenariosim.spec import sample
from scenariosim.spec.roads import StreetSpec, TownSpec
from scenariosim.world.build import build_world

CM, MM, CM2 = 0.01, 0.001, 1e-4


def footprint(prop: Prop) -> shapely.Polygon:
    l, w, _ = prop.size
    box = affinity.rotate(shapely.box(-l / 2, -w / 2, l / 2, w / 2), prop.heading, origin=(0, 0), use_radians=True)
    return affinity.translate(box, prop.position[0], prop.position[1])


def heading_of(normals: np.ndarray) -> np.ndarray:
    """Direction of travel [rad] from a lane's unit left normals (P, 2)."""
    return np.arctan2(-normals[:, 0], normals[:, 1])


def angle_diff(a, b) -> np.ndarray:
    return np.abs((np.asarray(a) - np.asarray(b) + np.pi) % (2 * np.pi) - np.pi)


def assert_props_off_the_road(net: RoadNetwork) -> None:
    assert net.props and {p.kind for p in net.props} <= set(PROP_KINDS)
    for p in net.props:
        assert footprint(p).intersection(net.surface).area < CM2, p
        assert min(p.size) > 0


def assert_buildings_clear(net: RoadNetwork) -> None:
    """Buildings stand off the sidewalks and apart from each other."""
    walks = shapely.union_all([w.area for w in net.sidewalks])
    houses = [footprint(p) for p in net.props if p.kind == "building"]
    assert houses
    assert all(h.intersection(walks).area < CM2 for h in houses)
    assert shapely.union_all(houses).area == pytest.approx(sum(h.area for h in houses), abs=CM2)


def assert_sidewalks_beside_the_road(net: RoadNetwork) -> None:
    """Every sidewalk lies outside the drivable surface, touches it along its kerb, carries its centre line,
    and no two overlap."""
    for walk in net.sidewalks:
        assert isinstance(walk.area, shapely.Polygon) and walk.area.is_valid
        assert walk.area.intersection(net.surface).area < CM2
        assert walk.area.distance(net.surface) < 1e-9
        assert walk.area.boundary.intersection(net.surface.boundary.buffer(1e-6)).length > 1.0   # a kerb, not a point
        assert walk.area.buffer(1e-6).contains(shapely.LineString(walk.centre))
        assert walk.kerb_height == pytest.approx(0.15) and walk.cum_s[-1] > 0
    total = shapely.union_all([w.area for w in net.sidewalks]).area
    assert total == pytest.approx(sum(w.area.area for w in net.sidewalks), abs=CM2 * len(net.sidewalks))


def assert_frenet_round_trips(net: RoadNetwork, per_lane: int = 6) -> None:
    rng = np.random.default_rng(7)
    for lane in net.lanes:
        s = rng.uniform(0.0, lane.length, per_lane)
        d = rng.uniform(-0.75, 0.75, per_lane) * lane.width
        xy = lane.point(s, d)
        s2, d2 = lane.project(xy)
        assert np.allclose(lane.point(s2, d2), xy, atol=MM)
        assert np.allclose(s2, s, atol=MM) and np.allclose(d2, d, atol=MM)


# ---- street ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,w", [(1, 3.25), (2, 3.5), (3, 3.0)])
def test_street_lanes_lie_at_their_closed_form_offsets(n, w):
    length = 180.0
    net = street(StreetSpec(name="main", length=length, lanes=n, lane_width=w))
    assert len(net.lanes) == 2 * n
    for k in range(1, n + 1):
        fwd = net.lanes[net.lane_index("main", k)]
        onc = net.lanes[net.lane_index("main", -k)]
        assert np.allclose(fwd.centre[:, 1], -(n - k + 0.5) * w, atol=CM)       # right of the centre line
        assert np.allclose(onc.centre[:, 1], (n - k + 0.5) * w, atol=CM)        # left of it
        assert fwd.centre[0, 0] == pytest.approx(0.0) and fwd.centre[-1, 0] == pytest.approx(length)
        assert onc.centre[0, 0] == pytest.approx(length) and onc.centre[-1, 0] == pytest.approx(0.0)
        assert fwd.width == pytest.approx(w, abs=CM) and onc.width == pytest.approx(w, abs=CM)
        assert fwd.length == pytest.approx(length) and onc.length == pytest.approx(length)
        assert np.allclose(heading_of(fwd.frame_normals()), 0.0, atol=1e-9)
        assert np.allclose(angle_diff(heading_of(onc.frame_normals()), math.pi), 0.0, atol=1e-9)
        assert np.allclose(angle_diff(onc.heading_at(np.linspace(0, length, 7)), math.pi), 0.0, atol=1e-9)
    for sign in (1, -1):                                   # left neighbours run inwards: 1 → 2 → … → n
        chain = [net.lane_index("main", sign * k) for k in range(1, n + 1)]
        assert [net.neighbour(a, 1) for a in chain] == chain[1:] + [-1]
        assert [net.neighbour(a, -1) for a in chain] == [-1] + chain[:-1]
    assert net.surface.area == pytest.approx(length * 2 * n * w, rel=1e-9)


def test_street_markings_centre_lanes_and_edges_break_at_the_zebra():
    n, w, s = 3, 3.25, 90.0
    net = street(StreetSpec(name="main", length=200.0, lanes=n, lane_width=w, crosswalk_at=s))
    lines = {}
    for m in net.markings:
        assert np.ptp(m.line[:, 1]) < 1e-9                                      # straight along x
        assert not np.any(np.abs(m.line[:, 0] - s) < CROSSWALK_WIDTH / 2 - 1e-9)   # none across the zebra
        lines.setdefault(round(float(m.line[0, 1]), 6), set()).add(m.style)
    expected = {0.0: {SOLID}} | {round(sg * k * w, 6): {URBAN_DASHED} for k in range(1, n) for sg in (-1, 1)} \
        | {round(sg * (n * w - EDGE_INSET), 6): {SOLID} for sg in (-1, 1)}
    assert lines == expected
    assert SOLID.color == "white"                          # European centre line
    assert len(net.markings) == 2 * len(expected)          # each before and after the zebra


@pytest.mark.parametrize("n,w,sw", [(1, 3.25, 2.5), (2, 3.5, 4.0)])
def test_street_sidewalks_lie_exactly_outside_the_carriageway(n, w, sw):
    length = 150.0
    net = street(StreetSpec(name="main", length=length, lanes=n, lane_width=w, sidewalk_width=sw))
    half = n * w
    assert [walk.side for walk in net.sidewalks] == ["right", "left"]
    assert_sidewalks_beside_the_road(net)
    for side, sign in (("right", -1), ("left", 1)):
        walk = net.sidewalk("main", side)
        assert walk.area.area == pytest.approx(length * sw, rel=1e-9)
        y0, y1 = sorted((sign * half, sign * (half + sw)))
        assert walk.area.bounds == pytest.approx((0.0, y0, length, y1), abs=1e-9)
        assert np.allclose(walk.centre[:, 1], sign * (half + sw / 2)) and walk.cum_s[-1] == pytest.approx(length)
        x, y, z, heading = net.place("main", area="sidewalk", side=side, s=40.0)
        assert (x, y, z, heading) == pytest.approx((40.0, sign * (half + sw / 2), 0.15, 0.0))


def test_street_without_sidewalks_has_none_but_keeps_its_furniture_off_the_road():
    net = street(StreetSpec(name="main", length=120.0, sidewalk_width=0.0))
    assert net.sidewalks == () and net.crosswalks == ()
    assert_props_off_the_road(net)


def test_street_crosswalk_spans_the_carriageway_at_crosswalk_at():
    n, w, s = 2, 3.25, 70.0
    net = street(StreetSpec(name="main", length=200.0, lanes=n, lane_width=w, crosswalk_at=s))
    cross = net.crosswalk("main", 1)
    assert len(net.crosswalks) == 1 and cross.width == CROSSWALK_WIDTH
    assert np.allclose(cross.line, [[s, -n * w], [s, n * w]])              # from the right-hand (south) end
    assert cross.area.area == pytest.approx(CROSSWALK_WIDTH * 2 * n * w)
    assert cross.area.difference(net.surface).area < CM2                  # on the road, kerb to kerb
    x, y, _, heading = net.place("main", area="crosswalk", crosswalk=1, s=0.5)
    assert (x, y, heading) == pytest.approx((s, -n * w + 0.5, math.pi / 2))
    signs = [p for p in net.props if p.kind == "sign" and abs(p.position[0] - s) < CROSSWALK_WIDTH]
    assert len(signs) == 2                                                  # one facing each direction
    assert street(StreetSpec(name="main", length=200.0)).crosswalks == ()


def test_street_crosswalk_past_the_end_is_an_error():
    with pytest.raises(ScenarioValidationError, match="crosswalk_at 250 m lies past"):
        street(StreetSpec(name="main", length=200.0, crosswalk_at=250.0))


def test_street_furniture_stands_off_the_road_lights_alternate_buildings_clear():
    net = street(StreetSpec(name="main", length=300.0, lanes=2, crosswalk_at=120.0))
    assert_props_off_the_road(net)
    assert_buildings_clear(net)
    lights = sorted((p for p in net.props if p.kind == "street_light"), key=lambda p: p.position[0])
    xs = np.array([p.position[0] for p in lights])
    assert np.allclose(np.diff(xs), 30.0) and xs[0] == pytest.approx(15.0)
    sides = np.sign([p.position[1] for p in lights])
    assert np.all(sides[:-1] == -sides[1:])                                 # alternating, starting right
    assert sides[0] == -1
    for p in lights:                                                        # arm points at the road
        assert angle_diff(p.heading, -math.pi / 2 if p.position[1] > 0 else math.pi / 2) < 1e-9
        assert p.position[2] == pytest.approx(0.15)                        # standing on the sidewalk
    kinds = {p.kind for p in net.props}
    assert {"building", "tree", "street_light", "sign"} <= kinds
    far = max(abs(p.position[1]) for p in net.props)
    assert far < 40.0                                                       # within sight of the street


def test_props_are_deterministic_and_come_from_the_road_alone():
    spec = StreetSpec(name="main", length=250.0, crosswalk_at=100.0)
    assert street(spec).props == street(spec).props
    other = street(StreetSpec(name="high_street", length=250.0, crosswalk_at=100.0)).props
    houses = lambda props: [p for p in props if p.kind == "building"]    # noqa: E731
    assert houses(other) != houses(street(spec).props)
    tspec = TownSpec(name="town", blocks=2, block_size=70.0)
    assert town(tspec).props == town(tspec).props


# ---- town --------------------------------------------------------------------------------------------

def entries_and_exits_reach(net: RoadNetwork) -> tuple[set[int], set[int]]:
    """(lanes reachable from an entry, lanes from which an exit is reachable), by BFS over the lane graph."""
    def bfs(starts, step):
        seen, todo = set(starts), deque(starts)
        while todo:
            for nxt in step(todo.popleft()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen
    entries = [i for i, lane in enumerate(net.lanes) if not lane.predecessors]
    exits = [i for i, lane in enumerate(net.lanes) if not lane.successors]
    return (bfs(entries, lambda i: net.lanes[i].successors), bfs(exits, lambda i: net.lanes[i].predecessors))


def box_half(spec: TownSpec) -> float:
    """Junction box half-size for blocks long enough for the full kerb radius."""
    return spec.lanes * spec.lane_width + KERB_RADIUS


@pytest.mark.parametrize("blocks,lanes", [(1, 1), (2, 2), (3, 1)])
def test_town_has_the_junctions_and_segments_its_grid_implies(blocks, lanes):
    spec = TownSpec(name="town", blocks=blocks, block_size=80.0, lanes=lanes)
    net = town(spec)
    size, h = spec.block_size, box_half(spec)
    streets = [ln for ln in net.lanes if ln.kind != "connector"]
    segments = {ln.arm for ln in streets}
    assert len(segments) == 2 * blocks * (blocks + 1)                      # blocks streets each way, blocks+1 pieces
    assert len(streets) == len(segments) * 2 * lanes
    joins = {}
    for ln in net.lanes:
        if ln.kind == "connector":
            joins.setdefault(ln.arm, []).append(ln)
    assert set(joins) == {f"j{i}.{j}" for i in range(blocks) for j in range(blocks)}
    for name, conns in joins.items():
        i, j = map(int, name[1:].split("."))
        centre = np.array([(i + 1) * size, j * size])
        assert len(conns) == 4 * (lanes + 2)                                # straight per lane, a right, a left
        for c in conns:                                                     # inside that junction's box
            assert np.all(np.abs(c.centre - centre) <= h + 1e-9)
            assert np.max(np.abs(c.centre[[0, -1]] - centre), axis=1) == pytest.approx([h, h])
    turns = [angle_diff(heading_of(c.frame_normals()[[-1]]), heading_of(c.frame_normals()[[0]]))[0]
             for c in joins["j0.0"]]
    assert sorted(np.round(turns, 9)) == sorted([0.0] * 4 * lanes + [round(math.pi / 2, 9)] * 8)


def test_every_town_lane_lies_on_a_path_from_an_entry_to_an_exit():
    spec = TownSpec(name="town", blocks=3, block_size=70.0, lanes=2)
    net = town(spec)
    reached, leaving = entries_and_exits_reach(net)
    assert reached == leaving == set(range(len(net.lanes)))               # no dead ends
    edge = (0.0, -spec.block_size, (spec.blocks + 1) * spec.block_size, spec.blocks * spec.block_size)
    for lane in net.lanes:                                                  # entries and exits at the town's edge
        for end, free in ((lane.centre[0], not lane.predecessors), (lane.centre[-1], not lane.successors)):
            if free:
                assert lane.kind == "driving"
                assert np.isclose(end[0], edge[0]) or np.isclose(end[0], edge[2]) or \
                    np.isclose(end[1], edge[1]) or np.isclose(end[1], edge[3])


@pytest.mark.parametrize("spec,chords", [
    (TownSpec(name="town", blocks=2, block_size=60.0, lanes=1), 0.05),
    (TownSpec(name="town", blocks=2, block_size=90.0, lanes=3, lane_width=3.5), 0.05),
    (TownSpec(name="town", blocks=2, block_size=20.0), 0.06)])                 # the smallest blocks: 1.75 m kerbs
def test_town_joins_are_exact_and_heading_continuous(spec, chords):
    """Ends meet within 1 cm; the exact headings (frame normals) agree, and so, within ``chords``, do the
    headings of the polylines' end segments (connectors are sampled every 0.5 m, coarse on the tightest
    turns)."""
    net = town(spec)
    count = 0
    for lane in net.lanes:
        for nxt in (net.lanes[k] for k in lane.successors):
            count += 1
            assert np.linalg.norm(lane.centre[-1] - nxt.centre[0]) < CM
            exact = angle_diff(heading_of(lane.frame_normals()[[-1]]), heading_of(nxt.frame_normals()[[0]]))[0]
            drawn = angle_diff(lane.heading_at(lane.length)[0], nxt.heading_at(0.0)[0])
            assert exact < 0.05 and drawn < chords
    assert count == 2 * sum(ln.kind == "connector" for ln in net.lanes)


def test_frenet_round_trip_near_every_lane():
    assert_frenet_round_trips(town(TownSpec(name="town", blocks=2, block_size=50.0, lanes=2)))
    assert_frenet_round_trips(street(StreetSpec(name="main", length=100.0, lanes=2)))


def test_town_lookups_answer_everything_the_spec_advertises():
    spec = TownSpec(name="town", blocks=3, block_size=90.0, lanes=2, lane_width=3.5, sidewalk_width=3.0)
    net = town(spec)
    n, w, sw, half = spec.lanes, spec.lane_width, spec.sidewalk_width, spec.lanes * spec.lane_width
    for number in spec.lane_numbers():                 # lane(town, ±k): the first x street's western entry
        lane = net.lanes[net.lane_index("town", number)]
        k = abs(number)
        assert lane.arm == "x0.0" and lane.length == pytest.approx(spec.block_size - box_half(spec))
        assert np.allclose(lane.centre[:, 1], math.copysign((n - k + 0.5) * w, -number), atol=CM)
    x, y, _, heading = net.place("town", lane=1, s=30.0)
    assert (x, y, heading) == pytest.approx((30.0, -(n - 0.5) * w, 0.0))   # as on a street from the origin
    arms = {ln.arm for ln in net.lanes if ln.kind != "connector"}
    for arm, number in itertools.product(arms, spec.lane_numbers()):
        assert net.lanes[net.lane_index("town", number, arm)].number == number
    assert spec.has_sidewalks
    for side, sign in (("right", -1), ("left", 1)):                # the sidewalks beside lane(town, ±k)
        walk, y = net.sidewalk("town", side), sign * (half + sw / 2)
        assert walk.centre[0] == pytest.approx((0.0, y))
        assert np.allclose(walk.centre[walk.centre[:, 0] < 60.0, 1], y)
        assert net.place("town", area="sidewalk", side=side, s=40.0)[:2] == pytest.approx((40.0, y))
    for number in range(1, 4 * spec.blocks**2 + 1):
        assert net.crosswalk("town", number).number == number
    assert spec.crosswalk_count <= len(net.crosswalks)


def test_town_sidewalks_lie_outside_the_drivable_surface_and_meet_round_corners():
    spec = TownSpec(name="town", blocks=2, block_size=60.0, lanes=1, sidewalk_width=2.5)
    net = town(spec)
    assert len(net.sidewalks) == 2 * 2 * spec.blocks * (spec.blocks + 1)   # both sides of every segment
    assert_sidewalks_beside_the_road(net)
    size = spec.block_size
    edge = lambda p: (np.isclose(p[0], 0.0) or np.isclose(p[0], (spec.blocks + 1) * size)     # noqa: E731
                      or np.isclose(p[1], -size) or np.isclose(p[1], spec.blocks * size))
    ends = [walk.centre[k] for walk in net.sidewalks for k in (0, -1)]
    for p in ends:                                          # inside the town, each end meets one other walk
        if not edge(p):
            assert sum(np.linalg.norm(q - p) < CM for q in ends) == 2
    for walk in net.sidewalks:                              # side as seen along the segment's lanes
        mid = point_at(walk.centre, walk.cum_s, np.array([walk.cum_s[-1] / 2]))[0]
        lane = net.lanes[net.lane_index("town", 1, _segment_beside(net, mid))]
        assert (lane.project(mid)[1][0] < 0) == (walk.side == "right")


def _segment_beside(net: RoadNetwork, xy: np.ndarray) -> str:
    """The segment whose lanes run nearest a point (1, 2) [m], among those whose s-range covers it."""
    near = []
    for lane in net.lanes:
        s, d = lane.project(xy)
        if lane.kind == "driving" and 0 <= s[0] <= lane.length:
            near.append((abs(d[0]), lane.arm))
    return min(near)[1]


@pytest.mark.parametrize("sw", [0.0, 2.5, 6.0])
def test_town_furniture_stands_off_the_road_and_buildings_clear_the_sidewalks(sw):
    net = town(TownSpec(name="town", blocks=2, block_size=80.0, lanes=2, sidewalk_width=sw))
    assert_props_off_the_road(net)
    if sw > 0:
        assert_buildings_clear(net)
    kinds = {p.kind for p in net.props}
    assert {"building", "tree", "pole", "street_light", "sign"} <= kinds


def test_town_crosswalks_cross_each_arm_next_to_its_junction():
    spec = TownSpec(name="town", blocks=2, block_size=80.0, lanes=2)
    net = town(spec)
    half, off = spec.lanes * spec.lane_width, box_half(spec) + ZEBRA_GAP + CROSSWALK_WIDTH / 2
    assert len(net.crosswalks) == 4 * spec.blocks**2
    for cross in net.crosswalks:
        q, a = divmod(cross.number - 1, 4)
        i, j = q % spec.blocks, q // spec.blocks
        centre = np.array([(i + 1) * spec.block_size, j * spec.block_size])
        direction = np.array([[1, 0], [0, -1], [-1, 0], [0, 1]][a])          # east, south, west, north
        assert cross.line.mean(axis=0) == pytest.approx(centre + off * direction)
        assert np.linalg.norm(cross.line[1] - cross.line[0]) == pytest.approx(2 * half)
        assert cross.area.difference(net.surface).area < CM2
        forward = np.array([1.0, 0.0]) if cross.arm.startswith("x") else np.array([0.0, 1.0])
        right = np.array([forward[1], -forward[0]])
        assert np.dot(cross.line[0] - cross.line.mean(axis=0), right) == pytest.approx(half)
    assert town(TownSpec(name="town", blocks=2, sidewalk_width=0.0)).crosswalks == ()


def test_town_blocks_too_short_for_their_streets_are_an_error():
    with pytest.raises(ScenarioValidationError, match="block_size 20 m leaves no room"):
        town(TownSpec(name="town", blocks=2, block_size=20.0, lanes=2))
    town(TownSpec(name="town", blocks=2, block_size=20.0))                  # the smallest blocks with one lane fit


# ---- end to end: the scenario language places actors on these roads -------------------------------

SCENARIO = """\
scenario t:
    seed: 3
    duration: 2 s
    timestep: 0.1 s
    road main = street(length: 200 m, lanes: 2, lane_width: 3.5 m, crosswalk_at: 120 m)
    road grid = town(blocks: 2, block_size: 90 m, lanes: 1, lane_width: 3.5 m)
    actor oncoming: car
        at: lane(main, -1), s 50 m
        speed: 10 m/s
    actor ego: car
        at: lane(grid, 1), s 30 m
        speed: 10 m/s
"""


def test_the_language_places_cars_on_a_street_and_in_a_town():
    spec = sample(loads(SCENARIO))
    network = build(spec.roads)
    world, _ = build_world(spec, network)
    v = world.vehicles
    lane = network.lanes[network.lane_index("main", -1)]
    assert (v.x[0], v.y[0]) == pytest.approx(tuple(lane.point(np.array([50.0]))[0]))
    assert (v.x[0], v.y[0]) == pytest.approx((150.0, 1.5 * 3.5))              # oncoming: from the far end
    assert angle_diff(v.heading[0], math.pi) < 1e-9
    assert (v.x[1], v.y[1]) == pytest.approx((30.0, -0.5 * 3.5)) and angle_diff(v.heading[1], 0.0) < 1e-9
