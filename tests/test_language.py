"""The full scenario language: imports, requirements, placement, catalogue, weather, behaviours, output,
sweeps, overrides, gathered errors — each checked against what it means, not against its own output."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from scenariosim import cli
from scenariosim.dsl import load, load_file, load_sweep, loads, parse_override
from scenariosim.errors import ScenarioErrors, ScenarioSimError, ScenarioValidationError, UnitError, format_error
from scenariosim.spec import ACTOR_KINDS, sample
from scenariosim.spec.behavior import AllOf, AnyOf, BehaviorStep, Call, Compare, LaneOf, Negation, Number, Signal
from scenariosim.spec.sampling import sample_with_stats
from scenariosim.spec.sun import sun_position
from scenariosim.sweep.plan import expand

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.scn"))

HEAD = """\
scenario t:
    seed: 5
    duration: 10 s
    timestep: 0.05 s
    road main = highway(length: 1 km, lanes: 3)
"""


def actor(name="a", kind="car", at="lane(main, 2), s 100 m", speed="20 m/s", extra="") -> str:
    return f"    actor {name}: {kind}\n        at: {at}\n        speed: {speed}\n{extra}"


def error_of(text: str, filename: str = "t.scn") -> ScenarioSimError:
    with pytest.raises(ScenarioSimError) as info:
        sample(loads(text, filename))
    return info.value


# ---- the bundled scenarios ----------------------------------------------------------------------

def test_the_library_has_ten_scenarios_covering_every_kind_of_road_and_two_sweeps():
    files = [load_file(p) for p in SCENARIOS]
    roads = {type(r).__name__ for f in files for s in f.scenarios.values() for r in s.roads}
    kinds = {a.kind for f in files for s in f.scenarios.values() for a in sample(s).actors}
    assert len(SCENARIOS) >= 10
    assert {"HighwaySpec", "MergeSpec", "IntersectionSpec"} <= roads and "pedestrian" in kinds
    assert sum(len([n for n in f.sweeps if n in f.own]) for f in files) >= 2


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_every_bundled_scenario_passes_check(path, capsys):
    assert cli.main(["check", str(path)]) == 0, capsys.readouterr().err


# ---- imports and shared params --------------------------------------------------------------------

def test_imports_bring_shared_params_and_scenarios_and_the_bundled_library(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "speeds.scn").write_text("param cruise = 90 km/h\nparam kind = choice(van: 1)\n")
    (tmp_path / "main.scn").write_text('import "lib/speeds.scn"\nimport "ncap.scn"\n' + HEAD
                                       + actor(kind="kind", speed="cruise + 0 m/s * ncap_headway / 1 s"))
    spec = sample(load(tmp_path / "main.scn"))
    assert spec.actors[0].speed == pytest.approx(25.0) and spec.actors[0].kind == "van"
    sweep_file = tmp_path / "sweep.scn"
    sweep_file.write_text('import "main.scn"\nsweep s of t:\n    grid:\n        cruise: [50 km/h, 60 km/h]\n')
    runs = expand(load_sweep(sweep_file))
    assert [dict(r.point)["cruise"] for r in runs] == pytest.approx([50 / 3.6, 60 / 3.6])


def test_a_name_defined_by_two_files_is_an_error_at_the_import(tmp_path):
    (tmp_path / "a.scn").write_text("param v = 1 m\n")
    (tmp_path / "main.scn").write_text('import "a.scn"\nparam v = 2 m\n' + HEAD + actor())
    with pytest.raises(ScenarioValidationError, match=r"main.scn:2:7: param 'v' is declared twice"):
        load(tmp_path / "main.scn")


# ---- requirements -------------------------------------------------------------------------------

def test_requirements_hold_in_every_draw_and_impossible_ones_report_their_rejections():
    text = HEAD + "    param g = uniform(0 m, 100 m)\n" + actor(at="lane(main, 2), s 100 m + g") + \
        "    require a.s > 150 m and not a.s > 190 m\n"
    for seed in range(30):
        spec, stats = sample_with_stats(loads(text), seed)
        assert 150 < spec.actors[0].s <= 190 and stats.attempts >= 1
    impossible = text.replace("require a.s > 150 m", "require a.s > 250 m")
    err = error_of(impossible)
    assert str(err).startswith("t.scn:10:13: no draw met every check in 100 attempts")
    assert "require a.s > 250 m and not a.s > 190 m (t.scn:10:13) rejected 100 times" in err.message


def test_max_attempts_bounds_the_redraws():
    text = HEAD + "    max_attempts: 3\n" + actor(at="lane(main, 2), s uniform(0 m, 2 km)")
    spec = loads(text)
    outcomes = []
    for seed in range(40):
        try:
            outcomes.append(sample_with_stats(spec, seed)[1].attempts)
        except ScenarioValidationError as err:
            assert "in 3 attempts" in err.message
            outcomes.append(None)
    assert None in outcomes and max(a for a in outcomes if a) <= 3


# ---- placement ----------------------------------------------------------------------------------

@pytest.mark.parametrize("relation,sign", [("behind", -1), ("ahead_of", 1)])
def test_behind_and_ahead_of_leave_exactly_the_bumper_gap(relation, sign):
    text = HEAD + "    param gap = uniform(5 m, 30 m)\n" + actor("ego") + \
        actor("other", kind="choice(truck: 1, bus: 1, cone: 1)", at=f"{relation}(ego, by: gap)")
    for seed in range(20):
        spec = sample(loads(text), seed)
        ego, other = spec.actors
        length = ACTOR_KINDS[other.kind].size[0]
        bumper_gap = sign * (other.s - ego.s) - (ACTOR_KINDS["car"].size[0] + length) / 2
        assert 5 <= bumper_gap <= 30 and other.lane == ego.lane and other.road == ego.road


def test_left_of_and_right_of_count_lanes_from_the_other_actor_and_fail_off_the_road():
    text = HEAD + actor("ego", at="lane(main, 2), s 100 m") + actor("l", at="left_of(ego, lanes: 1)") + \
        actor("r", at="right_of(ego), behind(ego, by: 10 m)")
    ego, left, right = sample(loads(text)).actors
    assert (left.lane, left.s) == (3, 100.0) and right.lane == 1 and right.s == pytest.approx(100 - 14.6)
    off = HEAD + actor("ego", at="lane(main, 3), s 100 m") + actor("l", at="left_of(ego, lanes: 1)")
    err = error_of(off)
    assert err.location.line == 10 and "lane 4 is outside road 'main' (lanes 1..3)" in err.message


def test_placement_refers_to_earlier_actors_only_and_checks_sidewalks_and_crosswalks():
    later = HEAD + actor("a", at="behind(b, by: 5 m)") + actor("b")
    assert "unknown earlier actor 'b'" in str(error_of(later))
    street = HEAD.replace("highway(length: 1 km, lanes: 3)", "street(length: 300 m, crosswalk_at: 100 m)")
    spec = sample(loads(street + actor("p", "pedestrian", at="crosswalk(main, 1), s 2 m", speed="1 m/s")
                        + actor("q", "pedestrian", at="sidewalk(main, side: left), s 20 m", speed="1 m/s")))
    assert [(a.area, a.crosswalk, a.side) for a in spec.actors] == [("crosswalk", 1, None), ("sidewalk", None, "left")]
    assert "has no crosswalk 2 (crosswalks 1..1)" in str(error_of(street + actor("p", at="crosswalk(main, 2)")))
    assert "road 'main' has no sidewalk" in str(error_of(HEAD + actor("p", at="sidewalk(main), s 5 m")))


def test_two_way_roads_number_oncoming_lanes_negative():
    street = HEAD.replace("highway(length: 1 km, lanes: 3)", "street(length: 300 m, lanes: 2)")
    assert sample(loads(street + actor(at="lane(main, -2), s 10 m"))).actors[0].lane == -2
    assert "lane 3 is outside road 'main' (lanes -2..-1 and 1..2)" in str(error_of(street + actor(at="lane(main, 3), s 1 m")))


# ---- catalogue, colour, environment, output ------------------------------------------------------

def test_every_kind_and_colour_and_size_override():
    text = HEAD + "".join(actor(f"a{i}", kind, at=f"lane(main, 1), s {10 + 20 * i} m", speed="0 m/s",
                                extra="        color: red\n") for i, kind in enumerate(ACTOR_KINDS))
    spec = sample(loads(text + actor("kid", "pedestrian", at="lane(main, 3), s 5 m", speed="1 m/s",
                                     extra="        size: (0.7 m, 0.3 m, 1.15 m)\n")))
    assert [a.kind for a in spec.actors[:-1]] == list(ACTOR_KINDS) and {a.color for a in spec.actors[:-1]} == {"red"}
    assert spec.actors[-1].size == (0.7, 0.3, 1.15)
    assert "unknown colour 'rde' (did you mean 'red'?)" in str(error_of(HEAD + actor(extra="        color: rde\n")))


def test_time_of_day_sets_the_sun_and_weather_takes_physical_units():
    text = HEAD + actor() + """    environment:
        time_of_day: 12:00
        latitude: 40 deg
        day_of_year: 80
        rain: 10 mm/h
        snow: 0 mm/h
        clouds: 75 %
        wetness: 0.5
"""
    env = sample(loads(text)).environment
    assert env.time_of_day == 43200.0 and env.rain == pytest.approx(10e-3 / 3600)
    assert (env.clouds, env.wetness) == (0.75, 0.5)
    assert math.degrees(env.sun.elevation) == pytest.approx(90 - 40, abs=1.0)      # equinox noon
    assert math.degrees(env.sun.azimuth) == pytest.approx(180, abs=1e-6)            # due south
    assert "rain is a rate like 10 mm/h, got a plain number" in str(error_of(text.replace("10 mm/h", "0.3")))
    both = text.replace("        time_of_day: 12:00\n", "        time_of_day: 12:00\n        sun: elevation 5 deg\n")
    assert "either sun or time_of_day" in str(error_of(both))
    assert "not a time of day" in str(error_of(text.replace("12:00", "25:00")))


def test_sun_position_is_symmetric_about_noon_and_sets_at_six_at_the_equinox_on_the_equator():
    for hours in (7.0, 9.5, 11.0):
        e1, a1 = sun_position(hours * 3600, math.radians(50), 172)
        e2, a2 = sun_position((24 - hours) * 3600, math.radians(50), 172)
        assert e1 == pytest.approx(e2) and a1 == pytest.approx(2 * math.pi - a2)
    declination_zero_day = 81       # Cooper: sin(2π(284 + 81)/365) = 0
    elevation, azimuth = sun_position(6 * 3600, 0.0, declination_zero_day)
    assert elevation == pytest.approx(0.0, abs=1e-9) and math.degrees(azimuth) == pytest.approx(90.0)


def test_output_lists_label_kinds_and_formats_from_closed_sets():
    text = HEAD + actor() + "    output:\n        labels: rgb, depth\n        formats: kitti, yolo\n"
    output = sample(loads(text)).output
    assert (output.labels, output.formats) == (("rgb", "depth"), ("kitti", "yolo"))
    assert "unknown format 'cocoo' (did you mean 'coco'?)" in str(error_of(text.replace("kitti", "cocoo")))


# ---- behaviours -----------------------------------------------------------------------------------

def test_behaviour_steps_compile_to_records_with_si_values_and_live_conditions():
    text = HEAD + actor("ego") + actor("cut", at="left_of(ego), behind(ego, by: 10 m)", extra="""        behavior:
            follow_lane with idm(time_gap: 1.5 s) until time_gap(ego, cut) >= 1 s and not ego.speed < 36 km/h or time > 5 s
            change_lane(to: lane_of(ego), duration: 3 s)
            change_speed(to: 50 km/h, rate: 3 m/s2)
""")
    steps = sample(loads(text)).actors[1].behavior
    first = steps[0]
    assert first.action == Call("follow_lane") and first.controller == Call("idm", (("time_gap", Number(1.5, "time")),))
    assert first.until == AnyOf((AllOf((Compare(">=", Signal("time_gap", ("ego", "cut")), Number(1.0, "time")),
                                        Negation(Compare("<", Signal("speed", ("ego",)), Number(10.0, "speed"))))),
                                 Compare(">", Signal("time", ()), Number(5.0, "time"))))
    assert steps[1] == BehaviorStep(Call("change_lane", (("to", LaneOf("ego")), ("duration", Number(3.0, "time")))))
    assert steps[2].action.arg("to") == Number(pytest.approx(50 / 3.6), "speed")


@pytest.mark.parametrize("step,message", [
    ("folow_lane", "unknown maneuver 'folow_lane' (did you mean 'follow_lane'?)"),
    ("change_speed(rate: 2 m/s2)", "change_speed needs 'to'"),
    ("change_speed(to: 10 m, rate: 2 m/s2)", "to needs a speed, got a length (m)"),
    ("change_speed(to: 10 m/s, rate: 2 m/s2, time: 3 s)", "either rate or time, not both"),
    ("follow_lane until ttc(a, ghost) < 2 s", "unknown actor 'ghost'"),
    ("follow_lane until time_gap(a) < 2 s", "time_gap takes 2 actor names"),
    ("follow_lane until a.speed > 3 m", "cannot compare a speed with a length"),
    ("follow_lane with pid(k: 1)", "unknown controller 'pid'"),
    ("change_lane(to: sideways)", "to is a lane number, left, right or lane_of(ACTOR)"),
])
def test_behaviour_errors_are_located_at_the_step(step, message):
    err = error_of(HEAD + actor(extra=f"        behavior: {step}\n"))
    assert message in err.message and err.location.line == 9


@pytest.mark.parametrize("step,value,message", [
    ("drive with idm(max_accel: -1 m/s2)", "-1 m/s2", "idm's max_accel must be positive, got -1 m/s2"),
    ("drive with idm(comfort_decel: 0 m/s2)", "0 m/s2", "idm's comfort_decel must be positive, got 0 m/s2"),
    ("drive with idm(time_gap: -0.5 s)", "-0.5 s", "idm's time_gap must be at least 0, got -0.5 s"),
    ("change_lane(to: left, duration: 0 s)", "0 s", "change_lane's duration must be positive, got 0 s"),
    ("change_speed(to: -18 km/h)", "-18 km/h", "change_speed's to must be at least 0, got -5 m/s"),
    ("change_speed(to: 10 m/s, rate: -2 m/s2)", "-2 m/s2", "change_speed's rate must be positive, got -2 m/s2"),
    ("keep_time_gap(to: a, gap: -1 s)", "-1 s", "keep_time_gap's gap must be at least 0, got -1 s"),
    ("stop_at(s: 200 m, decel: 0 m/s2)", "0 m/s2", "stop_at's decel must be positive, got 0 m/s2"),
    ("follow_lane(speed: -2 m/s)", "-2 m/s", "follow_lane's speed must be at least 0, got -2 m/s"),
])
def test_behaviour_arguments_out_of_their_bounds_are_errors_at_the_value(step, value, message):
    # (each of these had run: a negative max_accel or a zero comfort_decel made IDM's root NaN)
    line = f"        behavior: {step}\n"
    err = error_of(HEAD + actor(extra=line))
    assert err.message == message
    assert (err.location.line, err.location.column) == (9, line.index(value) + 1)


def test_drawn_behaviour_arguments_out_of_their_bounds_are_redrawn_or_reported():
    text = HEAD + "    param r = uniform(-1 m/s2, 2 m/s2)\n" + \
        actor(extra="        behavior: change_speed(to: 10 m/s, rate: r)\n")
    rates = [sample(loads(text), seed).actors[0].behavior[0].action.arg("rate").value for seed in range(30)]
    assert min(rates) > 0 and max(rates) > 1                  # the negative draws were drawn again
    err = error_of(text.replace("uniform(-1 m/s2, 2 m/s2)", "uniform(-2 m/s2, -1 m/s2)"))
    assert "change_speed's rate must be positive" in err.message and "rejected 100 times" in err.message
    assert err.location.line == 10


# ---- sweeps and overrides --------------------------------------------------------------------------

SWEEP_HEAD = HEAD + "    param v = uniform(10 m/s, 20 m/s)\n    param k = choice(car: 1)\n" + \
    actor(kind="k", speed="v")


def test_ranges_include_their_end_and_count_spaces_evenly():
    sweep = load_sweep_text(SWEEP_HEAD + "sweep s of t:\n    grid:\n        v: range(10 km/h, 40 km/h, step: 10 km/h)\n"
                            "        k: [car, truck, bus]\n    samples: 2\n")
    values = [dict(r.point)["v"] * 3.6 for r in expand(sweep)]
    assert values[::6] == pytest.approx([10, 20, 30, 40]) and len(values) == 4 * 3 * 2
    counted = load_sweep_text(SWEEP_HEAD + "sweep s of t:\n    zip:\n        v: range(1 m/s, 2 m/s, count: 5)\n")
    assert [dict(r.point)["v"] for r in expand(counted)] == pytest.approx([1, 1.25, 1.5, 1.75, 2])


@pytest.mark.parametrize("body,message", [
    ("    grid:\n        v: [1 m]\n", "this axis needs a speed, got a length (m)"),
    ("    grid:\n        w: [1 m/s]\n", "unknown param 'w'"),
    ("    zip:\n        v: [1 m/s, 2 m/s]\n        k: [car]\n", "zip needs axes of equal length, got v: 2, k: 1"),
    ("    grid:\n        v: range(0 m/s, 1000 m/s, step: 0.001 m/s)\n", "more than the 100,000"),
    ("    grid:\n        k: [tank]\n", "unknown name 'tank'"),
    ("    sampler: sobl\n", "unknown sampler 'sobl' (did you mean 'sobol'?)"),
])
def test_sweep_errors_are_located(body, message):
    with pytest.raises(ScenarioValidationError) as info:
        load_sweep_text(SWEEP_HEAD + "sweep s of t:\n" + body)
    assert message in info.value.message and info.value.location is not None


def load_sweep_text(text: str):
    from scenariosim.dsl import loads_file
    file = loads_file(text, "t.scn")
    return next(file.sweeps[n] for n in file.own if n in file.sweeps)


def test_set_overrides_are_unit_checked_and_replace_random_or_fixed_params():
    spec = loads(SWEEP_HEAD)
    assert parse_override(spec, "v=36 km/h") == ("v", pytest.approx(10.0))
    assert parse_override(spec, "k=bus") == ("k", "bus")
    name, value = parse_override(spec, "v = uniform(1 m/s, 2 m/s)")
    drawn = sample(spec, 3, overrides={name: value}).actors[0].speed
    assert 1 <= drawn <= 2
    for text, message in [("v=3 m", "v needs a speed, got a length (m)"), ("vv=3 m/s", "did you mean 'v'?"),
                          ("v", "expected NAME=VALUE"), ("k=tank", "unknown name 'tank'"),
                          ("v=3 furlongs", "unknown unit 'furlongs'")]:
        with pytest.raises(ScenarioValidationError, match=re.escape(message)):
            parse_override(spec, text)


# ---- errors ---------------------------------------------------------------------------------------

def test_several_errors_are_reported_together_in_file_order_with_carets():
    text = HEAD + actor("a", speed="20 s") + actor("b", kind="tank") + actor("c", at="lane(mian, 1), s 1 m")
    with pytest.raises(ScenarioErrors) as info:
        loads(text, "t.scn")
    errors = info.value.errors
    assert [(e.location.line, e.location.column) for e in errors] == [(8, 19), (9, 14), (13, 18)]
    assert "speed needs a speed, got a time (s)" in errors[0].message and "'tank'" in errors[1].message
    assert "unknown road 'mian' (did you mean 'main'?)" in errors[2].message
    shown = format_error(info.value).splitlines()
    assert shown[1] == "            speed: 20 s" and shown[2] == "    " + " " * 18 + "^" and len(shown) == 9


def test_a_failed_param_is_reported_once_not_at_every_use():
    text = HEAD + "    param v = 3 q\n" + actor("a", speed="v") + actor("b", speed="v * 2", at="lane(main, 1), s 5 m")
    with pytest.raises(UnitError) as info:
        loads(text)
    assert "unknown unit 'q'" in info.value.message


def test_check_json_and_sample_and_sweep_list_on_the_command_line(tmp_path, capsys):
    bad = tmp_path / "bad.scn"
    bad.write_text(HEAD + actor(speed="20 s") + actor("b", kind="tank"))
    assert cli.main(["check", "--json", str(bad)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and [(e["line"], e["column"]) for e in report["errors"]] == [(8, 19), (9, 14)]
    cut_in = str(ROOT / "scenarios" / "cut_in.scn")
    out = tmp_path / "drawn.scn"
    assert cli.main(["sample", cut_in, "--seed", "9", "--set", "gap0=30 m", "--out", str(out)]) == 0
    drawn = load(out)
    assert drawn == sample(drawn) and drawn.seed == 9
    ego, cutter = drawn.actors[:2]
    bumper_gap = ego.s - cutter.s - (ACTOR_KINDS["car"].size[0] + ACTOR_KINDS[cutter.kind].size[0]) / 2
    assert bumper_gap == pytest.approx(30)
    capsys.readouterr()
    assert cli.main(["sweep", "list", cut_in]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 * 4 * 8 and lines[8].split("\t")[1:3] == ["cell 1", "sample 0"]
    assert lines[0].split("\t")[3] == lines[8].split("\t")[3]          # common random numbers across cells
    assert cli.main(["sample", cut_in, "--set", "gap0=30 s"]) == 1
    assert "gap0 needs a length, got a time (s)" in capsys.readouterr().err


def test_left_of_follows_the_direction_of_an_oncoming_lane_and_relative_s_counts_the_own_size():
    street = HEAD.replace("highway(length: 1 km, lanes: 3)", "street(length: 300 m, lanes: 2)")
    text = street + actor("a", at="lane(main, -1), s 50 m") + actor("l", at="left_of(a)") + \
        actor("r", at="right_of(l, lanes: 1), ahead_of(a, by: 5 m)", extra="        size: (10 m, 2 m, 2 m)\n")
    a, left, right = sample(loads(text)).actors
    assert (left.lane, right.lane) == (-2, -1)
    assert right.s == pytest.approx(50 + 5 + (4.6 + 10) / 2)          # its own size counts


def test_params_cannot_read_attributes_and_set_sees_only_earlier_params():
    text = HEAD + "    param half = main.length / 2\n" + actor()
    with pytest.raises(ScenarioValidationError, match="a param cannot read main.length"):
        loads(text)
    spec = loads(HEAD + "    param a = 1 m/s\n    param b = 2 m/s\n" + actor(speed="a + b"))
    assert sample(spec, overrides={"b": parse_override(spec, "b = a * 3")[1]}).actors[0].speed == 4.0
    with pytest.raises(ScenarioValidationError, match=r"unknown name 'b' \(no param is declared before it\)"):
        parse_override(spec, "a = b")


# ---- review fixes ----------------------------------------------------------------------------------

JUNCTION = HEAD.replace("highway(length: 1 km, lanes: 3)", "intersection(turn_lanes: 1)")


def test_relative_placement_keeps_the_arm_and_junction_lanes_need_one():
    text = JUNCTION + actor("t1", at="lane(main, 2, arm: south), s 40 m") + actor("t2", at="behind(t1, by: 5 m)")
    t1, t2 = sample(loads(text)).actors
    assert (t2.arm, t2.lane) == ("south", 2) and t2.s == pytest.approx(40 - 5 - 4.6)
    assert "has arms: say which" in str(error_of(JUNCTION + actor(at="lane(main, 1), s 5 m")))


def test_setting_a_choice_param_takes_no_draw_from_the_others():
    text = HEAD + "    param kind = choice(car: 1, van: 1)\n    param x = uniform(0 m, 100 m)\n" + \
        actor(kind="kind", at="lane(main, 2), s 100 m + x")
    spec = loads(text)
    fixed = loads(text.replace("choice(car: 1, van: 1)", "choice(van: 1)"))
    for seed in range(5):
        assert sample(spec, seed, overrides={"kind": "van"}) == sample(fixed, seed)


def test_truncated_normal_samples_far_tails_correctly():
    text = HEAD + actor(at="lane(main, 2), s 500 m + normal(0 m, 1 m, max: -8.5 m)")
    values = np.array([sample(loads(text), seed).actors[0].s - 500 for seed in range(200)])
    assert values.max() <= -8.5 and len(np.unique(values)) == 200
    # the mean of a standard normal beyond −8.5 is −φ(8.5)/Φ(−8.5) ≈ −8.6138 (Mills ratio)
    assert values.mean() == pytest.approx(-8.6138, abs=0.02)


def test_values_drawn_later_cannot_be_read_earlier():
    assert "not drawn yet" in str(error_of(HEAD + actor("ego") + "    environment:\n        fog: visual_range ego.s\n"))
    assert "own value, not drawn yet" in str(error_of(HEAD + actor("a", at="lane(main, 1), s a.speed * 1 s")))
    street = HEAD.replace("highway(length: 1 km, lanes: 3)", "street(length: 300 m)")
    walker = actor("w", "pedestrian", at="sidewalk(main), s 40 m", speed="1 m/s")
    assert "place actors relative to actors on lanes only" in str(error_of(street + walker + actor("b", at="behind(w)")))


def test_checks_that_no_draw_can_change_fail_at_once():
    err = error_of(HEAD + actor() + "    require a.s > 500 m\n")
    assert "never holds: nothing in the scenario is random" in err.message
    with pytest.raises(ScenarioValidationError, match="seed is a whole number"):
        sample(loads(HEAD + actor()), -1)
    with pytest.raises(ScenarioValidationError, match="seed is a whole number"):
        sample(loads(HEAD + actor()), 1.7)


def test_a_curve_that_does_not_fit_is_reported_by_check():
    text = HEAD.replace("highway(length: 1 km, lanes: 3)", "highway(length: 1 km, curve_radius: 100 m, "
                                                          "curve_angle: 10 deg)") + actor()
    assert "transitions of 50 m turn more than curve_angle" in str(error_of(text))


def test_a_random_lane_target_must_be_whole():
    text = HEAD + "    param t = uniform(1, 3)\n" + actor(extra="        behavior: change_lane(to: t)\n")
    assert "needs a whole number" in str(error_of(text))
