"""to_text: a concrete spec written as .scn text parses, and compiles back to an equal spec."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lark import Token, Tree

from scenariosim.dsl import load_file, loads
from scenariosim.dsl.parser import parse
from scenariosim.dsl.writer import to_text
from scenariosim.spec import sample
from scenariosim.spec.behavior import (CONTROLLERS, LIVE_ATTRIBUTES, MANEUVERS, SIGNALS, AllOf, AnyOf, BehaviorStep,
                                       Call, Compare, LaneOf, Negation, Number, Signal, SignalOp)
from scenariosim.spec.roads import HighwaySpec, IntersectionSpec, StreetSpec
from scenariosim.spec.scenario import (ActorSpec, CameraSpec, EnvironmentSpec, OutputSpec, Requirement,
                                       ScenarioSpec, SunSpec)
from scenariosim.spec.sun import sun_position
from scenariosim.spec.values import Param, Uniform
from scenariosim.units import LENGTH

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.scn"))


# ---- hand-built concrete specs -----------------------------------------------------------------

def _n(value, dimension="count"):
    return Number(value, dimension)


def _cmp(op, left, right):
    return Compare(op, left, right)


def _highway(**changes) -> ScenarioSpec:
    """Two cars on a highway, one camera: every top-level field set to a non-default value."""
    spec = ScenarioSpec(
        name="hand_built", seed=7, duration=4.0, timestep=0.05, max_attempts=12, source="x.scn",
        roads=(HighwaySpec(name="main", length=1000.0, lanes=3, lane_width=3.5),),
        environment=EnvironmentSpec(sun=SunSpec(elevation=0.61, azimuth=3.49), fog_visual_range=400.0, rain=0.3 / 3.6e6,
                                    snow=0.125 / 3.6e6, clouds=1.0, wetness=0.75),
        actors=(ActorSpec(name="ego", kind="car", road="main", lane=2, s=120.0, d=0.0, speed=27.77777777777778,
                          color="red", size=(4.6, 1.85, 1.5)),
                ActorSpec(name="lead", kind="truck", road="main", lane=2, s=175.5, d=-0.25, speed=23.0)),
        cameras=(CameraSpec(name="front", mount="ego", position=(1.6, 0.0, 1.4), yaw=0.0,
                            pitch=-0.03490658503988659, fov=math.pi / 2, width=1280, height=720, rate=10.0),),
        output=OutputSpec(labels=("rgb", "semantic", "depth"), formats=("coco", "kitti")))
    return dataclasses.replace(spec, **changes)


def _behaviors() -> ScenarioSpec:
    """Every maneuver, both controllers and conditions with and/or/not over every kind of signal."""
    cut_in = AnyOf((
        AllOf((_cmp(">=", Signal("time_gap", ("ego", "cutter")), _n(1.0, "time")),
               Negation(_cmp("<", Signal("speed", ("ego",)), _n(20.0, "speed"))))),
        _cmp(">", Signal("time"), _n(3.5, "time")),
    ))
    ego = (
        BehaviorStep(Call("follow_lane"), Call("idm", (("time_gap", _n(1.5, "time")),
                                                       ("min_gap", _n(2.0, "length")))), cut_in),
        BehaviorStep(Call("change_lane", (("to", LaneOf("cutter")), ("duration", _n(3.0, "time")),
                                          ("profile", "cubic"))),
                     until=Negation(Negation(_cmp("<=", Signal("elapsed"), _n(4.0, "time"))))),
        BehaviorStep(Call("change_lane", (("to", "left"),))),
        BehaviorStep(Call("change_lane", (("to", _n(2)),)), until=_cmp(
            "<", SignalOp("-", Signal("s", ("cutter",)), Signal("s", ("ego",))), _n(-3.5, "length"))),
        BehaviorStep(Call("change_speed", (("to", _n(25.0, "speed")), ("rate", _n(1.5, "acceleration")))),
                     until=_cmp("!=", Signal("travelled"), _n(1e-12, "length"))),
        BehaviorStep(Call("keep_time_gap", (("to", "cutter"), ("gap", _n(2.0, "time")))),
                     Call("constant_speed"),
                     AllOf((_cmp(">", Signal("ttc", ("ego", "cutter")), _n(1.0, "time")),
                            _cmp("==", Signal("accel", ("ego",)), _n(0.0, "acceleration")),
                            _cmp("<", Signal("distance", ("ego", "cutter")),
                                 SignalOp("*", _n(2), SignalOp("+", Signal("gap", ("cutter", "ego")),
                                                                   _n(123456789.123, "length"))))))),
        BehaviorStep(Call("stop_at", (("s", _n(900.0, "length")), ("decel", _n(3.0, "acceleration"))))),
    )
    cutter = (
        BehaviorStep(Call("follow_path", (("points", ((_n(0.0, "length"), _n(0.0, "length")),
                                                      (_n(10.0, "length"), _n(-5.0, "length")))),
                                          ("speed", _n(1.4, "speed")))),
                     until=_cmp(">=", Signal("d", ("cutter",)), _n(0.5, "length"))),
        BehaviorStep(Call("stay_still")),
    )
    walker = (BehaviorStep(Call("walk_across", (("speed", _n(1.4, "speed")), ("side", "right")))),)
    return _highway(
        roads=(HighwaySpec(name="main", length=1000.0), StreetSpec(name="town", length=200.0, crosswalk_at=50.0)),
        actors=(ActorSpec(name="ego", kind="car", road="main", lane=2, s=120.0, speed=25.0, behavior=ego),
                ActorSpec(name="cutter", kind="car", road="main", lane=3, s=150.0, speed=22.0, behavior=cutter),
                ActorSpec(name="walker", kind="pedestrian", road="town", area="sidewalk", side="left", s=40.0,
                          speed=1.2, behavior=walker)))


def _areas() -> ScenarioSpec:
    """Every area: a lane with and without an arm, a sidewalk, a crosswalk; negative numbers; time of day."""
    environment = EnvironmentSpec(time_of_day=66600.0, latitude=math.radians(-33.9), day_of_year=355,
                                  sun=SunSpec(**dict(zip(("elevation", "azimuth"),
                                                         sun_position(66600.0, math.radians(-33.9), 355)))))
    return _highway(
        roads=(IntersectionSpec(name="junction"), StreetSpec(name="st", length=200.0, crosswalk_at=50.0)),
        environment=environment,
        actors=(ActorSpec(name="ego", kind="car", road="junction", lane=1, arm="south", s=20.0, speed=5.0),
                ActorSpec(name="oncoming", kind="van", road="junction", lane=-1, arm="east", s=30.0, d=-0.5,
                          speed=8.0),
                ActorSpec(name="kid", kind="pedestrian", road="st", area="sidewalk", side="right", s=60.0, d=-1e-12,
                          speed=1.0),
                ActorSpec(name="walker", kind="pedestrian", road="st", area="crosswalk", crosswalk=1, s=2.0,
                          speed=1.4, color="yellow")),
        cameras=(CameraSpec(name="cam", mount="ego", position=(-0.5, 0.25, 1.2), yaw=-0.1, pitch=-0.2),))


HAND_BUILT = {"highway": _highway, "behaviors": _behaviors, "areas": _areas}


# ---- reading the parse tree --------------------------------------------------------------------

def _tree(spec: ScenarioSpec) -> Tree:
    return parse(to_text(spec))


def _value(node) -> float:
    """A number as the parse tree holds it: SI (the writer uses SI units only), unary minus applied."""
    if isinstance(node, Tree) and node.data == "neg":
        return -_value(node.children[1])
    assert isinstance(node, Tree) and node.data in ("number", "quantity"), node
    return float(node.children[0])


def _subtrees(tree: Tree, kind: str) -> list[Tree]:
    return list(tree.find_data(kind))


def _field(tree: Tree, name: str) -> Tree:
    return next(t for t in tree.iter_subtrees_topdown() if t.data == "field" and t.children[0] == name)


def _steps(tree: Tree) -> list[Tree]:
    return _subtrees(tree, "step")


# ---- the text ----------------------------------------------------------------------------------

def test_hand_built_highway_text():
    assert to_text(_highway()) == """\
# written by scenariosim sample from x.scn with seed 7
scenario hand_built:
    seed: 7
    duration: 4.0 s
    timestep: 0.05 s
    max_attempts: 12
    road main = highway(length: 1000.0 m)

    environment:
        sun: elevation 0.61 rad, azimuth 3.49 rad
        fog: visual_range 400.0 m
        rain: 8.333333333333333e-08 m/s
        snow: 3.472222222222222e-08 m/s
        clouds: 1.0
        wetness: 0.75

    actor ego: car
        at: lane(main, 2), s 120.0 m, d 0.0 m
        speed: 27.77777777777778 m/s
        color: red
        size: (4.6 m, 1.85 m, 1.5 m)

    actor lead: truck
        at: lane(main, 2), s 175.5 m, d -0.25 m
        speed: 23.0 m/s

    camera front on ego:
        position: (1.6 m, 0.0 m, 1.4 m)
        yaw: 0.0 rad
        pitch: -0.03490658503988659 rad
        fov: 1.5707963267948966 rad
        size: 1280x720
        rate: 10.0 Hz

    output:
        labels: rgb, semantic, depth
        formats: coco, kitti
"""


@pytest.mark.parametrize("build", HAND_BUILT.values(), ids=HAND_BUILT)
def test_hand_built_specs_parse(build):
    tree = _tree(build())
    assert len(_subtrees(tree, "actor")) == len(build().actors)
    assert len(_subtrees(tree, "road")) == len(build().roads)


def test_areas_are_written_as_place_calls():
    text = to_text(_areas())
    assert "at: lane(junction, 1, arm: south), s 20.0 m, d 0.0 m" in text
    assert "at: lane(junction, -1, arm: east), s 30.0 m, d -0.5 m" in text
    assert "at: sidewalk(st, side: right), s 60.0 m, d -1e-12 m" in text
    assert "at: crosswalk(st, 1), s 2.0 m, d 0.0 m" in text
    assert "color: yellow" in text
    places = [t.children[1] for t in _tree(_areas()).iter_subtrees_topdown()
              if t.data == "field" and t.children[0] == "at"]
    assert [p.children[0] for p in places] == ["lane", "lane", "sidewalk", "crosswalk"]


def test_road_fields_are_written_by_name_where_they_differ_from_their_defaults():
    text = to_text(_areas())
    assert "road junction = intersection()" in text
    assert "road st = street(length: 200.0 m, crosswalk_at: 50.0 m)" in text


def test_environment_with_a_time_of_day_writes_it_instead_of_the_sun():
    text = to_text(_areas())
    assert "sun:" not in text and "fog:" not in text
    latitude = repr(math.radians(-33.9))
    assert f"time_of_day: 66600.0 s\n        latitude: {latitude} rad\n        day_of_year: 355\n" in text
    # without one, latitude and day of the year only where they differ from the defaults
    text = to_text(_highway())
    assert "sun: elevation 0.61 rad, azimuth 3.49 rad" in text and "time_of_day" not in text
    assert "latitude" not in text and "day_of_year" not in text
    text = to_text(_highway(environment=EnvironmentSpec(latitude=0.5)))
    assert "latitude: 0.5 rad" in text and "day_of_year" not in text


# ---- numbers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0.0, -0.0, 1e-12, -1e-12, 123456789.123, -3.5, 0.1 + 0.2, 1e-05, 1e300,
                                   5e-324, 27.77777777777778, 1 / 3])
def test_numbers_read_back_exactly(value):
    tree = _tree(_highway(actors=(ActorSpec(name="ego", kind="car", road="main", lane=1, d=value, speed=1.0),)))
    named = dict((t.children[0], t.children[1]) for t in _subtrees(tree, "named"))
    assert _value(named["d"]) == value
    assert math.copysign(1.0, _value(named["d"])) == math.copysign(1.0, value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_float_reads_back_exactly(value):
    tree = _tree(_highway(duration=value))
    assert _value(_field(tree, "duration").children[1]) == value


def test_numpy_floats_and_whole_counts_are_written_plainly():
    spec = _highway(duration=np.float64(4.0), max_attempts=np.int64(3),
                    actors=(ActorSpec(name="ego", kind="car", road="main", lane=2.0, s=np.float64(1.5),
                                      speed=np.float32(2.5)),))
    text = to_text(spec)
    assert "duration: 4.0 s" in text and "max_attempts: 3\n" in text
    assert "at: lane(main, 2), s 1.5 m" in text and "speed: 2.5 m/s" in text
    assert "np." not in text


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_numbers_are_refused(value):
    with pytest.raises(ValueError, match="non-finite"):
        to_text(_highway(duration=value))
    with pytest.raises(ValueError, match="non-finite"):
        to_text(_behavior(BehaviorStep(Call("follow_lane", (("speed", Number(value, "speed")),)))))


# ---- behaviours --------------------------------------------------------------------------------

def _behavior(*steps: BehaviorStep) -> ScenarioSpec:
    actors = (ActorSpec(name="ego", kind="car", road="main", lane=1, s=10.0, speed=10.0, behavior=steps),
              ActorSpec(name="lead", kind="car", road="main", lane=1, s=50.0, speed=10.0))
    return _highway(actors=actors, cameras=())


#: arguments that exclude each other (the compiler takes one of them)
_EXCLUSIVE = {("change_speed", "time")}


def _args_of(table: dict, name: str, *, valid: bool = False) -> tuple[tuple[str, object], ...]:
    """A value of the right kind for every argument ``name`` takes (``valid``: leave out exclusive ones)."""
    values = {"lane": LaneOf("lead"), "actor": "lead",
              "points": ((_n(1.0, "length"), _n(-2.0, "length")), (_n(1e-12, "length"), _n(123456789.123, "length")))}
    args = []
    for key, arg in table[name].items():
        if valid and (name, key) in _EXCLUSIVE:
            continue
        if arg.kind == "name":
            args.append((key, arg.choices[-1]))
        else:
            args.append((key, values[arg.kind] if arg.kind in values else _n(2.5, arg.kind)))
    return tuple(args)


def _kwargs(call: Tree | Token) -> list[str]:
    if isinstance(call, Token):
        return []
    return [str(k.children[0]) for k in call.children[1:]]


@pytest.mark.parametrize("maneuver", MANEUVERS)
def test_every_maneuver_is_written_with_its_arguments_in_order(maneuver):
    args = _args_of(MANEUVERS, maneuver)
    step = _steps(_tree(_behavior(BehaviorStep(Call(maneuver, args)))))[0]
    action = step.children[0]
    if args:
        assert action.data == "call" and action.children[0] == maneuver
        assert _kwargs(action) == [k for k, _ in args]
    else:
        assert action.data == "bare_call" and action.children[0] == maneuver


@pytest.mark.parametrize("controller", CONTROLLERS)
def test_every_controller_is_written_after_with(controller):
    args = _args_of(CONTROLLERS, controller)
    spec = _behavior(BehaviorStep(Call("follow_lane", (("speed", _n(20.0, "speed")),)), Call(controller, args)))
    text = to_text(spec)
    assert f"follow_lane(speed: 20.0 m/s) with {controller}{'(' if args else chr(10)}" in text
    step = _steps(parse(text))[0]
    assert step.children[1].children[0] == controller and _kwargs(step.children[1]) == [k for k, _ in args]


def test_maneuver_argument_values():
    text = to_text(_behavior(
        BehaviorStep(Call("change_lane", (("to", LaneOf("lead")), ("duration", _n(3.0, "time")),
                                          ("profile", "cubic")))),
        BehaviorStep(Call("change_lane", (("to", "left"),))),
        BehaviorStep(Call("change_lane", (("to", _n(2.0)),))),
        BehaviorStep(Call("change_speed", (("to", _n(-1.0, "speed")), ("rate", _n(0.5, "acceleration"))))),
        BehaviorStep(Call("follow_path", (("points", ((_n(0.0, "length"), _n(0.0, "length")),
                                                      (_n(10.0, "length"), _n(5.0, "length")))),
                                          ("speed", _n(1.4, "speed"))))),
        BehaviorStep(Call("stay_still")),
    ))
    assert """\
        behavior:
            change_lane(to: lane_of(lead), duration: 3.0 s, profile: cubic)
            change_lane(to: left)
            change_lane(to: 2)
            change_speed(to: -1.0 m/s, rate: 0.5 m/s2)
            follow_path(points: [(0.0 m, 0.0 m), (10.0 m, 5.0 m)], speed: 1.4 m/s)
            stay_still
""" in text
    parse(text)


def test_a_single_step_is_still_a_block():
    text = to_text(_behavior(BehaviorStep(Call("stay_still"), until=_cmp(">", Signal("time"), _n(1.0, "time")))))
    assert "        behavior:\n            stay_still until time > 1.0 s\n" in text


# ---- conditions --------------------------------------------------------------------------------

def _until(cond) -> str:
    """How ``cond`` is written after until (and check it parses)."""
    text = to_text(_behavior(BehaviorStep(Call("stay_still"), until=cond)))
    parse(text)
    line = next(line for line in text.splitlines() if " until " in line)
    return line.split(" until ", 1)[1]


T = _cmp(">", Signal("time"), _n(1.0, "time"))
E = _cmp("<", Signal("elapsed"), _n(2.0, "time"))
G = _cmp(">=", Signal("gap", ("lead", "ego")), _n(30.0, "length"))


CONDITIONS = [
    (T, "time > 1.0 s"),
    (AllOf((T, E, G)), "time > 1.0 s and elapsed < 2.0 s and gap(lead, ego) >= 30.0 m"),
    (AnyOf((T, AllOf((E, G)))), "time > 1.0 s or elapsed < 2.0 s and gap(lead, ego) >= 30.0 m"),
    (AnyOf((AllOf((T, Negation(E))), Negation(Negation(G)))),
     "time > 1.0 s and not elapsed < 2.0 s or not not gap(lead, ego) >= 30.0 m"),
    (AnyOf((T, E, G)), "time > 1.0 s or elapsed < 2.0 s or gap(lead, ego) >= 30.0 m"),
]


@pytest.mark.parametrize("cond, text", CONDITIONS)
def test_conditions_and_binds_tighter_than_or(cond, text):
    assert _until(cond) == text


def test_condition_tree_shape():
    step = _steps(_tree(_behavior(BehaviorStep(Call("stay_still"),
                                               until=AnyOf((AllOf((T, Negation(E))), G))))))[0]
    cond = step.children[1]
    assert cond.data == "any_of" and cond.children[0].data == "all_of"
    assert cond.children[0].children[1].data == "negate" and cond.children[1].data == "comparison"


@pytest.mark.parametrize("cond", [AllOf((T, AnyOf((E, G)))), Negation(AnyOf((T, E))), Negation(AllOf((T, E))),
                                  AllOf(()), AnyOf(())])
def test_conditions_the_language_cannot_write_are_refused(cond):
    with pytest.raises(ValueError):
        to_text(_behavior(BehaviorStep(Call("stay_still"), until=cond)))


@pytest.mark.parametrize("name", [*SIGNALS, *LIVE_ATTRIBUTES])
def test_every_signal_is_written(name):
    arity = SIGNALS[name][0] if name in SIGNALS else 1
    actors = ("ego", "lead")[:arity]
    written = _until(_cmp(">", Signal(name, actors), _n(1.0, "length")))
    if name in LIVE_ATTRIBUTES:
        assert written.startswith(f"ego.{name} >")
    elif arity == 0:
        assert written.startswith(f"{name} >")
    else:
        assert written.startswith(f"{name}(ego, lead) >")


@pytest.mark.parametrize("signal", [Signal("speed"), Signal("speed", ("ego", "lead")), Signal("gap", ("ego",)),
                                    Signal("time", ("ego",)), Signal("nonsense")])
def test_bad_signals_are_refused(signal):
    with pytest.raises(ValueError):
        _until(_cmp(">", signal, _n(1.0, "length")))


A, B, C = Signal("s", ("ego",)), Signal("s", ("lead",)), Signal("d", ("ego",))


ARITHMETIC = [
    (SignalOp("-", A, B), "ego.s - lead.s"),
    (SignalOp("-", SignalOp("-", A, B), C), "ego.s - lead.s - ego.d"),
    (SignalOp("-", A, SignalOp("-", B, C)), "ego.s - (lead.s - ego.d)"),
    (SignalOp("+", A, SignalOp("+", B, C)), "ego.s + (lead.s + ego.d)"),
    (SignalOp("*", SignalOp("+", A, B), _n(2)), "(ego.s + lead.s) * 2"),
    (SignalOp("+", SignalOp("*", A, _n(2.5)), SignalOp("/", B, _n(-2))), "ego.s * 2.5 + lead.s / -2"),
    (SignalOp("/", A, SignalOp("/", B, C)), "ego.s / (lead.s / ego.d)"),
    (SignalOp("*", _n(-1.5, "time"), Signal("speed", ("ego",))), "-1.5 s * ego.speed"),
]


@pytest.mark.parametrize("expr, text", ARITHMETIC)
def test_arithmetic_is_parenthesised_where_precedence_needs_it(expr, text):
    assert _until(_cmp(">", expr, _n(0.0, "length"))) == f"{text} > 0.0 m"


def test_arithmetic_tree_shape():
    expr = SignalOp("-", A, SignalOp("*", SignalOp("+", B, C), _n(2)))
    step = _steps(_tree(_behavior(BehaviorStep(Call("stay_still"), until=_cmp(">", expr, _n(0.0, "length"))))))[0]
    left = step.children[1].children[0]
    assert left.data == "sub" and left.children[2].data == "mul" and left.children[2].children[0].data == "add"


# ---- refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["two words", "1st", "", "ego-2", "é", "a\nb", None, 3])
def test_names_that_are_no_identifiers_are_refused(bad):
    with pytest.raises(ValueError, match="as a name"):
        to_text(_highway(name=bad))
    with pytest.raises(ValueError, match="as a name"):
        to_text(_highway(actors=(ActorSpec(name="ego", kind=bad, road="main", lane=1),)))
    with pytest.raises(ValueError, match="as a name"):
        to_text(_highway(output=OutputSpec(formats=("coco", bad))))
    with pytest.raises(ValueError, match="as a name"):
        to_text(_behavior(BehaviorStep(Call("stay_still"), until=_cmp(">", Signal("speed", (bad,)), _n(1.0, "speed")))))
    if isinstance(bad, str):   # a str argument is a name; a number is written as one
        with pytest.raises(ValueError, match="as a name"):
            to_text(_behavior(BehaviorStep(Call("keep_time_gap", (("to", bad), ("gap", _n(1.0, "time")))))))


def test_an_actor_named_not_cannot_be_read_in_a_condition():
    with pytest.raises(ValueError, match="'not'"):
        _until(_cmp(">", Signal("speed", ("not",)), _n(1.0, "speed")))


def test_unresolved_specs_are_refused():
    with pytest.raises(ValueError, match="sample"):
        to_text(_highway(duration=Uniform(1.0, 2.0, LENGTH)))
    with pytest.raises(ValueError, match="sample"):
        to_text(_highway(params=(Param("v", Uniform(1.0, 2.0, LENGTH)),)))
    with pytest.raises(ValueError, match="sample"):
        to_text(_behavior(BehaviorStep(Call("follow_lane", (("speed", Number(Uniform(1.0, 2.0, LENGTH), "speed")),)))))


def test_empty_output_lists_are_refused():
    with pytest.raises(ValueError, match="labels"):
        to_text(_highway(output=OutputSpec(labels=())))


def test_the_header_is_one_comment_line():
    text = to_text(_highway(source="odd\nname.scn", seed=3))
    assert text.startswith("# written by scenariosim sample from odd name.scn with seed 3\nscenario ")
    parse(text)


def test_requirements_are_not_written():
    spec = _highway(requires=(Requirement(T, "time > 1 s"),))
    assert "require" not in to_text(spec)


# ---- round trip through the compiler ------------------------------------------------------------

def _same(a: ScenarioSpec, b: ScenarioSpec) -> bool:
    return dataclasses.replace(a, source="x") == dataclasses.replace(b, source="x")


def _loaded(spec: ScenarioSpec) -> ScenarioSpec:
    """What ``loads`` gives for a spec: with a time of day the file names no sun; it is computed from it."""
    env = spec.environment
    if env.time_of_day is None:
        return spec
    elevation, azimuth = sun_position(env.time_of_day, env.latitude, env.day_of_year)
    return dataclasses.replace(spec, environment=dataclasses.replace(env, sun=SunSpec(elevation=elevation,
                                                                                       azimuth=azimuth)))


@pytest.mark.parametrize("build", HAND_BUILT.values(), ids=HAND_BUILT)
def test_hand_built_specs_round_trip(build):
    spec = build()
    text = to_text(spec)
    back = loads(text)
    assert _same(back, _loaded(spec))
    assert _same(sample(back, spec.seed), spec)
    assert to_text(back) == text.replace("from x.scn", "from <string>")


@pytest.mark.parametrize("value", [1e-12, -1e-12, 123456789.123, 0.1 + 0.2, -0.0])
def test_numbers_round_trip(value):
    s = 500.0 + value if abs(value) < 1e3 else 500.0           # a highway is at most 20 km long
    spec = _highway(roads=(HighwaySpec(name="main", length=2e4),),
                    actors=(ActorSpec(name="ego", kind="car", road="main", lane=1, s=s, d=value,
                                      speed=abs(value)),))
    back = loads(to_text(spec))
    assert _same(back, spec) and back.actors[0].d == value and back.actors[0].s == s


def _round_trips(spec: ScenarioSpec) -> None:
    assert _same(loads(to_text(spec)), spec)


def test_negative_numbers_in_conditions_round_trip():
    cond = _cmp("<", Signal("d", ("ego",)), _n(-3.5, "length"))
    _round_trips(_behavior(BehaviorStep(Call("stay_still"), until=cond)))


@pytest.mark.parametrize("maneuver", MANEUVERS)
def test_every_maneuver_round_trips(maneuver):
    _round_trips(_behavior(BehaviorStep(Call(maneuver, _args_of(MANEUVERS, maneuver, valid=True)))))


@pytest.mark.parametrize("controller", CONTROLLERS)
def test_every_controller_round_trips(controller):
    _round_trips(_behavior(BehaviorStep(Call("follow_lane"), Call(controller, _args_of(CONTROLLERS, controller)))))


@pytest.mark.parametrize("name", [*SIGNALS, *LIVE_ATTRIBUTES])
def test_every_signal_round_trips(name):
    arity, dimension = SIGNALS[name] if name in SIGNALS else (1, LIVE_ATTRIBUTES[name])
    cond = _cmp(">=", Signal(name, ("ego", "lead")[:arity]), _n(1.5, dimension))
    _round_trips(_behavior(BehaviorStep(Call("stay_still"), until=cond)))


@pytest.mark.parametrize("cond", [c for c, _ in CONDITIONS])
def test_conditions_round_trip(cond):
    _round_trips(_behavior(BehaviorStep(Call("stay_still"), until=cond)))


@pytest.mark.parametrize("expr", [e for e, _ in ARITHMETIC])
def test_arithmetic_round_trips(expr):
    _round_trips(_behavior(BehaviorStep(Call("stay_still"), until=_cmp(">", expr, _n(0.0, "length")))))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
@pytest.mark.parametrize("seed", range(5))
def test_sampled_example_scenarios_round_trip(path, seed):
    file = load_file(path)
    names = [name for name in file.own if name in file.scenarios]
    if not names:
        pytest.skip(f"{path.name} defines sweeps only")
    for name in names:
        concrete = sample(file.scenarios[name], seed)
        text = to_text(concrete)
        assert text.splitlines()[0].endswith(f"with seed {seed}")
        back = loads(text, "sampled.scn")
        assert _same(back, _loaded(concrete)), name
        assert _same(sample(back, seed), concrete), name
        assert to_text(back) == text.replace(str(concrete.source), "sampled.scn", 1)
